"""Collecting every problem of a load, so the user fixes a file once instead of once per error."""

from __future__ import annotations

from dataclasses import dataclass, field

from compensation.errors import InputError
from compensation.ingest.text import shown

MAX_LISTED = 50


def _clip(text: str, width: int = 60) -> str:
    """Keep messages readable when a cell holds a whole paragraph, binary junk or bidi controls."""
    text = shown(text[: width * 2])
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One located problem: file, sheet (xlsx only), row as a person sees it, column header."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    found: str
    expected: str

    def message(self) -> str:
        place = [self.file]
        if self.sheet:
            place.append(f"工作表 {self.sheet}")
        if self.row is not None:
            place.append(f"第 {self.row} 行")
        if self.column is not None:
            place.append(f"列「{self.column}」")
        return f'{"，".join(place)}：发现 "{_clip(self.found)}"，应为 {self.expected}。'


@dataclass
class ProblemList:
    """Problems of one command (possibly several files), kept in the order files were read."""

    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, problem: Problem, count: int = 1) -> None:
        """Add one listed problem; `count` > 1 says it stands for more of the same kind."""
        self.problems.append(problem)
        self.total += count

    def add_unlisted(self, count: int) -> None:
        """Problems counted but not listed (beyond the limit of a query)."""
        self.total += count

    def __bool__(self) -> bool:
        return self.total > 0

    def messages(self) -> list[str]:
        listed = [p.message() for p in self.problems[:MAX_LISTED]]
        rest = self.total - len(listed)
        if rest > 0:
            listed.append(f"…另有 {rest} 处错误")
        return listed

    def raise_if_any(self, what: str) -> None:
        """Stop the command: nothing is written when any problem was found."""
        if not self:
            return
        messages = self.messages()
        summary = f"{what}有 {self.total} 处错误，未导入任何数据：\n" + "\n".join(messages)
        raise InputError(summary, problems=messages)


def fail(file: str, found: str, expected: str, *, sheet: str | None = None,
         row: int | None = None, column: str | None = None) -> InputError:
    """A single-problem InputError (file-level problems: unreadable, empty, wrong columns)."""
    problem = Problem(file, sheet, row, column, found, expected)
    return InputError(problem.message(), problems=[problem.message()])
