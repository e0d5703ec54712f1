"""Document numbers (文号/期号): per kind and year of issue, in issue order, recorded in the store.

A period's document keeps the number it got first. Issued again on other runs (a data correction
was loaded and the month re-run), it says 更正; issued again on the same runs (another format, a
reprint), it is the same document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from compensation.store import transaction


@dataclass(frozen=True)
class IssueNumber:
    year: int
    number: int
    issued_on: date
    corrected: bool
    recorded: bool  # False on a read-only store: the number it would get, not kept

    def text(self, pattern: str) -> str:
        """'武环〔{year}〕{n}号' → '武环〔2025〕3号'."""
        return pattern.replace("{year}", str(self.year)).replace("{n}", str(self.number))


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('access_mode')").fetchall()[0][0] == "read_only"


def plan_number(
    con: duckdb.DuckDBPyConnection, kind: str, period: str, issued_on: date, key: str
) -> IssueNumber:
    """The number `kind` for `period` has, or would get if issued now (reads only).

    `key` names the runs behind the document; a key other than the first issue's means 更正.
    """
    found = con.execute(
        "SELECT year, number, first_key FROM issued_documents WHERE kind = ? AND period = ?",
        [kind, period],
    ).fetchall()
    writable = not _read_only(con)
    if found:
        year, number, first_key = found[0]
        return IssueNumber(int(year), int(number), issued_on, first_key != key, writable)
    number = con.execute(
        "SELECT coalesce(max(number), 0) + 1 FROM issued_documents WHERE kind = ? AND year = ?",
        [kind, issued_on.year],
    ).fetchall()[0][0]
    return IssueNumber(issued_on.year, int(number), issued_on, False, writable)


def record_number(
    con: duckdb.DuckDBPyConnection, kind: str, period: str, issue: IssueNumber, key: str
) -> None:
    """Record the issue once its file is written (a failed render leaves no number used)."""
    if not issue.recorded:
        return
    with transaction(con):
        con.execute(
            "INSERT INTO issued_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, period) DO UPDATE SET last_issued = excluded.last_issued,"
            " last_key = excluded.last_key",
            [kind, period, issue.year, issue.number, issue.issued_on, issue.issued_on, key, key],
        )
