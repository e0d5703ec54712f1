"""`ecocomp accounts`: the provisional accounts of a scheme, by line, party or section."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from compensation.csv_text import csv_text
from compensation.engine.ledger import (
    current_lines,
    party_names,
    party_nets,
    runs_covering,
    year_begins_of,
)
from compensation.engine.money import wan_text, yuan_text
from compensation.engine.periods import parse_month, parse_year
from compensation.engine.schemes import require_stored_schemes
from compensation.errors import EcocompError
from compensation.months import agreement_year, month_label, period_text

JSON_FIELDS = (
    "line", "run", "scheme", "rule", "period", "section", "section_name", "payer", "payer_name",
    "payee", "payee_name", "amount", "amount_wan", "branch", "exception", "reason", "provisional",
)


def requested_range(
    period: str | None, year: str | int | None, begins: int = 1
) -> tuple[date, date, str]:
    """(first month, viewing month, label) of `--period` or `--year`; `--year Y` of a scheme whose
    agreement year begins in month N is N/Y..(N-1)/(Y+1), labelled so."""
    if (period is None) == (year is None):
        raise EcocompError(
            "请给出 --period YYYY-MM 或 --year YYYY 之一（不能都给，也不能都不给）。"
        )
    if period is not None:
        month = parse_month(period)
        return month, month, month_label(month)
    y = parse_year(year)  # type: ignore[arg-type]
    first, last = agreement_year(y, begins)
    if begins == 1:
        return first, last, str(y)
    return first, last, f"{y} 协议年（{month_label(first)}～{month_label(last)}）"


@dataclass
class Accounts:
    """The lines that count for a scheme and range, with per-party totals."""

    scheme: str
    label: str
    lines: list[dict[str, Any]]
    names: dict[str, str]

    @property
    def party_totals(self) -> list[dict[str, Any]]:
        """Per party: received, paid and net (received − paid) as yuan texts, largest net first."""
        nets = party_nets(self.lines)
        received: dict[str, Decimal] = {}
        paid: dict[str, Decimal] = {}
        for line in self.lines:
            received[line["payee"]] = received.get(line["payee"], Decimal(0)) + line["amount"]
            paid[line["payer"]] = paid.get(line["payer"], Decimal(0)) + line["amount"]
        return [
            {
                "party": p,
                "party_name": self.names.get(p, p),
                "received": yuan_text(received.get(p, Decimal(0))),
                "paid": yuan_text(paid.get(p, Decimal(0))),
                "net": yuan_text(nets[p]),
            }
            for p in sorted(nets, key=lambda p: (-nets[p], p))
        ]

    @property
    def section_totals(self) -> list[dict[str, Any]]:
        """Per section and pair of parties, the net flow (A→B minus B→A) over the range."""
        flows: dict[tuple[str, str, str], Decimal] = {}
        names: dict[str, str] = {}
        for line in self.lines:
            section = line["section"] or "-"
            names[section] = line["section_name"] or section
            a, b = sorted((line["payer"], line["payee"]))
            sign = 1 if line["payer"] == a else -1
            key = (section, a, b)
            flows[key] = flows.get(key, Decimal(0)) + sign * line["amount"]
        out = []
        for (section, a, b), net in sorted(flows.items()):
            payer, payee = (a, b) if net >= 0 else (b, a)
            out.append({
                "section": section, "section_name": names[section],
                "payer": payer, "payer_name": self.names.get(payer, payer),
                "payee": payee, "payee_name": self.names.get(payee, payee),
                "amount": yuan_text(abs(net)),
            })
        return out

    def json_lines(self) -> list[dict[str, Any]]:
        """The lines as `ecocomp accounts --json` prints them (amounts as yuan and 万元 texts)."""
        return [
            {
                "line": ln["line"], "run": ln["run"], "scheme": ln["scheme"], "rule": ln["rule"],
                "period": period_text(ln["period_start"], ln["period_end"]),
                "section": ln["section"], "section_name": ln["section_name"],
                "payer": ln["payer"], "payer_name": ln["payer_name"],
                "payee": ln["payee"], "payee_name": ln["payee_name"],
                "amount": yuan_text(ln["amount"]), "amount_wan": wan_text(ln["amount"]),
                "branch": ln["branch"], "exception": ln["exception"], "reason": ln["reason"],
                "provisional": bool(ln["provisional"]),
            }
            for ln in self.lines
        ]


def read_accounts(
    con: duckdb.DuckDBPyConnection,
    scheme: str,
    period: str | None = None,
    year: str | int | None = None,
) -> Accounts:
    """The current lines of a scheme over a month or a year; a sentence if nothing was run."""
    requested_range(period, year)  # a badly written period is the first thing to say
    require_stored_schemes(con, [scheme])
    start, viewpoint, label = requested_range(period, year, year_begins_of(con, scheme))
    lines = current_lines(con, scheme, start, viewpoint)
    if not lines:
        known = con.execute("SELECT DISTINCT scheme FROM runs ORDER BY 1").fetchall()
        if scheme not in {r[0] for r in known}:
            raise EcocompError(
                f"方案 {scheme} 还没有任何运行记录；请先执行 ecocomp run --scheme {scheme} "
                f"--period/--year。(no runs for scheme {scheme})"
            )
        covering = runs_covering(con, scheme, start, viewpoint)
        hint = "（已有运行：" + "、".join(f"#{r['run']} {r['label']}" for r in covering) + "）"
        raise EcocompError(
            f"方案 {scheme} 在 {label} 没有可用的核算结果{hint if covering else ''}；"
            f"请先执行 ecocomp run --scheme {scheme} "
            f"{'--period' if period else '--year'} {period or year}。"
            f"(no ledger lines for {period or year})"
        )
    return Accounts(scheme, label, lines, party_names(con))


def render_text(acc: Accounts, by: str | None) -> str:
    """The accounts as a plain table for the terminal (万元 and 元 side by side)."""
    runs = sorted({ln["run"] for ln in acc.lines})
    out = [f"方案 {acc.scheme} {acc.label} 核算结果（运行 {', '.join(f'#{r}' for r in runs)}）"]
    if any(ln["provisional"] for ln in acc.lines):
        out.append("注：标有 * 的行是年度窗口的年初至今预核算状态。")
    if by is None:
        out.append("行号\t期间\t规则\t断面\t付款方 → 收款方\t金额(万元)\t金额(元)\t档位/原因")
        for ln in acc.json_lines():
            note = ln["branch"] or ""
            if ln["reason"] or ln["exception"]:
                note = "；".join(x for x in (note, ln["exception"], ln["reason"]) if x)
            mark = "*" if ln["provisional"] else ""
            out.append(
                f"{ln['line']}{mark}\t{ln['period']}\t{ln['rule']}\t{ln['section_name'] or '-'}\t"
                f"{ln['payer_name']} → {ln['payee_name']}\t{ln['amount_wan']}\t{ln['amount']}\t"
                f"{note}"
            )
    if by == "section":
        out.append("断面\t付款方 → 收款方\t净额(万元)\t净额(元)")
        for row in acc.section_totals:
            out.append(
                f"{row['section_name']}\t{row['payer_name']} → {row['payee_name']}\t"
                f"{wan_text(Decimal(row['amount']))}\t{row['amount']}"
            )
    out.append("各方合计（净额 = 应收 − 应付）：")
    out.append("单位\t应收(元)\t应付(元)\t净额(万元)\t净额(元)")
    for row in acc.party_totals:
        out.append(
            f"{row['party_name']}\t{row['received']}\t{row['paid']}\t"
            f"{wan_text(Decimal(row['net']))}\t{row['net']}"
        )
    return "\n".join(out)


def render_json(acc: Accounts, by: str | None) -> str:
    if by == "party":
        data: Any = acc.party_totals
    elif by == "section":
        data = acc.section_totals
    else:
        data = acc.json_lines()
    return json.dumps(data, ensure_ascii=False, indent=2)


def render_csv(acc: Accounts, by: str | None) -> str:
    if by == "party":
        rows, fields = acc.party_totals, ["party", "party_name", "received", "paid", "net"]
    elif by == "section":
        rows = acc.section_totals
        fields = ["section", "section_name", "payer", "payer_name", "payee", "payee_name", "amount"]
    else:
        rows, fields = acc.json_lines(), list(JSON_FIELDS)
    return csv_text(fields, rows)
