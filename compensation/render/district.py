"""What goes into one district's (or party's) workbook for a year, gathered before any writing."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    month_range,
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


def _last_month_with_lines(by_month: dict[date, list]) -> date | None:
    filled = [m for m, lines in by_month.items() if lines]
    return max(filled) if filled else None


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
    last = parse_through(through, year) or date(year, 12, 1)
    snapshot = read_snapshot(con, first, last)
    if through is None:
        last = _last_month_with_lines(snapshot.lines_by_month) or last
    if not any(snapshot.lines_by_month.get(m) for m in month_range(first, last)):
        raise EcocompError(
            f"{year} 年（截至 {last.year}-{last.month:02d}）没有任何核算结果，无法导出工作簿；"
            f"请先运行 ecocomp run --scheme all --year {year}。"
        )
    registry = snapshot.registry
    gaps = year_to_date_gaps(con, last)
    views: list[tuple[date, LineView]] = []
    for month in month_range(first, last):
        for line in snapshot.lines_by_month.get(month, []):
            if not line.counts_at(month, last):
                continue
            views.append((month, line_view(line, registry, snapshot.classes, month)))
    parties = list(dict.fromkeys(
        [p for _, v in views for p in (v.line.payer, v.line.payee)]
        + [s.party_id for s in sorted(registry.sections.values(), key=section_order)
           if s.party_id]
    ))
    books = []
    for party in parties:
        if registry.is_treasury(party):
            continue
        mine = [
            BookLine(month, v, signed_amount(v.line, party))
            for month, v in views
            if party in (v.line.payer, v.line.payee)
        ]
        sections = _sections_of(registry, party, mine)
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
    values = read_monthly_values(con, snapshot.as_of, all_sections, first, last)
    for book in books:
        ids = {s.section_id for s in book.sections}
        book.values = [v for v in values if v.section_id in ids]
    return books


def _sections_of(registry: Registry, party: str, lines: list[BookLine]) -> list[Section]:
    """The party's sections (assessed on it, or on its lines) and their control sections."""
    ids = {s.section_id for s in registry.sections.values() if s.party_id == party}
    ids |= {b.view.line.section_id for b in lines if b.view.line.section_id}
    for sid in list(ids):
        section = registry.sections.get(sid)
        if section and section.control_id:
            ids.add(section.control_id)
    found = [registry.sections[s] for s in ids if s in registry.sections]
    return sorted(found, key=section_order)
