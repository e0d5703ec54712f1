"""The table printed at the end and bench/RESULTS.md: machine, sizes, medians, ratios, growth."""

from __future__ import annotations

import math
import os
import platform
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import polars

from bench.cases import MEMORY_LIMIT
from bench.measure import Measurement

if TYPE_CHECKING:
    from bench.runner import Run

GROWTH_CASES = (
    ("ingest.engine_csv", "manual"), ("ingest.engine_parquet", "manual"),
    ("ingest.duckdb_csv", "manual"), ("ingest.duckdb_parquet", "manual"),
    ("monthly.engine", "auto"), ("monthly.hand_sql", "auto"),
    ("rules.compiled_amounts", "rule"), ("rules.compiled", "rule"),
    ("rules.hand_sql", "rule"), ("rules.hand_sql_old", "rule"), ("rules.python", "rule"),
    ("rules.floor", "rule"),
)
LABELS = {
    "ingest.engine_csv": ("1 导入", "ecocomp load_samples · CSV"),
    "ingest.duckdb_csv": ("1 导入", "DuckDB read_csv"),
    "ingest.engine_parquet": ("1 导入", "ecocomp load_samples · Parquet"),
    "ingest.duckdb_parquet": ("1 导入", "DuckDB read_parquet"),
    "monthly.engine": ("2 自动站月均值", "ecocomp monthly_values"),
    "monthly.hand_sql": ("2 自动站月均值", "手写 DuckDB 查询"),
    "rules.compiled_amounts": ("3 CPI 规则查询本身", "编译的规则 · 只读金额 (prepare_run + SQL)"),
    "rules.compiled": ("3 CPI 规则查询本身", "编译的规则 · 账目行含追溯 trace"),
    "rules.hand_sql": ("3 CPI 规则查询本身", "手写 DuckDB 查询（公平版）"),
    "rules.hand_sql_old": ("3 CPI 规则查询本身", "手写 DuckDB 查询（问题 17 之前的旧版）"),
    "rules.floor": ("3 CPI 规则查询本身", "下限：一次扫描 sum(value) GROUP BY"),
    "rules.python": ("3 CPI 规则查询本身", "Python 逐行 (Decimal)"),
    "sweep.one": ("4 情景扫描", "1 个情景（连同基准）"),
    "sweep.all": ("4 情景扫描", "全部情景（连同基准）"),
    "sweep.tongshun.one": ("4 通顺河情景扫描 2022–2024", "1 个情景（连同基准）"),
    "sweep.tongshun.all": ("4 通顺河情景扫描 2022–2024", "全部情景（连同基准）"),
    "rules.compile_all": ("编译", "rules/ 全部规则文件"),
    "demo.cli": ("7 ecocomp demo", "命令行端到端"),
}
# (numerator, denominator, goal or "")
RATIOS = {
    "ingest.engine_csv": ("ingest.duckdb_csv", ""),
    "ingest.engine_parquet": ("ingest.duckdb_parquet", ""),
    "monthly.engine": ("monthly.hand_sql", "≤ 1.5"),
    "rules.compiled_amounts": ("rules.hand_sql", "≤ 1.3"),
    "rules.compiled": ("rules.hand_sql", ""),
    "rules.python": ("rules.hand_sql", ""),
    "rules.hand_sql_old": ("rules.hand_sql", ""),
    "sweep.all": ("sweep.one", ""),
    "sweep.tongshun.all": ("sweep.tongshun.one", "≪ 100"),
}


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
            memory = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": memory,
            "os": platform.platform(), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "polars": polars.__version__}


def fitted_exponent(sizes: list[float], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(size): 1 is linear growth."""
    pairs = [(math.log(s), math.log(t)) for s, t in zip(sizes, seconds, strict=True) if t > 0]
    if len(pairs) < 2:
        return None
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    return sum((x - mx) * (y - my) for x, y in pairs) / sxx if sxx else None


def _largest(run: Run) -> dict[str, Measurement]:
    return {**run.points[-1].m, **run.once}


def _fmt(seconds: float | None) -> str:
    return "—" if seconds is None else (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}")


def _rows_for(run: Run, case: str) -> int:
    point = run.points[-1]
    if case.startswith("monthly"):
        return point.auto_rows
    if case.startswith(("rules.compiled", "rules.hand", "rules.python", "rules.floor")):
        return point.rule_rows or point.manual_rows
    if case.startswith("ingest"):
        return point.manual_rows
    return 0


def main_rows(run: Run) -> list[list[str]]:
    """One row per implementation at the largest size."""
    m = _largest(run)
    rows = []
    for case, (group, label) in LABELS.items():
        if case not in m:
            continue
        x = m[case]
        n = _rows_for(run, case)
        status = "ok" if x.ok else ("尚不可用" if x.status == "not_available" else "出错")
        rate = f"{n / x.median:,.0f}" if x.ok and n and x.median else ""
        ratio, goal = "", ""
        if case in RATIOS:
            other, goal = RATIOS[case]
            y = m.get(other)
            if x.ok and y is not None and y.ok and y.median:
                ratio = f"{x.median / y.median:.2f}"
        size = f"{n:,}" if n else (f"{x.rows} 个文件" if case == "rules.compile_all" and x.ok
                                   else "")
        runs = f" ({len(x.seconds)})" if x.ok and len(x.seconds) != run.sizes.repeat else ""
        median = (_fmt(x.median) + runs) if x.ok else "—"
        rows.append([group, label, size, median, rate, ratio, goal,
                     f"{x.peak_mb:.0f}", status if x.ok else f"{status}：{x.reason}"])
    return rows


def growth_rows(run: Run) -> list[list[str]]:
    """Medians at each factor and the fitted exponent."""
    rows = []
    for case, kind in GROWTH_CASES:
        sizes, seconds, cells = [], [], []
        for point in run.points:
            x = point.m.get(case)
            n = {"manual": point.manual_rows, "auto": point.auto_rows,
                 "rule": point.rule_rows or point.manual_rows}[kind]
            if x is not None and x.ok and x.median is not None:
                sizes.append(n)
                seconds.append(x.median)
                cells.append(_fmt(x.median))
            else:
                cells.append("—")
        exponent = fitted_exponent(sizes, seconds) if len(sizes) == len(run.points) else None
        rows.append([LABELS[case][0], LABELS[case][1], *cells,
                     "—" if exponent is None else f"{exponent:.2f}"])
    return rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


MAIN_HEADER = ["案例", "实现", "数据行数", "中位数 (s)", "行/秒", "比值", "目标", "峰值内存 MB",
               "状态"]


def table(run: Run) -> str:
    """Plain-text table for the terminal."""
    rows = [MAIN_HEADER, *main_rows(run)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(MAIN_HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def markdown(run: Run) -> str:
    """bench/RESULTS.md."""
    mach = machine()
    factors = [f"{p.factor}×" for p in run.points]
    s = run.sizes
    out = [
        "# 基准测试结果 Benchmark results",
        "",
        (f"由 `python -m bench{' --quick' if run.quick else ''}` 生成于 "
        f"{datetime.now():%Y-%m-%d %H:%M}，总耗时 {run.wall_seconds:.0f} 秒。"
        "数据为合成数据（固定种子，见 `bench/generate.py`）。"),
        "",
        "## 机器 Machine",
        "",
        *[f"- {k}: {v}" for k, v in mach.items()],
        "",
        "## 规模 Sizes",
        "",
        (f"- 手工监测网络：{s.sections:,} 个断面（每条链 {s.chain} 个，链首为对照断面，"
        f"其余以上游相邻断面为对照）× {s.years} 年 × 12 个月 × 8 项指标 = "
        f"{run.points[-1].manual_rows:,} 行"
        f"（{s.start_year} 年起；约 2% 的氨氮/总磷为未检出，0.2% 的断面月为断流）。"
        f"CPI 规则（2018-01 起执行）读其中 {max(s.start_year, 2018)}–"
        f"{s.start_year + s.years - 1} 年：{run.points[-1].rule_rows:,} 行（案例 3 的行数）。"),
        (f"- 自动站：{s.auto_sections:,} 个 × {s.auto_days} 天 × 每天 6 次 × 6 项 = "
        f"{run.points[-1].auto_rows:,} 行（约 1% 带仪器标记，10% 的站位于湖库）。"),
        (f"- 情景扫描：{s.sweep_sections} 个断面 × {s.sweep_months} 个月，"
        f"{s.sweep_scenarios:,} 个情景。"),
        (f"- 增长：{', '.join(factors)}（最大一档即上面的规模）。每项运行 {s.repeat} 次取中位数"
        "（单次超过 120 秒的只运行一次，表中以括号注明次数）；"
        "每次运行在独立子进程中进行，峰值内存为该进程的常驻内存高水位 (/proc VmHWM)；"
        f"每个 DuckDB 连接（引擎与对照实现）的内存上限与引擎相同：{MEMORY_LIMIT}"
        "（超出部分写入临时文件）。"),
        "- 计时只包含被测操作本身（不含解释器启动、建库与登记表导入）；demo 为整条命令的墙钟时间。",
        "",
        "## 结果 Results（最大规模）",
        "",
        _md_table(MAIN_HEADER, main_rows(run)),
        "",
        ("比值：导入 = ecocomp ÷ DuckDB 自带读取器；月均值 = 引擎 ÷ 手写查询；"
         "CPI = 编译规则（只读金额一行、含追溯 trace 一行）÷ 公平版手写查询，"
         "Python 行、旧版手写查询 = 它 ÷ 公平版手写查询（各实现与下限之比见下一节）；"
         "情景 = 全部情景 ÷ 1 个情景。"),
        "",
        floor_section(run),
        "",
        "## 增长 Growth（中位数秒；指数为 log 时间对 log 行数的最小二乘斜率，1 = 线性）",
        "",
        _md_table(["案例", "实现", *factors, "指数"], growth_rows(run)),
        "",
        *([latency_section(run), ""] if "cli.latency" in run.once else []),
        "## 一致性检查 Agreement",
        "",
        *[f"- {'✔' if c.agreed else '✘'} {c.name}：{c.detail}" for c in run.checks],
        "",
        *(["## 说明 Notes", "", *[f"- {n}" for n in run.notes], ""] if run.notes else []),
    ]
    return "\n".join(out)


FLOOR_CASES = ("rules.compiled_amounts", "rules.compiled", "rules.hand_sql", "rules.hand_sql_old",
               "rules.python")
FLOOR_GOAL = {"rules.compiled_amounts": 5.0}
FLOOR_BEGIN = "<!-- case3-floor: by python -m bench; the reading after it by hand -->"
FLOOR_END = "<!-- /case3-floor -->"


def floor_rows(run: Run) -> list[list[str]]:
    """Each implementation of case 3 against the floor (one pass over the same rows), measured
    in the same run at every growth factor."""
    rows = []
    for case in FLOOR_CASES:
        if not any(case in p.m for p in run.points):
            continue
        cells = []
        for point in run.points:
            x, f = point.m.get(case), point.m.get("rules.floor")
            if x is None or f is None or x.median is None or not f.median:
                cells.append("—")
            else:
                cells.append(f"{x.median / f.median:.2f}")
        goal = FLOOR_GOAL.get(case)
        met = ""
        if goal is not None and cells[-1] != "—":
            met = "是" if float(cells[-1]) <= goal else "否"
        rows.append([LABELS[case][1], *cells, f"≤ {goal:g}" if goal else "", met])
    return rows


def floor_section(run: Run) -> str:
    """Case 3 as ratios to its floor (issue 17 item 4), between markers."""
    floor = [p.m.get("rules.floor") for p in run.points]
    medians = " / ".join(_fmt(f.median) if f is not None and f.ok else "—" for f in floor)
    factors = [f"{p.factor}×" for p in run.points]
    return "\n".join([
        FLOOR_BEGIN,
        "## 3 CPI 规则与下限 Floor",
        "",
        ("下限 = 同一窗口的全部样品行（每项指标：规则的断流、结冰例外要看所有指标）一次扫描，"
        "按断面、月、指标求 sum(value)，物化为临时表（`bench/alt_sql.py` 的 `floor_sql`）；"
        f"与其他实现在同一次运行中测量，中位数 {medians} 秒（{'、'.join(factors)}）。"
        "表中为各实现的中位数 ÷ 下限。"),
        "",
        _md_table(["实现", *factors, "目标（最大规模）", "达到"], floor_rows(run)),
        FLOOR_END,
    ])


LATENCY_BEGIN = "<!-- cli-latency: by python -m bench [--latency]; the reading after it by hand -->"
LATENCY_END = "<!-- /cli-latency -->"


def _latency_rows(m: Measurement) -> list[list[str]]:
    rows = []
    for c in m.result.get("commands", []):
        goal = c["goal"]
        met = "" if goal is None else ("是" if c["ratio"] <= goal else "否")
        rows.append([f"`ecocomp {c['label']}`", f"{c['median']:.3f}", f"{c['bare_median']:.3f}",
                     f"{c['ratio']:.2f}", "" if goal is None else f"≤ {goal:g}", met])
    return rows


LATENCY_HEADER = ["命令", "中位数 (s)", "import duckdb 中位数 (s)", "比值", "目标", "达到"]


def latency_lines(m: Measurement) -> list[str]:
    """The latency table for the terminal."""
    if not m.ok:
        return [f"{m.status}：{m.reason}"]
    return ["  ".join(r) for r in _latency_rows(m)]


def latency_section(run: Run) -> str:
    """The "CLI latency" section of RESULTS.md, between markers so that `--latency` can replace
    it alone."""
    m = run.once.get("cli.latency")
    if m is None:
        return ""
    rounds = len(m.result.get("commands", [{}])[0].get("seconds", [])) if m.ok else 0
    load = m.result.get("load", [])
    body = (_md_table(LATENCY_HEADER, _latency_rows(m)) if m.ok
            else f"未能测量：{m.status}：{m.reason}")
    return "\n".join([
        LATENCY_BEGIN,
        "## 命令行延迟 CLI latency",
        "",
        f"由 `python -m bench{' --quick' if run.quick else ''}` 生成于 "
        f"{datetime.now():%Y-%m-%d %H:%M}，{rounds} 轮"
        "（之前另有一轮预热，不计：填满规则缓存和操作系统的文件缓存）。"
        "每个命令是一个完整的 `ecocomp` 进程，在演示数据库上（`ecocomp demo` 的数据，每个方案每月"
        "都已运行并结算）；每个命令之前紧挨着运行一次 `python -c \"import duckdb\"`，"
        "比值 = 命令的中位数 ÷ 本次全部裸启动的中位数。"
        f"机器：{machine()['cpu']}，{machine()['cores']} 核"
        + (f"；测量前后 1 分钟平均负载 {load[0]:.1f} / {load[1]:.1f}" if len(load) == 2 else "")
        + "。",
        "",
        body,
        LATENCY_END,
    ])


def splice_latency(text: str, section: str) -> str:
    """`text` with its latency section replaced by `section` (or put before the reading)."""
    return splice_between(text, LATENCY_BEGIN, LATENCY_END, section)


def splice_between(text: str, begin: str, end: str, section: str) -> str:
    """`text` with what stands from `begin` to `end` replaced by `section` (which carries its
    own markers), or `section` put before the reading when the markers are not there yet."""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + section + rest.split(end, 1)[1]
    return before_reading(text, section)


ISSUE17_BEGIN = "<!-- issue17: by python -m bench --issue17; the reading after it by hand -->"
ISSUE17_END = "<!-- /issue17 -->"
ISSUE17_CASES = ("rules.floor", "rules.hand_sql", "rules.hand_sql_old", "rules.compiled_amounts",
                 "rules.compiled")
SWEEP_PAIRS = (("sweep.tongshun.one", "sweep.tongshun.all", "≤ 5"), ("sweep.one", "sweep.all", ""))


def _median_cell(m: Measurement | None, repeat: int) -> str:
    if m is None:
        return "—"
    if not m.ok:
        return f"{m.status}：{m.reason}"[:80]
    return _fmt(m.median) + (f" ({len(m.seconds)})" if len(m.seconds) != repeat else "")


def issue17_rows(run: Run) -> list[list[str]]:
    """Case 3 at every factor: medians, and at the largest the ratio to the fair hand-written
    query and to the floor."""
    rows = []
    last = run.points[-1].m
    fair, floor = last.get("rules.hand_sql"), last.get("rules.floor")
    for case in ISSUE17_CASES:
        x = last.get(case)
        cells = [_median_cell(p.m.get(case), run.sizes.repeat) for p in run.points]
        ok = x is not None and x.median is not None
        to_fair = (f"{x.median / fair.median:.2f}" if ok and fair is not None and fair.median
                   else "")
        to_floor = (f"{x.median / floor.median:.2f}" if ok and floor is not None and floor.median
                    else "")
        rows.append([LABELS[case][1], f"{run.points[-1].rule_rows:,}", *cells, to_fair,
                     to_floor, f"{x.peak_mb:.0f}" if x is not None else ""])
    return rows


SWEEP_HEADERS = ["案例", "1 个情景 (s)", "全部情景 (s)", "比值", "CPU 1 个 / 全部 (s)", "CPU 比值",
                 "目标", "达到"]


def _cpu_ratio(one: Measurement | None, every: Measurement | None) -> tuple[str, str]:
    """The two runs' CPU medians and their ratio (CPU time is what a busy machine leaves fair)."""
    if one is None or every is None or not one.cpu_median or every.cpu_median is None:
        return "", ""
    return (f"{_fmt(one.cpu_median)} / {_fmt(every.cpu_median)}",
            f"{every.cpu_median / one.cpu_median:.2f}")


def sweep_rows(run: Run) -> list[list[str]]:
    rows = []
    for one_name, all_name, goal in SWEEP_PAIRS:
        one, every = run.once.get(one_name), run.once.get(all_name)
        ratio = ""
        if one is not None and every is not None and one.median and every.median is not None:
            ratio = f"{every.median / one.median:.2f}"
        met = "" if not goal or not ratio else ("是" if float(ratio) <= 5 else "否")
        rows.append([LABELS[one_name][0], _median_cell(one, run.sizes.repeat),
                     _median_cell(every, run.sizes.repeat), ratio, *_cpu_ratio(one, every),
                     goal, met])
    return rows


def sweep_section(run: Run, loads: tuple[float, float]) -> str:
    """`--sweep-only`: the two sweeps side by side (wall and CPU), with the machine's load."""
    return "\n".join([
        "## 情景扫描 Sweeps（`python -m bench --sweep-only`）",
        "",
        (f"生成于 {datetime.now():%Y-%m-%d %H:%M}，总耗时 {run.wall_seconds:.0f} 秒；"
         f"每项在独立子进程中运行 {run.sizes.repeat} 次取中位数；"
         f"1 分钟平均负载 开始 {loads[0]:.2f}、结束 {loads[1]:.2f}。"
         f"机器：{machine()['cpu']}，{machine()['cores']} 核。比值以墙钟为准，CPU 比值"
         "（进程 CPU 时间，含 DuckDB 各线程）在机器繁忙时更可比。"),
        "",
        _md_table(SWEEP_HEADERS, sweep_rows(run)),
        "",
        *[f"- {'✔' if c.agreed else '✘'} {c.name}：{c.detail}" for c in run.checks],
    ])


def issue17_section(run: Run) -> str:
    """Issue 17 items 3–5 measured side by side in one run, between markers."""
    factors = [f"{p.factor}×" for p in run.points]
    return "\n".join([
        ISSUE17_BEGIN,
        "## 问题 17：公平的手写基准、下限与情景扫描 Fair baseline, floor, sweeps",
        "",
        (f"由 `python -m bench --issue17{' --quick' if run.quick else ''}` 生成于 "
         f"{datetime.now():%Y-%m-%d %H:%M}，总耗时 {run.wall_seconds:.0f} 秒；"
         f"每项在独立子进程中运行 {run.sizes.repeat} 次取中位数（单次超过 120 秒的只运行一次，"
         "括号内为次数）；其余案例未运行，上文各节保持上次全量运行的数字。"
         f"机器：{machine()['cpu']}，{machine()['cores']} 核。"),
        "",
        "### 案例 3（规则查询本身）中位数 (s) 与比值",
        "",
        _md_table(["实现", "窗口内样品行", *factors, "÷ 公平手写（最大规模）",
                   "÷ 下限（最大规模）", "峰值内存 MB"], issue17_rows(run)),
        "",
        "目标：编译规则（只读金额）÷ 公平手写 ≤ 1.3；编译规则（只读金额）÷ 下限 ≤ 5。",
        "",
        "### 各实现 ÷ 下限（每档规模）",
        "",
        _md_table(["实现", *factors, "目标（最大规模）", "达到"], floor_rows(run)),
        "",
        "### 情景扫描：全部 10,000 个情景 ÷ 1 个情景",
        "",
        _md_table(SWEEP_HEADERS, sweep_rows(run)),
        "",
        "### 一致性",
        "",
        *[f"- {'✔' if c.agreed else '✘'} {c.name}：{c.detail}" for c in run.checks
          if not c.name.startswith(("导入", "自动站"))],
        *[f"- {n}" for n in run.notes],
        ISSUE17_END,
    ])


def splice_issue17(text: str, section: str) -> str:
    """`text` with its issue-17 section replaced by `section` (or put before the reading)."""
    return splice_between(text, ISSUE17_BEGIN, ISSUE17_END, section)


def before_reading(text: str, section: str) -> str:
    """`text` with `section` put before the hand-written reading (or at the end)."""
    marker = "\n## 读数"
    if marker in text:
        head, rest = text.split(marker, 1)
        return head.rstrip("\n") + "\n\n" + section + "\n" + marker + rest
    return text.rstrip("\n") + "\n\n" + section + "\n"


def keep_latency(old: str, new: str) -> str:
    """`new` with the latency section of `old` (a run that skipped `cli.latency` keeps the last
    measured one, with its reading)."""
    if LATENCY_BEGIN not in old or LATENCY_END not in old:
        return new
    section = LATENCY_BEGIN + old.split(LATENCY_BEGIN, 1)[1].split(LATENCY_END, 1)[0] + LATENCY_END
    reading = old.split(LATENCY_END, 1)[1].split("\n## ", 1)[0].strip("\n")
    return splice_latency(new, section + ("\n\n" + reading if reading else ""))


def summary(run: Run) -> dict[str, Any]:
    """Machine-readable outcome (the quick test reads it)."""
    every = {f"{p.factor}x/{k}": v for p in run.points for k, v in p.m.items()}
    every.update({f"once/{k}": v for k, v in run.once.items()})
    return {
        "quick": run.quick,
        "checks": [{"name": c.name, "agreed": c.agreed, "detail": c.detail} for c in run.checks],
        "cases": {k: {"status": v.status, "reason": v.reason, "median": v.median,
                      "peak_mb": v.peak_mb, "rows": v.rows} for k, v in every.items()},
        "failed": run.failed,
        "notes": run.notes,
    }
