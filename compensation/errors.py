"""Errors meant for people: each carries a finished sentence that the CLI prints as it is."""

from __future__ import annotations


class EcocompError(Exception):
    """A problem the user can fix; `str(err)` is the whole message (no traceback is shown)."""

    exit_code = 1


class StoreBusy(EcocompError):
    """Another process holds the database for writing."""

    exit_code = 3


class InputError(EcocompError):
    """Bad input data; carries every problem found (file, sheet, row, column, found, expected)."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class RuleError(EcocompError):
    """A rule file that does not check; `diagnostics` holds the located messages."""

    exit_code = 2

    def __init__(self, message: str, diagnostics: list | None = None) -> None:
        self.diagnostics = diagnostics or []
        super().__init__(message)
