"""District workbooks re-read with openpyxl: values match the ledger, formulas are there and their
results (recomputed here by a small evaluator of the formula forms the writer uses) are right."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from compensation.errors import EcocompError
from compensation.render import export_districts
from compensation.store import open_store

_SUMIFS = re.compile(
    r"^=SUMIFS\('(?P<sheet>[^']+)'!\$(?P<sum>[A-Z]+)\$(?P<r1>\d+):\$[A-Z]+\$(?P<r2>\d+),"
    r"'[^']+'!\$(?P<c1>[A-Z]+)\$\d+:\$[A-Z]+\$\d+,\$A(?P<crit1_row>\d+),"
    r"'[^']+'!\$(?P<c2>[A-Z]+)\$\d+:\$[A-Z]+\$\d+,(?P<crit2_col>[A-Z]+)\$(?P<crit2_row>\d+)\)"
    r"/10000$"
)
_SUM = re.compile(r"^=SUM\((?P<c1>[A-Z]+)(?P<r1>\d+):(?P<c2>[A-Z]+)(?P<r2>\d+)\)$")
_DIV = re.compile(r"^=(?P<col>[A-Z]+)(?P<row>\d+)/10000$")


def evaluate(wb: openpyxl.Workbook, ws, ref: str) -> Decimal:
    """Value of a cell: a number, or one of the three formula forms, recomputed in Decimal."""
    value = ws[ref].value
    if not isinstance(value, str) or not value.startswith("="):
        return Decimal(str(value or 0))
    if m := _SUMIFS.match(value):
        src = wb[m["sheet"]]
        want_month = ws[f"A{m['crit1_row']}"].value
        want_scheme = ws[f"{m['crit2_col']}{m['crit2_row']}"].value
        total = Decimal(0)
        for row in range(int(m["r1"]), int(m["r2"]) + 1):
            if (src[f"{m['c1']}{row}"].value == want_month
                    and src[f"{m['c2']}{row}"].value == want_scheme):
                total += Decimal(str(src[f"{m['sum']}{row}"].value or 0))
        return total / 10000
    if m := _SUM.match(value):
        cols = range(openpyxl.utils.column_index_from_string(m["c1"]),
                     openpyxl.utils.column_index_from_string(m["c2"]) + 1)
        return sum(
            (evaluate(wb, ws, f"{openpyxl.utils.get_column_letter(c)}{r}")
             for c in cols for r in range(int(m["r1"]), int(m["r2"]) + 1)),
            Decimal(0),
        )
    if m := _DIV.match(value):
        return evaluate(wb, ws, f"{m['col']}{m['row']}") / 10000
    raise AssertionError(f"unexpected formula {value}")


def _books(store, tmp_path: Path, through: str | None = None) -> dict[str, Path]:
    paths = export_districts(store, 2018, tmp_path / "books", through)
    return {p.name: p for p in paths}


@pytest.fixture(scope="module")
def books(filled_store_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 2018 workbooks of the hand-filled store, written once for the read-only tests."""
    folder = tmp_path_factory.mktemp("books")
    con = open_store(filled_store_file, read_only=True)
    try:
        return _books(con, folder)
    finally:
        con.close()


YANGTZE = "长江汉江跨区断面水质考核奖惩和生态补偿"
TONGSHUN = "通顺河流域跨市断面水质考核生态补偿"
HANNAN = "2018_hannan_武汉经济技术开发区(汉南区).xlsx"


def test_one_workbook_per_party_but_not_for_the_treasury(books) -> None:
    assert sorted(books) == [
        "2018_hannan_武汉经济技术开发区(汉南区).xlsx",
        "2018_hanyang_汉阳区.xlsx",
        "2018_jiangan_江岸区.xlsx",
        "2018_wuhan_jkq_武汉经济技术开发区管委会.xlsx",
        "2018_xiantao_仙桃市.xlsx",
    ]


def test_summary_formulas_recompute_to_the_hand_totals(books) -> None:
    path = books["2018_hanyang_汉阳区.xlsx"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "断面水质", "台账明细", "规则与参数"]
    ws = wb["汇总"]
    assert [ws.cell(3, c).value for c in (1, 2, 3)] == ["月份", YANGTZE, "合计"]
    assert [ws.cell(r, 1).value for r in (4, 5, 6)] == [1, 2, "本年累计"]
    for ref in ("B4", "B5", "C4", "C5", "B6", "C6"):
        assert ws[ref].data_type == "f", ref
        assert ws[ref].number_format == "#,##0.00"
    # 汉阳区 paid 100万 in January and 100万 in February (runs 1 and 4; run 3 is superseded)
    assert evaluate(wb, ws, "B4") == Decimal("-100")
    assert evaluate(wb, ws, "B5") == Decimal("-100")
    assert evaluate(wb, ws, "C6") == Decimal("-200")
    assert wb.calculation.fullCalcOnLoad is True


def test_ledger_sheet_holds_the_ledger_lines_in_yuan(books) -> None:
    wb = openpyxl.load_workbook(books["2018_xiantao_仙桃市.xlsx"])
    ws = wb["台账明细"]
    assert ws.freeze_panes == "C4"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(rows) == 1
    line_id, month, scheme, rule, section, payer, payee, way, amount, signed = rows[0][:10]
    assert (line_id, month, scheme, rule, section, payer, payee, way) == (
        4, 1, TONGSHUN, "target_class", "港洲村", "武汉经济技术开发区管委会", "仙桃市", "收入")
    assert Decimal(str(amount)) == Decimal("428571.43")
    assert Decimal(str(signed)) == Decimal("428571.43")
    assert evaluate(wb, ws, "K4") == Decimal("42.857143")
    assert rows[0][13] == (
        "2018年1月，港洲村：水质类别 Ⅲ 类，目标 Ⅳ 类；适用「class <= IV」，"
        "武汉经济技术开发区管委会向仙桃市支付 42.86 万元（428,571.43 元）。"
    )
    summary = wb["汇总"]
    assert evaluate(wb, summary, "B4") == Decimal("42.857143")
    assert evaluate(wb, summary, "B5") == Decimal(0)


def test_every_workbook_matches_the_ledger_line_by_line(store, tmp_path) -> None:
    lines = store.execute(
        "SELECT line_id, payer, payee, amount FROM ledger WHERE run_id IN (1, 2, 4)"
    ).fetchall()
    for path in _books(store, tmp_path).values():
        party = path.name.split("_", 1)[1].rsplit("_", 1)[0]
        expected = {
            lid: (amount if payee == party else -amount)
            for lid, payer, payee, amount in lines if party in (payer, payee)
        }
        wb = openpyxl.load_workbook(path)
        ws = wb["台账明细"]
        found = {row[0]: Decimal(str(row[9])) for row in ws.iter_rows(min_row=4, values_only=True)}
        assert found == expected, path.name
        summary = wb["汇总"]
        last = summary.max_row
        header = [c.value for c in summary[3]]
        assert header[-2:] == ["合计", "备注"]
        total = openpyxl.utils.get_column_letter(header.index("合计") + 1)
        assert evaluate(wb, summary, f"{total}{last}") == sum(expected.values(), Decimal(0)) / 10000


def test_quality_sheet_has_values_and_coloured_classes(books) -> None:
    wb = openpyxl.load_workbook(books["2018_hanyang_汉阳区.xlsx"])
    ws = wb["断面水质"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["断面", "河流", "角色", "月份", "水质类别"]
    assert "氨氮(mg/L)" in header and "化学需氧量(mg/L)" in header
    rows = {(r[0], r[3]): r for r in ws.iter_rows(min_row=4, values_only=True)}
    # 王家巷码头 (汉阳) and its control 老关村
    assert set(rows) == {("老关村", 1), ("老关村", 2), ("王家巷码头", 1), ("王家巷码头", 2)}
    feb = rows[("王家巷码头", 2)]
    assert feb[4] == "Ⅴ"
    assert Decimal(str(feb[header.index("氨氮(mg/L)")])) == Decimal("1.60")
    assert Decimal(str(feb[header.index("化学需氧量(mg/L)")])) == Decimal("31")  # corrected
    cell = next(c for c in ws["E"] if c.row > 3 and c.value == "Ⅴ")
    assert cell.fill.fgColor.rgb.endswith("F39C12")  # V orange


def test_rules_sheet_lists_rules_and_parameters_with_basis(books) -> None:
    wb = openpyxl.load_workbook(books[HANNAN])
    values = [[c for c in row] for row in wb["规则与参数"].iter_rows(values_only=True)]
    assert [YANGTZE, "cpi_band", "综合污染指数较入境对照断面", "武政办〔2017〕127号",
            "rules/yangtze_han.rule:21"] in values
    # the since column is the recorded version's start, as a run writes it
    assert [YANGTZE, "reward_hold", "50万", "2018-01-01", "武政办〔2017〕127号"] in values


def test_print_setup_and_frozen_headers(books) -> None:
    wb = openpyxl.load_workbook(books["2018_hanyang_汉阳区.xlsx"])
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows
    assert wb["台账明细"].column_dimensions["N"].width == 70


def test_text_from_data_never_becomes_a_formula(store, tmp_path) -> None:
    store.execute(
        "UPDATE parties SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE party_id = 'hanyang'"
    )
    store.execute("UPDATE sections SET name = '@SUM(1)' WHERE section_id = 'ycl03'")
    store.execute("UPDATE sections SET name = '+1-2' WHERE section_id = 'ycl02'")
    paths = export_districts(store, 2018, tmp_path / "books")
    path = next(p for p in paths if "_hanyang_" in p.name)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@" and \
                        cell.data_type == "f":
                    assert cell.value.startswith(("=SUMIFS(", "=SUM(", "=J")), (
                        ws.title, cell.coordinate, cell.value)
    ledger = wb["台账明细"]
    assert ledger["F4"].value == '=HYPERLINK("http://x","y")'
    assert ledger["F4"].data_type == "s" and ledger["F4"].quotePrefix
    assert ledger["E4"].value == "@SUM(1)" and ledger["E4"].data_type == "s"


def test_through_limits_the_months_and_bad_years_are_refused(store, tmp_path) -> None:
    wb = openpyxl.load_workbook(_books(store, tmp_path, "2018-01")[HANNAN])
    ws = wb["汇总"]
    assert [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)] == [1, "本年累计"]
    assert evaluate(wb, ws, "C5") == Decimal("50")
    with pytest.raises(EcocompError) as err:
        export_districts(store, 2019, tmp_path / "none")
    assert "2019 年" in str(err.value) and "没有任何核算结果" in str(err.value)
    with pytest.raises(EcocompError) as err:
        export_districts(store, 2018, tmp_path / "none", "2017-05")
    assert "不在 2018 年内" in str(err.value)
    assert not (tmp_path / "none").exists()
