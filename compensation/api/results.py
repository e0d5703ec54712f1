"""What the API returns besides plain tables: explanations, diffs and scenario results.

Each is a dataclass whose tables are polars frames (see `frames`); `data` keeps the same content
as the JSON the command line prints, so `ecocomp … --json` and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from compensation.api import frames
from compensation.scenario.compare import Comparison
from compensation.scenario.sweep import SweepResult

VALUE = pl.Decimal(18, 6)


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


@dataclass(frozen=True)
class Explanation:
    """One ledger line traced back to its rule, parameters, period values and samples.

    `period_values` columns: section_id, period (Date), indicator, n_samples, n_valid,
    value (Decimal(18,6)), highest, flags (list of flag codes), class (1..6). `samples` columns:
    section_id, sampled_at (Datetime), indicator, value, below_dl, detection_limit, flag, source,
    batch_id, file_name, row_no (the row as the file shows it).
    """

    line: int
    scheme: str
    period: str
    section: str | None
    section_name: str | None
    payer: str
    payer_name: str
    payee: str
    payee_name: str
    amount: Decimal
    branch: str | None
    exception: str | None
    reason: str | None
    rule: dict[str, Any]
    parameters: list[dict[str, Any]]
    trace: dict[str, Any]
    period_values: pl.DataFrame
    samples: pl.DataFrame
    data: dict[str, Any] = field(repr=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Explanation:
        """Build from the dict `engine.explain.explain_line` returns (the `--json` document)."""
        values = pl.DataFrame(
            [
                {**v, "period": date.fromisoformat(str(v["period"])[:10]),
                 "value": _decimal(v["value"]), "highest": _decimal(v["highest"])}
                for v in data["period_values"]
            ],
            schema={"section_id": pl.String(), "period": pl.Date(), "indicator": pl.String(),
                    "n_samples": pl.Int64(), "n_valid": pl.Int64(), "value": VALUE,
                    "highest": VALUE, "flags": pl.List(pl.String()), "class": pl.Int64()},
        )
        samples = pl.DataFrame(
            [
                {**s, "sampled_at": datetime.fromisoformat(str(s["sampled_at"])),
                 "value": _decimal(s.get("value")),
                 "detection_limit": _decimal(s.get("detection_limit"))}
                for s in data["samples"]
            ],
            schema={"section_id": pl.String(), "sampled_at": pl.Datetime("us"),
                    "indicator": pl.String(), "value": VALUE, "below_dl": pl.Boolean(),
                    "detection_limit": VALUE, "flag": pl.String(), "source": pl.String(),
                    "batch_id": pl.Int64(), "file_name": pl.String(), "row_no": pl.Int64()},
        )
        return cls(
            line=int(data["line"]), scheme=data["scheme"], period=data["period"],
            section=data["section"], section_name=data["section_name"], payer=data["payer"],
            payer_name=data["payer_name"], payee=data["payee"], payee_name=data["payee_name"],
            amount=Decimal(data["amount"]), branch=data["branch"], exception=data["exception"],
            reason=data["reason"], rule=data["rule"], parameters=data["parameters"],
            trace=data["trace"], period_values=values, samples=samples, data=data,
        )


@dataclass(frozen=True)
class RunDiff:
    """Two runs of one scheme compared over the months both cover.

    `parties` columns: party, party_name, period, before, after, change (Decimal(18,2), net =
    received − paid). `lines`: each changed ledger line with the values that changed under it.
    """

    scheme: str
    run_a: int
    run_b: int
    months: str
    identical: bool
    new_batches: list[int]
    parties: pl.DataFrame
    lines: list[dict[str, Any]]
    data: dict[str, Any] = field(repr=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RunDiff:
        """Build from the dict `engine.diff.diff_runs` returns (the `--json` document)."""
        parties = frames.frame(
            ({**p, "before": Decimal(p["before"]), "after": Decimal(p["after"]),
              "change": Decimal(p["change"])} for p in data["parties"]),
            frames.DIFF_PARTIES,
        )
        return cls(
            scheme=data["scheme"], run_a=int(data["run_a"]["run"]),
            run_b=int(data["run_b"]["run"]), months=data["months"],
            identical=bool(data["identical"]), new_batches=list(data["new_batches"]),
            parties=parties, lines=data["lines"], data=data,
        )


@dataclass(frozen=True)
class ScenarioComparison:
    """Scenarios side by side. Nets are what the scheme's first party pays the second
    (`direction`); `yearly` columns: year, scenario, net, vs_base (Decimal(18,2));
    `monthly` columns: month (Date), scenario, net, reason (which section failed what)."""

    scheme: str
    direction: str
    base: str
    scenarios: list[str]
    yearly: pl.DataFrame
    monthly: pl.DataFrame
    result: Comparison = field(repr=False)

    @classmethod
    def of(cls, c: Comparison) -> ScenarioComparison:
        """Frames of a `scenario.compare` result."""
        yearly = frames.frame(
            ({"year": y, "scenario": n, "net": c.yearly[y][n], "vs_base": c.diff(n, y)}
             for y in c.years for n in c.names),
            frames.COMPARE_YEARLY,
        )
        monthly = frames.frame(
            ({"month": m.month, "scenario": n, "net": m.nets[n], "reason": m.reasons[n]}
             for m in c.monthly for n in c.names),
            frames.COMPARE_MONTHLY,
        )
        return cls(c.scheme, c.direction.sentence, c.base, c.names, yearly, monthly, c)


@dataclass(frozen=True)
class ScenarioSweep:
    """A parameter grid evaluated in one query. `nets` columns: scenario, one String column per
    swept parameter (its label, e.g. "300万", "Ⅲ"), year, net, vs_base (Decimal(18,2));
    `break_even` columns: param, fixed (the other parameters), value, value_text,
    net_at_value, message."""

    scheme: str
    direction: str
    params: list[str]
    nets: pl.DataFrame
    break_even: pl.DataFrame
    result: SweepResult = field(repr=False)

    @classmethod
    def of(cls, r: SweepResult) -> ScenarioSweep:
        """Frames of a `scenario.sweep` result."""
        params = [a.name for a in r.axes]
        schema = frames.with_columns(
            {"year": pl.Int64(), "net": frames.MONEY, "vs_base": frames.MONEY},
            [("scenario", pl.String()), *((p, pl.String()) for p in params)],
        )
        nets = frames.frame(
            ({"scenario": row.name, **row.labels, "year": y, "net": row.yearly[y],
              "vs_base": row.yearly[y] - r.base.yearly[y]}
             for row in r.rows for y in r.years),
            schema,
        )
        even = frames.frame(
            ({"param": b.param, "fixed": ",".join(f"{k}={v}" for k, v in b.fixed.items()),
              "value": b.value, "value_text": b.value_text, "net_at_value": b.net_at_value,
              "message": b.message} for b in r.break_even),
            frames.BREAK_EVEN,
        )
        return cls(r.scheme, r.direction.sentence, params, nets, even, r)
