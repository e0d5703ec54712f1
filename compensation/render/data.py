"""The read layer of the outputs: everything a bulletin or workbook shows, as plain dataclasses.

Templates and sheet writers only format what this module gathers, so the choice of "which run counts
for a month" or "which class a section had" is made once, here, and tested once.

Which lines count for a month: engine.ledger.chosen_runs seen from that month, the one rule that
accounts and settle read too. A period complete by the month comes from the newest run covering all
of it (a final run replaces provisional ones); a period still running (a year seen in March) from
the newest run ending in that month, its to-date status.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from compensation.engine.ledger import CHOSEN_RUNS_EACH_SQL, chosen_runs_each
from compensation.lang.compiled import recorded_params
from compensation.months import add_months, month_range, month_start
from compensation.store.functions import has_function

__all__ = ["add_months", "month_range", "month_start"]  # re-exported for the renderers

TREASURY_KIND = "treasury"
# How documents name a party's kind; a border is named by the kinds that have borders (a district
# lies within its city, so a district facing another city's county is a city border).
KIND_WORDS = {"province": "省", "city": "市", "county": "县", "district": "区", "treasury": "财政"}
BORDER_KINDS = ("province", "city", "county")
# Indicators that do not decide a river section's class (环办〔2011〕22号).
NOT_CLASSED = ("TEMP", "TN", "FCOLI", "FLOW", "COND", "TURB")


@dataclass(frozen=True)
class Party:
    party_id: str
    name: str
    kind: str
    label: str | None = None  # what an `other` party is (流域管理机构)

    @property
    def kind_word(self) -> str:
        """The kind in a document's words: 省, 市, 县, 区, 财政, or an `other` party's label."""
        return self.label or KIND_WORDS.get(self.kind, "其他单位")

    @property
    def described(self) -> str:
        """The name, with an `other` party's label when the name does not already say it."""
        if self.kind == "other" and self.label and self.label not in self.name:
            return f"{self.name}（{self.label}）"
        return self.name


@dataclass(frozen=True)
class Section:
    section_id: str
    name: str
    river: str
    bank: str | None
    water_body: str
    role: str
    party_id: str | None
    control_id: str | None
    river_order: int | None
    schemes: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    """Parties and sections by id; names fall back to ids so a missing entry never hides a line."""

    parties: dict[str, Party]
    sections: dict[str, Section]

    def party_name(self, party_id: str | None) -> str:
        if party_id is None:
            return "—"
        party = self.parties.get(party_id)
        return party.name if party else party_id

    def section_name(self, section_id: str | None) -> str:
        if section_id is None:
            return "（全流域）"
        section = self.sections.get(section_id)
        return section.name if section else section_id

    def party_described(self, party_id: str) -> str:
        """How a document names a party: its name, and what it is when its kind is `other`."""
        party = self.parties.get(party_id)
        return party.described if party else party_id

    def border_kinds(self, party_ids: Iterable[str]) -> set[str]:
        """The kinds among these parties that have borders of their own (province, city, county)."""
        kinds = {p.kind for pid in party_ids if (p := self.parties.get(pid)) is not None}
        return kinds & set(BORDER_KINDS)

    def is_treasury(self, party_id: str) -> bool:
        party = self.parties.get(party_id)
        return party is not None and party.kind == TREASURY_KIND


@dataclass(frozen=True)
class LedgerLine:
    line_id: int
    run_id: int
    scheme: str
    rule: str
    period_start: date
    period_end: date
    section_id: str | None
    payer: str
    payee: str
    amount: Decimal
    branch: str | None
    exception: str | None
    reason: str | None
    trace: dict[str, Any]

    @property
    def spans_months(self) -> bool:
        return (self.period_start.year, self.period_start.month) != (
            self.period_end.year,
            self.period_end.month,
        )

    @property
    def month(self) -> date:
        """The month a line is booked to: the month its period ends in."""
        return date(self.period_end.year, self.period_end.month, 1)

    def counts_at(self, month: date, viewed: date) -> bool:
        """Whether this line, listed under `month`, enters a total through `viewed`: a month's
        line in its month; a longer period's line (quarter, year, agreement year) once, in the
        month it ends, or in `viewed` while it is still running (its to-date status)."""
        return not self.spans_months or month == min(self.month, viewed)


@dataclass(frozen=True)
class RuleInfo:
    scheme: str
    rule: str
    title: str
    basis: str
    where: str  # rule file:line, or "" when unknown


@dataclass(frozen=True)
class ParameterInfo:
    scheme: str
    name: str
    value: str
    since: str
    basis: str


@dataclass(frozen=True)
class Correction:
    """A batch that replaced values of earlier batches (a corrected file)."""

    batch_id: int
    file_name: str
    loaded_at: datetime
    replaced: tuple[int, ...]
    n_values: int
    section_ids: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class MonthlyValue:
    section_id: str
    period: date
    indicator: str
    value: Decimal | None
    klass: int | None
    flags: tuple[str, ...]


@dataclass
class StoreSnapshot:
    """What one document needs from the store, read once."""

    registry: Registry
    lines_by_month: dict[date, list[LedgerLine]]
    classes: dict[tuple[str, date], int]
    rules: dict[tuple[str, str], RuleInfo]
    parameters: list[ParameterInfo]
    as_of: datetime | None
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)


# --- small helpers ---------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def short_rule_path(path: Any) -> str:
    """'/work/main/rules/yangtze_han.rule' → 'rules/yangtze_han.rule': no machine paths in
    documents that leave the bureau."""
    text = str(path).replace("\\", "/")
    if text.startswith("rules/"):
        return text
    marker = text.rfind("/rules/")
    return text[marker + 1 :] if marker >= 0 else text.rsplit("/", 1)[-1]


def parse_json(value: Any) -> Any:
    """JSON text from DuckDB with numbers kept exact (Decimal), never binary floats."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return json.loads(value, parse_float=Decimal)
        except ValueError:
            return None
    return value


# --- registry and lines ----------------------------------------------------------------------


def read_registry(con: duckdb.DuckDBPyConnection) -> Registry:
    parties = {
        r["party_id"]: Party(r["party_id"], r["name"], r["kind"], r["label"])
        for r in _rows(con, "SELECT party_id, name, kind, label FROM parties ORDER BY party_id")
    }
    sections = {}
    for r in _rows(
        con,
        "SELECT section_id, name, river, bank, water_body, role, party_id, control_id,"
        " river_order, schemes FROM sections ORDER BY river, bank NULLS LAST, river_order,"
        " section_id",
    ):
        sections[r["section_id"]] = Section(
            r["section_id"],
            r["name"],
            r["river"],
            r["bank"],
            r["water_body"],
            r["role"],
            r["party_id"],
            r["control_id"],
            r["river_order"],
            tuple(r["schemes"] or ()),
        )
    return Registry(parties, sections)


def chosen_runs(
    con: duckdb.DuckDBPyConnection, first: date, last: date
) -> dict[tuple[str, date], int]:
    """(scheme, month) → the newest run whose lines count for that month (engine.ledger's
    `chosen_runs` seen from each month): which runs stand behind a bulletin."""
    out: dict[tuple[str, date], int] = {}
    months = month_range(first, last)
    for (_, month), chosen in chosen_runs_each(con, [(m, m) for m in months]).items():
        for (scheme, _, _), run in chosen.items():
            out[(scheme, month)] = max(run, out.get((scheme, month), run))
    return out


# The lines that count for each viewed month (`chosen_runs_each` seen from it), matched to their
# chosen run in SQL so that only the lines of the months asked are read (never the whole of a
# multi-year run). With $through, a longer period's line is kept once (`LedgerLine.counts_at`):
# in the month it ends, or in $through while it is still running.
_VIEW_LINES_SQL = f"""
WITH chosen AS ({CHOSEN_RUNS_EACH_SQL})
SELECT COLUMNS
FROM chosen c JOIN ledger l
  ON l.run_id = c.run_id AND l.scheme = c.scheme AND l.period_start = c.period_start
 AND l.period_end = c.period_end
WHERE l.period_start <= $last AND l.period_end >= $first
  AND (CAST($through AS DATE) IS NULL
       OR date_trunc('month', l.period_start) = date_trunc('month', l.period_end)
       OR c.viewpoint = least(CAST(date_trunc('month', l.period_end) AS DATE),
                              CAST($through AS DATE)))
"""
_LINE_COLUMNS = (
    "c.viewpoint AS month, l.line_id, l.run_id, l.scheme, l.rule, l.period_start, l.period_end,"
    " l.section_id, l.payer, l.payee, l.amount, l.branch, l.exception, l.reason,"
    " CAST(l.trace AS VARCHAR) AS trace"
)
# Per party, received − paid over the counted lines, and where it is first seen (month, line,
# payer before payee): the year-to-date column of a bulletin without its lines in Python.
_PARTY_NETS_SQL = f"""
WITH counted AS ({_VIEW_LINES_SQL.replace("COLUMNS",
                                          "c.viewpoint AS month, l.line_id, l.payer, l.payee,"
                                          " l.amount")}),
sides AS (
    SELECT payee AS party, amount AS signed, month, line_id, 1 AS side FROM counted
    UNION ALL
    SELECT payer, -amount, month, line_id, 0 FROM counted WHERE payer <> payee
)
SELECT party, sum(signed) AS net FROM sides GROUP BY party
ORDER BY min(struct_pack(m := month, l := line_id, s := side))
"""


def _view_params(
    first: date, last: date, schemes: Iterable[str] | None, through: date | None = None
) -> dict[str, Any]:
    months = month_range(first, last)
    return {"schemes": None if schemes is None else sorted(set(schemes)),
            "range_starts": months, "viewpoints": months, "first": months[0] if months else first,
            "last": months[-1] if months else last, "through": through}


def months_with_lines(
    con: duckdb.DuckDBPyConnection, first: date, last: date, schemes: Iterable[str] | None = None
) -> dict[date, int]:
    """Month → how many lines count for it (only months with lines), without reading a line."""
    rows = con.execute(
        _VIEW_LINES_SQL.replace("COLUMNS", "c.viewpoint AS month, count(*) AS n")
        + " GROUP BY c.viewpoint ORDER BY c.viewpoint",
        _view_params(first, last, schemes),
    ).fetchall()
    return {month_start(m): int(n) for m, n in rows}


def lines_run_ids(
    con: duckdb.DuckDBPyConnection, first: date, last: date, schemes: Iterable[str] | None = None
) -> set[int]:
    """The runs that stand behind at least one line counted in months first..last."""
    rows = con.execute(
        _VIEW_LINES_SQL.replace("COLUMNS", "DISTINCT l.run_id"),
        _view_params(first, last, schemes),
    ).fetchall()
    return {int(r[0]) for r in rows}


def read_lines(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    schemes: Iterable[str] | None = None,
    counted_through: date | None = None,
) -> dict[date, list[LedgerLine]]:
    """For each month first..last, the lines that count for it, seen from that month (see the
    module docstring): the same choice as `ecocomp accounts --period` (engine.ledger). With
    `counted_through`, a longer period's line only where `LedgerLine.counts_at(month,
    counted_through)` holds. Only these months' lines are read, with their traces."""
    by_month: dict[date, list[LedgerLine]] = {m: [] for m in month_range(first, last)}
    if not by_month:
        return by_month
    rows = _rows(
        con,
        _VIEW_LINES_SQL.replace("COLUMNS", _LINE_COLUMNS) + " ORDER BY c.viewpoint, l.line_id",
        _view_params(first, last, schemes, counted_through),
    )
    for r in rows:
        month = month_start(r.pop("month"))
        by_month[month].append(LedgerLine(
            **{**r, "trace": parse_json(r["trace"]) or {}, "amount": Decimal(r["amount"])}
        ))
    return by_month


def party_nets(
    con: duckdb.DuckDBPyConnection, first: date, through: date,
    schemes: Iterable[str] | None = None,
) -> dict[str, Decimal]:
    """Party → received − paid over months first..through, each longer period's line once
    (`LedgerLine.counts_at`), in the order parties first appear; summed exactly in SQL."""
    rows = con.execute(_PARTY_NETS_SQL, _view_params(first, through, schemes, through)).fetchall()
    return {str(party): Decimal(net) for party, net in rows}


def runs_as_of(con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]) -> datetime | None:
    ids = sorted(set(run_ids))
    if not ids:
        return None
    rows = con.execute(
        "SELECT max(as_of) FROM runs WHERE list_contains(?, run_id)", [ids]
    ).fetchall()
    return rows[0][0]


# --- classes and values ----------------------------------------------------------------------


def read_section_classes(
    con: duckdb.DuckDBPyConnection, as_of: datetime, first: date, last: date
) -> dict[tuple[str, date], int]:
    """(section, month) → class 1..6, the worst class of its evaluated indicators that month.

    Computed from `monthly_values` (single-factor method) rather than `monthly_section_class`,
    which gives the same class but takes seconds to plan in DuckDB 2.0; the indicators that count
    are the quality package's `indicator_info.evaluated` ones when that table exists.
    Empty when the quality macros are not installed.
    """
    if not has_function(con, "monthly_values"):
        return {}
    if "evaluated" in _columns(con, "indicator_info"):
        evaluated = "indicator IN (SELECT indicator FROM indicator_info WHERE evaluated)"
        params: list = [as_of, month_start(first), month_start(last)]
    else:
        evaluated = "NOT list_contains(?, indicator)"
        params = [as_of, month_start(first), month_start(last), list(NOT_CLASSED)]
    rows = con.execute(
        "SELECT section_id, period, max(class) FROM monthly_values(CAST(? AS TIMESTAMP))"
        f" WHERE period BETWEEN ? AND ? AND class IS NOT NULL AND {evaluated} GROUP BY ALL",
        params,
    ).fetchall()
    return {(s, month_start(p)): int(c) for s, p, c in rows}


def read_monthly_values(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime,
    section_ids: Iterable[str],
    first: date,
    last: date,
) -> list[MonthlyValue]:
    """Monthly values of some sections (empty when the quality macros are not installed)."""
    ids = sorted(set(section_ids))
    if not ids or not has_function(con, "monthly_values"):
        return []
    rows = con.execute(
        "SELECT section_id, period, indicator, value, class, flags"
        " FROM monthly_values(CAST(? AS TIMESTAMP))"
        " WHERE period BETWEEN ? AND ? AND list_contains(?, section_id)"
        " ORDER BY section_id, period, indicator",
        [as_of, month_start(first), month_start(last), ids],
    ).fetchall()
    return [
        MonthlyValue(
            s,
            month_start(p),
            ind,
            None if v is None else Decimal(v),
            None if c is None else int(c),
            tuple(f or ()),
        )
        for s, p, ind, v, c, f in rows
    ]


# --- rules, parameters, corrections ----------------------------------------------------------


def read_rules_and_parameters(
    con: duckdb.DuckDBPyConnection, run_ids: Iterable[int]
) -> tuple[dict[tuple[str, str], RuleInfo], list[ParameterInfo]]:
    """Rule titles and bases and the parameters, as the engine recorded them with each run."""
    ids = sorted(set(run_ids))
    columns = _columns(con, "runs")
    if not ids or not {"rules_meta", "params"} <= columns:
        return {}, []
    rows = con.execute(
        "SELECT scheme, CAST(rules_meta AS VARCHAR), CAST(params AS VARCHAR) FROM runs"
        " WHERE list_contains(?, run_id) ORDER BY run_id",
        [ids],
    ).fetchall()
    rules: dict[tuple[str, str], RuleInfo] = {}
    params: dict[tuple[str, str, str], ParameterInfo] = {}
    for scheme, rules_meta, params_json in rows:
        for meta in parse_json(rules_meta) or []:
            if not isinstance(meta, dict) or "id" not in meta:
                continue
            where = f"{short_rule_path(meta['file'])}:{meta.get('line', '')}" if meta.get(
                "file") else ""
            rules[(scheme, str(meta["id"]))] = RuleInfo(
                scheme,
                str(meta["id"]),
                str(meta.get("title") or ""),
                str(meta.get("basis") or ""),
                where,
            )
        for info in _parameter_infos(scheme, parse_json(params_json)):
            params[(info.scheme, info.name, info.since)] = info
    return rules, list(params.values())


def _parameter_infos(scheme: str, data: Any) -> list[ParameterInfo]:
    """The run's recorded parameters (`recorded_params`): each dated value with its text (without
    `negotiable`), since (and until) and basis (with its assumption)."""
    infos = []
    for param in recorded_params(data):
        for version in param.versions:
            text = version.text.removesuffix(" negotiable").strip()
            basis = version.basis
            if version.assumption:
                basis = f"{basis}（假设：{version.assumption}）" if basis else (
                    f"假设：{version.assumption}")
            since = f"{version.start} 至 {version.until}" if version.until else version.start
            infos.append(ParameterInfo(scheme, param.name, text, since, basis))
    return infos


def read_corrections(
    con: duckdb.DuckDBPyConnection, since: datetime | None, until: datetime | None = None
) -> list[Correction]:
    """Sample batches that superseded earlier values, loaded in (since, until] (open when None)."""
    rows = con.execute(
        """
        SELECT b.batch_id, b.file_name, b.loaded_at, b.note,
               list(DISTINCT o.batch_id ORDER BY o.batch_id) AS replaced
        FROM batches b JOIN batches o ON o.superseded_by = b.batch_id
        WHERE b.kind = 'samples' AND (CAST(? AS TIMESTAMP) IS NULL OR b.loaded_at > ?)
          AND (CAST(? AS TIMESTAMP) IS NULL OR b.loaded_at <= ?)
        GROUP BY ALL ORDER BY b.loaded_at, b.batch_id
        """,
        [since, since, until, until],
    ).fetchall()
    corrections = []
    for batch_id, file_name, loaded_at, note, replaced in rows:
        touched = con.execute(
            """
            SELECT count(*), list(DISTINCT n.section_id ORDER BY n.section_id)
            FROM samples n
            WHERE n.batch_id = ? AND EXISTS (
                SELECT 1 FROM samples o
                WHERE list_contains(?, o.batch_id) AND o.section_id = n.section_id
                  AND o.sampled_at = n.sampled_at AND o.indicator = n.indicator)
            """,
            [batch_id, list(replaced)],
        ).fetchall()
        n_values, sections = touched[0]
        corrections.append(
            Correction(
                batch_id,
                file_name,
                loaded_at,
                tuple(replaced),
                int(n_values),
                tuple(sections or ()),
                note,
            )
        )
    return corrections


def read_snapshot(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    schemes: Iterable[str] | None = None,
    class_from: date | None = None,
    lines_from: date | None = None,
) -> StoreSnapshot:
    """Everything for months first..last (classes from `class_from`, default `first`): the runs,
    rules and data cut-off behind any line of those months, but the lines themselves only from
    `lines_from` (default `first`; after `last`: none), so a document reads the lines it shows."""
    registry = read_registry(con)
    start = lines_from or first
    lines = read_lines(con, start, last, schemes) if start <= last else {}
    run_ids = lines_run_ids(con, first, last, schemes)
    as_of = runs_as_of(con, run_ids) or datetime.now().replace(microsecond=0)
    classes = read_section_classes(con, as_of, class_from or first, last)
    rules, parameters = read_rules_and_parameters(con, run_ids)
    return StoreSnapshot(registry, lines, classes, rules, parameters, as_of)
