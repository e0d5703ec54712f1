"""The documents on the demo data, computed by the real engine and rules (January–February 2018).

Published facts (domain README §2.1): in January 2018 武汉关码头, 窑头, 喻家塆, 杨泗村,
武金堤渡口 and 东兴洲村 were rewarded 50万 or 100万; 老关村, 王家巷码头, 滠水入长江口, 东港村 and
牛家村 penalised 100万 or 200万; 滠水入长江口 fell from class II to III.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from compensation.demo import STEPS, build_demo
from compensation.engine import run_schemes
from compensation.render import export_districts, render_bulletin
from compensation.render.latest import write_latest_outputs
from compensation.render.model import build_bulletin
from compensation.render.pdf import find_chromium
from compensation.store import open_store

REWARDED = {"武汉关码头", "窑头", "喻家塆", "杨泗村", "武金堤渡口", "东兴洲村"}
PENALISED = {"老关村", "王家巷码头", "滠水入长江口", "东港村", "牛家村"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    db = out / "demo.duckdb"
    # only the loading steps: the runs this module checks are the two months run below
    loads = [(name, step) for name, step in STEPS if name.startswith("载入")]
    assert len(loads) == 3
    build_demo(out, db, steps=loads)
    con = open_store(db)
    for period in ("2018-01", "2018-02"):
        run_schemes(con, "yangtze_han", period=period)
    con.close()
    return db


@pytest.fixture
def demo(demo_db: Path):
    con = open_store(demo_db, read_only=True)
    yield con
    con.close()


def test_january_2018_bulletin_names_the_published_sections(demo) -> None:
    b = build_bulletin(demo, date(2018, 1, 1))
    (table,) = b.schemes
    yangtze = [v for v in table.rows if v.section_name in REWARDED | PENALISED]
    assert {v.section_name for v in yangtze if v.signed > 0} == REWARDED
    assert {v.section_name for v in yangtze if v.signed < 0} == PENALISED
    for v in yangtze:
        if v.signed > 0:
            assert v.signed in (Decimal("500000.00"), Decimal("1000000.00"))
            assert (v.payer_name, v.payee_name) == ("市财政", v.party_name)
        else:
            assert v.signed in (Decimal("-1000000.00"), Decimal("-2000000.00"))
            assert (v.payer_name, v.payee_name) == (v.party_name, "市财政")
        # the band follows r exactly as the rule states it
        r = v.measures.ratio
        cpi, control = v.measures.index, v.measures.index_control
        assert abs(r - (cpi - control) / control) < Decimal("1e-9")
        expected = (Decimal(1000000) if r < Decimal("-0.1") else Decimal(500000) if r <= 0
                    else Decimal(-1000000) if r <= Decimal("0.1") else Decimal(-2000000))
        assert v.signed == expected, v.section_name
    shuishui = next(v for v in yangtze if v.section_name == "滠水入长江口")
    assert (shuishui.klass, shuishui.reference_class) == (3, 2)


def test_bulletin_files_and_year_to_date_on_demo_data(demo, tmp_path) -> None:
    md = render_bulletin(demo, "2018-02", "md", tmp_path / "b.md").read_text(encoding="utf-8")
    lines = demo.execute(
        "SELECT payer, payee, amount FROM ledger l JOIN runs r USING (run_id)"
        " WHERE r.scheme = 'yangtze_han' AND (payer = 'jiangan' OR payee = 'jiangan')"
    ).fetchall()
    ytd = sum((a if payee == "jiangan" else -a for _, payee, a in lines), Decimal(0))
    wan = f"{ytd / 10000:+,.2f}"
    assert re.search(rf"\| 江岸区 \| [+-][0-9,.]+ \| {re.escape(wan)} \|", md)
    html = render_bulletin(demo, "2018-02", "html", tmp_path / "b.html").read_text("utf-8")
    assert html.count("<svg") >= 4  # bars, strip, and one schematic per river (长江, 汉江)


def test_demo_workbooks_sum_to_the_ledger(demo, tmp_path) -> None:
    paths = export_districts(demo, 2018, tmp_path / "books")
    by_party = {p.name.split("_")[1]: p for p in paths}
    assert "city" not in by_party
    wb = openpyxl.load_workbook(by_party["jiangan"])
    ledger = wb["台账明细"]
    signed = sum((Decimal(str(r[9])) for r in ledger.iter_rows(min_row=4, values_only=True)),
                 Decimal(0))
    rows = demo.execute(
        "SELECT payer, payee, amount FROM ledger WHERE payer = 'jiangan' OR payee = 'jiangan'"
    ).fetchall()
    assert signed == sum((a if payee == "jiangan" else -a for _, payee, a in rows), Decimal(0))


def test_latest_outputs_for_the_demo(demo, tmp_path) -> None:
    written = write_latest_outputs(demo, tmp_path)
    names = sorted(p.name for p in written if p.suffix != ".xlsx")
    pdf = ["月度通报_2018-02.pdf"] if find_chromium() else []
    # no year settled in this store: no transfer list
    assert names == sorted(["月度通报_2018-02.docx", "月度通报_2018-02.html",
                            "月度通报_2018-02.md", *pdf])
    assert all(p.exists() for p in written)
    assert any(p.parent.name == "工作簿_2018" for p in written)
