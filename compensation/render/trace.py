"""The values a bulletin row shows, read from a ledger line's trace where the scheme says they are.

The trace is the compiler's (`compensation.lang.trace.Trace`); which of its measures, lets and
parameters are the index, the change the rows are ranked by, the class and the target is declared
in the rule file (`bulletin index cpi`, ..., `compensation.lang.compiled.BulletinShows`), not
guessed from names. A trace that is not the compiler's, or a value the scheme does not declare,
shows as a dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from compensation.lang.compiled import BulletinShows, TraceRef
from compensation.lang.trace import Trace


@dataclass(frozen=True)
class Measures:
    """A row's declared values: the index on the section and on its control, the change (a
    ratio), the class on the section and its control, the target class, the branch in words."""

    index: Decimal | None = None
    index_control: Decimal | None = None
    ratio: Decimal | None = None
    klass: int | None = None
    control_class: int | None = None
    target_class: int | None = None
    branch_label: str | None = None


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def as_class(value: Any) -> int | None:
    """A class as the trace writes it ("3" or "3.000000000000") → 3; anything else → None."""
    number = as_decimal(value)
    if number is None or number != number.to_integral_value() or not 1 <= number <= 6:
        return None
    return int(number)


def read_measures(trace: dict[str, Any] | None, shows: BulletinShows) -> Measures:
    """The declared values of one line (`shows`: its scheme's `bulletin` lines)."""
    t = Trace.from_json(trace)
    if t is None:
        label = trace.get("branch_label") if isinstance(trace, dict) else None
        return Measures(branch_label=_text_or_none(label))
    index = TraceRef("measures", shows.index) if shows.index else None
    klass = TraceRef("measures", shows.klass) if shows.klass else None
    target = TraceRef("params", shows.target) if shows.target else None

    def find(ref: TraceRef | None, control: bool = False) -> str | None:
        return t.find(ref, control) if ref is not None else None

    return Measures(
        index=as_decimal(find(index)),
        index_control=as_decimal(find(index, control=True)),
        ratio=as_decimal(find(shows.rank)),
        klass=as_class(find(klass)),
        control_class=as_class(find(klass, control=True)),
        target_class=as_class(find(target)),
        branch_label=_text_or_none(t.branch_label),
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)
