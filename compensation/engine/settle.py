"""`ecocomp settle`: the year's lines netted into a transfer list; a final one is frozen.

The settlement is the sum of the lines that count for the year (monthly lines, annual rules and
caps are all ledger lines), netted per pair of parties. Nothing is paid monthly in these schemes,
so "net of what was already paid" means net of a final settlement already recorded for the year:
after it, corrections show as differences to carry into the next year.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from compensation.engine.ledger import current_lines, party_names, party_nets
from compensation.engine.money import wan_display, yuan_text
from compensation.engine.periods import parse_year
from compensation.engine.schemes import require_stored_schemes
from compensation.errors import EcocompError
from compensation.months import add_months, agreement_year, month_label, month_range
from compensation.store import transaction

Pair = tuple[str, str]


def net_pairs(flows: list[tuple[str, str, Decimal]]) -> dict[Pair, Decimal]:
    """Signed net per unordered pair (a, b) with a < b: positive means a pays b."""
    nets: dict[Pair, Decimal] = {}
    for payer, payee, amount in flows:
        a, b = sorted((payer, payee))
        sign = 1 if payer == a else -1
        nets[(a, b)] = nets.get((a, b), Decimal("0.00")) + sign * Decimal(amount)
    return nets


def transfers_of(nets: dict[Pair, Decimal]) -> list[tuple[str, str, Decimal]]:
    """One transfer per pair that does not net to zero, payer → payee, amount > 0, sorted."""
    out = []
    for (a, b), net in sorted(nets.items()):
        if net > 0:
            out.append((a, b, net))
        elif net < 0:
            out.append((b, a, -net))
    return sorted(out)


@dataclass
class Settlement:
    """A year's transfer list, and when a final one exists, what changed since."""

    scheme: str
    year: int
    covered_from: date
    covered_to: date
    transfers: list[tuple[str, str, Decimal]]
    party_net: dict[str, Decimal]
    run_ids: list[int]
    line_count: int
    lines_total: Decimal
    names: dict[str, str]
    final: bool = False
    settlement_id: int | None = None
    frozen_id: int | None = None
    recomputed: list[tuple[str, str, Decimal]] = field(default_factory=list)
    carry_forward: list[tuple[str, str, Decimal]] = field(default_factory=list)

    def _rows(self, items: list[tuple[str, str, Decimal]]) -> list[dict[str, Any]]:
        return [
            {"payer": p, "payer_name": self.names.get(p, p), "payee": q,
             "payee_name": self.names.get(q, q), "amount": yuan_text(a)}
            for p, q, a in items
        ]

    def as_json(self) -> dict[str, Any]:
        """The settlement as `ecocomp settle --json` prints it (amounts as yuan texts)."""
        data: dict[str, Any] = {
            "scheme": self.scheme,
            "year": self.year,
            "months": f"{month_label(self.covered_from)}~{month_label(self.covered_to)}",
            "final": self.final,
            "settlement_id": self.settlement_id,
            "transfers": self._rows(self.transfers),
            "parties": [
                {"party": p, "party_name": self.names.get(p, p), "net": yuan_text(n)}
                for p, n in sorted(self.party_net.items())
            ],
            "runs": self.run_ids,
            "line_count": self.line_count,
            "lines_total": yuan_text(self.lines_total),
        }
        if self.frozen_id is not None:
            data["frozen_settlement_id"] = self.frozen_id
            data["recomputed"] = self._rows(self.recomputed)
            data["carry_forward"] = self._rows(self.carry_forward)
        return data

    def as_text(self) -> str:
        """The transfer list as `ecocomp settle` prints it."""
        head = (
            f"方案 {self.scheme} {self.year} 年度结算（{month_label(self.covered_from)}～"
            f"{month_label(self.covered_to)}，{self.line_count} 行台账，运行 "
            f"{', '.join(f'#{r}' for r in self.run_ids)}）"
        )
        if self.final:
            head += f"：已定稿为结算 #{self.settlement_id}，此后数据更正不再改变它。"
        elif self.frozen_id is not None:
            head += f"：已有定稿结算 #{self.frozen_id}，以下为定稿的划拨清单。"
        out = [head, "付款方 → 收款方\t金额(万元)\t金额(元)"]
        out += [
            f"{self.names.get(p, p)} → {self.names.get(q, q)}\t{wan_display(a)}\t{yuan_text(a)}"
            for p, q, a in self.transfers
        ] or ["（无划拨：各方相互抵消）"]
        if self.frozen_id is not None:
            out.append("按现有数据重算的差额（结转下一年度）：")
            out += [
                f"{self.names.get(p, p)} → {self.names.get(q, q)}\t{wan_display(a)}\t{yuan_text(a)}"
                for p, q, a in self.carry_forward
            ] or ["（无差额）"]
        return "\n".join(out)


def _required_months(
    con: duckdb.DuckDBPyConnection, scheme: str, year: int
) -> tuple[date, date, str]:
    """(first month, last month, period kind) of the scheme's (agreement) year `year`: January to
    December, or N/Y..(N-1)/(Y+1) when its year begins in month N; from its span start."""
    rows = con.execute(
        """SELECT span_start, period_kind, year_begins FROM runs
           WHERE scheme = ? AND scenario = 'base' ORDER BY run_id DESC LIMIT 1""",
        [scheme],
    ).fetchall()
    if not rows:
        raise EcocompError(
            f"方案 {scheme} 还没有任何运行记录；请先执行 "
            f"ecocomp run --scheme {scheme} --year {year}。(nothing to settle)"
        )
    span_start, kind, begins = rows[0]
    first, last = agreement_year(year, int(begins or 1))
    if span_start is not None:
        if date(span_start.year, span_start.month, 1) > last:
            raise EcocompError(
                f"方案 {scheme} 自 {month_label(span_start)} 起执行，{year} 年不在其范围内。"
                "(year before the scheme starts)"
            )
        first = max(first, date(span_start.year, span_start.month, 1))
    return first, last, str(kind or "month")


def _check_coverage(
    con: duckdb.DuckDBPyConnection, scheme: str, year: int, first: date, last: date, kind: str
) -> None:
    """Every month from the first covered one to the year's last must stand on a recorded run."""
    missing = []
    for month in month_range(first, last):
        condition = "window_start <= ? AND window_end >= ?"
        params: list[Any] = [scheme, month, month]
        if kind != "month":  # a longer period's window counts only when run through its end
            condition = "window_start <= ? AND window_end = ?"
            params = [scheme, first, last]
        found = con.execute(
            f"SELECT count(*) FROM runs WHERE scheme = ? AND scenario = 'base' AND {condition}",
            params,
        ).fetchall()[0][0]
        if not found:
            missing.append(month_label(month) if kind == "month" else str(year))
            if kind != "month":
                break
    if missing:
        raise EcocompError(
            f"方案 {scheme} {year} 年还缺少这些期间的运行：{'、'.join(missing)}；"
            f"请先执行 ecocomp run --scheme {scheme} --year {year}，再结算。(missing runs)"
        )


def _frozen(con: duckdb.DuckDBPyConnection, scheme: str, year: int) -> tuple[int, list] | None:
    rows = con.execute(
        "SELECT max(settlement_id) FROM settlements WHERE scheme = ? AND year = ? AND final",
        [scheme, year],
    ).fetchall()
    if rows[0][0] is None:
        return None
    sid = int(rows[0][0])
    transfers = con.execute(
        """SELECT payer, payee, amount FROM settlement_transfers WHERE settlement_id = ?
           ORDER BY payer, payee""",
        [sid],
    ).fetchall()
    return sid, [(str(p), str(q), Decimal(a)) for p, q, a in transfers]


def compute_settlement(con: duckdb.DuckDBPyConnection, scheme: str, year: int) -> Settlement:
    """The transfer list from the lines that count now (reads only)."""
    first, last, kind = _required_months(con, scheme, year)
    _check_coverage(con, scheme, year, first, last, kind)
    year_first = add_months(last, -11)  # the first month of the (agreement) year
    lines = current_lines(con, scheme, year_first, last)
    lines = [ln for ln in lines if year_first <= ln["period_start"] <= last]
    flows = [(ln["payer"], ln["payee"], ln["amount"]) for ln in lines]
    transfers = transfers_of(net_pairs(flows))
    line_net = party_nets(lines)
    transfer_net = party_nets([{"payer": p, "payee": q, "amount": a} for p, q, a in transfers])
    if {k: v for k, v in line_net.items() if v} != {k: v for k, v in transfer_net.items() if v}:
        raise EcocompError("结算不平：划拨清单与台账各方净额不一致，请报告此问题。(unbalanced)")
    return Settlement(
        scheme=scheme, year=year, covered_from=first, covered_to=last,
        transfers=transfers, party_net=line_net,
        run_ids=sorted({int(ln["run"]) for ln in lines}), line_count=len(lines),
        lines_total=sum((ln["amount"] for ln in lines), Decimal("0.00")),
        names=party_names(con),
    )


def settle_year(
    con: duckdb.DuckDBPyConnection, scheme: str, year: str | int, final: bool = False,
    before_commit: Callable[[Settlement], None] | None = None,
) -> Settlement:
    """`ecocomp settle`: compute; `final` records it frozen; after a final, show the carry-over.

    `before_commit` runs inside the recording transaction, with the settlement number set: if it
    fails (the transfer list cannot be written, say), nothing is recorded."""
    y = parse_year(year)
    require_stored_schemes(con, [scheme])
    result = compute_settlement(con, scheme, y)
    frozen = _frozen(con, scheme, y)
    if frozen is not None:
        sid, frozen_transfers = frozen
        if final:
            raise EcocompError(
                f"方案 {scheme} {y} 年已于结算 #{sid} 定稿，不能再次定稿；之后的更正作为差额结转"
                "下一年度（不加 --final 可查看差额）。(already final)"
            )
        recomputed = result.transfers
        diff = net_pairs(
            [(p, q, a) for p, q, a in recomputed] + [(q, p, a) for p, q, a in frozen_transfers]
        )
        result.recomputed = recomputed
        result.carry_forward = transfers_of(diff)
        result.transfers = frozen_transfers
        result.frozen_id = sid
        return result
    if final:
        with transaction(con):
            record_final(con, result)
            if before_commit is not None:
                before_commit(result)
    return result


def record_final(con: duckdb.DuckDBPyConnection, result: Settlement) -> None:
    """Record a computed settlement as final, inside the caller's transaction (one scheme's
    settle, or every scheme of a group at once, so that a failure records none of them)."""
    sid = int(con.execute("SELECT nextval('settlement_seq')").fetchall()[0][0])
    con.execute(
        """INSERT INTO settlements (settlement_id, scheme, year, final, run_ids, created_at,
               covered_from, covered_to, line_count)
           VALUES (?, ?, ?, true, ?, current_localtimestamp(), ?, ?, ?)""",
        [sid, result.scheme, result.year, result.run_ids, result.covered_from,
         result.covered_to, result.line_count],
    )
    for payer, payee, amount in result.transfers:
        con.execute(
            "INSERT INTO settlement_transfers VALUES (?, ?, ?, ?)",
            [sid, payer, payee, amount],
        )
    result.final = True
    result.settlement_id = sid


def render_json(result: Settlement) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=2)
