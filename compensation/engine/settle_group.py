"""`ecocomp settle --scheme a,b,c`: one transfer list for parties that meet in several schemes.

Each scheme is settled as on its own (its lines, its coverage check, its frozen list once final);
the schemes' transfer lists are then netted per pair of parties, and every netted transfer keeps
the per-scheme transfers it came from, so each amount is traceable to its scheme.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from compensation.engine.ledger import party_names, party_nets
from compensation.engine.money import wan_display, yuan_text
from compensation.engine.periods import parse_year
from compensation.engine.settle import (
    Settlement,
    net_pairs,
    record_final,
    settle_year,
    transfers_of,
)
from compensation.errors import EcocompError
from compensation.store import transaction


def scheme_list(text: str) -> list[str]:
    """`a,b,c` → [a, b, c]; a scheme named twice is refused (it would count twice)."""
    names = [s.strip() for s in text.split(",")]
    if any(not s for s in names):
        raise EcocompError(f"--scheme “{text}”中有空的方案编号；请写成 a,b,c。(empty scheme id)")
    twice = sorted({s for s in names if names.count(s) > 1})
    if twice:
        raise EcocompError(f"--scheme 中方案 {'、'.join(twice)} 重复出现。(scheme named twice)")
    return names


@dataclass
class GroupSettlement:
    """The netted transfer list of several schemes' settlements of one year."""

    year: int
    parts: list[Settlement]  # one per scheme, in the order given
    transfers: list[tuple[str, str, Decimal]]
    sources: dict[tuple[str, str], list[tuple[str, str, str, Decimal]]]  # (scheme, payer, payee, a)
    names: dict[str, str]

    @property
    def schemes(self) -> list[str]:
        return [p.scheme for p in self.parts]

    def as_json(self) -> dict[str, Any]:
        """What `ecocomp settle --scheme a,b --json` prints (amounts as yuan texts)."""
        def name(p: str) -> str:
            return self.names.get(p, p)

        return {
            "schemes": self.schemes,
            "year": self.year,
            "transfers": [
                {"payer": p, "payer_name": name(p), "payee": q, "payee_name": name(q),
                 "amount": yuan_text(a),
                 "sources": [{"scheme": s, "payer": sp, "payee": sq, "amount": yuan_text(sa)}
                             for s, sp, sq, sa in self.sources[(p, q)]]}
                for p, q, a in self.transfers
            ],
            "by_scheme": [part.as_json() for part in self.parts],
        }

    def as_text(self) -> str:
        """The netted list, each line followed by the schemes' transfers it nets."""
        out = [(f"合并结算 {'、'.join(self.schemes)} {self.year} 年度"
               "（各方案的划拨清单按单位两两轧差）")]
        for part in self.parts:
            state = (f"已定稿（结算 #{part.settlement_id or part.frozen_id}），按定稿清单计入"
                     if part.final or part.frozen_id is not None else "预核算")
            out.append(f"  方案 {part.scheme}：{part.line_count} 行台账，运行 "
                       f"{', '.join(f'#{r}' for r in part.run_ids)}；{state}")
            if part.frozen_id is not None and part.carry_forward:
                out.append("    定稿后的差额不在本清单中（结转下一年度，见 ecocomp settle "
                           f"--scheme {part.scheme} --year {self.year}）")
        out.append("付款方 → 收款方\t金额(万元)\t金额(元)\t来源（方案：付款方 → 收款方 金额元）")
        for p, q, a in self.transfers:
            src = "；".join(f"{s}：{self.names.get(sp, sp)} → {self.names.get(sq, sq)} "
                           f"{yuan_text(sa)}" for s, sp, sq, sa in self.sources[(p, q)])
            out.append(f"{self.names.get(p, p)} → {self.names.get(q, q)}\t{wan_display(a)}\t"
                       f"{yuan_text(a)}\t{src}")
        if not self.transfers:
            out.append("（无划拨：各方相互抵消）")
        return "\n".join(out)


def settle_group(
    con: duckdb.DuckDBPyConnection, schemes: list[str], year: str | int, final: bool = False
) -> GroupSettlement:
    """Settle each scheme, then net their transfer lists per pair of parties.

    A scheme already final counts with its frozen list (as its own settle shows it). `final`
    records a final settlement for each scheme not yet final, after every scheme has been
    computed (a scheme missing runs stops it before anything is recorded), all in one
    transaction; it is refused when every scheme is already final."""
    y = parse_year(year)
    parts = [settle_year(con, s, y, final=False) for s in schemes]
    if final:
        if all(p.frozen_id is not None for p in parts):
            raise EcocompError(
                f"方案 {'、'.join(schemes)} {y} 年均已定稿，不能再次定稿；不加 --final 可查看合并"
                "清单。(already final)")
        with transaction(con):  # every scheme's final, or none of them
            for part in parts:
                if part.frozen_id is None:
                    record_final(con, part)
    flows = [(p, q, a) for part in parts for p, q, a in part.transfers]
    transfers = transfers_of(net_pairs(flows))
    if {k: v for k, v in party_nets(_rows(flows)).items() if v} != {
            k: v for k, v in party_nets(_rows(transfers)).items() if v}:
        raise EcocompError("合并结算不平：合并清单与各方案清单的各方净额不一致，请报告此问题。"
                           "(unbalanced)")
    sources: dict[tuple[str, str], list[tuple[str, str, str, Decimal]]] = {}
    for p, q, _ in transfers:
        sources[(p, q)] = [(part.scheme, tp, tq, ta) for part in parts
                           for tp, tq, ta in part.transfers if {tp, tq} == {p, q}]
    return GroupSettlement(y, parts, transfers, sources, party_names(con))


def _rows(flows: list[tuple[str, str, Decimal]]) -> list[dict[str, Any]]:
    return [{"payer": p, "payee": q, "amount": a} for p, q, a in flows]


def render_json(result: GroupSettlement) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=2)
