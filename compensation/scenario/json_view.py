"""The `--json` shape of comparisons, sweeps and risk results (money as yuan strings, exact)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from compensation.scenario.compare import Comparison
from compensation.scenario.evaluate import Direction
from compensation.scenario.risk import RiskResult
from compensation.scenario.sweep import SweepResult


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _direction(d: Direction) -> dict[str, str]:
    return {"first": d.first, "second": d.second, "first_name": d.first_name,
            "second_name": d.second_name, "meaning": d.sentence}


def comparison_json(c: Comparison) -> dict[str, Any]:
    return {
        "scheme": c.scheme,
        "direction": _direction(c.direction),
        "years": c.years,
        "base": c.base,
        "scenarios": [
            {"name": s.name, "description": s.description, "overrides": s.overrides}
            for s in c.scenarios
        ],
        "yearly": [
            {"year": y, "scenario": n, "net": _money(c.yearly[y][n]),
             "diff_to_base": _money(c.diff(n, y))}
            for y in c.years for n in c.names
        ],
        "totals": [
            {"scenario": n, "net": _money(c.totals[n]), "diff_to_base": _money(c.diff(n))}
            for n in c.names
        ],
        "monthly": [
            {"month": f"{m.month:%Y-%m}", "scenario": n, "net": _money(m.nets[n]),
             "diff_to_base": _money(m.nets[n] - m.nets[c.base]), "reason": m.reasons[n]}
            for m in c.monthly for n in c.names
        ],
    }


def sweep_json(r: SweepResult) -> dict[str, Any]:
    return {
        "scheme": r.scheme,
        "direction": _direction(r.direction),
        "years": r.years,
        "on": r.on.name if r.on else None,
        "parameters": [a.name for a in r.axes],
        "base": {"yearly": {str(y): _money(v) for y, v in r.base.yearly.items()},
                 "total": _money(r.base.total)},
        "scenarios": [
            {"name": row.name, "values": row.labels,
             "yearly": {str(y): _money(v) for y, v in row.yearly.items()},
             "total": _money(row.total), "diff_to_base": _money(row.total - r.base.total)}
            for row in r.rows
        ],
        "break_even": [
            {"param": b.param, "fixed": b.fixed,
             "value": None if b.value is None else str(b.value), "value_text": b.value_text,
             "net_at_value": _money(b.net_at_value), "message": b.message}
            for b in r.break_even
        ],
        "seconds": round(r.seconds, 3),
    }


def risk_json(r: RiskResult) -> dict[str, Any]:
    return {
        "scheme": r.scheme,
        "direction": _direction(r.direction),
        "history_years": r.history_years,
        "years_ahead": r.years_ahead,
        "draws": r.draws,
        "seed": r.seed,
        "quantile_rule": r.quantile_rule,
        "scenarios": [
            {"name": row.scenario.name, "description": row.scenario.description,
             "history": {str(y): _money(v) for y, v in row.history.items()},
             "mean": _money(row.mean), "q05": _money(row.q05), "q95": _money(row.q95),
             "p_first_pays": str(row.p_first_pays), "p_second_pays": str(row.p_second_pays)}
            for row in r.rows
        ],
    }
