"""What the API returns besides plain tables: explanations, diffs and scenario results.

Each is a dataclass whose tables are polars frames (see `frames`); `data` keeps the same content
as the JSON the command line prints, so `ecocomp … --json` and the API never disagree. The frames
are built on first access (`cached_property`): the command line, a client of the same API, prints
the `data` or the engine's result and so never imports polars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from compensation.scenario.compare import Comparison
    from compensation.scenario.sweep import SweepResult


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def period_dates(label: str) -> tuple[date, date]:
    """The first and last day of a period as `ecocomp` labels it: "2018-02", "2020" (a calendar
    year) or "2020-06~2021-05" (a range of months)."""
    first, _, last = label.partition("~")
    last = last or first
    start = date(int(first[:4]), 1 if len(first) == 4 else int(first[5:7]), 1)
    if len(last) == 4:
        return start, date(int(last), 12, 31)
    year, month = int(last[:4]), int(last[5:7])
    following = date(year + month // 12, month % 12 + 1, 1)
    return start, date.fromordinal(following.toordinal() - 1)


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
    data: dict[str, Any] = field(repr=False)

    @cached_property
    def period_values(self) -> pl.DataFrame:
        """The period values behind the line, one row per section, period and indicator."""
        import polars as pl

        from compensation.api.frames import PERIOD_VALUES

        return pl.DataFrame(
            [
                {**v, "period": date.fromisoformat(str(v["period"])[:10]),
                 "value": _decimal(v["value"]), "highest": _decimal(v["highest"])}
                for v in self.data["period_values"]
            ],
            schema=PERIOD_VALUES,
        )

    @cached_property
    def samples(self) -> pl.DataFrame:
        """The samples behind those values, each with the file and row it was loaded from."""
        import polars as pl

        from compensation.api.frames import SAMPLES

        return pl.DataFrame(
            [
                {**s, "sampled_at": datetime.fromisoformat(str(s["sampled_at"])),
                 "value": _decimal(s.get("value")),
                 "detection_limit": _decimal(s.get("detection_limit"))}
                for s in self.data["samples"]
            ],
            schema=SAMPLES,
        )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Explanation:
        """Build from the dict `engine.explain.explain_line` returns (the `--json` document)."""
        return cls(
            line=int(data["line"]), scheme=data["scheme"], period=data["period"],
            section=data["section"], section_name=data["section_name"], payer=data["payer"],
            payer_name=data["payer_name"], payee=data["payee"], payee_name=data["payee_name"],
            amount=Decimal(data["amount"]), branch=data["branch"], exception=data["exception"],
            reason=data["reason"], rule=data["rule"], parameters=data["parameters"],
            trace=data["trace"], data=data,
        )


@dataclass(frozen=True)
class RunDiff:
    """Two runs of one scheme compared over the months both cover.

    `parties` columns: party, party_name, period (the label), period_start, period_end (Date),
    before, after, change (Decimal(18,2), net = received − paid). `lines`: each changed ledger
    line with the values that changed under it.
    """

    scheme: str
    run_a: int
    run_b: int
    months: str
    identical: bool
    new_batches: list[int]
    lines: list[dict[str, Any]]
    data: dict[str, Any] = field(repr=False)

    @cached_property
    def parties(self) -> pl.DataFrame:
        """Each party's net per period before and after, and the change."""
        from compensation.api import frames

        return frames.frame(
            ({**p, "before": Decimal(p["before"]), "after": Decimal(p["after"]),
              "change": Decimal(p["change"]),
              **dict(zip(("period_start", "period_end"), period_dates(p["period"]), strict=True))}
             for p in self.data["parties"]),
            frames.DIFF_PARTIES,
        )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RunDiff:
        """Build from the dict `engine.diff.diff_runs` returns (the `--json` document)."""
        return cls(
            scheme=data["scheme"], run_a=int(data["run_a"]["run"]),
            run_b=int(data["run_b"]["run"]), months=data["months"],
            identical=bool(data["identical"]), new_batches=list(data["new_batches"]),
            lines=data["lines"], data=data,
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
    result: Comparison = field(repr=False)

    @cached_property
    def yearly(self) -> pl.DataFrame:
        """Each scenario's net per year and its difference from the base."""
        from compensation.api import frames

        c = self.result
        return frames.frame(
            ({"year": y, "scenario": n, "net": c.yearly[y][n], "vs_base": c.diff(n, y)}
             for y in c.years for n in c.names),
            frames.COMPARE_YEARLY,
        )

    @cached_property
    def monthly(self) -> pl.DataFrame:
        """Each scenario's net per month with the reason (which section failed what)."""
        from compensation.api import frames

        c = self.result
        return frames.frame(
            ({"month": m.month, "scenario": n, "net": m.nets[n], "reason": m.reasons[n]}
             for m in c.monthly for n in c.names),
            frames.COMPARE_MONTHLY,
        )

    @classmethod
    def of(cls, c: Comparison) -> ScenarioComparison:
        """The API's view of a `scenario.compare` result."""
        return cls(c.scheme, c.direction.sentence, c.base, c.names, c)


@dataclass(frozen=True)
class ScenarioSweep:
    """A parameter grid evaluated in one query. `nets` columns: scenario, one String column per
    swept parameter (its label, e.g. "300万", "Ⅲ"), year, net, vs_base (Decimal(18,2));
    `break_even` columns: param, fixed (the other parameters), value, value_text,
    net_at_value, message."""

    scheme: str
    direction: str
    params: list[str]
    result: SweepResult = field(repr=False)

    @cached_property
    def nets(self) -> pl.DataFrame:
        """Each grid point's net per year and its difference from the base."""
        import polars as pl

        from compensation.api import frames

        r = self.result
        schema = frames.with_columns(
            {"year": pl.Int64(), "net": frames.MONEY, "vs_base": frames.MONEY},
            [("scenario", pl.String()), *((p, pl.String()) for p in self.params)],
        )
        return frames.frame(
            ({"scenario": row.name, **row.labels, "year": y, "net": row.yearly[y],
              "vs_base": row.yearly[y] - r.base.yearly[y]}
             for row in r.rows for y in r.years),
            schema,
        )

    @cached_property
    def break_even(self) -> pl.DataFrame:
        """The zero-net value of the `break_even` parameter for each setting of the others."""
        from compensation.api import frames

        return frames.frame(
            ({"param": b.param, "fixed": ",".join(f"{k}={v}" for k, v in b.fixed.items()),
              "value": b.value, "value_text": b.value_text, "net_at_value": b.net_at_value,
              "message": b.message} for b in self.result.break_even),
            frames.BREAK_EVEN,
        )

    @classmethod
    def of(cls, r: SweepResult) -> ScenarioSweep:
        """The API's view of a `scenario.sweep` result."""
        return cls(r.scheme, r.direction.sentence, [a.name for a in r.axes], r)


@dataclass(frozen=True)
class WorkbenchPage:
    """A written negotiation workbench: the page's path, how many grid points it holds, the
    years it covers and what was held fixed (parameter, value) while the grid was swept."""

    path: Path
    points: int
    years: list[int]
    fixed: list[tuple[str, str]]
