"""Rules about one named section or party (issue #18 item 4): `for each … section where …` selects
by code and registry attributes, and `section.party = guizhou` reads them in an amount. Worked by
hand on rules/examples/boundary_section_pool.rule (pool 100万, shares 30% / 40% / 30%).

GB 3838 (river): COD Ⅰ 15, Ⅲ 20; NH3-N Ⅱ 0.5, Ⅲ 1.0, Ⅳ 1.5; TP Ⅱ 0.1, Ⅲ 0.2 (mg/L).
"""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import RuleError
from compensation.lang import check_paths

EXAMPLE = RULES / "examples" / "boundary_section_pool.rule"
SCHEME = "boundary_pool"
# section: (river, party); the last two must be left out of every rule of the example
SECTIONS = {
    "qingshuipu": ("赤水河", "yunnan"),
    "maotai": ("赤水河", "guizhou"),
    "gulin": ("赤水河", "sichuan"),
    "wujiang": ("乌江", "guizhou"),        # another river: not upstream_allocation's
    "xishui_s": ("赤水河", "xishui"),      # a county's section: not a province's boundary
}


def _store(tmp_path: Path):
    con = new_store(tmp_path)
    for party, kind in (("yunnan", "province"), ("guizhou", "province"),
                        ("sichuan", "province"), ("xishui", "county"), ("pool", "other")):
        con.execute("INSERT INTO parties (party_id, name, kind, label) VALUES (?, ?, ?, ?)",
                    [party, party, kind, "资金池" if kind == "other" else None])
    for sid, (river, party) in SECTIONS.items():
        add_section(con, sid, SCHEME, party=party, river=river)
    return con


def _samples(con, sid: str, year: int, cod: str, nh3n: str, tp: str) -> None:
    for ind, v in (("COD", cod), ("NH3N", nh3n), ("TP", tp)):
        add_sample(con, sid, date(year, 7, 1), ind, v)


def test_each_share_follows_its_own_boundary_section(tmp_path: Path) -> None:
    con = _store(tmp_path)
    # 2020: qingshuipu Ⅱ (COD 15.0 Ⅰ, NH3-N 0.50 Ⅱ, TP 0.100 Ⅱ); maotai Ⅳ (NH3-N 1.20);
    # gulin Ⅲ (18.0, 0.80, 0.150); wujiang and xishui_s Ⅰ–Ⅱ but not selected
    _samples(con, "qingshuipu", 2020, "15.0", "0.50", "0.100")
    _samples(con, "maotai", 2020, "18.0", "1.20", "0.150")
    _samples(con, "gulin", 2020, "18.0", "0.80", "0.150")
    # 2021: maotai Ⅲ (NH3-N 0.90), gulin Ⅳ (NH3-N 1.40), qingshuipu Ⅲ (COD 20.0)
    _samples(con, "qingshuipu", 2021, "20.0", "0.50", "0.100")
    _samples(con, "maotai", 2021, "18.0", "0.90", "0.150")
    _samples(con, "gulin", 2021, "18.0", "1.40", "0.150")
    for sid in ("wujiang", "xishui_s"):
        for year in (2020, 2021):
            _samples(con, sid, year, "10.0", "0.10", "0.020")
    rows = run_rules(con, EXAMPLE, date(2020, 1, 1), date(2021, 12, 1))
    got = {(r["rule"], r["section_id"], r["period_start"].year):
           (r["payer"], r["payee"], r["amount"], r["branch"]) for r in rows}
    assert got == {
        # 1,000,000 × 30% = 300,000.00 to yunnan while qingshuipu is Ⅲ or better
        ("yunnan_allocation", "qingshuipu", 2020): ("pool", "yunnan", D("300000.00"),
                                                   "省界断面达标"),
        ("yunnan_allocation", "qingshuipu", 2021): ("pool", "yunnan", D("300000.00"),
                                                   "省界断面达标"),
        # maotai Ⅳ in 2020: guizhou's 40% stays in the pool; Ⅲ in 2021: 400,000.00
        ("upstream_allocation", "maotai", 2020): ("pool", "guizhou", D("0.00"),
                                                  "省界断面未达标"),
        ("upstream_allocation", "maotai", 2021): ("pool", "guizhou", D("400000.00"),
                                                  "省界断面达标"),
        # gulin Ⅲ in 2020: sichuan's 30% = 300,000.00; Ⅳ in 2021: 0
        ("upstream_allocation", "gulin", 2020): ("pool", "sichuan", D("300000.00"),
                                                 "省界断面达标"),
        ("upstream_allocation", "gulin", 2021): ("pool", "sichuan", D("0.00"),
                                                 "省界断面未达标"),
    }


def _rendered(tmp_path: Path, monkeypatch, old: str, new: str) -> list[str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.rule").write_text(text.replace(old, new, 1), encoding="utf-8")
    return [d.render().splitlines()[0] for d in check_paths([Path("bad.rule")])]


def _place(old: str, new: str, target: str) -> tuple[int, int]:
    text = EXAMPLE.read_text(encoding="utf-8").replace(old, new, 1)
    line = next(n for n, s in enumerate(text.splitlines(), 1) if target in s)
    return line, text.splitlines()[line - 1].index(target) + 1


@pytest.mark.parametrize(
    ("old", "new", "target", "message"),
    [
        ('section.river = "赤水河"', 'section.basin = "赤水河"', "section.basin",
         ("“section.basin”不是断面的名录属性；可用：section、section.river、section.bank、"
         "section.water_body、section.party、section.party.kind。"
         "(unknown section attribute basin)")),
        ('section.party.kind = "province"', 'section.party.kind = "省"', '"省"',
         ("section.party.kind 的取值应为 district、city、county、province、treasury、other 之一"
         "（名录中保存的代码），而不是“省”。(unknown value)")),
        ("section.party != yunnan", "section.party != hunan", "hunan",
         "未知的名称“hunan”：它不是参数、度量、let 或指标代码。(unknown name hunan)"),
        ('section = "qingshuipu"', 'value(COD) > 20 mg/L', "value(COD)",
         ("“for each … section where”只能按断面编号和名录属性选择（section、section.river、"
         "section.bank、section.water_body、section.party、section.party.kind，与带引号的文字"
         "或当事方编号比较，可用 and、or、not 连接）；按监测值或参数的条件请写在金额或例外中。"
         "(where selects by the registry only)")),
        ('section.party != yunnan', 'section.party != "yunnan"', 'section.party != "yunnan"',
         "不能比较当事方与文字：单位不同。(cannot compare values of different units)"),
    ],
    ids=["attribute", "kind", "party", "data", "quoted-party"],
)
def test_wrong_selections_are_refused_with_their_place(
    tmp_path: Path, monkeypatch, old: str, new: str, target: str, message: str
) -> None:
    line, col = _place(old, new, target)
    assert _rendered(tmp_path, monkeypatch, old, new) == [f"bad.rule:{line}:{col}: {message}"]


def _ecocomp(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["ecocomp", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_an_unregistered_code_is_refused_by_check_with_a_database_and_by_a_run(
    tmp_path: Path,
) -> None:
    con = _store(tmp_path)
    con.close()
    db = tmp_path / "t.duckdb"
    text = EXAMPLE.read_text(encoding="utf-8")
    bad = tmp_path / "typo.rule"
    bad.write_text(text.replace('section = "qingshuipu"', 'section = "qingshuipo"')
                   .replace('section.river = "赤水河"', 'section.river = "赤水"'),
                   encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()
    at = [(n, s.index(word) + 1) for n, s in enumerate(lines, 1)
          for word in ('"qingshuipo"', '"赤水"') if word in s]
    listed = "gulin、maotai、qingshuipu、wujiang、xishui_s"
    expected = [
        (f"typo.rule:{at[0][0]}:{at[0][1]}: 断面编号“qingshuipo”不在方案“boundary_pool”的断面"
        f"名录中（已登记：{listed}）。(unknown section 'qingshuipo')"),
        (f"typo.rule:{at[1][0]}:{at[1][1]}: 河流“赤水”不在方案“boundary_pool”的断面名录中"
        "（已登记：乌江、赤水河）。(unknown section.river '赤水')"),
    ]
    checked = _ecocomp("--db", str(db), "rules", "check", "typo.rule", cwd=tmp_path)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert [x for x in checked.stderr.splitlines() if x.startswith("typo.rule:")] == expected
    # without a database there is no registry to compare with: the file alone checks
    alone = _ecocomp("--db", str(tmp_path / "none.duckdb"), "rules", "check", "typo.rule",
                     cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    # a run reads the registry: it stops at the same places before computing anything
    from compensation.lang import compile_file, prepare_run
    from compensation.store import open_store

    con = open_store(db)
    with pytest.raises(RuleError) as err:
        prepare_run(con, compile_file(bad), date(2020, 1, 1), date(2020, 12, 1),
                    datetime(2030, 1, 1))
    assert [d.message for d in err.value.diagnostics] == [e.split(": ", 1)[1] for e in expected]
    assert str(err.value).splitlines()[0].endswith(expected[0].split(":", 1)[1])


def test_section_attributes_inside_a_loop_over_sections(tmp_path: Path) -> None:
    """`all(ok for s in sections where section.river = "汉江")`: `section` is the loop's section.
    2020: h1 COD 18.0 and h2 COD 20.0 (汉江, both ≤ 20 mg/L), c1 COD 25.0 (长江, > 20)."""
    rule = tmp_path / "loop.rule"
    rule.write_text("""scheme loop_t "测试" basis "测试" period year settle year from 2020-01
  parties pool <-> section.party
parameters
  x = 10万 from 2020-01 basis "测试"
measure ok = value(COD) <= 20 mg/L
rule han "汉江全部达标" basis "测试" for each assessed section, year
  pool pays section.party
  amount = if all(ok for s in sections where section.river = "汉江") then x else 0
rule every "全部达标" basis "测试" for each assessed section, year
  pool pays section.party
  amount = if all(ok for s in sections) then x else 0
""", encoding="utf-8")
    con = new_store(tmp_path)
    for sid, river, cod in (("h1", "汉江", "18.0"), ("h2", "汉江", "20.0"), ("c1", "长江", "25.0")):
        add_section(con, sid, "loop_t", party="p_" + sid, river=river)
        add_sample(con, sid, date(2020, 7, 1), "COD", cod)
    amounts = {(r["rule"], r["section_id"]): r["amount"]
               for r in run_rules(con, rule, date(2020, 1, 1), date(2020, 12, 1))}
    # 汉江 only: h1 and h2 meet → every row 100,000.00; over all sections c1 fails → 0
    assert amounts == {("han", s): D("100000.00") for s in ("c1", "h1", "h2")} | {
        ("every", s): D("0.00") for s in ("c1", "h1", "h2")}


def test_blank_attributes_and_a_scheme_level_count_by_party_kind(tmp_path: Path) -> None:
    """A section without bank compares as blank (`!= "left"` holds, not unknown); a scheme-level
    rule counts, in its loop over the sections, the provinces' sections at Ⅲ or better.
    2020: p1 (province, left bank) COD 18.0 Ⅲ; p2 (province, no bank) COD 25.0 Ⅳ; k1 (county, no
    bank) COD 10.0 Ⅰ."""
    rule = tmp_path / "kinds.rule"
    rule.write_text("""scheme kinds_t "测试" basis "测试" period year settle year from 2020-01
  parties pool <-> section.party
parameters
  x = 10万 from 2020-01 basis "测试"
measure ok = value(COD) <= 20 mg/L
rule not_left "非左岸断面" basis "测试" for each assessed section where section.bank != "left", year
  pool pays section.party
  amount = x
rule provinces_ok "达标的省级断面数" basis "测试" for each year
  pool pays pool
  amount = count(s for s in sections where section.party.kind = "province" and ok) * x
""", encoding="utf-8")
    con = new_store(tmp_path)
    for party, kind in (("pa", "province"), ("pb", "province"), ("kc", "county")):
        con.execute("INSERT INTO parties (party_id, name, kind) VALUES (?, ?, ?)",
                    [party, party, kind])
    for sid, party, cod in (("p1", "pa", "18.0"), ("p2", "pb", "25.0"), ("k1", "kc", "10.0")):
        add_section(con, sid, "kinds_t", party=party)
        add_sample(con, sid, date(2020, 7, 1), "COD", cod)
    con.execute("UPDATE sections SET bank = 'left' WHERE section_id = 'p1'")
    got = {(r["rule"], r["section_id"]): r["amount"]
           for r in run_rules(con, rule, date(2020, 1, 1), date(2020, 12, 1))}
    # not_left: p2 and k1 (bank blank), not p1 (left); provinces_ok: only p1 → 1 × 100,000.00
    assert got == {("not_left", "k1"): D("100000.00"), ("not_left", "p2"): D("100000.00"),
                   ("provinces_ok", None): D("100000.00")}
