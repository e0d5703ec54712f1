"""Volumes from flows and measured volumes (issue #18 item 3), worked by hand on
rules/examples/flux_volumes.rule: amount = max(NH3-N − 1.0, 0) mg/L × volume × 10万元/t.

April 2020 has 30 days = 2,592,000 s; 1 mg/L = 1 g/m³ and 10万元/t = 100,000 元 / 10⁶ g = 0.1 元/g.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import AS_OF, RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import EcocompError
from compensation.lang import check_paths, compile_file, prepare_run

EXAMPLE = RULES / "examples" / "flux_volumes.rule"
APRIL = date(2020, 4, 1)


def _flow(con, sid: str, day: int, hour: int, value: str, flag: str | None = None) -> None:
    add_sample(con, sid, datetime(2020, 4, day, hour), "FLOW", value, flag=flag)


def _amounts(rows: list[dict]) -> dict[tuple[str, str], tuple[D, str | None]]:
    return {(r["rule"], r["section_id"]): (r["amount"], r["reason"]) for r in rows}


def _measure(row: dict, name: str) -> object:
    """A measure's value as the line's trace records it (what `explain` shows)."""
    return json.loads(row["trace"])["measures"][name]


def test_three_volumes_of_one_month(tmp_path: Path) -> None:
    con = new_store(tmp_path)
    for sid in ("a", "b"):
        add_section(con, sid, "flux_volumes", party="up_" + sid)
    # a: NH3-N 1.50 → excess 0.50 g/m³. Days 1–15 two flows 0.400 and 0.500 (daily mean 0.45 →
    # 38,880 m³), days 16–30 one flow 0.475 (41,040 m³); on day 10 a third flow 9.999 flagged
    # 仪器故障, which never counts. A measured volume of 120万 m³ = 1,200,000 m³.
    add_sample(con, "a", date(2020, 4, 5), "NH3N", "1.50")
    for day in range(1, 31):
        if day <= 15:
            _flow(con, "a", day, 8, "0.400")
            _flow(con, "a", day, 20, "0.500")
        else:
            _flow(con, "a", day, 8, "0.475")
    _flow(con, "a", 10, 14, "9.999", flag="fault")
    add_sample(con, "a", date(2020, 4, 30), "VOL", "1200000")
    # b: NH3-N 2.00 → excess 1.00 g/m³; one flow 1.000 a day on days 1–29 (day 30 missing); no
    # measured volume
    add_sample(con, "b", date(2020, 4, 5), "NH3N", "2.00")
    for day in range(1, 30):
        _flow(con, "b", day, 8, "1.000")
    rows = run_rules(con, EXAMPLE, APRIL, APRIL)
    assert _amounts(rows) == {
        # a daily: 15 × 38,880 + 15 × 41,040 = 1,198,800 m³ × 0.5 × 0.1 = 59,940.00
        ("by_daily_flow", "a"): (D("59940.00"), None),
        # a period: (15 × 0.9 + 15 × 0.475) / 45 = 20.625 / 45 m³/s × 2,592,000 s
        #   = 1,188,000 m³ exactly (the rounded mean 0.458 would give 1,187,136) → 59,400.00
        ("by_mean_flow", "a"): (D("59400.00"), None),
        # a measured: 1,200,000 m³ × 0.5 × 0.1 = 60,000.00
        ("by_measured_volume", "a"): (D("60000.00"), None),
        # b daily: day 30 has no flow, so the month's daily volume is unknown
        ("by_daily_flow", "b"): (D("0.00"), "数据缺失"),
        # b period: mean 1.000 × 2,592,000 s = 2,592,000 m³ × 1.0 × 0.1 = 259,200.00
        ("by_mean_flow", "b"): (D("259200.00"), None),
        ("by_measured_volume", "b"): (D("0.00"), "数据缺失"),
    }
    # the line says which volume it used: the measure in its trace (and so in `explain`)
    line = next(r for r in rows if (r["rule"], r["section_id"]) == ("by_mean_flow", "a"))
    assert _measure(line, "mean_volume") == "1188000.000000000000"


def test_volumes_are_exact_to_the_cubic_metre_fraction(tmp_path: Path) -> None:
    """The table the rules read, to its 12 decimals: one flow of 0.463 m³/s on each of April's
    days; then three flows on May 1 only."""
    con = new_store(tmp_path)
    add_section(con, "a", "flux_volumes", party="up_a")
    for day in range(1, 31):
        _flow(con, "a", day, 8, "0.463")
    compiled = compile_file(EXAMPLE)
    prepare_run(con, compiled, APRIL, APRIL, AS_OF)
    got = dict(con.execute(
        "SELECT basis, volume FROM ev_volumes WHERE period = DATE '2020-04-01'").fetchall())
    # 0.463 × 86,400 = 40,003.2 m³ a day × 30 = 1,200,096 m³ on both bases; no VOL loaded
    assert got == {"daily": D("1200096.000000000000"), "period": D("1200096.000000000000"),
                   "measured": None}
    # a thirds-of-a-second case: three samples 0.1, 0.1, 0.2 on one day of a month run to date
    add_sample(con, "a", datetime(2020, 5, 1, 8), "FLOW", "0.1")
    add_sample(con, "a", datetime(2020, 5, 1, 12), "FLOW", "0.1")
    add_sample(con, "a", datetime(2020, 5, 1, 16), "FLOW", "0.2")
    prepare_run(con, compiled, date(2020, 5, 1), date(2020, 5, 1), AS_OF)
    may = dict(con.execute(
        "SELECT basis, volume FROM ev_volumes WHERE period = DATE '2020-05-01'").fetchall())
    # period: 0.4 / 3 m³/s × 31 days × 86,400 s = 1,071,360 / 3 = 357,120 m³ exactly; daily:
    # only May 1 of 31 days has a flow → unknown
    assert may == {"daily": None, "period": D("357120.000000000000"), "measured": None}


def test_two_measured_volumes_in_one_month_are_refused(tmp_path: Path) -> None:
    con = new_store(tmp_path)
    add_section(con, "a", "flux_volumes", party="up_a")
    add_sample(con, "a", date(2020, 4, 1), "VOL", "1200000")
    add_sample(con, "a", date(2020, 4, 30), "VOL", "1250000")
    with pytest.raises(EcocompError) as err:
        prepare_run(con, compile_file(EXAMPLE), APRIL, APRIL, AS_OF)
    assert str(err.value) == (
        "径流量（VOL）每个断面每月只能有一个值（该月的水量）：断面 a 2020-04 有 2 个；请删去多余的"
        "样品或以更正批次替换后再核算。(more than one measured volume in a month)")


@pytest.mark.parametrize(
    ("old", "new", "target", "message"),
    [
        ("= volume(FLOW, daily)", "= volume(FLOW)", "volume(FLOW)",
         ("volume(FLOW) 需要写明折算方法：volume(FLOW, daily) 或 volume(FLOW, period)，由方案"
         "原文决定。(volume(FLOW) needs its basis)")),
        ("= volume(FLOW, daily)", "= volume(FLOW, days)", "days)",
         ("volume(FLOW, …) 的第二个参数应为 daily（逐日平均流量 × 86400 秒之和）或 period（本期"
         "平均流量 × 本期秒数），而不是“days”。(volume basis: daily or period)")),
        ("= volume(VOL)", "= volume(VOL, daily)", "volume(VOL, daily)",
         "volume(VOL) 读导入的径流量，不带第二个参数。(volume(VOL) takes one argument)"),
        ("= volume(VOL)", "= volume(COD)", "COD)",
         ("volume(...) 读流量 FLOW（volume(FLOW, daily)、volume(FLOW, period)）或导入的径流量 VOL"
         "（volume(VOL)）。(volume reads FLOW or VOL)")),
        ("= volume(VOL)", "= value(VOL) * days", "VOL)",
         ("径流量 VOL 是每月流过断面的水量（总量），不能取 value(...)；本期水量写 volume(VOL)。"
         "(read a measured volume with volume(VOL))")),
        ("excess * measured_volume", "measured_volume", "measured_volume * price",
         "规则的金额应为金额（如 50万、100元），这里算出的是元·g^-1·m³。(an amount must be money)"),
    ],
    ids=["no-basis", "bad-basis", "vol-basis", "not-flow", "value-of-vol", "unit"],
)
def test_wrong_volumes_are_refused_with_their_place(
    tmp_path: Path, monkeypatch, old: str, new: str, target: str, message: str
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(old, new, 1)
    line = next(n for n, s in enumerate(text.splitlines(), 1)
                if target in s and not s.startswith("#"))
    col = text.splitlines()[line - 1].index(target) + 1
    monkeypatch.chdir(tmp_path)
    Path("bad.rule").write_text(text, encoding="utf-8")
    got = [d.render().splitlines()[0] for d in check_paths([Path("bad.rule")])]
    assert got == [f"bad.rule:{line}:{col}: {message}"]


def test_a_quarter_to_date_and_the_whole_quarter(tmp_path: Path) -> None:
    """A quarter counts its days up to the run's last month. January 2020: one flow 1.0 a day
    (31 days); February: 2.0 and 3.0 each day (daily mean 2.5, 29 days); March: nothing. Measured
    volumes 100 m³ (January) and 200 m³ (February)."""
    rule = tmp_path / "quarter.rule"
    rule.write_text(EXAMPLE.read_text(encoding="utf-8").replace("period month", "period quarter")
                    .replace("section, month", "section, quarter"), encoding="utf-8")
    con = new_store(tmp_path)
    add_section(con, "a", "flux_volumes", party="up_a")
    for day in range(1, 32):
        add_sample(con, "a", datetime(2020, 1, day, 8), "FLOW", "1.0")
    for day in range(1, 30):
        add_sample(con, "a", datetime(2020, 2, day, 8), "FLOW", "2.0")
        add_sample(con, "a", datetime(2020, 2, day, 20), "FLOW", "3.0")
    add_sample(con, "a", date(2020, 1, 31), "VOL", "100")
    add_sample(con, "a", date(2020, 2, 29), "VOL", "200")
    compiled = compile_file(rule)

    def volumes(month: int) -> dict[str, D | None]:
        prepare_run(con, compiled, date(2020, month, 1), date(2020, month, 1), AS_OF)
        return dict(con.execute("SELECT basis, volume FROM ev_volumes WHERE kind = 'quarter' "
                                "AND period = DATE '2020-01-01'").fetchall())

    # to date (run of February, 60 days): daily 31 × 86,400 × 1.0 + 29 × 86,400 × 2.5 = 8,942,400;
    # period: (31 × 1.0 + 29 × 5.0) / 89 samples = 176/89 m³/s × 60 × 86,400 s
    #   = 912,384,000 / 89 = 10,251,505.617977528089 88… → 12 decimals half up …528090;
    # measured 100 + 200 = 300
    assert volumes(2) == {"daily": D("8942400"), "period": D("10251505.617977528090"),
                          "measured": D("300")}
    # the whole quarter (run of March, 91 days): March has no flow and no volume, so daily and
    # measured are unknown; period: 176/89 × 91 × 86,400 = 1,383,782,400 / 89
    #   = 15,548,116.853932584269 66… → …584270
    assert volumes(3) == {"daily": None, "period": D("15548116.853932584270"), "measured": None}
