"""Long or wide: which columns a samples file has, and one long view over either form.

Long form: one row per section, time and indicator (columns indicator and value). Wide form, as
monitoring stations send it: one row per section and date, one column per indicator, the unit
possibly in the header (氨氮(mg/L)). Both become the same long view `row_no, vcol, section_raw,
date_raw, time_raw, ind_raw, value_raw, unit_raw, dl_raw, flag_raw, source_raw`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from compensation.ingest.columns import SAMPLE_COLUMNS, column_role, indicator_header
from compensation.ingest.problems import Problem, ProblemList
from compensation.ingest.tables import RawTable
from compensation.quality.indicators import Indicator


@dataclass
class SampleShape:
    """Where each role sits in a staged file (column index) and the wide indicator columns."""

    form: str                                  # 'long' | 'wide'
    roles: dict[str, int]
    wide: list[tuple[int, Indicator, str | None]]

    def label(self, raw: RawTable, role: str) -> str:
        return raw.headers[self.roles[role]]


def _sql_text(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def _has_data(con: duckdb.DuckDBPyConnection, raw: RawTable, index: int) -> int | None:
    rows = con.execute(
        f"SELECT min(row_no) FROM {raw.table} WHERE c{index} IS NOT NULL").fetchall()
    return rows[0][0]


def detect_shape(con: duckdb.DuckDBPyConnection, raw: RawTable,
                 problems: ProblemList) -> SampleShape | None:
    """Classify the headers; add a problem for every header that cannot be placed."""
    roles: dict[str, int] = {}
    wide: list[tuple[int, Indicator, str | None]] = []
    unknown: list[int] = []
    before = problems.total
    located: list[tuple[int, Problem]] = []

    def header_problem(index: int, found: str, expected: str) -> None:
        located.append((index, Problem(raw.file, raw.sheet, raw.header_row,
                                       raw.headers[index] or f"第 {index + 1} 列", found,
                                       expected)))

    seen_codes: dict[str, int] = {}
    for index, header in enumerate(raw.headers):
        if not header:
            first = _has_data(con, raw, index)
            if first is not None:
                header_problem(index, "空表头（可能是合并单元格）",
                               f"每个有数据的列都有列名（该列第 {first} 行有数据）")
            continue
        role = column_role(header, SAMPLE_COLUMNS)
        if role == "ignore":
            continue
        if role is not None:
            if role in roles:
                header_problem(index, header, f"只出现一次的列（与第 {roles[role] + 1} 列重复）")
            roles[role] = index
            continue
        indicator, unit = indicator_header(header)
        if indicator is None:
            unknown.append(index)
            continue
        if indicator.code in seen_codes:
            other = raw.headers[seen_codes[indicator.code]]
            header_problem(index, header,
                           f"每个指标只占一列（与「{other}」都是 {indicator.code}）")
        seen_codes[indicator.code] = index
        wide.append((index, indicator, unit))

    form = "long" if "indicator" in roles or "value" in roles else "wide"
    required = ["section", "indicator", "value"] if form == "long" else ["section"]
    if "date" not in roles and "time" not in roles:
        required.append("date")
    for role in required:
        if role not in roles:
            names = "、".join(SAMPLE_COLUMNS[role][:4])
            problems.add(Problem(raw.file, raw.sheet, raw.header_row, None,
                                 "表头缺少必需的列", f"含有列「{role}」（或 {names}）"))
    if form == "wide" and not wide:
        problems.add(Problem(raw.file, raw.sheet, raw.header_row, None, "表头中没有指标列",
                             "长表（列 indicator、value）或宽表"
                             "（每个指标一列，如 化学需氧量、氨氮(mg/L)）"))
    for index in unknown:
        if form == "wide":
            header_problem(index, raw.headers[index],
                           "已知的指标名称、代码或 HJ 525 代码（如 氨氮、NH3-N、w21003），"
                           "或 断面、采样日期 等列")
        else:
            raw.notes.append(f"{raw.file}：忽略了无法识别的列「{raw.headers[index]}」。")
    for _, problem in sorted(located, key=lambda item: item[0]):
        problems.add(problem)
    if problems.total > before:
        return None
    return SampleShape(form, roles, wide)


def long_view_sql(raw: RawTable, shape: SampleShape) -> str:
    """SELECT producing the long view over the staged table."""
    def col(role: str) -> str:
        return f"c{shape.roles[role]}" if role in shape.roles else "NULL"

    common = (f"row_no, {{vcol}} AS vcol, {col('section')} AS section_raw, "
              f"{col('date')} AS date_raw, {col('time')} AS time_raw, ")
    tail = (f"{col('flag')} AS flag_raw, {col('source')} AS source_raw")
    if shape.form == "long":
        value_label = _sql_text(shape.label(raw, "value"))
        return (f"SELECT {common.format(vcol=value_label)}{col('indicator')} AS ind_raw, "
                f"{col('value')} AS value_raw, {col('unit')} AS unit_raw, "
                f"{col('detection_limit')} AS dl_raw, {tail} FROM {raw.table}")
    parts = []
    for index, indicator, unit in shape.wide:
        parts.append(
            f"SELECT {common.format(vcol=_sql_text(raw.headers[index]))}"
            f"{_sql_text(indicator.code)} AS ind_raw, c{index} AS value_raw, "
            f"{_sql_text(unit)} AS unit_raw, NULL AS dl_raw, {tail} FROM {raw.table} "
            f"WHERE c{index} IS NOT NULL"
        )
    return " UNION ALL ".join(parts)
