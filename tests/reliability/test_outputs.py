"""The same inputs give the same ledger, bulletin and workbooks; text from data stays inert text.

Two copies of the demo database get the same registry update (names carrying `=`, `+`, `@`,
`<script>`, a slash) through `ecocomp load`, then the same `run`, `bulletin` (md, html) and
`export districts`, `export template` and a scenario comparison workbook. The copies must agree
byte for byte (bulletins and every workbook) and row for row (ledger, runs apart from their
creation time).
`tests/render/` already checks escaping on hand-made stores and a 1,000-section bulletin; here the
hostile text arrives through the real loaders and travels the whole pipeline.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner
from rel_support import DATA, fingerprint, private_copy

from compensation.cli import cli

PERIOD = "2024-03"
HOSTILE_PARTIES = {
    "hanyang": '=HYPERLINK("http://evil.example","汉阳区")',
    "jiangan": "<script>alert('江岸')</script>",
    "qingshan": "@SUM(1+1)青山区",
    "wuchang": "+cmd|' /C calc'!A0 武昌/../区",
}
HOSTILE_SECTIONS = {
    "cj_wangjiaxiang": "=1+1 王家巷码头",
    "cj_sheshui": "<img src=x onerror=alert(1)> 滠水 **粗体** | 竖线",
}


def hostile_registry(folder: Path) -> tuple[Path, Path]:
    """The demo registry files with hostile names, written as a user's CSV would be."""
    out = []
    for name, column, changes in (("parties", "party_id", HOSTILE_PARTIES),
                                  ("sections", "section_id", HOSTILE_SECTIONS)):
        lines = [ln for ln in (DATA / "registry" / f"{name}.csv").read_text(
            encoding="utf-8").splitlines() if not ln.startswith("#")]
        rows = list(csv.DictReader(lines))
        for row in rows:
            if row[column] in changes:
                row["name"] = changes[row[column]]
                row["note"] = "=2+2 <b>note</b> @x"
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = folder / f"{name}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        out.append(path)
    return out[0], out[1]


def invoke(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def build_outputs(demo_db: Path, folder: Path) -> Path:
    folder.mkdir()
    db = private_copy(demo_db, folder)
    parties, sections = hostile_registry(folder)
    invoke(db, "load", "parties", str(parties))
    invoke(db, "load", "sections", str(sections))
    # the same inputs include the same data cut-off (by default it is the moment of the run)
    invoke(db, "run", "--scheme", "all", "--period", PERIOD, "--as-of", "2099-12-31T00:00")
    invoke(db, "bulletin", "--period", PERIOD, "--format", "md", "--out", str(folder / "b.md"))
    invoke(db, "bulletin", "--period", PERIOD, "--format", "html",
           "--out", str(folder / "b.html"))
    invoke(db, "export", "districts", "--year", "2024", "--through", PERIOD,
           "--out", str(folder / "districts"))
    invoke(db, "export", "template", "--out", str(folder / "template.xlsx"), "--rows", "20")
    invoke(db, "scenario", "compare", "base", "target_iii", "--scheme", "tongshun",
           "--years", "2023", "--out", str(folder / "compare.xlsx"))
    return folder


@pytest.fixture(scope="module")
def twins(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("twins")
    return build_outputs(demo_db, base / "a"), build_outputs(demo_db, base / "b")


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_same_inputs_same_ledger_bulletin_and_workbooks(twins: tuple[Path, Path]) -> None:
    a, b = twins
    db_a, db_b = a / "store.duckdb", b / "store.duckdb"
    ledger = "SELECT * FROM ledger ORDER BY line_id"
    assert rows(db_a, ledger) == rows(db_b, ledger) and rows(db_a, ledger)
    runs = "SELECT * EXCLUDE (created_at) FROM runs ORDER BY run_id"
    assert rows(db_a, runs) == rows(db_b, runs)
    assert fingerprint(db_a)["ledger"] == fingerprint(db_b)["ledger"]
    for name in ("b.md", "b.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    books_a = sorted(p.name for p in (a / "districts").iterdir())
    assert books_a == sorted(p.name for p in (b / "districts").iterdir()) and books_a
    # every workbook byte for byte: the twins were built minutes apart, so any clock time left in
    # the zip entries or docProps/core.xml would differ
    for name in [f"districts/{n}" for n in books_a] + ["template.xlsx", "compare.xlsx"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    with zipfile.ZipFile(a / "districts" / books_a[0]) as book:
        core = book.read("docProps/core.xml").decode()
        stamps = {info.date_time for info in book.infolist()}
    # a district workbook is dated by the data cut-off of its runs (run --as-of 2099-12-31T00:00)
    for field in ("created", "modified"):
        assert re.search(rf"<dcterms:{field}[^>]*>2099-12-31T00:00:00Z</dcterms:{field}>", core)
    assert stamps == {(2099, 12, 31, 0, 0, 0)}


def test_hostile_names_stay_text_in_md_html_and_xlsx(twins: tuple[Path, Path]) -> None:
    folder = twins[0]
    html = (folder / "b.html").read_text(encoding="utf-8")
    md = (folder / "b.md").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    # Markdown: a backslash before "<" makes it a literal character (CommonMark, escapes)
    assert not re.search(r"(?<!\\)<(script|img)", md)
    assert "&lt;script&gt;alert(&#39;江岸&#39;)&lt;/script&gt;" in html \
        or "&lt;script&gt;alert(&#x27;江岸&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; 滠水" in html
    assert "\\<img src=x onerror=alert(1)\\> 滠水 \\*\\*粗体\\*\\* \\| 竖线" in md

    books = sorted((folder / "districts").glob("*.xlsx"))
    assert all(p.parent == folder / "districts" for p in books)  # no name escaped the folder
    hostile = set(HOSTILE_PARTIES.values()) | set(HOSTILE_SECTIONS.values())
    found = set()
    for path in books:
        book = openpyxl.load_workbook(path)
        try:
            for ws in book.worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if isinstance(c.value, str) and any(h in c.value for h in hostile):
                            assert c.data_type == "s", (path.name, ws.title, c.coordinate)
                            found |= {h for h in hostile if h in c.value}
                            if c.value.startswith(("=", "+", "-", "@")):
                                assert c.quotePrefix, (path.name, ws.title, c.coordinate)
        finally:
            book.close()
    # the names of districts that have a workbook, and of sections in them, were all seen as text
    assert {HOSTILE_PARTIES["hanyang"], HOSTILE_SECTIONS["cj_wangjiaxiang"]} <= found
