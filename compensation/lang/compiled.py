"""What compiling a rule file produces: plain data that a run needs, and nothing of the compiler.

These types live apart from the compiler (lark, sqlglot) so that a compiled scheme read back from
the rule cache (`compensation.lang.cache`) brings no parser or SQL builder into the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from compensation.lang.units import ParamValue, Unit

if TYPE_CHECKING:  # the syntax tree is not kept in the rule cache (see `cache`)
    from compensation.lang import ast


@dataclass(frozen=True)
class IndicatorsRead:
    """The indicators written in the rules, and the list parameters whose values are read
    (compensation/lang/reads.py)."""

    names: frozenset[str]
    params: frozenset[str]


def month_date(text: str) -> date:
    """'2018-01' → date(2018, 1, 1)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class ParamVersion:
    """One dated value of a parameter: valid from `start` (first day of a month) to `until`."""

    start: date
    until: date | None  # first day of the last month it is valid, or None (until the next one)
    value: ParamValue
    text: str  # as written, e.g. "50万"
    basis: str
    assumption: str | None
    line: int


@dataclass(frozen=True)
class TraceRef:
    """Where a named value sits in a line's trace (compensation/lang/trace.py): the part
    (`measures`, `lets` or `params`) and the name."""

    part: str
    name: str


@dataclass(frozen=True)
class BulletinShows:
    """What the bulletin shows of each line of the scheme, as its rule file declares it
    (`bulletin index cpi`, `bulletin class section_class`, `bulletin target target`,
    `bulletin rank r ascending "words"`); nothing declared, nothing shown (rows by amount)."""

    index: str | None = None  # a measure: its value on the section and on the control
    index_title: str = ""  # that measure's title (its name when untitled): the column's heading
    klass: str | None = None  # a class measure: the section's class when the line carries one
    target: str | None = None  # a class parameter: the class each row is compared against
    rank: TraceRef | None = None  # a measure or let shown as a change (%) and ranked by
    rank_descending: bool = False
    rank_words: str = ""


@dataclass
class CompiledParam:
    name: str
    unit: Unit
    negotiable: bool
    variants: list[str]
    versions: list[ParamVersion]
    line: int

    @property
    def kind(self) -> str:
        """number | class | indicators | variant."""
        return self.unit.kind


@dataclass
class CompiledRule:
    id: str
    title: str
    basis: str
    assumption: str | None
    file: str
    line: int
    period: str  # the period of its rows: month | bimonth | odd-month | quarter | year
    selector: str | None  # assessed | control | all | None (scheme-level)
    payer: str
    payee: str
    sql: str
    # the same rows with trace NULL, for readers of amounts only (scenarios, benchmarks): DuckDB
    # would compute the trace's values even when nobody reads them
    amounts_sql: str
    # how often its traced query reads prepare_run's `ev_trace_values` (once per side shown:
    # section, control); a run keeps the values as a table when its rules read them twice or more
    trace_value_reads: int = 0


@dataclass(frozen=True)
class RecordedVersion:
    """One dated value as a run records it (runs.params): dates in ISO form, the text as written."""

    start: str
    until: str | None
    text: str
    basis: str
    assumption: str | None


@dataclass(frozen=True)
class RecordedParam:
    """A parameter as a run records it: `runs.params` is the JSON of the scheme's
    `CompiledParam`s (engine/schemes.jsonable); explain and the documents read it back with
    `recorded_params`, not by trying key names."""

    name: str
    negotiable: bool
    versions: tuple[RecordedVersion, ...]


def recorded_params(data: Any) -> list[RecordedParam]:
    """`runs.params` (parsed JSON) → its parameters; anything not of that form is left out."""
    out = []
    for p in data if isinstance(data, list) else []:
        if not isinstance(p, dict) or not isinstance(p.get("versions"), list):
            continue
        versions = tuple(
            RecordedVersion(str(v.get("start") or ""), v.get("until"), str(v.get("text") or ""),
                            str(v.get("basis") or ""), v.get("assumption"))
            for v in p["versions"] if isinstance(v, dict)
        )
        out.append(RecordedParam(str(p.get("name") or ""), bool(p.get("negotiable")), versions))
    return out


@dataclass
class CompiledScheme:
    id: str
    title: str
    basis: str | None
    assumptions: list[str]
    period: str
    settle: str
    year_begins: int  # first month of the (agreement) year
    span_start: date
    span_end: date | None
    parties: list[str]
    parameters: list[CompiledParam]
    measures: list[dict[str, object]]
    rules: list[CompiledRule]
    file: str
    source_sha256: str
    uses_daily: bool = False
    value_kinds: list[str] = field(default_factory=list)
    # how far back of the run's first (agreement) year the rules read values: previous(...)
    # reads a year back, baseline(x, 2012..2014) from a fixed year
    reads_previous: bool = False
    first_year_read: int | None = None
    # the indicators whose period values the rules can read (None: all of them)
    indicators_read: IndicatorsRead | None = None
    reads_highest: bool = True  # a rule or measure reads highest(...): ev_values keeps it
    # periods longer than a month: "samples" (mean of the period's samples, the default) or
    # "monthly-mean" (mean of the monthly values; the scheme's own text says so, with its basis)
    period_value: str = "samples"
    period_value_basis: str | None = None
    bulletin: BulletinShows = field(default_factory=BulletinShows)
    # section codes and rivers the rules name (`section = "S12"`): checked against the registry
    # by each run (lang/selection.py); (attribute, value, line, column)
    registry_names: list[tuple[str, str, int, int]] = field(default_factory=list)
    # the volumes the rules read (`volume(FLOW, daily)` → "daily", `volume(VOL)` → "measured"):
    # prepare_run makes ev_volumes for these only (lang/volumes.py)
    volume_bases: list[str] = field(default_factory=list)
    ast: ast.RuleFile | None = field(default=None, repr=False)

    def parameter(self, name: str) -> CompiledParam:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def params_by_name(self) -> dict[str, CompiledParam]:
        return {p.name: p for p in self.parameters}
