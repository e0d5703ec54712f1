"""`load_parties` and `load_sections`: the registry files, small enough to check row by row.

Reloading upserts by id (rows absent from the file stay), recorded as a batch of kind 'parties' or
'sections' so the store says which file defined the registry and when.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from compensation.engine.schemes import default_rules_dir, scheme_ids
from compensation.ingest.batches import create_batch, existing_batch, file_sha256, finish_batch
from compensation.ingest.columns import PARTY_COLUMNS, SECTION_COLUMNS, column_role
from compensation.ingest.problems import Problem, ProblemList, fail
from compensation.ingest.report import BatchResult, LoadReport
from compensation.ingest.tables import RawTable, read_table
from compensation.ingest.text import INVISIBLE_EXPECTED, first_invisible
from compensation.ingest.values import DateProblem, fold, parse_date
from compensation.store import transaction

KINDS = {"district": "district", "区": "district", "city": "city", "市": "city",
         "county": "county", "县": "county", "treasury": "treasury", "财政": "treasury",
         "市财政": "treasury"}
WATER_BODIES = {"river": "river", "河流": "river", "河": "river", "lake": "lake", "湖库": "lake",
                "湖泊": "lake", "水库": "lake", "湖": "lake"}
ROLES = {"control": "control", "对照": "control", "对照断面": "control", "assessed": "assessed",
         "考核": "assessed", "考核断面": "assessed"}
BANKS = {"left": "left", "左岸": "left", "左": "left", "right": "right", "右岸": "right",
         "右": "right"}
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Longest text per column (characters); names end up in workbook file names (255 bytes at most).
TEXT_LIMITS = {"note": 1000, "schemes": 500}
TEXT_LIMIT = 100
RIVER_ORDER = (0, 1_000_000)
MAX_ROWS = 100_000        # checked row by row in Python (the benchmark has 10,000 sections)


class _Rows:
    """The staged rows of a registry file as dicts by role, with a way to report a cell."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw: RawTable,
                 columns: dict[str, tuple[str, ...]], required: list[str],
                 problems: ProblemList) -> None:
        self.raw, self.problems = raw, problems
        self.flagged: set[tuple[int, str]] = set()       # cells already refused: one message each
        self.index: dict[str, int] = {}
        for i, header in enumerate(raw.headers):
            role = column_role(header, columns) if header else None
            if role is not None and role not in self.index:
                self.index[role] = i
        for role in required:
            if role not in self.index:
                problems.add(Problem(raw.file, raw.sheet, raw.header_row, None, "表头缺少必需的列",
                                     f"含有列「{role}」（或 {'、'.join(columns[role][1:3])}）"))
        if raw.rows > MAX_ROWS:
            raise fail(raw.file, f"{raw.rows:,} 行名录", f"不超过 {MAX_ROWS:,} 行的名录文件",
                       sheet=raw.sheet)
        names = ", ".join(f"c{i}" for i in range(len(raw.headers)))
        fetched = con.execute(f"SELECT row_no, {names} FROM {raw.table} ORDER BY row_no").fetchall()
        self.rows = [(r[0], {role: r[1 + i] for role, i in self.index.items()}) for r in fetched]
        for row, cells in self.rows:
            for role, text in cells.items():
                self._check_text(row, role, text)

    def _check_text(self, row: int, role: str, text: str | None) -> None:
        """Invisible characters and overlong texts, in any column: one message, then silence."""
        if text is None:
            return
        char = first_invisible(text)
        limit = TEXT_LIMITS.get(role, TEXT_LIMIT)
        if char is not None:
            self.bad(row, role, text, f"{INVISIBLE_EXPECTED}（此处有 {char}）")
        elif len(text) > limit:
            self.bad(row, role, text, f"不超过 {limit} 个字符的文字（此处 {len(text)} 个）")
        else:
            return
        self.flagged.add((row, role))

    def bad(self, row: int, role: str, found: str | None, expected: str) -> None:
        if (row, role) in self.flagged:
            return
        column = self.raw.headers[self.index[role]] if role in self.index else role
        self.problems.add(Problem(self.raw.file, self.raw.sheet, row, column, found or "",
                                  expected))

    def choice(self, row: int, cells: dict, role: str, allowed: dict[str, str],
               expected: str, required: bool = True) -> str | None:
        text = cells.get(role)
        if text is None:
            if required:
                self.bad(row, role, "", expected)
            return None
        value = allowed.get(fold(text).casefold()) or allowed.get(fold(text))
        if value is None:
            self.bad(row, role, text, expected)
        return value


Check = Callable[[duckdb.DuckDBPyConnection, RawTable, ProblemList], list[tuple]]


def _load(con: duckdb.DuckDBPyConnection, kind: str, path: str | os.PathLike[str],
          encoding: str | None, check: Check) -> LoadReport:
    report = LoadReport(kind)
    problems = ProblemList()
    file, display = Path(path), str(path)
    with transaction(con):
        sha = file_sha256(file) if file.is_file() else ""
        earlier = existing_batch(con, kind, sha) if sha else None
        if earlier is not None:
            report.batches.append(BatchResult(display, earlier[0], 0, skipped=True))
            return report
        raw = read_table(con, file, display, f"_stage_{kind}", encoding=encoding)
        report.notes.extend(raw.notes)
        records = check(con, raw, problems)
        con.execute(f"DROP TABLE IF EXISTS _stage_{kind}")
        problems.raise_if_any("名录文件" if kind == "sections" else "单位名录")
        batch_id = create_batch(con, kind, file, display, sha)
        table = "sections" if kind == "sections" else "parties"
        for record in records:
            marks = ", ".join("?" for _ in range(len(record) + 1))
            con.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", [*record, batch_id])
        finish_batch(con, batch_id, len(records))
        report.batches.append(BatchResult(display, batch_id, len(records)))
    return report


def _check_parties(con: duckdb.DuckDBPyConnection, raw: RawTable,
                   problems: ProblemList) -> list[tuple]:
    table = _Rows(con, raw, PARTY_COLUMNS, ["party_id", "name", "kind"], problems)
    if problems:
        return []
    records, first_row = [], {}
    for row, cells in table.rows:
        party_id = cells.get("party_id")
        if party_id is None or not IDENTIFIER.fullmatch(party_id):
            table.bad(row, "party_id", party_id, "字母开头、由字母数字下划线组成的编号，如 jiangan")
        elif party_id in first_row:
            table.bad(row, "party_id", party_id, f"唯一的编号（第 {first_row[party_id]} 行已有）")
        first_row.setdefault(party_id, row)
        if cells.get("name") is None:
            table.bad(row, "name", "", "单位的中文名称，如 江岸区")
        kind = table.choice(row, cells, "kind", KINDS,
                            "district（区）、city（市）、county（县）或 treasury（财政）")
        records.append((party_id, cells.get("name"), kind, cells.get("note")))
    return records


def _date_cell(table: _Rows, row: int, cells: dict, role: str, required: bool):
    text = cells.get(role)
    if text is None:
        if required:
            table.bad(row, role, "", "日期，如 2018-01-01")
        return None
    try:
        return parse_date(text, excel=table.raw.kind == "xlsx")
    except DateProblem as err:
        table.bad(row, role, text, err.expected)
        return None


def _river_order(table: _Rows, row: int, text: str | None) -> int | None:
    low, high = RIVER_ORDER
    expected = f"{low} 至 {high} 之间的整数（自上游起的顺序）"
    if text is None:
        return None
    if not re.fullmatch(r"[+-]?[0-9]{1,9}", text.strip()) or not low <= int(text) <= high:
        table.bad(row, "river_order", text, expected)
        return None
    return int(text)


def _control_cycles(table: _Rows, stored: dict[str, str | None],
                    in_file: dict[str, tuple[int, str | None]]) -> None:
    """Refuse every row of the file on a loop of control sections (A→B→A, or longer)."""
    controls = {**stored, **{sid: control for sid, (_, control) in in_file.items()}}
    for sid, (row, control) in in_file.items():
        path, seen, step = [sid], {sid}, control
        while step is not None and step not in seen:
            path.append(step)
            seen.add(step)
            step = controls.get(step)
        if step == sid and len(path) > 1:
            loop = " → ".join([*path, sid])
            table.bad(row, "control_id", control,
                      f"不构成循环的对照断面（此处 {loop}；对照链应止于一个没有对照的断面）")


def _check_sections(con: duckdb.DuckDBPyConnection, raw: RawTable, problems: ProblemList,
                    schemes_known: list[str], examples: list[str] | None = None) -> list[tuple]:
    required = ["section_id", "name", "river", "water_body", "role", "valid_from"]
    table = _Rows(con, raw, SECTION_COLUMNS, required, problems)
    if problems:
        return []
    parties = {r[0] for r in con.execute("SELECT party_id FROM parties").fetchall()}
    stored = dict(con.execute("SELECT section_id, control_id FROM sections").fetchall())
    in_file: dict[str, int] = {}
    for row, cells in table.rows:
        sid = cells.get("section_id")
        if sid is not None and sid not in in_file:
            in_file[sid] = row
    known = ", ".join(schemes_known) or "（规则目录中没有任何方案）"
    records = []
    for row, cells in table.rows:
        sid = cells.get("section_id")
        if sid is None or not IDENTIFIER.fullmatch(sid):
            table.bad(row, "section_id", sid, "字母开头、由字母数字下划线组成的断面编号")
        elif in_file.get(sid) != row:
            table.bad(row, "section_id", sid, f"唯一的断面编号（第 {in_file[sid]} 行已有）")
        for role, what in (("name", "断面中文名称"), ("river", "河流名称，如 长江")):
            if cells.get(role) is None:
                table.bad(row, role, "", what)
        bank = table.choice(row, cells, "bank", BANKS, "left（左岸）、right（右岸）或留空",
                            required=False)
        water = table.choice(row, cells, "water_body", WATER_BODIES, "river（河流）或 lake（湖库）")
        role = table.choice(row, cells, "role", ROLES, "control（对照）或 assessed（考核）")
        party = cells.get("party_id")
        if party is not None and party not in parties:
            table.bad(row, "party_id", party, "已登记的单位编号（先用 ecocomp load parties 导入）")
        if party is None and role == "assessed":
            table.bad(row, "party_id", "", "考核断面的被考核方单位编号")
        control = cells.get("control_id")
        if control is not None and control not in in_file and control not in stored:
            table.bad(row, "control_id", control, "本文件或数据库中已有的断面编号")
        elif control is not None and control == sid:
            table.bad(row, "control_id", control, "另一个断面的编号（不能以自身为对照）")
        order = _river_order(table, row, cells.get("river_order"))
        schemes = [s.strip() for s in re.split(r"[;；]", cells.get("schemes") or "") if s.strip()]
        for scheme in schemes:
            if not IDENTIFIER.fullmatch(scheme):
                table.bad(row, "schemes", cells.get("schemes"),
                          "以分号分隔的方案编号，如 yangtze_han;tongshun")
                break
            if scheme not in schemes_known and scheme not in (examples or ()):
                table.bad(row, "schemes", cells.get("schemes"),
                          f"规则目录中已有的方案编号（{known}），以分号分隔")
                break
        start = _date_cell(table, row, cells, "valid_from", True)
        end = _date_cell(table, row, cells, "valid_to", False)
        if start and end and end < start:
            table.bad(row, "valid_to", cells.get("valid_to"), f"不早于 valid_from（{start}）的日期")
        records.append((sid, cells.get("name"), cells.get("river"), bank, water, role, party,
                        control, order, schemes, start, end, cells.get("note")))
    firsts = {sid: (row, cells.get("control_id")) for row, cells in table.rows
              if (sid := cells.get("section_id")) is not None and in_file.get(sid) == row}
    _control_cycles(table, stored, firsts)
    return records


def load_parties(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str],
                 encoding: str | None = None) -> LoadReport:
    """Upsert the parties file (party_id, name, kind, note) in one transaction."""
    return _load(con, "parties", path, encoding, _check_parties)


def load_sections(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str],
                  encoding: str | None = None, rules_dir: Path | None = None) -> LoadReport:
    """Upsert the sections registry in one transaction, after checking every row; the schemes a
    section names must be rule files of `rules_dir` (default: where `ecocomp run` looks) or of
    its examples/ folder (run with `--rules rules/examples`; the demo runs two of them)."""
    known = scheme_ids(rules_dir)
    examples = scheme_ids(default_rules_dir(rules_dir) / "examples")
    return _load(con, "sections", path, encoding,
                 lambda c, raw, problems: _check_sections(c, raw, problems, known, examples))
