"""`ecocomp demo` end to end: a real process builds a real DuckDB file from data/, and the public
facts hold on the quality macros (`monthly_values`, `annual_values`, `monthly_section_class`).

Every expected value comes from tests/demo/conftest.py, which reads the files without ecocomp.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from compensation.render.labels import scheme_title
from compensation.render.pdf import find_chromium, html_to_pdf
from tests.office import (
    HAVE_OFFICE,
    assert_no_missing_glyph,
    assert_reads_as_issued,
    pages_text,
    squeeze,
    to_pdf,
)

# the shipped schemes' titles, as their rule files' headers write them
SCHEME_TITLES = ("长江汉江跨区断面水质考核奖惩和生态补偿", "通顺河流域跨市断面水质考核生态补偿",
                 "道观河流域横向生态补偿")

IMPROVED = {"cj_wuhanguan", "cj_yaotou", "cj_yujiawan", "cj_yangsi", "cj_wujindi",
            "cj_dongxingzhou"}
CLASS_RATED = ("COD", "CODMn", "NH3N", "TP", "BOD5", "DO")
S_III = {"COD": Decimal(20), "CODMn": Decimal(6), "NH3N": Decimal("1.0"), "TP": Decimal("0.2")}


@pytest.fixture(scope="module")
def built(demo_build):
    """The session's demo (tests/conftest.py), built by `ecocomp demo` outside the repository."""
    return demo_build


@pytest.fixture(scope="module")
def con(built):
    assert built.returncode == 0, built.stderr
    connection = duckdb.connect(str(built.db), read_only=True)
    yield connection
    connection.close()


def _as_of(con, before_file: str | None = None) -> datetime:
    """The newest loaded_at, or the last loaded_at before the batch of the named file."""
    if before_file is None:
        return con.execute("SELECT max(loaded_at) FROM batches").fetchall()[0][0]
    rows = con.execute(
        "SELECT max(loaded_at) FROM batches WHERE loaded_at < "
        "(SELECT loaded_at FROM batches WHERE file_name LIKE ?)", [f"%{before_file}"]).fetchall()
    return rows[0][0]


def _monthly(con, as_of: datetime) -> dict[tuple[str, int, int, str], tuple]:
    rows = con.execute(
        "SELECT section_id, period, indicator, value, class, flags FROM monthly_values(?)",
        [as_of]).fetchall()
    return {(s, p.year, p.month, i): (v, k, f) for s, p, i, v, k, f in rows}


def _cpi(monthly: dict, section_id: str, year: int, month: int) -> Decimal:
    parts = [monthly[(section_id, year, month, c)][0] / s for c, s in S_III.items()]
    return sum(parts, Decimal(0)) / 4


def test_the_command_prints_steps_and_a_summary_computed_independently(built, demo_files) -> None:
    assert built.returncode == 0, built.stderr
    assert built.db.is_file() and built.out.is_dir()
    lines = built.stdout.splitlines()
    assert [line.split("：")[0] for line in lines[:4]] == [
        "[1] 载入登记表", "[2] 载入监测数据", "[3] 载入更正批次", "[4] 汇总"]
    assert [line.split("：")[0] for line in lines[4:7]] == [
        "[5] 核算与年度结算", "[6] 通报与工作簿", "[7] 谈判情景比较"]
    assert "断面：24 个（长江 13，汉江 7，通顺河 3，道观河 1）" in lines
    # 24 sections x 84 months x 8 indicators, plus the 3 corrected values as a new batch
    assert f"样品记录：{24 * 84 * 8 + 3} 条，来自 9 个批次" in lines
    assert "月份：2018-01 至 2024-12，共 84 个月" in lines
    latest = demo_files.corrected()
    counts = Counter(latest.section_class(s["section_id"], 2024, 12) for s in latest.sections)
    labels = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
    expected = "，".join(f"{labels[k]}类 {counts[k]} 个" for k in sorted(counts))
    assert f"2024-12 断面水质类别：{expected}" in lines
    where = lines.index(f"输出目录：{built.out}")
    assert lines[where + 1] == f"数据库：{built.db}"
    outputs = [Path(line.removeprefix("输出：")) for line in lines[where + 2:]]
    assert all(line.startswith("输出：") for line in lines[where + 2:])
    names = {p.name for p in outputs}
    # the newest month with ledger lines is 2024-12: its bulletin in both forms, and a workbook
    # for each of the 17 parties other than the city treasury
    assert {"月度通报_2024-12.html", "月度通报_2024-12.md", "月度通报_2024-12.docx"} <= names
    lists = {f"划拨清单_2024_{title}.xlsx" for title in SCHEME_TITLES}
    assert lists <= names
    if find_chromium() is not None:
        assert "月度通报_2024-12.pdf" in names
        assert {name.replace(".xlsx", ".pdf") for name in lists} <= names
    assert {"scenario_tongshun.xlsx", "scenario_tongshun.html", "workbench_tongshun.html",
            "谈判简报_tongshun.html", "谈判简报_tongshun.docx"} <= names
    assert sum(1 for p in outputs if p.parent.name == "工作簿_2024") == 17
    assert all(p.is_file() for p in outputs)


def test_every_monthly_value_and_class_equals_the_independent_computation(con, demo_files) -> None:
    monthly = _monthly(con, _as_of(con))
    files = demo_files.corrected()
    keys = {(sid, y, m, code) for (sid, y, m), row in files.samples.items() for code in row}
    assert set(monthly) == keys
    for (sid, y, m), row in files.samples.items():
        for code, reading in row.items():
            value, klass, flags = monthly[(sid, y, m, code)]
            if reading.flag == "断流":
                assert (value, flags) == (None, ["no_flow"]), (sid, y, m, code)
                continue
            assert value == files.value(sid, y, m, code), (sid, y, m, code)
            if code in CLASS_RATED:
                assert klass == files.indicator_class(code, value), (sid, y, m, code)


def test_yangtze_january_2018_six_improve_and_five_decline(con, demo_files) -> None:
    monthly = _monthly(con, _as_of(con))
    assessed = [s for s in demo_files.sections if s["river"] == "长江" and s["role"] == "assessed"]
    assert len(assessed) == 11
    for s in assessed:
        control = _cpi(monthly, s["control_id"], 2018, 1)
        r = (_cpi(monthly, s["section_id"], 2018, 1) - control) / control
        assert (r <= 0) == (s["section_id"] in IMPROVED), (s["name"], r)


def test_sheshui_class_iii_with_cod_main_while_control_class_ii(con) -> None:
    rows = con.execute(
        "SELECT section_id, class FROM monthly_section_class(?) "
        "WHERE period = DATE '2018-01-01' AND section_id IN ('cj_sheshui', 'cj_wuhanguan')",
        [_as_of(con)]).fetchall()
    assert dict(rows) == {"cj_sheshui": 3, "cj_wuhanguan": 2}
    worst = con.execute(
        "SELECT list(indicator ORDER BY indicator) FROM monthly_values(?) "
        "WHERE period = DATE '2018-01-01' AND section_id = 'cj_sheshui' AND class = 3",
        [_as_of(con)]).fetchall()
    assert worst == [(["COD"],)]


def test_tongshun_class_iii_on_cod_nh3n_tp_june_to_december_2022(con) -> None:
    rows = con.execute(
        "SELECT section_id, period, max(class) FROM monthly_values(?) "
        "WHERE section_id LIKE 'ts_%' AND indicator IN ('COD', 'NH3N', 'TP') "
        "AND period BETWEEN DATE '2022-06-01' AND DATE '2022-12-01' GROUP BY ALL",
        [_as_of(con)]).fetchall()
    assert len(rows) == 3 * 7
    assert {k for _, _, k in rows} == {3}


def test_daoguan_annual_class_ii_every_year_2020_to_2024(con, demo_files) -> None:
    rows = con.execute(
        "SELECT period, indicator, value, class FROM annual_values(?) "
        "WHERE section_id = 'dg_boundary' AND period >= DATE '2020-01-01'",
        [_as_of(con)]).fetchall()
    worst: dict[int, int] = {}
    for period, code, value, klass in rows:
        if code == "TN":
            assert klass is None  # TN is not rated for rivers
            continue
        assert value == demo_files.annual_value("dg_boundary", period.year, code), (period, code)
        worst[period.year] = max(worst.get(period.year, 0), klass)
    assert worst == {2020: 2, 2021: 2, 2022: 2, 2023: 2, 2024: 2}
    monthly_iii = con.execute(
        "SELECT year(period), count(*) FROM monthly_section_class(?) "
        "WHERE section_id = 'dg_boundary' AND class = 3 AND period >= DATE '2020-01-01' "
        "GROUP BY ALL ORDER BY 1", [_as_of(con)]).fetchall()
    assert monthly_iii == [(y, 2) for y in range(2020, 2025)]  # July COD, August TP


def test_the_correction_supersedes_three_values_and_keeps_the_originals(con) -> None:
    before = _monthly(con, _as_of(con, "2024-03_correction.csv"))
    after = _monthly(con, _as_of(con))
    changed = {k for k in after if after[k][0] != before.get(k, (None,))[0]}
    march = ("cj_niujia", 2024, 3)
    assert changed == {(*march, "COD"), (*march, "NH3N"), (*march, "TP")}
    assert [before[(*march, c)][0] for c in ("COD", "NH3N", "TP")] == [
        Decimal("14.8"), Decimal("0.41"), Decimal("0.125")]
    assert [after[(*march, c)][0] for c in ("COD", "NH3N", "TP")] == [
        Decimal("11.4"), Decimal("0.20"), Decimal("0.076")]
    control = _cpi(after, "cj_donggang", 2024, 3)
    assert control == Decimal("0.405")
    r_before = (_cpi(before, "cj_niujia", 2024, 3) - control) / control
    r_after = (_cpi(after, "cj_niujia", 2024, 3) - control) / control
    assert r_before > Decimal("0.1") and Decimal("-0.1") <= r_after <= 0
    superseded = con.execute(
        "SELECT b.file_name, s.file_name FROM batches b JOIN batches s "
        "ON b.superseded_by = s.batch_id").fetchall()
    assert [(Path(a).name, Path(b).name) for a, b in superseded] == [
        ("2024.csv", "2024-03_correction.csv")]


def test_registry_is_loaded_as_written(con, demo_files) -> None:
    rows = con.execute(
        "SELECT section_id, party_id, coalesce(control_id, ''), water_body, schemes, valid_from "
        "FROM sections ORDER BY section_id").fetchall()
    expected = sorted(
        (s["section_id"], s["party_id"] or None, s["control_id"], s["water_body"],
         s["schemes"].split(";"), date.fromisoformat(s["valid_from"]))
        for s in demo_files.sections)
    assert rows == expected


# ---- the documents as a reader sees them -------------------------------------------------------


def _issued_today() -> str:
    today = date.today()
    return f"{today.year}年{today.month}月{today.day}日"


def _bulletin_musts(con) -> list[str]:
    """文号 (the demo's first bulletin of the year it is issued), title, the ranked table's head
    and its first row (the lowest CPI change r of 2024-12, read from the ledger), the 落款."""
    (name,) = con.execute(
        "SELECT s.name FROM ledger l JOIN sections s USING (section_id) JOIN runs r USING (run_id)"
        " WHERE r.scheme = 'yangtze_han' AND l.period_start = DATE '2024-12-01'"
        " AND l.rule = 'cpi_band' AND r.run_id = (SELECT max(run_id) FROM runs"
        " WHERE scheme = 'yangtze_han' AND window_end >= DATE '2024-12-01' AND scenario='base')"
        " ORDER BY CAST(json_extract_string(l.trace, '$.lets.r') AS DECIMAL(18,12)) LIMIT 1"
    ).fetchall()[0]
    return [f"武环〔{date.today().year}〕1号",
            "关于2024年12月跨区断面水质考核生态补偿预核算情况的通报",
            "名次", "变化率", f"1{name}", "武汉市生态环境局", _issued_today()]


@pytest.fixture(scope="module")
def office_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lo-profile")


def assert_first_page_is_the_document(pages: list[str], con) -> None:
    """The body (page 1, and the pages it runs on to, up to the one with 附件) reads as the
    bureau's document: 文号, title, 主送, overview, the ranked tables of both parts, then the 落款
    and the date of issue (after the tables), 第 1 页. (With the demo's example schemes the
    tables of part three run past page 1.)"""
    end = next((i for i, page in enumerate(pages) if "附件：" in squeeze(page)), 0)
    first = squeeze("".join(pages[: end + 1]))
    musts = _bulletin_musts(con)
    for expected in [*musts, "各区人民政府", "一、总体情况", "二、区级断面考核结果",
                     "三、跨市（县）界断面考核结果", "道观河跨界断面", "附件："]:
        assert squeeze(expected) in first, expected
    assert first.rindex(squeeze(_issued_today())) > first.index("道观河跨界断面")  # (数据截至 too)
    assert first.rindex("武汉市生态环境局") > first.index("附件：")
    assert f"第1页共{len(pages)}页" in squeeze(pages[0])


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_demo_bulletin_pdf_reads_as_an_issued_document(built, con) -> None:
    pdf = built.out / "月度通报_2024-12.pdf"
    pages = pages_text(pdf)
    first = squeeze(pages[0])
    assert f"武环〔{date.today().year}〕1号" in first and "一、总体情况" in first
    assert_first_page_is_the_document(pages, con)
    assert_reads_as_issued(pages, _bulletin_musts(con), body_until="附件1")
    assert "附件2" in squeeze("".join(pages)) and "rules/yangtze_han.rule" in "".join(pages)
    assert_no_missing_glyph(pdf)


@pytest.mark.skipif(not HAVE_OFFICE, reason="LibreOffice is needed; .ci/run installs it")
def test_demo_bulletin_docx_reads_as_an_issued_document(built, con, office_profile) -> None:
    pdf = to_pdf(built.out / "月度通报_2024-12.docx", office_profile, built.out.parent / "lo")
    pages = pages_text(pdf)
    assert f"武环〔{date.today().year}〕1号" in squeeze(pages[0])
    assert_first_page_is_the_document(pages, con)
    assert_reads_as_issued(pages, _bulletin_musts(con), body_until="附件1")
    assert_no_missing_glyph(pdf)


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_demo_bulletin_html_printed_by_chromium_reads_as_an_issued_document(built, con) -> None:
    """The .html the demo writes, printed as a reader would print it from the browser."""
    html = (built.out / "月度通报_2024-12.html").read_text(encoding="utf-8")
    pdf = html_to_pdf(html, built.out.parent / "html-print" / "通报.pdf")
    pages = pages_text(pdf)
    assert_first_page_is_the_document(pages, con)
    assert_reads_as_issued(pages, _bulletin_musts(con), body_until="附件1")
    assert_no_missing_glyph(pdf)


def _final_lists(con) -> dict[str, tuple[int, date, list[tuple[str, str, Decimal]]]]:
    """scheme title → (settlement number, date, transfers by name) of the demo's final 2024."""
    out = {}
    for sid, scheme, created in con.execute(
        "SELECT settlement_id, scheme, created_at FROM settlements WHERE year = 2024 AND final"
    ).fetchall():
        rows = con.execute(
            "SELECT p.name, q.name, t.amount FROM settlement_transfers t"
            " JOIN parties p ON p.party_id = t.payer JOIN parties q ON q.party_id = t.payee"
            " WHERE settlement_id = ? ORDER BY t.payer, t.payee", [sid]).fetchall()
        out[scheme_title(scheme)] = (sid, created.date(), rows)
    return out


def _list_musts(sid: int, day: date, rows: list) -> list[str]:
    return ["武汉市生态环境局", f"结算编号 第{sid}号", f"{day.year}年{day.month}月{day.day}日",
            "合计",
            *[f"{a:,.2f}" for _, _, a in rows], "编制人", "复核人", "审批人"]


@pytest.mark.skipif(not HAVE_OFFICE, reason="LibreOffice is needed; .ci/run installs it")
def test_demo_transfer_lists_xlsx_read_as_signed_documents(built, con, office_profile) -> None:
    for title, (sid, day, rows) in _final_lists(con).items():
        pdf = to_pdf(built.out / f"划拨清单_2024_{title}.xlsx", office_profile,
                     built.out.parent / "lo-xlsx")
        pages = pages_text(pdf)
        assert_reads_as_issued(pages, _list_musts(sid, day, rows))
        for page in pages:
            assert f"结算编号第{sid}号" in squeeze(page)
        assert "预核算" not in "".join(pages)
        assert_no_missing_glyph(pdf)


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_demo_transfer_lists_pdf_read_as_signed_documents(built, con) -> None:
    for title, (sid, day, rows) in _final_lists(con).items():
        pdf = built.out / f"划拨清单_2024_{title}.pdf"
        pages = pages_text(pdf)
        assert_reads_as_issued(pages, [title, *_list_musts(sid, day, rows)])
        assert_no_missing_glyph(pdf)


def _brief_musts(con) -> list[str]:
    """The Tongshun brief: its title, the issuer and date, the yearly nets of the current clauses
    (the ledger's, 2022–2024, Wuhan's net payment to Xiantao in 万元) and the break-even."""
    nets = con.execute(
        "SELECT year(l.period_start), sum(CASE WHEN l.payer = 'wuhan_jkq' THEN l.amount"
        " ELSE -l.amount END) FROM ledger l JOIN runs r USING (run_id)"
        " WHERE r.scheme = 'tongshun' AND r.scenario = 'base' AND r.run_id IN"
        " (SELECT max(run_id) FROM runs WHERE scheme = 'tongshun' GROUP BY year(window_start))"
        " GROUP BY 1 ORDER BY 1").fetchall()
    assert [y for y, _ in nets] == [2022, 2023, 2024]
    shown = [f"+{(n / 10000).quantize(Decimal('0.01')):,.2f}" for _, n in nets]
    return ["通顺河流域跨市断面水质考核生态补偿协议条款谈判简报", "武汉市生态环境局",
            _issued_today(), "一、结论摘要", "考核目标提高到Ⅲ类", "年度金额提高到500万元",
            "（平衡点）", "测算依据2022年6月至2024年12月", *shown]


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_demo_brief_html_printed_by_chromium_reads_as_issued(built, con) -> None:
    html = (built.out / "谈判简报_tongshun.html").read_text(encoding="utf-8")
    pdf = html_to_pdf(html, built.out.parent / "html-print" / "简报.pdf")
    pages = pages_text(pdf)
    assert_reads_as_issued(pages, _brief_musts(con))
    assert "target_iii" not in "".join(pages) and "amount_500" not in "".join(pages)
    assert_no_missing_glyph(pdf)


@pytest.mark.skipif(not HAVE_OFFICE, reason="LibreOffice is needed; .ci/run installs it")
def test_demo_brief_docx_reads_as_issued(built, con, office_profile) -> None:
    pdf = to_pdf(built.out / "谈判简报_tongshun.docx", office_profile, built.out.parent / "lo-b")
    pages = pages_text(pdf)
    assert_reads_as_issued(pages, _brief_musts(con))
    assert "target_iii" not in "".join(pages) and "amount_500" not in "".join(pages)
    assert_no_missing_glyph(pdf)
