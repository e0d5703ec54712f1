"""The benchmark run: data, every case in its own child process, agreement checks, the report."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import compare, datasets, real_run, report, store_setup
from bench.config import BENCH_DIR, FULL, GROWTH_FACTORS, QUICK, REPO_DIR, WORK_DIR, Sizes
from bench.measure import Measurement, measure


@dataclass
class Point:
    """All measurements at one growth factor."""

    factor: int
    manual_rows: int
    auto_rows: int
    rule_rows: int = 0  # sample rows in case 3's window (the rule's span within the data)
    m: dict[str, Measurement] = field(default_factory=dict)


@dataclass
class Run:
    """Everything a report needs."""

    quick: bool
    sizes: Sizes
    skip: tuple[str, ...] = ()
    points: list[Point] = field(default_factory=list)
    once: dict[str, Measurement] = field(default_factory=dict)
    checks: list[compare.Agreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def failed(self) -> list[str]:
        """Disagreements and engine errors (a part that is merely missing is not a failure)."""
        bad = [f"{c.name}: {c.detail}" for c in self.checks if not c.agreed]
        every = [m for p in self.points for m in p.m.values()] + list(self.once.values())
        bad += [f"{m.case}: {m.reason}" for m in every if m.status == "error"]
        return bad


def _ok_outputs(point: Point, cases: list[str], outputs: dict[str, Path]) -> dict[str, Path]:
    return {c: outputs[c] for c in cases if c in point.m and point.m[c].ok}


# case 3: the floor first (a plain pass over the rows), then the hand-written queries, the
# compiled rule and the Python evaluator; every one but the floor writes amounts to compare
RULE_CASES = ("rules.floor", "rules.hand_sql", "rules.hand_sql_old", "rules.compiled_amounts",
              "rules.compiled", "rules.python")


def _measure_point(run: Run, factor: int, base: int, root: Path) -> Point:
    sizes = run.sizes.scaled(factor, base)
    folder = root / f"x{factor}"
    template = root / "template.duckdb"
    manual = datasets.manual_data(folder / "manual", sizes, template)
    auto = datasets.auto_data(folder / "auto", sizes, template)
    point = Point(factor, manual.rows, auto.rows, manual.rule_rows)
    scratch, repeat = folder / "scratch", sizes.repeat
    print(f"— {factor}×: {manual.sections} 个断面 {manual.rows:,} 行手工数据；"
          f"{auto.sections} 个自动站 {auto.rows:,} 行", flush=True)

    engine_store = folder / "ingest-engine.duckdb"
    jobs = {
        "ingest.engine_csv": ("ingest.engine", {"samples": str(manual.csv), "keep": True,
                                                "db": str(engine_store)}),
        "ingest.engine_parquet": ("ingest.engine", {"samples": str(manual.parquet),
                                                    "db": str(folder / "ingest-p.duckdb")}),
        "ingest.duckdb_csv": ("ingest.duckdb", {"samples": str(manual.csv),
                                                "db": str(folder / "raw-c.duckdb")}),
        "ingest.duckdb_parquet": ("ingest.duckdb", {"samples": str(manual.parquet),
                                                    "db": str(folder / "raw-p.duckdb")}),
    }
    for name, (case, job) in jobs.items():
        if _skipped(run, name):
            continue
        job.update(parties=str(manual.parties), sections=str(manual.sections_csv),
                   template=str(template))
        point.m[name] = _named(measure(case, job, scratch / name, repeat), name)
        _progress(point.m[name])

    as_of = datetime.now().isoformat()  # after every load of this point
    outputs: dict[str, Path] = {}
    for name in ("monthly.engine", "monthly.hand_sql"):
        if _skipped(run, name):
            continue
        outputs[name] = scratch / f"{name}.parquet"
        job = {"db": str(auto.store), "out": str(outputs[name]), "as_of": as_of}
        point.m[name] = _named(measure(name, job, scratch / name, repeat), name)
        _progress(point.m[name])

    csv_load = point.m.get("ingest.engine_csv")
    ingested = csv_load is not None and csv_load.ok and engine_store.exists()
    rule_store = engine_store if ingested else manual.store
    if factor == base:
        source = ("引擎导入的同一份 CSV (ingest)" if ingested else
                  "直接 SQL 写入（导入未运行或不可用）")
        run.notes.append(f"规则案例所用数据库：{source}，窗口 {manual.rule_start:%Y-%m} 至 "
                         f"{manual.rule_last:%Y-%m}")
    for name in RULE_CASES:
        if _skipped(run, name):
            continue
        outputs[name] = scratch / f"{name}.parquet"
        job = {"db": str(rule_store), "out": str(outputs[name]), "repo": str(REPO_DIR),
               "start": manual.rule_start.isoformat(), "stop": manual.stop.isoformat(),
               "last": manual.rule_last.isoformat(), "as_of": as_of}
        point.m[name] = _named(measure(name, job, scratch / name, repeat), name)
        _progress(point.m[name])

    digests = {n: point.m[n].result["digest"] for n in jobs if n in point.m and point.m[n].ok}
    run.checks.append(compare.same_digests(f"导入 {factor}×", digests))
    run.checks.append(compare.same_tables(
        f"自动站月均值 {factor}×", _ok_outputs(point, ["monthly.engine", "monthly.hand_sql"],
                                          outputs),
        ["section_id", "period", "indicator"], ["n_valid", "value", "class"]))
    rules_out = _ok_outputs(point, [n for n in RULE_CASES if n != "rules.floor"], outputs)
    run.checks.append(compare.same_tables(
        f"CPI 规则金额 {factor}×", rules_out, ["section_id", "period"], ["amount"]))
    if factor == base and "rules.hand_sql" in rules_out:
        bands = compare.band_counts(rules_out["rules.hand_sql"])
        hits = point.m["rules.hand_sql"].result.get("boundary_hits", {})
        run.notes.append(f"各档行数 {bands}；恰在端点上的断面月 {hits}")
    return point


def _named(m: Measurement, name: str) -> Measurement:
    m.case = name
    return m


def _progress(m: Measurement) -> None:
    state = f"{m.median:.3f} s" if m.ok and m.median is not None else f"{m.status}: {m.reason}"
    print(f"   {m.case:<24} {state}  峰值内存 {m.peak_mb:.0f} MB  (子进程共 {m.wall:.1f} s)",
          flush=True)


def _measure_once(run: Run, root: Path) -> None:
    sizes = run.sizes
    scratch = root / "once"
    sweep = datasets.sweep_data(root / "sweep", sizes, root / "template.duckdb")
    base_job = {"db": str(sweep.store), "repo": str(REPO_DIR), "as_of": datetime.now().isoformat(),
                "start": sweep.start.isoformat(), "last": sweep.rule_last.isoformat()}
    print(f"— 情景扫描 {sweep.sections} 个断面 × {sizes.sweep_months} 个月；编译；demo", flush=True)
    for name, scenarios in (("sweep.one", 1), ("sweep.all", sizes.sweep_scenarios)):
        if _skipped(run, name):
            continue
        job = {**base_job, "scenarios": scenarios}
        run.once[name] = _named(measure("sweep.run", job, scratch / name, sizes.repeat), name)
        _progress(run.once[name])
    one, every = run.once.get("sweep.one"), run.once.get("sweep.all")
    if one is not None and every is not None and one.ok and every.ok:
        found, differ = every.result["scenarios_found"], every.result["same_as_base_differs"]
        via = every.result.get("via", "")
        if via.endswith("prepare_run"):
            per = one.rows * sizes.sweep_scenarios
            agreed = found == sizes.sweep_scenarios and differ == 0 and every.rows == per
            detail = (f"{found} 个情景各 {one.rows} 行（共 {every.rows} 行，应为 {per}）；"
                      f"与基准取值相同的情景和 base 有 {differ} 行不同")
        else:
            agreed = found == sizes.sweep_scenarios and differ == 0
            detail = (f"{via}：网格 {every.result.get('grid')} 共 {found} 个情景"
                      f"（应为 {sizes.sweep_scenarios}）；取值与基准相同的网格点"
                      f"{'与基准逐年净额相同' if differ == 0 else '与基准不同'}")
        run.checks.append(compare.Agreement("情景扫描", agreed, detail))
    _measure_tongshun_sweep(run, root, scratch)
    if not _skipped(run, "rules.compile_all"):
        job = {"repo": str(REPO_DIR)}
        run.once["rules.compile_all"] = measure("rules.compile_all", job, scratch / "compile",
                                                sizes.repeat)
        _progress(run.once["rules.compile_all"])
    if not _skipped(run, "demo.cli"):
        job = {"tmp": str(scratch)}
        run.once["demo.cli"] = measure("demo.cli", job, scratch / "demo", sizes.repeat)
        _progress(run.once["demo.cli"])
    _measure_latency(run, root)
    if not _skipped(run, "real"):
        real_run.measure_real(run, root)


def _measure_latency(run: Run, root: Path) -> None:
    """Case "CLI latency" (bench/latency.py): its rounds repeat inside one child."""
    if _skipped(run, "cli.latency"):
        return
    print("— 命令行延迟：演示数据库上的整个 ecocomp 进程 ÷ python -c \"import duckdb\"", flush=True)
    scratch = root / "once" / "latency"
    job = {"db": str(datasets.demo_with_runs(root / "demo-runs")),
           "rules": str(REPO_DIR / "rules"), "scratch": str(scratch / "work"),
           "repeat": run.sizes.latency_repeat}
    run.once["cli.latency"] = measure("cli.latency", job, scratch, 1)
    _progress(run.once["cli.latency"])
    for line in report.latency_lines(run.once["cli.latency"]):
        print(f"   {line}", flush=True)


def _measure_tongshun_sweep(run: Run, root: Path, scratch: Path) -> None:
    """Issue 6 §6 as worded: 10,000 Tongshun scenarios over 2022–2024 against one."""
    if _skipped(run, "sweep"):
        return
    sizes = run.sizes
    print("— 通顺河情景扫描：演示数据 2022–2024 年", flush=True)  # before the demo store is built
    job = {"db": str(datasets.demo_store(root / "demo-record")), "repo": str(REPO_DIR),
           "as_of": datetime.now().isoformat()}
    for name, scenarios in (("sweep.tongshun.one", 1),
                            ("sweep.tongshun.all", sizes.sweep_scenarios)):
        run.once[name] = _named(measure("sweep.tongshun", {**job, "scenarios": scenarios},
                                        scratch / name, sizes.repeat), name)
        _progress(run.once[name])
    one, every = run.once["sweep.tongshun.one"], run.once["sweep.tongshun.all"]
    if one.ok and every.ok:
        found, differ = every.result["scenarios_found"], every.result["same_as_base_differs"]
        checked, plain = every.result.get("plain_checked", 0), every.result.get("plain_differs", 0)
        agreed = found == sizes.sweep_scenarios and differ == 0 and checked > 0 and plain == 0
        run.checks.append(compare.Agreement(
            "通顺河情景扫描", agreed,
            f"网格 {every.result.get('grid')} 共 {found} 个情景（应为 {sizes.sweep_scenarios}）；"
            f"取值与基准相同的网格点{'与基准逐年净额相同' if differ == 0 else '与基准不同'}；"
            f"对角线上的网格点（第 i 个年度金额配第 i 个补偿金额，共 {checked} 个）各自作为"
            "一个情景直接计算，"
            f"{'逐年净额与扫描相同' if plain == 0 else f'{plain} 个与扫描不同'}"))


def _skipped(run: Run, name: str) -> bool:
    return any(name == s or name.startswith(s + ".") for s in run.skip)


def execute(quick: bool, repeat: int | None = None, skip: tuple[str, ...] = ()) -> Run:
    """Run every case at the growth factors and once-only cases; compare; nothing written yet."""
    sizes = QUICK if quick else FULL
    if repeat is not None:
        sizes = Sizes(**{**sizes.as_dict(), "repeat": repeat})
    run = Run(quick, sizes, skip)
    root = WORK_DIR / ("quick" if quick else "full")
    started = time.perf_counter()
    store_setup.make_template(root / "template.duckdb")
    base = GROWTH_FACTORS[-1]
    for factor in GROWTH_FACTORS:
        run.points.append(_measure_point(run, factor, base, root))
    _measure_once(run, root)
    run.wall_seconds = time.perf_counter() - started
    return run


def latency_only(quick: bool) -> int:
    """`--latency`: only the CLI latency case; a full-size run replaces its section of
    bench/RESULTS.md (the other cases' figures stay as their last full run left them)."""
    sizes = QUICK if quick else FULL
    run = Run(quick, sizes)
    started = time.perf_counter()
    _measure_latency(run, WORK_DIR / ("quick" if quick else "full"))
    run.wall_seconds = time.perf_counter() - started
    if not quick:
        target = BENCH_DIR / "RESULTS.md"
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        target.write_text(report.splice_latency(old, report.latency_section(run)),
                          encoding="utf-8")
        print(f"结果已写入 {target}")
    for line in run.failed:
        print(f"出错：{line}")
    return 1 if run.failed else 0


def real_only(quick: bool) -> int:
    """`--real`: only the real-path cases (bench/real_run.py); a full-size run replaces their
    section of bench/RESULTS.md (the other cases' figures stay as their last full run left them)."""
    sizes = QUICK if quick else FULL
    run = Run(quick, sizes)
    root = WORK_DIR / ("quick" if quick else "full")
    started = time.perf_counter()
    store_setup.make_template(root / "template.duckdb")
    real_run.measure_real(run, root)
    run.wall_seconds = time.perf_counter() - started
    part = real_run.section(run)
    if quick:
        target = WORK_DIR / "RESULTS-quick-real.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(part + "\n", encoding="utf-8")
    else:
        target = BENCH_DIR / "RESULTS.md"
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        target.write_text(real_run.splice(old, part), encoding="utf-8")
    print(f"结果已写入 {target}")
    for check in run.checks:
        print(f"{'✔' if check.agreed else '✘'} {check.name}：{check.detail}")
    for line in run.failed:
        print(f"出错：{line}")
    return 1 if run.failed else 0


# what `--issue17` leaves out: everything but case 3's floor, hand-written queries and compiled
# rule, and the sweeps (on a shared machine a whole run takes hours)
ISSUE17_SKIP = ("ingest", "monthly", "rules.python", "rules.compile_all", "demo.cli",
                "cli.latency", "real")


def issue17_only(quick: bool, repeat: int | None) -> int:
    """`--issue17`: case 3 and the sweeps side by side; a full-size run replaces the issue-17
    section of bench/RESULTS.md (the other cases' figures stay as their last full run left
    them)."""
    run = execute(quick, repeat, ISSUE17_SKIP)
    section = report.issue17_section(run)
    root = WORK_DIR / ("quick" if quick else "full")
    (root / "summary.json").write_text(
        json.dumps(report.summary(run), ensure_ascii=False, indent=1), encoding="utf-8")
    target = WORK_DIR / "RESULTS-issue17-quick.md" if quick else BENCH_DIR / "RESULTS.md"
    old = target.read_text(encoding="utf-8") if target.exists() and not quick else ""
    target.write_text(report.splice_issue17(old, section), encoding="utf-8")
    print(section)
    print(f"结果已写入 {target}")
    for line in run.failed:
        print(f"不一致或出错：{line}")
    return 1 if run.failed else 0


# what `--sweep-only` leaves out: every case but the two sweeps (case 4)
SWEEP_ONLY_SKIP = ("rules.compile_all", "demo.cli", "cli.latency", "real")


def sweep_only(quick: bool, repeat: int | None) -> int:
    """`--sweep-only`: the Tongshun and the Yangtze–Han sweeps (10,000 scenarios ÷ 1) side by
    side, in minutes instead of `--issue17`'s hour; written to bench/work/, for the reading."""
    sizes = QUICK if quick else FULL
    if repeat is not None:
        sizes = Sizes(**{**sizes.as_dict(), "repeat": repeat})
    run = Run(quick, sizes, SWEEP_ONLY_SKIP)
    root = WORK_DIR / ("quick" if quick else "full")
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    store_setup.make_template(root / "template.duckdb")
    _measure_once(run, root)
    run.wall_seconds = time.perf_counter() - started
    section = report.sweep_section(run, (load_before, os.getloadavg()[0]))
    target = WORK_DIR / ("RESULTS-sweep-quick.md" if quick else "RESULTS-sweep.md")
    target.write_text(section + "\n", encoding="utf-8")
    print(section)
    print(f"结果已写入 {target}")
    for line in run.failed:
        print(f"不一致或出错：{line}")
    return 1 if run.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="小规模运行，只检查各实现结果一致 (CI)")
    parser.add_argument("--repeat", type=int, default=None, help="每项重复次数（取中位数）")
    parser.add_argument("--skip", action="append", default=[], metavar="CASE",
                        help="跳过某项（demo、sweep、rules.compile_all、cli.latency、real；可重复）")
    parser.add_argument("--clean", action="store_true", help="先删除 bench/work/ 中生成的数据")
    parser.add_argument("--latency", action="store_true",
                        help="只运行 CLI 延迟一项；全量时更新 bench/RESULTS.md 中的该节")
    parser.add_argument("--real", action="store_true",
                        help="只运行真实路径一项（ecocomp run/settle/通报/工作簿）；"
                             "全量时更新 bench/RESULTS.md 中的该节")
    parser.add_argument("--issue17", action="store_true",
                        help="只运行案例 3（下限、两种手写查询、编译规则）与情景扫描；"
                             "全量时更新 bench/RESULTS.md 中的问题 17 一节")
    parser.add_argument("--sweep-only", action="store_true",
                        help="只运行两个情景扫描（10,000 个情景 ÷ 1 个，墙钟与 CPU 时间），"
                             "写入 bench/work/RESULTS-sweep.md")
    args = parser.parse_args(argv)
    if args.sweep_only:
        return sweep_only(args.quick, args.repeat)
    if args.latency:
        return latency_only(args.quick)
    if args.issue17:
        return issue17_only(args.quick, args.repeat)
    if args.real:
        return real_only(args.quick)
    root = WORK_DIR / ("quick" if args.quick else "full")
    if args.clean:
        shutil.rmtree(root, ignore_errors=True)
    skip = tuple("demo.cli" if s == "demo" else s for s in args.skip)
    run = execute(args.quick, args.repeat, skip)
    text = report.markdown(run)
    if any(name.startswith("real.") for name in run.once):
        text = real_run.splice(text, real_run.section(run))
    target = WORK_DIR / "RESULTS-quick.md" if args.quick else BENCH_DIR / "RESULTS.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    if "cli.latency" not in run.once and target.exists():
        text = report.keep_latency(target.read_text(encoding="utf-8"), text)
    target.write_text(text, encoding="utf-8")
    summary = report.summary(run)
    (root / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    print(report.table(run))
    print(f"结果已写入 {target}")
    for line in run.failed:
        print(f"不一致或出错：{line}")
    return 1 if run.failed else 0
