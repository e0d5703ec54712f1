"""What goes into one district's (or party's) workbook for a year, gathered before any writing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import duckdb

from compensation.errors import EcocompError
from compensation.render.data import (
    MonthlyValue,
    ParameterInfo,
    Registry,
    RuleInfo,
    Section,
    StoreSnapshot,
    add_months,
    month_range,
    months_with_lines,
    read_lines,
    read_monthly_values,
    read_snapshot,
)
from compensation.render.gaps import MonthGap, year_to_date_gaps
from compensation.render.labels import scheme_title
from compensation.render.model import LineView, line_view, section_order, signed_amount
from compensation.render.save import NO_MOMENT


@dataclass(frozen=True)
class BookLine:
    """A ledger line in a party's book: the month it counts for and its amount for this party."""

    month: date
    view: LineView
    signed: Decimal  # + received, - paid by this party


@dataclass
class DistrictBook:
    party_id: str
    name: str
    year: int
    through: date
    schemes: list[str]
    lines: list[BookLine]
    sections: list[Section]
    values: list[MonthlyValue]
    classes: dict[tuple[str, date], int]
    rules: list[RuleInfo]
    parameters: list[ParameterInfo]
    registry: Registry
    as_of: datetime  # the data cut-off of the runs shown: the workbook's created/modified time
    gaps: list[MonthGap] = field(default_factory=list)  # months the totals do not fully cover

    @property
    def months(self) -> list[date]:
        return month_range(date(self.year, 1, 1), self.through)

    def scheme_titles(self) -> list[str]:
        return [scheme_title(s) for s in self.schemes]


def parse_through(text: str | None, year: int) -> date | None:
    if text is None:
        return None
    try:
        y, m = (int(part) for part in text.strip().split("-"))
        month = date(y, m, 1)
    except ValueError:
        raise EcocompError(
            f"--through “{text}” 的格式不对：应为 年-月，例如 {year}-06。"
        ) from None
    if y != year:
        raise EcocompError(f"--through {text} 不在 {year} 年内：应为 {year}-01 至 {year}-12。")
    return month


def build_district_books(
    con: duckdb.DuckDBPyConnection, year: int, through: str | None = None
) -> list[DistrictBook]:
    """One book per non-treasury party that is on a line of the year or assessed on a section.

    Lines counted: each month's single-month lines, and each multi-month line once
    (`LedgerLine.counts_at`: a finished quarter in its last month, a running year in the last
    month), so a year scheme's provisional status is not counted once per month.
    """
    first = date(year, 1, 1)
    asked = parse_through(through, year) or date(year, 12, 1)
    filled = months_with_lines(con, first, asked)
    last = max(filled) if through is None and filled else asked
    if not filled:
        raise EcocompError(
            f"{year} 年（截至 {last.year}-{last.month:02d}）没有任何核算结果，无法导出工作簿；"
            f"请先运行 ecocomp run --scheme all --year {year}。"
        )
    # runs, rules and classes of the months asked; the lines are read below, a month at a time
    snapshot = read_snapshot(con, first, asked, lines_from=add_months(asked, 1))
    registry = snapshot.registry
    gaps = year_to_date_gaps(con, last)
    views = _year_views(con, snapshot, first, last)
    by_party: dict[str, list[BookLine]] = {}
    for month, v in views:
        for party in dict.fromkeys((v.line.payer, v.line.payee)):
            by_party.setdefault(party, []).append(
                BookLine(month, v, signed_amount(v.line, party)))
    ordered_sections = sorted(registry.sections.values(), key=section_order)
    assessed: dict[str, set[str]] = {}
    for s in ordered_sections:
        if s.party_id:
            assessed.setdefault(s.party_id, set()).add(s.section_id)
    parties = list(dict.fromkeys(
        [p for _, v in views for p in (v.line.payer, v.line.payee)]
        + [s.party_id for s in ordered_sections if s.party_id]
    ))
    books = []
    for party in parties:
        if registry.is_treasury(party):
            continue
        mine = by_party.get(party, [])
        sections = _sections_of(registry, assessed.get(party, set()), mine)
        schemes = list(dict.fromkeys(
            [b.view.line.scheme for b in mine] + [x for s in sections for x in s.schemes
                                                  if s.party_id == party]
        ))
        rule_keys = list(dict.fromkeys((b.view.line.scheme, b.view.line.rule) for b in mine))
        books.append(DistrictBook(
            party_id=party,
            name=registry.party_name(party),
            year=year,
            through=last,
            schemes=schemes,
            lines=mine,
            sections=sections,
            values=[],
            classes=snapshot.classes,
            rules=[snapshot.rules.get(k) or RuleInfo(k[0], k[1], "", "", "") for k in rule_keys],
            parameters=[p for p in snapshot.parameters if p.scheme in schemes],
            registry=registry,
            gaps=[g for g in gaps if g.scheme in schemes],
            as_of=snapshot.as_of or NO_MOMENT,
        ))
    all_sections = {s.section_id for book in books for s in book.sections}
    values: dict[str, list[MonthlyValue]] = {}
    for value in read_monthly_values(con, snapshot.as_of, all_sections, first, last):
        values.setdefault(value.section_id, []).append(value)
    for book in books:  # in section order, as read
        ids = sorted({s.section_id for s in book.sections})
        book.values = [v for sid in ids for v in values.get(sid, [])]
    return books


def _year_views(
    con: duckdb.DuckDBPyConnection, snapshot: StoreSnapshot, first: date, last: date
) -> list[tuple[date, LineView]]:
    """Each month's counted lines as rows, a month at a time: a line's trace is read for its row
    and then dropped, so a year of traces is never held at once (the rows keep their measures)."""
    views: list[tuple[date, LineView]] = []
    for month in month_range(first, last):
        for line in read_lines(con, month, month, counted_through=last)[month]:
            view = line_view(line, snapshot.registry, snapshot.classes, month)
            views.append((month, replace(view, line=replace(line, trace={}))))
    return views


def _sections_of(registry: Registry, assessed: set[str], lines: list[BookLine]) -> list[Section]:
    """The party's sections (`assessed` on it, or on its lines) and their control sections."""
    ids = set(assessed)
    ids |= {b.view.line.section_id for b in lines if b.view.line.section_id}
    for sid in list(ids):
        section = registry.sections.get(sid)
        if section and section.control_id:
            ids.add(section.control_id)
    found = [registry.sections[s] for s in ids if s in registry.sections]
    return sorted(found, key=section_order)
