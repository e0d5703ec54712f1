"""Reading CSV, XLSX and Parquet files into a DuckDB staging table of text cells.

Every reader produces the same thing: a temporary table `row_no INTEGER, c0 .. cN VARCHAR` whose
`row_no` is the row as a person sees it in the file (header = row 1 in a plain CSV), plus the header
texts. Validation then runs as set-based SQL over that table, whatever the file format was; CSV and
Parquet never pass through a Python loop per cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from compensation.ingest.encoding import detect_encoding, to_utf8
from compensation.ingest.problems import fail
from compensation.store.connection import memory_limit

README_SHEETS = {"说明", "readme", "read me", "notes"}
XLSX_CHUNK = 50_000
Progress = Callable[[int], None]

# Bounds on what a file may make us do (issue 20): work and memory grow with the number of columns
# faster than linearly, so a header wider than any station file is refused before anything else;
# a line is read whole, so lines are bounded; an xlsx part is inflated and parsed (shared strings
# all in memory), so each part's uncompressed size is checked in the zip directory first.
MAX_COLUMNS = 500
LINE_CHUNK = 1 << 20                   # a line of 2 MiB or more is refused, one under 1 MiB never
MAX_SHEET_XML = 256 << 20              # a million rows of a long-form sheet are about 170 MB
MAX_SHARED_STRINGS = 64 << 20
MAX_OTHER_PART = 16 << 20
MAX_PARTS = 1000


@dataclass
class RawTable:
    """A file's cells as text in a DuckDB temp table; `headers[i]` names column `c{i}`."""

    file: str
    kind: str                      # 'csv' | 'xlsx' | 'parquet'
    table: str
    headers: list[str]
    header_row: int
    rows: int
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def column(self, index: int) -> str:
        return f"c{index}"


def file_kind(path: Path, display: str) -> str:
    """The reader for a file: by extension, else by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".xls":
        raise fail(display, "旧版 Excel .xls 文件",
                   "xlsx、csv 或 parquet 文件（请在 Excel 中另存为 .xlsx）")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK"):
        return "xlsx"
    if magic == b"PAR1":
        return "parquet"
    return "csv"


def require_file(path: Path, display: str) -> None:
    """The sentence for a data file that is not there (checked before a store is opened, too)."""
    if not path.exists():
        raise fail(display, "文件不存在", "一个存在的数据文件路径")
    if path.is_dir():
        raise fail(display, "一个文件夹", "一个数据文件的路径")


def read_table(con: duckdb.DuckDBPyConnection, path: Path, display: str, table: str,
               *, encoding: str | None = None, progress: Progress | None = None) -> RawTable:
    """Stage one file's cells as text; raise InputError when the file cannot be read at all."""
    require_file(path, display)
    if path.stat().st_size == 0:
        raise fail(display, "空文件（0 字节）", "带表头和数据行的 CSV、XLSX 或 Parquet 文件")
    kind = file_kind(path, display)
    if kind == "csv":
        raw = _read_csv(con, path, display, table, encoding)
    elif kind == "xlsx":
        raw = _read_xlsx(con, path, display, table, progress)
    else:
        raw = _read_parquet(con, path, display, table)
    if raw.rows == 0:
        raise fail(display, "只有表头，没有数据行", "表头之后至少一行数据", sheet=raw.sheet,
                   row=raw.header_row + 1)
    return raw


# ---------------------------------------------------------------------------------------- CSV

def _too_many_columns(display: str, count: int, *, row: int, sheet: str | None = None,
                      at_least: bool = False):
    found = f"表头至少有 {count:,} 列" if at_least else f"表头有 {count:,} 列"
    return fail(display, found, f"不超过 {MAX_COLUMNS} 列的表头"
                "（监测和名录文件通常只有几十列）", sheet=sheet, row=row)


def _leading_comments(path: Path, encoding: str, display: str) -> tuple[int, list[str] | None]:
    """Count the '#' lines before the header and return the header cells (None if no header)."""
    skipped = 0
    with path.open("r", encoding=encoding, newline="") as fh:
        while line := fh.readline(LINE_CHUNK):
            cut = len(line) == LINE_CHUNK and not line.endswith("\n")
            comment = line.lstrip().startswith("#") or not line.strip()
            if line.count(",") >= MAX_COLUMNS and not comment:  # before the csv module splits it
                raise _too_many_columns(display, line.count(",") + 1, row=skipped + 1,
                                        at_least=cut)
            if cut:
                raise fail(display, f"超过 {LINE_CHUNK:,} 个字符的一行",
                           "每行不超过 1 MiB 的 CSV", row=skipped + 1)
            if comment:
                skipped += 1
                continue
            try:
                header = next(csv.reader([line]))
            except csv.Error:
                raise fail(display, "无法解析的表头行", "逗号分隔的列名", row=skipped + 1) from None
            return skipped, [h.strip() for h in header]
    return skipped, None


def _check_line_lengths(path: Path, display: str) -> None:
    """Refuse a line of 2 MiB or more without reading it: some aligned 1 MiB block of it has no
    line break. One pass of `in` and `count` per MiB, negligible beside parsing."""
    lines = 0
    with path.open("rb") as fh:
        while block := fh.read(LINE_CHUNK):
            if len(block) == LINE_CHUNK and b"\n" not in block:
                raise fail(display, "超过 1 MiB 的一行（可能不是逐行的 CSV 文本）",
                           "每行不超过 1 MiB 的 CSV", row=lines + 1)
            lines += block.count(b"\n")


def _ragged_rows(path: Path, display: str, skip: int, width: int) -> None:
    """Refuse rows with fewer or more fields than the header (a short row would otherwise be
    padded with empty cells and loaded). DuckDB's reader counts the fields of every record and
    keeps the rejected ones with their line; blank lines are not rows. A connection of its own
    (in memory, same memory cap): a reader error must not abort the load's transaction."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit()}'")
        bad = None
        for strict in ("true", "false"):  # not strict: a stray CR or quote DuckDB will not pass
            try:
                con.execute(
                    f"SELECT count(*) FROM read_csv(?, header = false, skip = {skip}, "
                    f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
                    f"auto_detect = false, null_padding = false, strict_mode = {strict}, "
                    f"store_rejects = true)", [str(path)]).fetchall()
            except duckdb.Error as err:
                if strict == "false":
                    first = str(err).strip().splitlines()[0] if str(err).strip() else "?"
                    raise fail(display, f"无法解析的 CSV 内容（{first[:120]}）",
                               "逗号分隔、每行字段数与表头相同的 CSV") from None
                continue
            bad = con.execute(
                "SELECT line, min(CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INT)) "
                "FROM reject_errors WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') "
                "AND trim(csv_line, chr(10) || chr(13) || chr(9) || ' ') <> '' "
                "GROUP BY line ORDER BY line").fetchall()
            break
    finally:
        con.close()
    if bad:
        line, found = bad[0]
        more = f"；另有 {len(bad) - 1} 行字段数不对" if len(bad) > 1 else ""
        raise fail(display, f"{found} 个字段", f"与表头相同的 {width} 个字段（逗号分隔）{more}",
                   row=int(line))


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, display: str, table: str,
              encoding: str | None) -> RawTable:
    chosen = detect_encoding(path, display, encoding)
    with tempfile.TemporaryDirectory(prefix="ecocomp-") as tmp:
        utf8 = path if chosen in ("utf-8", "utf8", "utf-8-sig") else to_utf8(
            path, chosen, Path(tmp) / "utf8.csv")
        read_enc = "utf-8-sig" if chosen == "utf-8-sig" else "utf-8"
        skipped, headers = _leading_comments(utf8, read_enc, display)
        if headers is None:
            raise fail(display, "没有表头行（文件只有注释或空行）", "第一行非注释内容为列名表头")
        if len(headers) > MAX_COLUMNS:
            raise _too_many_columns(display, len(headers), row=skipped + 1)
        _check_line_lengths(utf8, display)
        _ragged_rows(utf8, display, skipped + 1, len(headers))
        names = [f"c{i}" for i in range(len(headers))]
        first_row = skipped + 2            # header is physical line skipped + 1
        staged = Path(tmp) / "stage.parquet"
        try:
            pl.scan_csv(
                utf8, has_header=False, skip_rows=skipped + 1, infer_schema=False,
                schema={n: pl.String for n in names}, row_index_name="row_no",
                row_index_offset=first_row, encoding="utf8", quote_char='"',
            ).sink_parquet(staged)
        except (pl.exceptions.PolarsError, OSError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise fail(display, f"无法解析的 CSV 内容（{first[:120]}）",
                       "逗号分隔、每行字段数与表头相同的 CSV") from None
        _stage_from_parquet(con, staged, table, names)
    if chosen not in ("utf-8", "utf8", "utf-8-sig"):
        note = f"{display}：按 {chosen} 编码读取。"
    else:
        note = ""
    raw = RawTable(display, "csv", table, headers, skipped + 1, _count(con, table))
    if note:
        raw.notes.append(note)
    return raw


def _stage_from_parquet(con: duckdb.DuckDBPyConnection, staged: Path, table: str,
                        names: list[str]) -> None:
    cells = ", ".join(f"NULLIF(trim({n}), '') AS {n}" for n in names)
    blank = " AND ".join(f"NULLIF(trim({n}), '') IS NULL" for n in names)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"SELECT CAST(row_no AS INTEGER) AS row_no, {cells} FROM read_parquet(?) "
        f"WHERE NOT ({blank})",
        [str(staged)],
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


# --------------------------------------------------------------------------------------- XLSX

def cell_text(value: object) -> str | None:
    """One xlsx cell as the text a person would read (dates ISO, numbers without float noise)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _data_sheet(workbook, display: str) -> object:
    """The one data sheet (说明/README sheets aside); several are refused, never half read."""
    names = list(workbook.sheetnames)
    data = [n for n in names if n.strip().casefold() not in README_SHEETS]
    if not data:
        raise fail(display, f"只有说明工作表（{', '.join(names)}）", "至少一个数据工作表")
    if len(data) > 1:
        raise fail(display, f"{len(data)} 个数据工作表（{'、'.join(data)}）",
                   "只有一个数据工作表的工作簿（说明表除外）；请把每个工作表另存为一个文件，"
                   "一次命令中一并导入")
    return workbook[data[0]]


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_SHEET_XML
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS
    return MAX_OTHER_PART


def _check_xlsx_parts(path: Path, display: str) -> None:
    """Refuse a workbook whose parts would inflate beyond what any real one holds (a zip bomb),
    from the sizes in the zip directory, before a byte is inflated; zipfile stops reading a part
    at its stated size, so a part cannot lie its way past this check."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise fail(display, "无法打开的 xlsx（文件不完整或已损坏）",
                   "Excel 2007 及以后的 .xlsx 工作簿（请重新导出）") from None
    if len(parts) > MAX_PARTS:
        raise fail(display, f"含 {len(parts)} 个部件的 xlsx 压缩包",
                   f"不超过 {MAX_PARTS} 个部件的 .xlsx 工作簿")
    for part in parts:
        limit = _part_limit(part.filename)
        if part.file_size > limit:
            raise fail(display, f"解压后 {part.file_size / 2**20:,.0f} MiB 的部件 {part.filename}"
                       f"（压缩时 {part.compress_size / 2**20:,.1f} MiB）",
                       f"每个部件解压后不超过 {limit >> 20} MiB 的 .xlsx 工作簿"
                       "（更大的数据请另存为 CSV 导入）")


def _is_header(cells: tuple) -> bool:
    """A title row (one merged cell) is not the header; the first row with two filled cells is."""
    return sum(1 for c in cells if cell_text(c) is not None) >= 2


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, display: str, table: str,
               progress: Progress | None) -> RawTable:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError,
              zlib.error, ValueError, TypeError, IndexError)
    _check_xlsx_parts(path, display)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except broken:
        raise fail(display, "无法打开的 xlsx（文件不完整或已损坏）",
                   "Excel 2007 及以后的 .xlsx 工作簿（请重新导出）") from None
    try:
        sheet = _data_sheet(workbook, display)
        title = sheet.title
        rows = _with_uncached_formulas(sheet.iter_rows(values_only=True), path, title)
        try:
            header_row, headers = _find_header(rows, display, title)
            raw = RawTable(display, "xlsx", table, headers, header_row, 0, sheet=title)
            _stage_xlsx_rows(con, table, rows, raw, progress)
        except broken:
            raise fail(display, "读到一半中断的 xlsx（文件不完整或已损坏）",
                       "完整的 .xlsx 工作簿（请重新导出）", sheet=title) from None
    finally:
        workbook.close()
    raw.rows = _count(con, table)
    return raw


def _with_uncached_formulas(rows: Iterator[tuple], path: Path, title: str) -> Iterator[tuple]:
    """Cell values, with a formula's text where the file kept no computed value.

    A workbook written by a program and never opened in Excel has formulas without results; openpyxl
    reads those cells as empty, which would drop the sample silently. Showing the formula text
    instead makes validation name the cell ("发现 \"=0.25*2\"，应为 数值").
    """
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        texts = formulas[title].iter_rows(values_only=True)
        for values in rows:
            written = next(texts, ())
            if any(v is None for v in values) and any(
                isinstance(f, str) and f.startswith("=") for f in written
            ):
                values = tuple(
                    f if v is None and isinstance(f, str) and f.startswith("=") else v
                    for v, f in zip(values, (*written, *([None] * len(values))), strict=False)
                )
            yield values
    finally:
        formulas.close()


def _find_header(rows: Iterator[tuple], display: str, sheet: str) -> tuple[int, list[str]]:
    """The header row's texts. A sheet whose stated dimension is wider than its header (formatting
    applied to whole rows) gives rows of up to 16,384 cells: past MAX_COLUMNS the header is cut
    after its last named column, and `_stage_xlsx_rows` refuses data beyond it."""
    for number, cells in enumerate(rows, start=1):
        if _is_header(cells):
            headers = [cell_text(c) or "" for c in cells]
            if len(headers) > MAX_COLUMNS:
                named = max(i for i, h in enumerate(headers) if h) + 1
                if named > MAX_COLUMNS:
                    raise _too_many_columns(display, named, row=number, sheet=sheet)
                headers = headers[:named]
            return number, headers
        if number >= 20:
            break
    raise fail(display, "前 20 行中没有表头", "含列名（如 断面、采样日期、指标名）的表头行",
               sheet=sheet)


def _stage_xlsx_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Iterator[tuple],
                     raw: RawTable, progress: Progress | None) -> None:
    header_row, width = raw.header_row, len(raw.headers)
    names = [f"c{i}" for i in range(width)]
    columns = ", ".join(f"{n} VARCHAR" for n in names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (row_no INTEGER, {columns})")
    schema = {"row_no": pl.Int32, **{n: pl.String for n in names}}
    chunk: list[list[object]] = []
    for number, cells in enumerate(rows, start=header_row + 1):
        if len(cells) > width and any(c is not None for c in cells[width:]):
            column = width + next(i for i, c in enumerate(cells[width:]) if c is not None)
            raise fail(raw.file, "空表头（可能是合并单元格）",
                       f"每个有数据的列都有列名（该列第 {number} 行有数据）", sheet=raw.sheet,
                       row=header_row, column=f"第 {column + 1} 列")
        texts = [cell_text(c) for c in cells[:width]]
        if all(t is None for t in texts):
            continue
        texts += [None] * (width - len(texts))
        chunk.append([number, *texts])
        if len(chunk) >= XLSX_CHUNK:
            _flush(con, table, chunk, schema, progress)
            chunk = []
    if chunk:
        _flush(con, table, chunk, schema, progress)


def _flush(con: duckdb.DuckDBPyConnection, table: str, chunk: list[list[object]],
           schema: dict, progress: Progress | None) -> None:
    frame = pl.DataFrame(chunk, schema=schema, orient="row")
    con.register("_ecocomp_chunk", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _ecocomp_chunk")
    finally:
        con.unregister("_ecocomp_chunk")
    if progress:
        progress(len(chunk))


# ------------------------------------------------------------------------------------ Parquet

def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, display: str,
                  table: str) -> RawTable:
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error:
        raise fail(display, "无法读取的 Parquet（文件不完整或格式不符）",
                   "完整的 Parquet 文件") from None
    headers = [str(row[0]).strip() for row in described]
    if len(headers) > MAX_COLUMNS:
        raise _too_many_columns(display, len(headers), row=1)
    cells = ", ".join(
        f"NULLIF(trim(CAST(\"{h.replace(chr(34), chr(34) * 2)}\" AS VARCHAR)), '') AS c{i}"
        for i, h in enumerate(headers)
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT "
            f"CAST(file_row_number + 2 AS INTEGER) AS row_no, {cells} "
            f"FROM read_parquet(?, file_row_number = true)",
            [str(path)],
        )
    except duckdb.Error:
        raise fail(display, "无法读取的 Parquet（文件不完整或格式不符）",
                   "完整的 Parquet 文件") from None
    return RawTable(display, "parquet", table, headers, 1, _count(con, table))
