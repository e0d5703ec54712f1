"""Resolving and checking sample rows in bulk.

Texts that need judgement (section names, indicator aliases, dates, flag words, units, odd number
spellings) are few distinct values even in a ten-million-row file: each is parsed once in Python
into a small map table, and every row is resolved by a join. Plain numbers, the bulk of a file,
are checked and cast in SQL. The result is one table `_res_*` with a resolved value per row and an
error text per column, from which problems are listed and good rows inserted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import polars as pl

from compensation.ingest.problems import MAX_LISTED, Problem, ProblemList
from compensation.ingest.shape import SampleShape
from compensation.ingest.tables import RawTable
from compensation.ingest.text import INVISIBLE_EXPECTED, first_invisible
from compensation.ingest.values import (
    DATE_EXPECTED,
    FLAG_EXPECTED,
    decimal_text,
    flag_code,
    fold,
    number_expected,
    parse_sampled_at,
    plain_decimal,
    unit_key,
    unit_shift,
)
from compensation.quality.indicators import load_indicators, resolve_indicator
from compensation.quality.ranges import physical_ranges

MAX_INTEGER_DIGITS = 12           # DECIMAL(18,6)
MAX_DECIMALS = 6
VALUE_EXPECTED = "数值、低于检出限的写法（如 0.01L 或 <0.01）或标记词（如 断流、结冰）"
EMPTY_EXPECTED = "数值、低于检出限的写法或标记词（空值须在 flag 列说明原因）"
NUMBER = r"(\d+\.?\d*|\.\d+)"
# the exact factor of a unit shift (unit_shift: 3 = µg/L → mg/L, -4 = 万m³ → m³)
FACTOR_SQL = ("CAST(CASE WHEN shift = 3 THEN 0.001 WHEN shift = -4 THEN 10000 ELSE 1 END "
              "AS DECIMAL(9, 3))")


@dataclass
class SectionInfo:
    section_id: str
    name: str
    valid_from: object
    valid_to: object


def _map_table(con: duckdb.DuckDBPyConnection, name: str, schema: dict[str, pl.DataType],
               rows: Iterable[tuple]) -> None:
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    con.register(f"{name}_src", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_src")
    finally:
        con.unregister(f"{name}_src")


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def registered_sections(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, SectionInfo],
                                                                 dict[str, list[SectionInfo]]]:
    rows = con.execute(
        "SELECT section_id, name, valid_from, valid_to FROM sections").fetchall()
    by_id = {fold(r[0]): SectionInfo(*r) for r in rows}
    by_name: dict[str, list[SectionInfo]] = {}
    for info in by_id.values():
        by_name.setdefault(fold(info.name), []).append(info)
    return by_id, by_name


def _build_maps(con: duckdb.DuckDBPyConnection, norm: str, tag: str, excel: bool) -> None:
    by_id, by_name = registered_sections(con)
    section_rows = []
    for (text,) in _distinct(con, f"SELECT DISTINCT section_raw FROM {norm}"):
        key = fold(text) if text is not None else ""
        info = by_id.get(key)
        candidates = by_name.get(key, [])
        err = None
        if text is not None and (char := first_invisible(text.strip())) is not None:
            info, err = None, f"{INVISIBLE_EXPECTED}（此处有 {char}）"
        elif info is None and len(candidates) == 1:
            info = candidates[0]
        elif info is None and len(candidates) > 1:
            ids = "、".join(c.section_id for c in candidates)
            err = f"唯一的断面编号（名称「{text}」对应多个断面：{ids}）"
        elif info is None:
            err = "已登记的断面编号或名称（先用 ecocomp load sections 导入断面名录）"
        section_rows.append((text, info.section_id if info else None,
                             info.valid_from if info else None, info.valid_to if info else None,
                             err))
    _map_table(con, f"_msec_{tag}", {"raw": pl.String, "section_id": pl.String,
                                     "valid_from": pl.Date, "valid_to": pl.Date,
                                     "err": pl.String}, section_rows)

    codes = ", ".join(i.code for i in load_indicators())
    ind_rows = []
    for (text,) in _distinct(con, f"SELECT DISTINCT ind_raw FROM {norm}"):
        found = resolve_indicator(text) if text else None
        ind_rows.append((text, found.code if found else None, found.unit if found else None,
                         None if found else f"已知的指标名称、代码或 HJ 525 代码（{codes}）"))
    _map_table(con, f"_mind_{tag}", {"raw": pl.String, "code": pl.String, "unit": pl.String,
                                     "err": pl.String}, ind_rows)

    time_rows = []
    for date_text, time_text in _distinct(con, f"SELECT DISTINCT date_raw, time_raw FROM {norm}"):
        stamp, bad, expected = parse_sampled_at(date_text, time_text, excel=excel)
        time_rows.append((date_text, time_text, stamp, bad, expected))
    _map_table(con, f"_mtime_{tag}", {"d": pl.String, "t": pl.String, "ts": pl.Datetime("us"),
                                      "bad": pl.String, "err": pl.String}, time_rows)

    unit_rows = []
    for code, unit_text, indicator_unit in _distinct(
            con, f"SELECT DISTINCT m.code, n.unit_raw, m.unit FROM {norm} n "
                 f"JOIN _mind_{tag} m ON n.ind_raw IS NOT DISTINCT FROM m.raw "
                 f"WHERE m.code IS NOT NULL"):
        shift = unit_shift(unit_text, indicator_unit)
        err = None
        if shift is None:
            alt = " 或 µg/L（将除以 1000 换算）" if unit_key(indicator_unit) == "mg/l" else ""
            err = f"指标 {code} 的单位 {indicator_unit}{alt}"
        unit_rows.append((code, unit_text, shift, err))
    _map_table(con, f"_munit_{tag}", {"code": pl.String, "raw": pl.String, "shift": pl.Int32,
                                      "err": pl.String}, unit_rows)

    flag_rows = []
    flags_sql = f"SELECT DISTINCT flag_raw FROM {norm} WHERE flag_raw IS NOT NULL"
    for (text,) in _distinct(con, flags_sql):
        char = first_invisible(text.strip())
        code = flag_code(text) if char is None else None
        err = f"{INVISIBLE_EXPECTED}（此处有 {char}）" if char else None if code else FLAG_EXPECTED
        flag_rows.append((text, code, err))
    _map_table(con, f"_mflag_{tag}", {"raw": pl.String, "code": pl.String, "err": pl.String},
               flag_rows)

    special_rows = []
    odd_values_sql = (f"SELECT DISTINCT value_raw FROM {norm} WHERE value_raw IS NOT NULL "
                      f"AND NOT regexp_full_match(value_raw, '[+-]?{NUMBER}') "
                      f"AND NOT regexp_full_match(value_raw, '{NUMBER}\\s*[Ll]') "
                      f"AND NOT regexp_full_match(value_raw, '<\\s*{NUMBER}')")
    for (text,) in _distinct(con, odd_values_sql):
        special_rows.append((text, *_special_value(text)))
    _map_table(con, f"_mval_{tag}", {"raw": pl.String, "kind": pl.String, "num": pl.String,
                                     "flag": pl.String, "err": pl.String}, special_rows)


def _special_value(text: str) -> tuple[str, str | None, str | None, str | None]:
    """(kind, number text, flag, why refused) for a value cell that is not a plain number."""
    folded = fold(text)
    char = first_invisible(folded)
    if char is not None:
        return "bad", None, None, f"{INVISIBLE_EXPECTED}（此处有 {char}）"
    code = flag_code(folded)
    if code:
        return "flag", None, code, None
    for prefix in ("<", "＜", "小于"):
        if folded.startswith(prefix):
            rest = folded[len(prefix):]
            number = plain_decimal(rest)
            if number is not None:
                return "dl", decimal_text(number), None, None
            return "bad", None, None, number_expected(rest)
    if folded[-1:] in ("L", "l"):
        number = plain_decimal(folded[:-1])
        if number is not None:
            return "dl", decimal_text(number), None, None
    number = plain_decimal(folded)
    if number is not None:
        return "num", decimal_text(number), None, None
    dl_text = folded[:-1] if folded[-1:] in ("L", "l") else folded
    return "bad", None, None, number_expected(folded) or number_expected(dl_text)


RESOLVE_SQL = r"""
CREATE OR REPLACE TEMP TABLE _res_{tag} AS
WITH v AS (
    SELECT n.*,
        CASE WHEN n.value_raw IS NULL THEN 'empty'
             WHEN regexp_full_match(n.value_raw, '[+-]?{num}') THEN 'num'
             WHEN regexp_full_match(n.value_raw, '{num}\s*[Ll]') THEN 'dl'
             WHEN regexp_full_match(n.value_raw, '<\s*{num}') THEN 'dl'
             ELSE coalesce(sv.kind, 'bad') END AS vkind,
        CASE WHEN regexp_full_match(n.value_raw, '[+-]?{num}') THEN n.value_raw
             WHEN regexp_full_match(n.value_raw, '(<\s*)?{num}(\s*[Ll])?')
                  THEN regexp_extract(n.value_raw, '{num}')
             ELSE sv.num END AS numtext,
        sv.flag AS vflag, sv.err AS value_err,
        sec.section_id, sec.valid_from, sec.valid_to, sec.err AS sec_err,
        ind.code, ind.err AS ind_err,
        tm.ts, tm.bad AS time_bad, tm.err AS time_err,
        un.shift, un.err AS unit_err,
        fl.code AS flag_code, fl.err AS flag_err
    FROM {norm} n
    LEFT JOIN _msec_{tag} sec ON n.section_raw IS NOT DISTINCT FROM sec.raw
    LEFT JOIN _mind_{tag} ind ON n.ind_raw IS NOT DISTINCT FROM ind.raw
    LEFT JOIN _mtime_{tag} tm ON n.date_raw IS NOT DISTINCT FROM tm.d
                             AND n.time_raw IS NOT DISTINCT FROM tm.t
    LEFT JOIN _munit_{tag} un ON ind.code = un.code AND n.unit_raw IS NOT DISTINCT FROM un.raw
    LEFT JOIN _mflag_{tag} fl ON n.flag_raw = fl.raw
    LEFT JOIN _mval_{tag} sv ON n.value_raw = sv.raw
), d AS (
    SELECT v.*,
        -- fits DECIMAL(18,6) after the unit shift: at most 12 integer and 6 decimal digits
        CASE WHEN numtext IS NULL OR shift IS NULL THEN NULL
             WHEN shift = 3 THEN regexp_full_match(numtext, '[+-]?0*\d{{0,15}}(\.\d{{0,3}}0*)?')
             WHEN shift = -4 THEN regexp_full_match(numtext, '[+-]?0*\d{{0,8}}(\.\d{{0,10}}0*)?')
             ELSE regexp_full_match(numtext, '[+-]?0*\d{{0,12}}(\.\d{{0,6}}0*)?') END AS fits,
        regexp_full_match(n_dl, '{num}') AS dl_ok
    FROM (SELECT *, trim(dl_raw) AS n_dl FROM v) v
), c AS (
    SELECT d.*,
        CASE WHEN fits THEN CAST(CAST(numtext AS DECIMAL(38, 10)) * {factor}
                       AS DECIMAL(18, 6)) END AS num
    FROM d
)
SELECT row_no, vcol, section_raw, date_raw, time_raw, ind_raw, value_raw, unit_raw, dl_raw,
    flag_raw, source_raw, section_id, valid_from, valid_to, code, ts, vkind, numtext, shift, fits,
    value_err, sec_err, ind_err, time_bad, time_err, unit_err, flag_err,
    CASE WHEN vkind = 'num' THEN num END AS value,
    vkind = 'dl' AS below_dl,
    CASE WHEN vkind = 'dl' THEN num
         WHEN dl_raw IS NOT NULL AND dl_ok AND shift IS NOT NULL
              AND length(rtrim(split_part(n_dl, '.', 2), '0')) + shift <= {max_dec}
              AND length(ltrim(split_part(n_dl, '.', 1), '0')) - least(shift, 0) <= {max_int}
              THEN CAST(CAST(n_dl AS DECIMAL(38, 10)) * {factor}
                        AS DECIMAL(18, 6)) END AS detection_limit,
    dl_raw IS NOT NULL AND NOT coalesce(dl_ok, false) AS dl_bad,
    coalesce(vflag, flag_code) AS flag,
    CASE WHEN source_raw IS NULL THEN 'manual'
         WHEN lower(source_raw) IN ('manual', '手工', '人工', '手工监测') THEN 'manual'
         WHEN lower(source_raw) IN ('auto', 'automatic', '自动', '自动站', '自动监测') THEN 'auto'
         END AS source
FROM c
"""


def _ranges_sql() -> str:
    """The physical ranges table as a VALUES list (a blank upper bound never compares true)."""
    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"
    return "VALUES " + ", ".join(
        f"({lit(r.code)}, CAST({r.low} AS DECIMAL(18, 6)), "
        f"CAST({'NULL' if r.high is None else r.high} AS DECIMAL(18, 6)), {lit(r.expected())})"
        for r in physical_ranges().values())


def _second_volume_sql(res: str) -> str:
    """A measured volume (VOL) is its calendar month's: a second one of a section's month in the
    file (at another time) is refused at its row, naming the first (lang/volumes.py)."""
    return (
        "SELECT row_no, vcol, coalesce(value_raw, ''), '每个断面每月一个径流量（VOL 是该月的水量；"
        "第 ' || first_row || ' 行已有 ' || strftime(ts, '%Y-%m') || ' 的径流量）' FROM ("
        "SELECT row_no, vcol, value_raw, ts, first_value(row_no) OVER w AS first_row, "
        f"first_value(ts) OVER w AS first_ts FROM {res} WHERE code = 'VOL' "
        "AND section_id IS NOT NULL AND ts IS NOT NULL "
        "WINDOW w AS (PARTITION BY section_id, date_trunc('month', ts) ORDER BY row_no)) "
        "WHERE ts <> first_ts")


def _errors_sql(tag: str, labels: dict[str, str], long_form: bool, today: dt.date) -> str:
    """UNION of (row_no, col, found, expected) for every kind of problem a row can have.

    A sample dated after the day it is loaded is refused: a batch counts for runs whose as-of is
    at or after its loading, so such a sample would claim to be measured after its own as-of."""
    res = f"_res_{tag}"

    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    section, date, time_ = labels["section"], labels["date"], labels["time"]
    unit_col = labels["unit"] if labels.get("unit") else None
    parts = [
        (f"SELECT row_no, {lit(section)} AS col, coalesce(section_raw, '') AS found, "
        f"sec_err AS expected "
        f"FROM {res} WHERE sec_err IS NOT NULL"),
        (f"SELECT row_no, CASE time_bad WHEN 'time' THEN {lit(time_)} ELSE {lit(date)} END, "
        f"coalesce(CASE time_bad WHEN 'time' THEN time_raw ELSE date_raw END, ''), time_err "
        f"FROM {res} WHERE time_err IS NOT NULL"),
        (f"SELECT row_no, {lit(date)}, coalesce(date_raw, time_raw), "
        f"'断面 ' || section_id || ' 有效期内（' || strftime(valid_from, '%Y-%m-%d') || ' 至 ' || "
        f"coalesce(strftime(valid_to, '%Y-%m-%d'), '今') || '）的日期' FROM {res} "
        f"WHERE ts IS NOT NULL AND section_id IS NOT NULL AND (CAST(ts AS DATE) < valid_from "
        f"OR CAST(ts AS DATE) > valid_to)"),
        (f"SELECT row_no, vcol, value_raw, coalesce(value_err, {lit(VALUE_EXPECTED)}) FROM {res} "
        f"WHERE vkind = 'bad'"),
        (f"SELECT row_no, vcol, value_raw, CASE WHEN shift = -4 AND frac_digits + shift > "
        f"{MAX_DECIMALS} THEN '小数不超过 {MAX_DECIMALS + 4} 位（换算为 m³ 后不超过 "
        f"{MAX_DECIMALS} 位）的 万m³ 数值' WHEN shift = -4 THEN '绝对值小于 "
        f"10^{MAX_INTEGER_DIGITS - 4} 万m³（10^{MAX_INTEGER_DIGITS} m³）的数值' "
        f"WHEN frac_digits + shift > {MAX_DECIMALS} "
        f"THEN '小数不超过 {MAX_DECIMALS} 位（换算为 mg/L 后）的数值' "
        f"ELSE '绝对值小于 10^{MAX_INTEGER_DIGITS} 的数值' END FROM ("
        f"SELECT *, length(rtrim(split_part(numtext, '.', 2), '0')) AS frac_digits "
        f"FROM {res} WHERE NOT fits AND vkind IN ('num', 'dl'))"),
        (f"SELECT row_no, vcol, value_raw, r.expected FROM {res} JOIN ({_ranges_sql()}) "
        f"r(code, low, high, expected) USING (code) WHERE vkind = 'num' "
        f"AND (value < r.low OR value > r.high)"),
        (f"SELECT row_no, {lit(date)}, coalesce(date_raw, time_raw), "
        f"'不晚于导入当天（{today.isoformat()}）的采样日期' FROM {res} "
        f"WHERE CAST(ts AS DATE) > DATE '{today.isoformat()}'"),
        (f"SELECT row_no, {lit(unit_col) if unit_col else 'vcol'}, coalesce(unit_raw, ''), "
         f"unit_err FROM {res} WHERE unit_err IS NOT NULL"),
        (f"SELECT row_no, {lit(labels.get('flag') or '')}, flag_raw, flag_err FROM {res} "
        f"WHERE flag_err IS NOT NULL"),
        (f"SELECT row_no, {lit(labels.get('detection_limit') or '')}, dl_raw, "
        f"'检出限数值，如 0.01' FROM {res} WHERE dl_bad"),
        (f"SELECT row_no, {lit(labels.get('source') or '')}, source_raw, "
        f"'manual（手工）或 auto（自动站）' FROM {res} WHERE source IS NULL"),
        _second_volume_sql(res),
    ]
    if long_form:
        parts.append(
            f"SELECT row_no, {lit(labels['indicator'])}, coalesce(ind_raw, ''), ind_err "
            f"FROM {res} WHERE ind_err IS NOT NULL")
        parts.append(
            f"SELECT row_no, vcol, '', {lit(EMPTY_EXPECTED)} "
            f"FROM {res} WHERE vkind = 'empty' AND flag_raw IS NULL")
    return " UNION ALL ".join(parts)


MULTI_SQL = """
CREATE OR REPLACE TEMP TABLE _multi_{tag} AS
SELECT section_id, ts, code FROM _res_{tag}
WHERE section_id IS NOT NULL AND ts IS NOT NULL AND code IS NOT NULL
GROUP BY ALL HAVING count(*) > 1
"""

DUPLICATES_SQL = """
WITH keyed AS (
    SELECT row_no, vcol, value_raw, section_id, ts, code,
        concat_ws('|', CAST(value AS VARCHAR), CAST(below_dl AS VARCHAR),
                  CAST(detection_limit AS VARCHAR), flag) AS sig
    FROM _res_{tag} SEMI JOIN _multi_{tag} USING (section_id, ts, code)
), clash AS (
    SELECT section_id, ts, code FROM keyed GROUP BY ALL HAVING count(DISTINCT sig) > 1
), ranked AS (
    SELECT k.*, first_value(row_no) OVER w AS first_row, first_value(value_raw) OVER w AS first_raw,
        first_value(sig) OVER w AS first_sig
    FROM keyed k SEMI JOIN clash USING (section_id, ts, code)
    WINDOW w AS (PARTITION BY section_id, ts, code ORDER BY row_no)
)
SELECT row_no, vcol, coalesce(value_raw, ''),
    '与第 ' || first_row || ' 行（同一断面、时间、指标）相同的值 "'
        || coalesce(first_raw, '') || '"'
FROM ranked WHERE sig <> first_sig
"""


def resolve_rows(con: duckdb.DuckDBPyConnection, raw: RawTable, shape: SampleShape, norm: str,
                 tag: str, problems: ProblemList,
                 step: Callable[[], None] = lambda: None) -> str:
    """Create `_res_{tag}` and add the problems of its rows; return the table name."""
    _build_maps(con, norm, tag, excel=raw.kind == "xlsx")
    step()
    con.execute(RESOLVE_SQL.format(tag=tag, norm=norm, num=NUMBER, max_dec=MAX_DECIMALS,
                                   max_int=MAX_INTEGER_DIGITS, factor=FACTOR_SQL))
    con.execute(MULTI_SQL.format(tag=tag))
    step()
    labels = {role: raw.headers[index] for role, index in shape.roles.items()}
    labels.setdefault("date", labels.get("time", "sampled_at"))
    labels.setdefault("time", labels["date"])
    errors = (f"{_errors_sql(tag, labels, shape.form == 'long', dt.date.today())} UNION ALL "
              f"SELECT * FROM ({DUPLICATES_SQL.format(tag=tag)})")
    total = con.execute(f"SELECT count(*) FROM ({errors})").fetchall()[0][0]
    if total:
        listed = con.execute(
            f"SELECT * FROM ({errors}) ORDER BY row_no, 2 LIMIT {MAX_LISTED}").fetchall()
        for row_no, col, found, expected in listed:
            problems.add(Problem(raw.file, raw.sheet, row_no, col, found or "", expected))
        problems.add_unlisted(total - len(listed))
    step()
    return f"_res_{tag}"


def has_duplicate_keys(con: duckdb.DuckDBPyConnection, tag: str) -> bool:
    """Whether some key occurs on several rows (they agree, or the file was refused)."""
    return con.execute(f"SELECT count(*) FROM _multi_{tag}").fetchall()[0][0] > 0


def drop_work_tables(con: duckdb.DuckDBPyConnection, tag: str) -> None:
    """Free the temp tables of one file (a rolled-back transaction drops them anyway)."""
    try:
        con.execute(f"DROP VIEW IF EXISTS _norm_{tag}")
        for prefix in ("_msec", "_mind", "_mtime", "_munit", "_mflag", "_mval", "_res", "_multi",
                       "_stage"):
            con.execute(f"DROP TABLE IF EXISTS {prefix}_{tag}")
    except duckdb.Error:
        pass


__all__ = ["DATE_EXPECTED", "resolve_rows", "has_duplicate_keys", "drop_work_tables"]
