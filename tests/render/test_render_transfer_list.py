"""`ecocomp settle --out 清单.xlsx|.pdf|.docx` on the demo data, reopened and seen through
LibreOffice / Chromium as finance would see it."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from compensation.demo import STEPS, build_demo
from compensation.engine import run_schemes
from compensation.render.pdf import find_chromium
from compensation.store import open_store
from tests.office import (
    HAVE_OFFICE,
    assert_reads_as_issued,
    needs_office,
    pages_text,
    squeeze,
    to_pdf,
)


@pytest.fixture(scope="module")
def tongshun_2023(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("settle-demo")
    db = out / "demo.duckdb"
    build_demo(out, db, steps=[(n, s) for n, s in STEPS if n.startswith("载入")])
    con = open_store(db)
    run_schemes(con, "tongshun", year="2023")
    con.close()
    return db


@pytest.fixture
def db(tongshun_2023: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.duckdb"
    shutil.copyfile(tongshun_2023, copy)
    return copy


def ecocomp(db: Path, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
    return subprocess.run(["ecocomp", "--db", str(db), "settle", "--scheme", "tongshun",
                           "--year", "2023", *args],
                          capture_output=True, text=True, timeout=600, check=False,
                          env=None if env is None else {**os.environ, **env})


def settlements(db: Path) -> int:
    con = open_store(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM settlements").fetchall()[0][0]
    finally:
        con.close()


def ledger_net(db: Path) -> Decimal:
    """What 武汉经开区 owes 仙桃 over 2023 by the ledger, worked out apart from settle."""
    con = open_store(db, read_only=True)
    try:
        (net,) = con.execute(
            "SELECT sum(CASE WHEN payer = 'wuhan_jkq' THEN amount ELSE -amount END) FROM ledger"
            " WHERE scheme = 'tongshun' AND year(period_start) = 2023"
        ).fetchall()[0]
    finally:
        con.close()
    return Decimal(net)


def test_provisional_xlsx_rows_equal_the_ledger_and_say_provisional(db, tmp_path,
                                                                     office_profile) -> None:
    out = tmp_path / "清单.xlsx"
    done = ecocomp(db, "--out", str(out), "--date", "2024-01-15")
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(out)["划拨清单"]
    assert "预核算" in ws["A1"].value and "预核算" in ws.oddHeader.center.text
    assert [c.value for c in ws[4]] == ["序号", "付款方", "收款方", "金额（元）", "金额（万元）"]
    row = [c.value for c in ws[5]]
    net = ledger_net(db)
    assert net > 0  # the demo's 2023 Tongshun water met the target: 经开区 pays 仙桃
    assert row[:3] == [1, "武汉经济技术开发区管委会", "仙桃市"]
    assert Decimal(str(row[3])) == net
    assert row[4] == "=ROUND(D5/10000,2)" and ws["D6"].value == "=SUM(D5:D5)"
    assert ws["A6"].value == "合计"
    if not HAVE_OFFICE:
        pytest.skip("LibreOffice is needed to see the sheet printed; .ci/run installs it")
    pages = pages_text(to_pdf(out, office_profile, tmp_path / "lo"))
    yuan = f"{net:,.2f}"
    wan = f"{(net / 10000).quantize(Decimal('0.01')):,.2f}"
    text = squeeze("".join(pages))
    assert yuan in text and wan in text  # recalculated by LibreOffice from the formulas
    assert ".666666" not in text and "□" not in text
    for n, page in enumerate(pages, start=1):
        assert "预核算" in page and f"第{n}页共{len(pages)}页" in squeeze(page)
    for signer in ("编制人", "复核人", "审批人"):
        assert signer in text


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_final_pdf_carries_its_settlement_number_and_date(db, tmp_path) -> None:
    out = tmp_path / "清单.pdf"
    done = ecocomp(db, "--final", "--out", str(out))
    assert done.returncode == 0, done.stderr
    con = open_store(db, read_only=True)
    sid, created = con.execute("SELECT settlement_id, created_at FROM settlements").fetchall()[0]
    con.close()
    pages = pages_text(out)
    text = squeeze("".join(pages))
    day = f"{created.year}年{created.month}月{created.day}日"
    for page in pages:
        assert f"结算编号第{sid}号" in squeeze(page) and day in squeeze(page)
    assert "预核算" not in text
    assert f"{ledger_net(db):,.2f}" in text
    assert "编制人" in text and "审批人" in text
    assert "tongshun" not in text and "/tmp/" not in text


@needs_office
def test_final_docx_after_settling_and_bad_suffix_refused_first(db, tmp_path,
                                                                office_profile) -> None:
    bad = ecocomp(db, "--final", "--out", str(tmp_path / "清单.txt"))
    assert bad.returncode != 0 and "扩展名应为 .xlsx、.pdf 或 .docx" in bad.stderr
    con = open_store(db, read_only=True)
    assert con.execute("SELECT count(*) FROM settlements").fetchall() == [(0,)]
    con.close()
    assert ecocomp(db, "--final").returncode == 0
    out = tmp_path / "清单.docx"
    done = ecocomp(db, "--out", str(out))  # the frozen list, shown again
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    table = document.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    net = ledger_net(db)
    assert rows[1][1:4] == ["武汉经济技术开发区管委会", "仙桃市", f"{net:,.2f}"]
    assert rows[-1][1] == "合计" and rows[-1][3] == f"{net:,.2f}"
    assert any(p.text.startswith("定稿 · 结算编号 第") for p in document.paragraphs)
    text = squeeze("".join(pages_text(to_pdf(out, office_profile, tmp_path / "lo"))))
    assert "定稿·结算编号第" in text and "预核算" not in text and "第1页共1页" in text


def test_final_with_an_unwritable_list_records_nothing(db, tmp_path) -> None:
    """The list's folder cannot be made (a file stands where it should be): refused before the
    settlement is recorded, in one sentence naming the file."""
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x", encoding="utf-8")
    done = ecocomp(db, "--final", "--out", str(blocker / "清单.xlsx"))
    assert done.returncode != 0
    assert "无法写入划拨清单" in done.stderr and "未记录结算" in done.stderr
    assert "Traceback" not in done.stderr
    assert settlements(db) == 0
    folder = tmp_path / "清单.xlsx"
    folder.mkdir()
    done = ecocomp(db, "--final", "--out", str(folder))
    assert done.returncode != 0 and "清单.xlsx" in done.stderr  # click: "is a directory"
    assert settlements(db) == 0


def test_final_whose_list_fails_to_render_is_rolled_back(db, tmp_path) -> None:
    """The PDF cannot be printed (no browser where ECOCOMP_CHROMIUM points) after the number was
    drawn: the settlement is rolled back and no half-written file is left."""
    out = tmp_path / "清单.pdf"
    done = ecocomp(db, "--final", "--out", str(out),
                   env={"ECOCOMP_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert done.returncode != 0
    assert "未记录结算" in done.stderr and "Chromium" in done.stderr
    assert settlements(db) == 0
    assert list(tmp_path.glob("*清单*")) == [] and list(tmp_path.glob(".*")) == []
    ok = ecocomp(db, "--final", "--out", str(tmp_path / "清单.xlsx"))
    assert ok.returncode == 0, ok.stderr
    assert settlements(db) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if "清单" in p.name) == ["清单.xlsx"]


@needs_office
@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (CI installs it)")
def test_provisional_pdf_and_docx_say_provisional_on_every_page(db, tmp_path,
                                                                office_profile) -> None:
    pdf = tmp_path / "清单.pdf"
    word = tmp_path / "清单.docx"
    for out in (pdf, word):
        done = ecocomp(db, "--out", str(out), "--date", "2024-01-15")
        assert done.returncode == 0, done.stderr
    assert settlements(db) == 0  # a provisional list records nothing
    net = f"{ledger_net(db):,.2f}"
    for pages in (pages_text(pdf), pages_text(to_pdf(word, office_profile, tmp_path / "lo"))):
        assert_reads_as_issued(pages, ["2024年1月15日", net, "编制人", "复核人", "审批人"])
        for page in pages:
            assert "预核算" in page
        assert "结算编号第" not in squeeze("".join(pages))
