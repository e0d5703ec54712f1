"""The content of a monthly bulletin, worked out from the store once, before any formatting.

A line's amount is shown signed from the point of view of the party assessed on it (the section's
party, else the side that is not the treasury): positive = that party receives (a reward, 奖励),
negative = it pays (a penalty, 扣罚). Payer and payee are shown as well, so nothing is hidden.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import duckdb

from compensation.lang.trace import Trace
from compensation.render.data import (
    Correction,
    LedgerLine,
    Registry,
    RuleInfo,
    Section,
    StoreSnapshot,
    add_months,
    party_nets,
    read_corrections,
    read_snapshot,
    short_rule_path,
)
from compensation.render.gaps import MonthGap, gaps_sentence, year_to_date_gaps
from compensation.render.labels import FLAG_WORDS, scheme_title
from compensation.render.profile import PublicationOrder, publication_order
from compensation.render.provenance import Provenance, official_basis, read_provenance
from compensation.render.schemes import scheme_facts
from compensation.render.trace import Measures, read_measures

HISTORY_MONTHS = 12


@dataclass(frozen=True)
class LineView:
    """One ledger line as a bulletin row."""

    line: LedgerLine
    scheme_title: str
    section_name: str
    bank: str | None
    party_id: str
    party_name: str
    payer_name: str
    payee_name: str
    klass: int | None
    reference_class: int | None
    reference_kind: str  # '对照' (control section) or '目标' (target class) or ''
    measures: Measures
    signed: Decimal
    outcome: str  # 'reward' | 'penalty' | 'excluded' | 'zero'
    note: str
    rule_title: str = ""
    rank: int | None = None  # place within its scheme (see rank_rows)
    remark: str = ""  # 备注: why a line is zero or exceptional, or 更正
    index_title: str = ""  # what the scheme's declared index is called (`bulletin index`)

    @property
    def branch_text(self) -> str:
        """The branch in words as the rule labels it; never the rule's own syntax (`[-band, 0]`):
        without a label, the rule's title."""
        return self.measures.branch_label or self.rule_title or "—"


@dataclass(frozen=True)
class SchemeTable:
    scheme: str
    title: str
    rows: list[LineView]
    rewards: Decimal
    penalties: Decimal
    has_index: bool
    part: str = "district"  # 'district' (with the city treasury) or 'cross' (between cities)
    rank_by: str = ""  # what the rows are ranked by, in words
    index_title: str = ""  # the heading of the index columns (the declared measure's title)

    @functools.cached_property
    def has_remarks(self) -> bool:
        """Asked once per row by the templates: worked out once per table."""
        return any(v.remark for v in self.rows)


@dataclass(frozen=True)
class PartyTotal:
    party_id: str
    name: str
    month: Decimal
    year_to_date: Decimal


@dataclass(frozen=True)
class Summary:
    assessed: int
    improved: int
    declined: int
    excluded: int
    rewards: Decimal
    penalties: Decimal


@dataclass(frozen=True)
class HistoryRow:
    section_id: str
    name: str
    river: str
    bank: str | None
    classes: tuple[int | None, ...]


@dataclass
class Bulletin:
    period: date
    schemes: list[SchemeTable]
    summary: Summary
    parties: list[PartyTotal]
    excluded: list[LineView]
    corrections: list[Correction]
    rules: list[RuleInfo]
    history_months: list[date]
    history: list[HistoryRow]
    classes_now: dict[str, int]
    registry: Registry
    as_of: datetime | None
    provenance: Provenance | None = None
    charts: dict[str, list[str]] = field(default_factory=dict)
    year_to_date_gaps: list[MonthGap] = field(default_factory=list)

    @property
    def year_to_date_note(self) -> str:
        """The sentence naming the months 本年累计 does not (fully) stand on; '' when none."""
        return gaps_sentence(self.year_to_date_gaps)

    @property
    def district_schemes(self) -> list[SchemeTable]:
        return [s for s in self.schemes if s.part == "district"]

    @property
    def cross_schemes(self) -> list[SchemeTable]:
        return [s for s in self.schemes if s.part == "cross"]

    @property
    def run_key(self) -> str:
        """The runs behind the bulletin: a reissue on other runs is a correction (更正)."""
        return ",".join(str(r.run_id) for r in self.provenance.runs) if self.provenance else ""

    @property
    def data_cutoff(self) -> datetime | None:
        return self.provenance.data_cutoff if self.provenance else None

    @property
    def official_bases(self) -> list[tuple[str, str, str]]:
        """(scheme title, rule title, official basis) for the body; bases that are only press
        reports or assumptions are left to the annex."""
        return [(r.scheme, r.title or "—", official_basis(r.basis)) for r in self.rules
                if official_basis(r.basis)]


def assessed_party(line: LedgerLine, registry: Registry) -> str:
    section = registry.sections.get(line.section_id or "")
    if section and section.party_id in (line.payer, line.payee):
        return section.party_id
    if registry.is_treasury(line.payer):
        return line.payee
    if registry.is_treasury(line.payee):
        return line.payer
    return line.payee


def signed_amount(line: LedgerLine, party_id: str) -> Decimal:
    """+amount when `party_id` receives, -amount when it pays, 0 when it is not on the line."""
    if line.payee == party_id:
        return line.amount
    if line.payer == party_id:
        return -line.amount
    return Decimal(0)


def line_note(line: LedgerLine) -> str:
    """Why a line is what it is, in words: the exception and the reason (flag codes translated)."""
    parts = []
    for text in (line.exception, line.reason):
        if text and text not in parts:
            parts.append(FLAG_WORDS.get(text, text))
    return "；".join(parts)


EXCLUSION_WORDS = (*FLAG_WORDS, *FLAG_WORDS.values(), "冰封", "数据缺失", "缺测", "无数据")


def is_exclusion(line: LedgerLine) -> bool:
    """A zero line because the section was not assessed (a flag, missing data, an exception),
    as opposed to a zero that a rule decided on the data (e.g. 未下降 for a neutral clause)."""
    if line.amount != 0:
        return False
    if line.exception:
        return True
    reason = line.reason or ""
    return any(word in reason for word in EXCLUSION_WORDS)


def shown_rows(views: list[LineView]) -> list[LineView]:
    """One section's lines as the bulletin shows them: its non-zero lines, or when all are zero
    the one that says why (an exclusion first, else the first rule's line)."""
    groups: dict[tuple, list[LineView]] = {}
    for v in views:
        key = (v.line.scheme, v.line.section_id) if v.line.section_id else (v.line.line_id,)
        groups.setdefault(key, []).append(v)
    shown = []
    for group in groups.values():
        paid = [v for v in group if v.line.amount != 0]
        if paid:
            shown.extend(paid)
        else:
            shown.append(next((v for v in group if v.outcome == "excluded"), group[0]))
    return shown


def line_view(
    line: LedgerLine,
    registry: Registry,
    classes: dict[tuple[str, date], int],
    month: date,
    rule_title: str = "",
) -> LineView:
    shows = scheme_facts(line.scheme).bulletin
    measures = read_measures(line.trace, shows)
    section = registry.sections.get(line.section_id or "")
    party = assessed_party(line, registry)
    # a year-window line (道观河) is judged on the annual class its trace carries
    if line.spans_months and measures.klass is not None:
        klass: int | None = measures.klass
    else:
        klass = classes.get((line.section_id or "", month), measures.klass)
    if section and section.control_id:
        reference = classes.get((section.control_id, month), measures.control_class)
        kind = "对照"
    elif measures.target_class is not None:
        reference, kind = measures.target_class, "目标"
    else:
        reference, kind = measures.control_class, "对照" if measures.control_class else ""
    signed = signed_amount(line, party)
    note = line_note(line)
    if line.amount == 0:
        outcome = "excluded" if is_exclusion(line) else "zero"
    else:
        outcome = "reward" if signed > 0 else "penalty"
    return LineView(
        line=line,
        scheme_title=scheme_title(line.scheme),
        section_name=registry.section_name(line.section_id),
        bank=section.bank if section else None,
        party_id=party,
        party_name=registry.party_name(party),
        payer_name=registry.party_name(line.payer),
        payee_name=registry.party_name(line.payee),
        klass=klass,
        reference_class=reference,
        reference_kind=kind,
        measures=measures,
        signed=signed,
        outcome=outcome,
        note=note,
        rule_title=rule_title,
        index_title=shows.index_title,
    )


def _rank_key(view: LineView, by_ratio: bool, descending: bool = False) -> tuple:
    """By the change the scheme declares it is ranked by (`bulletin rank`, smallest first unless
    descending), else by the amount the party receives (descending) and its class; unassessed
    rows last."""
    if view.outcome == "excluded":
        return (1, 0, 0)
    if by_ratio:
        ratio = view.measures.ratio
        return (0, -ratio if descending else ratio, 0) if ratio is not None else (1, 0, 0)
    return (0, -view.signed, view.klass if view.klass is not None else 9)


def rank_rows(rows: list[LineView], by_ratio: bool, descending: bool = False) -> list[LineView]:
    """Rows in rank order with their places (equal keys share a place: 1, 2, 2, 4)."""

    def key_of(view: LineView) -> tuple:
        return _rank_key(view, by_ratio, descending)

    ordered = sorted(rows, key=key_of)  # stable: registry order kept
    ranked: list[LineView] = []
    for i, view in enumerate(ordered):
        key = key_of(view)
        if key[0] == 1:
            ranked.append(replace(view, rank=None))
        elif ranked and ranked[-1].rank is not None and key_of(ranked[-1]) == key:
            ranked.append(replace(view, rank=ranked[-1].rank))
        else:
            ranked.append(replace(view, rank=i + 1))
    return ranked


def _remark(view: LineView, corrected: set[str]) -> str:
    """备注: the reason of a zero or exceptional line, and 更正 when its data were corrected."""
    parts = []
    if view.line.amount == 0 or view.line.exception:
        parts.append(view.note or ("未下降" if view.outcome == "zero" else ""))
    if view.line.section_id in corrected:
        parts.append("数据更正")
    return "；".join(p for p in parts if p)


def _scheme_tables(
    views: list[LineView], registry: Registry, corrected: set[str]
) -> list[SchemeTable]:
    tables = []
    for scheme in dict.fromkeys(v.line.scheme for v in views):
        rows = [replace(v, remark=_remark(v, corrected)) for v in views if v.line.scheme == scheme]
        has_index = any(v.measures.index is not None for v in rows)
        by_ratio = any(v.measures.ratio is not None for v in rows)
        with_treasury = any(registry.is_treasury(v.line.payer) or registry.is_treasury(v.line.payee)
                            for v in rows)
        shows = scheme_facts(scheme).bulletin
        direction = "（由高到低）" if shows.rank_descending else "（由低到高）"
        tables.append(
            SchemeTable(
                scheme=scheme,
                title=scheme_title(scheme),
                rows=rank_rows(rows, by_ratio, shows.rank_descending),
                rewards=sum((v.signed for v in rows if v.signed > 0), Decimal(0)),
                penalties=sum((-v.signed for v in rows if v.signed < 0), Decimal(0)),
                has_index=has_index,
                index_title=shows.index_title,
                part="district" if with_treasury else "cross",
                rank_by=shows.rank_words + direction if by_ratio
                else "本月奖惩金额（由高到低）",
            )
        )
    return tables


def _summary(views: list[LineView]) -> Summary:
    """Sections counted once per scheme: by the net of their lines, or excluded when not paid."""
    net: dict[tuple, Decimal] = {}
    excluded: set[tuple] = set()
    for v in views:
        if v.line.section_id is None:
            continue
        key = (v.line.scheme, v.line.section_id)
        net[key] = net.get(key, Decimal(0)) + v.signed
        if v.outcome == "excluded":
            excluded.add(key)
    return Summary(
        assessed=len(net),
        improved=sum(1 for value in net.values() if value > 0),
        declined=sum(1 for value in net.values() if value < 0),
        excluded=sum(1 for key in excluded if net[key] == 0),
        rewards=sum((v.signed for v in views if v.signed > 0), Decimal(0)),
        penalties=sum((-v.signed for v in views if v.signed < 0), Decimal(0)),
    )


def party_totals(
    con: duckdb.DuckDBPyConnection, registry: Registry, month: date, views: list[LineView],
    schemes: list[str] | None = None,
) -> list[PartyTotal]:
    """Net per party (treasury left out) for the month and for January..month.

    Year to date: every single-month line of the year's months, plus each multi-month line once
    (`LedgerLine.counts_at`: a finished quarter in its last month, a running year in this month),
    so a year scheme's status is not counted twice. Summed in SQL (`data.party_nets`): the year's
    lines are never read into Python.
    """
    year_to_date = party_nets(con, date(month.year, 1, 1), month, schemes)
    this_month: dict[str, Decimal] = {}
    for v in views:  # one pass: `signed_amount` of each party on each line
        line = v.line
        this_month[line.payee] = this_month.get(line.payee, Decimal(0)) + line.amount
        if line.payer != line.payee:
            this_month[line.payer] = this_month.get(line.payer, Decimal(0)) - line.amount
    order = list(dict.fromkeys([v.party_id for v in views] + [v.line.payer for v in views]
                               + [v.line.payee for v in views]))
    seen = set(order)
    order += [p for p in year_to_date if p not in seen]
    return [
        PartyTotal(
            party_id=party,
            name=registry.party_described(party),
            month=this_month.get(party, Decimal(0)),
            year_to_date=year_to_date.get(party, Decimal(0)),
        )
        for party in order
        if not registry.is_treasury(party)
    ]


def _rules(views: list[LineView], known: dict[tuple[str, str], RuleInfo]) -> list[RuleInfo]:
    rules = []
    for key in dict.fromkeys((v.line.scheme, v.line.rule) for v in views):
        info = known.get(key)
        if info is None:
            trace = next(v.line.trace for v in views if (v.line.scheme, v.line.rule) == key)
            info = _rule_from_trace(key[0], key[1], trace)
        rules.append(info)
    return [
        RuleInfo(scheme_title(r.scheme), r.rule, r.title, r.basis, r.where) for r in rules
    ]


def _rule_from_trace(scheme: str, rule: str, trace: dict) -> RuleInfo:
    """Fallback when the run did not record its rules: the compiler's trace carries the rule's
    basis and file:line (not its title)."""
    t = Trace.from_json(trace)
    if t is None:
        return RuleInfo(scheme, rule, "", "", "")
    return RuleInfo(scheme, rule, "", t.basis, f"{short_rule_path(t.file)}:{t.line}")


def _history(
    snapshot: StoreSnapshot, schemes: set[str] | None, months: list[date], shown: set[str],
    order: PublicationOrder,
) -> list[HistoryRow]:
    rows = []
    sections = snapshot.registry.sections.values()
    for section in sorted(sections, key=lambda s: section_order(s, order)):
        in_scheme = schemes is None or bool(set(section.schemes) & schemes)
        if not (in_scheme or section.section_id in shown):
            continue
        classes = tuple(snapshot.classes.get((section.section_id, m)) for m in months)
        rows.append(
            HistoryRow(section.section_id, section.name, section.river, section.bank, classes)
        )
    return rows


def _previous_bulletin_time(con: duckdb.DuckDBPyConnection, month: date) -> datetime | None:
    """When the runs behind last month's bulletin were made: corrections after it are news."""
    from compensation.render.data import chosen_runs

    previous = add_months(month, -1)
    runs = list(chosen_runs(con, previous, previous).values())
    if not runs:
        return None
    rows = con.execute(
        "SELECT max(created_at) FROM runs WHERE list_contains(?, run_id)", [runs]
    ).fetchall()
    return rows[0][0]


def build_bulletin(
    con: duckdb.DuckDBPyConnection, month: date, schemes: list[str] | None = None,
    order: PublicationOrder | None = None,
) -> Bulletin:
    """Gather the bulletin of `month` (first day) for some schemes (None: all), schemes and
    rivers in `order` (the issuing profile's; None: the profile in effect)."""
    order = order or publication_order()
    first_of_year = date(month.year, 1, 1)
    history_from = add_months(month, -(HISTORY_MONTHS - 1))
    snapshot = read_snapshot(
        con, min(first_of_year, history_from), month, schemes, class_from=history_from,
        lines_from=month,
    )
    lines = snapshot.lines_by_month.get(month, [])
    titles = {key: info.title for key, info in snapshot.rules.items()}
    views = [
        line_view(x, snapshot.registry, snapshot.classes, month, titles.get((x.scheme, x.rule), ""))
        for x in lines
    ]
    views.sort(key=lambda v: _row_order(v, snapshot.registry, order))
    months = [add_months(history_from, i) for i in range(HISTORY_MONTHS)]
    shown = {v.line.section_id for v in views if v.line.section_id}
    wanted = set(schemes) if schemes is not None else None
    rows = shown_rows(views)
    corrections = read_corrections(
        con, _previous_bulletin_time(con, month), snapshot.as_of if lines else None
    )
    corrected = {sid for c in corrections for sid in c.section_ids}
    rules = _rules(views, snapshot.rules)
    return Bulletin(
        period=month,
        schemes=_scheme_tables(rows, snapshot.registry, corrected),
        summary=_summary(views),
        parties=party_totals(con, snapshot.registry, month, views, schemes),
        excluded=[v for v in rows if v.outcome == "excluded"],
        corrections=corrections,
        rules=rules,
        history_months=months,
        history=_history(snapshot, wanted, months, shown, order),
        classes_now={s: c for (s, m), c in snapshot.classes.items() if m == month},
        registry=snapshot.registry,
        as_of=snapshot.as_of if lines else None,
        provenance=read_provenance(
            con, {x.run_id for x in lines}, rules,
            [p for p in snapshot.parameters if wanted is None or p.scheme in wanted],
        ),
        year_to_date_gaps=year_to_date_gaps(con, month, schemes, order),
    )


BANK_RANK = {"left": 0, "right": 1}


def section_order(section: Section, order: PublicationOrder | None = None) -> tuple:
    """Schemes and rivers in the issuing profile's order (`order`, else the profile in effect),
    then bank (left first) and position from upstream."""
    order = order or publication_order()
    ranks = [order.scheme_rank(x) for x in section.schemes]
    return (
        min(ranks, default=len(order.schemes)),
        order.river_rank(section.river),
        section.river,
        BANK_RANK.get(section.bank or "", 2),
        section.river_order if section.river_order is not None else 0,
        section.section_id,
    )


def _row_order(view: LineView, registry: Registry, order: PublicationOrder) -> tuple:
    """Scheme order as published, then river, bank (left first) and river order."""
    section = registry.sections.get(view.line.section_id or "")
    where = section_order(section, order)[1:] if section else (len(order.rivers), "", 9, 0, "")
    return (order.scheme_rank(view.line.scheme), view.line.scheme, *where, view.line.line_id)
