"""Every scheme for every year of the data, then every year settled: the demo's engine step."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from compensation.engine.money import wan_display
from compensation.engine.run import RunResult, run_schemes
from compensation.engine.schemes import default_rules_dir, load_scheme
from compensation.engine.settle import Settlement, settle_year
from compensation.months import agreement_year, month_label

# Example schemes the demo runs besides the shipped ones (rules/examples/): a quarterly scheme and
# an agreement year from June, so every period kind is shown, settled and diffed on the demo.
DEMO_EXAMPLES = ("tongshun_quarter", "daoguan_agreement_year")


def data_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The calendar years that hold samples."""
    first, last = con.execute(
        "SELECT year(min(sampled_at)), year(max(sampled_at)) FROM samples"
    ).fetchall()[0]
    return [] if first is None else list(range(int(first), int(last) + 1))


def run_and_settle_all(
    con: duckdb.DuckDBPyConnection,
    rules_dir: Path | None = None,
    as_of: datetime | None = None,
    final: bool = True,
) -> tuple[list[RunResult], list[Settlement]]:
    """Run `all` schemes for each year of the data (one run per scheme-year), then settle each.

    Scheme-years before a scheme starts are skipped, not settled.
    """
    runs: list[RunResult] = []
    for year in data_years(con):
        runs += run_schemes(con, "all", year=year, as_of=as_of, rules_dir=rules_dir)
    settlements = [
        settle_year(con, r.scheme, r.label, final=final) for r in runs if r.run_id is not None
    ]
    return runs, settlements


def run_and_settle_examples(
    con: duckdb.DuckDBPyConnection,
    rules_dir: Path | None = None,
    as_of: datetime | None = None,
    final: bool = True,
    schemes: tuple[str, ...] = DEMO_EXAMPLES,
) -> tuple[list[RunResult], list[Settlement]]:
    """The demo's example schemes (from `rules_dir`/examples): each (agreement) year the data
    cover completely is run with `--year` and settled; a year still running at the last month
    with data is run to that month (`--period`, provisional) and not settled."""
    examples = default_rules_dir(rules_dir) / "examples"
    last = con.execute("SELECT max(sampled_at) FROM samples").fetchall()[0][0]
    runs: list[RunResult] = []
    settlements: list[Settlement] = []
    if last is None:
        return runs, settlements
    last_month = month_label(last)
    for scheme in schemes:
        begins = load_scheme(examples / f"{scheme}.rule").year_begins
        for year in data_years(con):
            first_month, last_of_year = agreement_year(year, begins)
            if month_label(first_month) > last_month:
                continue
            complete = month_label(last_of_year) <= last_month
            [result] = run_schemes(
                con, scheme, period=None if complete else last_month,
                year=year if complete else None, as_of=as_of, rules_dir=examples,
            )
            runs.append(result)
            if complete and result.run_id is not None:
                settlements.append(settle_year(con, scheme, year, final=final))
    return runs, settlements


def summary(runs: list[RunResult], settlements: list[Settlement]) -> str:
    """One sentence for the demo's step log, with the published checks visible."""
    done = [r for r in runs if r.run_id is not None]
    lines = sum(r.line_count for r in done)
    parts = [
        f"{s.scheme} {s.year}："
        + ("、".join(f"{s.names.get(p, p)}→{s.names.get(q, q)} {wan_display(a)}万元"
                     for p, q, a in s.transfers if p != "city_treasury" and q != "city_treasury")
           or f"{len(s.transfers)} 笔划拨")
        for s in settlements
    ]
    return (
        f"运行 {len(done)} 次，写入台账 {lines} 行；结算 {len(settlements)} 个方案年度"
        + ("（定稿）" if settlements and settlements[0].final else "")
        + "：" + "；".join(parts)
    )
