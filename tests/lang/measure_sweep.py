"""Time a 10,000-scenario Tongshun sweep against a single-scenario run (a script, not a test).

    ecocomp demo --out /tmp/x
    python tests/lang/measure_sweep.py /tmp/x/ecocomp.duckdb [--repeat 3]

Copies the store to a temporary file (the run creates TEMP tables only, but the demo store stays
untouched), then times `yearly_nets` (prepare_run + the one query) for the base alone and for the
base plus 10,000 overlays over 2022–2024, and prints both medians and their ratio. Two grids: money
only (no measure depends on a swept parameter) and a mixed one that also sweeps the target class
and the judge variant (measures computed once per distinct (target, judge)).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from compensation.scenario.evaluate import direction_of, load_compiled, yearly_nets, years_window
from compensation.store import open_store

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2030, 1, 1)
YEARS = [2022, 2023, 2024]


def money_grid() -> list[tuple[str, Mapping[str, object]]]:
    """100 annual amounts × 100 penalties = 10,000 overlays (money only)."""
    return [
        (f"a{a}_p{p}", {"annual_amount": f"{a}万", "penalty_amount": f"{p}万"})
        for a in range(1, 101)
        for p in range(1, 101)
    ]


def mixed_grid() -> list[tuple[str, Mapping[str, object]]]:
    """50 amounts × 50 penalties × target III/IV × judge per_section/all_sections = 10,000."""
    return [
        (
            f"a{a}_p{p}_{t}_{j}",
            {"annual_amount": f"{a}万", "penalty_amount": f"{p}万", "target": t, "judge": j},
        )
        for a in range(1, 51)
        for p in range(1, 51)
        for t in ("III", "IV")
        for j in ("per_section", "all_sections")
    ]


def timed(con, compiled, scenarios, repeat: int) -> tuple[float, dict]:
    direction = direction_of(con, compiled)
    start, end = years_window(compiled, YEARS)
    times, nets = [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        nets = yearly_nets(con, compiled, direction, start, end, scenarios, AS_OF)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), nets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--grid", choices=["money", "mixed", "both"], default="both")
    ap.add_argument("--dump", type=Path, help="write every scenario's yearly nets (JSON) here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copy.duckdb"
        shutil.copy(args.db, db)
        con = open_store(db)
        compiled = load_compiled("tongshun", ROOT / "rules")
        single, base = timed(con, compiled, [], args.repeat)
        print(f"single scenario: {single:.3f} s; base nets {base['base']}")
        grids = {"money": money_grid, "mixed": mixed_grid}
        dumped: dict[str, dict[str, dict[int, str]]] = {}
        for name in ["money", "mixed"] if args.grid == "both" else [args.grid]:
            scenarios = grids[name]()
            many, nets = timed(con, compiled, scenarios, max(1, args.repeat - 2))
            assert nets["base"] == base["base"]
            dumped[name] = {s: {y: str(v) for y, v in n.items()} for s, n in nets.items()}
            print(
                f"{name}: {len(scenarios)} scenarios: {many:.3f} s; ratio {many / single:.1f}x; "
                f"e.g. {scenarios[-1][0]} -> {nets[scenarios[-1][0]]}"
            )
        con.close()
    if args.dump:
        args.dump.write_text(json.dumps(dumped, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
