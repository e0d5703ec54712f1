"""Evaluating scenarios: every rule's SQL over all scenarios at once, signed from one side's view.

Scenarios are what-ifs: nothing is written to the ledger. The rule SQL reads the session's `ev_*`
TEMP tables (`prepare_run`), and the rows are summed or kept in a TEMP table of this session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.engine.periods import parse_years
from compensation.errors import EcocompError
from compensation.lang import BASE_SCENARIO as BASE_NAME
from compensation.lang import CompiledScheme, compile_file, prepare_run
from compensation.months import agreement_year, year_start

PARTY_TOKEN_WORDS = {"section.party": "各考核断面所属方", "control.party": "各对照断面所属方"}


def load_compiled(scheme: str | CompiledScheme, rules_dir: Path | None = None) -> CompiledScheme:
    """A scheme id (`rules/<id>.rule`) or an already compiled scheme."""
    if isinstance(scheme, CompiledScheme):
        return scheme
    from compensation.engine.schemes import scheme_paths

    return compile_file(scheme_paths(scheme, rules_dir)[0])


@dataclass(frozen=True)
class Direction:
    """Net transfers are reported as what `first` pays `second` (negative: the other way)."""

    first: str
    second: str
    first_name: str
    second_name: str

    @property
    def sentence(self) -> str:
        return (
            f"净额 = {self.first_name}支付{self.second_name}的金额 − {self.second_name}支付"
            f"{self.first_name}的金额；正数表示{self.first_name}付款，负数表示{self.second_name}付款"
        )


def _party_name(con: duckdb.DuckDBPyConnection, token: str) -> str:
    if token in PARTY_TOKEN_WORDS:
        return PARTY_TOKEN_WORDS[token]
    rows = con.execute("SELECT name FROM parties WHERE party_id = ?", [token]).fetchall()
    return str(rows[0][0]) if rows else token


def direction_of(con: duckdb.DuckDBPyConnection, compiled: CompiledScheme) -> Direction:
    """The scheme's first two parties, with their names from the registry."""
    if len(compiled.parties) < 2:
        raise EcocompError(
            f"方案 {compiled.id} 的 parties 少于两方，无法计算双方净额。(need two parties)"
        )
    first, second = compiled.parties[0], compiled.parties[1]
    return Direction(first, second, _party_name(con, first), _party_name(con, second))


def data_years(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, as_of: datetime | None = None
) -> list[int]:
    """The default of --years: every (agreement) year from the first to the last in which a
    section of the scheme has a sample, within the scheme's span, loaded by `as_of`."""
    rows = con.execute(
        "SELECT DISTINCT CAST(date_trunc('month', x.sampled_at) AS DATE) FROM samples x"
        " JOIN batches b ON b.batch_id = x.batch_id"
        " WHERE b.loaded_at <= CAST(? AS TIMESTAMP) AND x.section_id IN"
        " (SELECT section_id FROM sections WHERE list_contains(schemes, ?))",
        [as_of or datetime.now(), compiled.id],
    ).fetchall()
    span_start, span_end = compiled.span_start, compiled.span_end
    years = sorted({
        year_of(compiled, month) for (month,) in rows
        if month >= date(span_start.year, span_start.month, 1)
        and (span_end is None or month <= span_end)
    })
    if not years:
        raise EcocompError(
            f"方案 {compiled.id} 的断面在其执行期（{span_start:%Y-%m} 起）内没有监测数据；"
            "请先载入数据，或用 --years 指定年份。(no data in the scheme's span)"
        )
    return list(range(years[0], years[-1] + 1))


def choose_years(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme,
    years: str | list[int] | tuple[int, ...] | None, as_of: datetime | None = None,
) -> list[int]:
    """--years as given (text or a list), or every year with data when it is left out."""
    if years is None:
        return data_years(con, compiled, as_of)
    return parse_years(years) if isinstance(years, str) else list(years)


def years_window(compiled: CompiledScheme, years: list[int]) -> tuple[date, date]:
    """First and last month of the (agreement) years; a clear sentence if none is in the span."""
    start = agreement_year(years[0], compiled.year_begins)[0]
    end = agreement_year(years[-1], compiled.year_begins)[1]
    span_start, span_end = compiled.span_start, compiled.span_end
    if end < span_start or (span_end is not None and start > span_end):
        raise EcocompError(
            f"方案 {compiled.id} 自 {span_start:%Y-%m} 起执行，所选年份 {years[0]}–{years[-1]} "
            "不在其范围内。(years outside the scheme span)"
        )
    return start, end


def year_of(compiled: CompiledScheme, month: date) -> int:
    """The (agreement) year a period belongs to, named by the calendar year it starts in."""
    return year_start(month, compiled.year_begins).year


def _is_concrete(token: str) -> bool:
    return "." not in token


def _side_condition(column: str, token: str, other: str) -> tuple[str, list[str]]:
    """SQL (with parameters) that `column` belongs to the side named by `token`."""
    if _is_concrete(token):
        return f"{column} = ?", [token]
    if _is_concrete(other):
        return f"{column} <> ?", [other]
    return "TRUE", []


def signed_lines_sql(
    compiled: CompiledScheme, direction: Direction, columns: str, trace: bool = False
) -> tuple[str, list[str]]:
    """Every rule's rows (UNION ALL, one query) with `signed` = amount seen from the first party;
    `trace`: the rows' traces are read (else the rules' queries without them, much cheaper)."""
    a, b = direction.first, direction.second
    a_pays, p1 = _side_condition("payer", a, b)
    b_paid, p2 = _side_condition("payee", b, a)
    b_pays, p3 = _side_condition("payer", b, a)
    a_paid, p4 = _side_condition("payee", a, b)
    signed = (
        f"CASE WHEN ({a_pays}) AND ({b_paid}) THEN amount "
        f"WHEN ({b_pays}) AND ({a_paid}) THEN -amount ELSE CAST(0 AS DECIMAL(18,2)) END"
    )
    parts, params = [], []
    for rule in compiled.rules:
        query = rule.sql if trace else rule.amounts_sql
        parts.append(f"SELECT {columns}, {signed} AS signed FROM ({query}) AS rule_rows")
        params += p1 + p2 + p3 + p4
    if not parts:
        raise EcocompError(f"方案 {compiled.id} 没有任何规则。(no rules)")
    return " UNION ALL ".join(parts), params


def prepare(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    start: date,
    end: date,
    scenarios: Iterable[tuple[str, Mapping[str, object]]],
    as_of: datetime | None = None,
) -> None:
    """`prepare_run` for every scenario at once (the scenario is a column of the parameters)."""
    prepare_run(con, compiled, start, end, as_of or datetime.now(), scenarios=list(scenarios))


def run_rule_query(
    con: duckdb.DuckDBPyConnection, compiled: CompiledScheme, sql: str, params: list
) -> list[tuple]:
    """Run a query over the rule SQL; a failing rule is a sentence naming the scheme."""
    try:
        return con.execute(sql, params).fetchall()
    except duckdb.Error as err:
        raise EcocompError(
            f"方案 {compiled.id} 的规则查询执行失败：{err}。(rule SQL failed)"
        ) from None


def yearly_nets(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledScheme,
    direction: Direction,
    start: date,
    end: date,
    scenarios: list[tuple[str, Mapping[str, object]]],
    as_of: datetime | None = None,
) -> dict[str, dict[int, Decimal]]:
    """Net per scenario and (agreement) year: `prepare_run` once, then ONE query for all of them.

    Every scenario (the base included) appears, with 0 for a year without lines.
    """
    prepare(con, compiled, start, end, scenarios, as_of)
    sql, params = signed_lines_sql(compiled, direction, "scenario, period_start")
    year_expr = (
        "year(CAST(period_start AS DATE)) - CASE WHEN month(CAST(period_start AS DATE)) < ? "
        "THEN 1 ELSE 0 END"
    )
    rows = run_rule_query(
        con, compiled,
        f"SELECT scenario, {year_expr} AS y, COALESCE(sum(signed), 0) FROM ({sql}) AS lines "
        "GROUP BY ALL",
        [compiled.year_begins, *params],
    )
    first = year_of(compiled, start)
    last = year_of(compiled, end)
    names = [BASE_NAME] + [name for name, _ in scenarios if name != BASE_NAME]
    out = {n: {y: Decimal("0.00") for y in range(first, last + 1)} for n in names}
    for scenario, y, net in rows:
        if scenario in out and int(y) in out[scenario]:
            out[scenario][int(y)] = Decimal(net)
    return out
