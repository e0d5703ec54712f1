"""The real-path section of a benchmark run (issue 17 §1–2): the user's whole path beside the
rule's query alone for the same years, in one run, and the section of bench/RESULTS.md it writes.

Goals, as ratios and caps measured here: a whole one-year `ecocomp run` ≤ 2× the rule's query
alone (case 3's measurement for that year); every process of the path, the ten-year run included,
under the 3 GB memory cap. `--quick` runs it at the quick size and checks that the ledger's CPI
lines equal the rule's query alone, line for line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import compare, datasets
from bench.cases import MEMORY_LIMIT
from bench.config import GROWTH_FACTORS, REPO_DIR
from bench.measure import Measurement, measure

if TYPE_CHECKING:
    from bench.runner import Run

YEAR_GOAL = 2.0
MEMORY_CAP_BYTES = 3 * 10**9  # the whole process's goal (the engine's DuckDB cap is 2.5GB below it)
STEP_LIMIT_SECONDS = 300.0  # a document step still running then is stopped and reported so
BEGIN = "<!-- real-path: by python -m bench [--real]; the reading after it by hand -->"
END = "<!-- /real-path -->"


@dataclass(frozen=True)
class Span:
    """Years of one measurement and the names of its two cases."""

    first: int
    last: int

    @property
    def query(self) -> str:
        return f"real.query_{self.first}_{self.last}"

    @property
    def path(self) -> str:
        return f"real.path_{self.first}_{self.last}"


def spans(first: int, last: int) -> list[Span]:
    """The first year, and every year of the scheme in the data (2018–2025 of 2016–2025)."""
    out = [Span(first, first)]
    if last > first:
        out.append(Span(first, last))
    return out


def _scheme_years(run: Run) -> tuple[int, int]:
    """The yangtze_han years of the rule cases' data: from the scheme's start (2018) on."""
    s = run.sizes
    return max(s.start_year, datasets.RULE_SPAN_START.year), s.start_year + s.years - 1


def measure_real(run: Run, root: Path) -> None:
    """Measure the rule's query alone and the user's path for each span; check they agree."""
    sizes = run.sizes
    base = root / f"x{GROWTH_FACTORS[-1]}" / "manual"  # the rule cases' largest data
    template = root / "template.duckdb"
    manual = datasets.manual_data(base, sizes, template)
    scratch = root / "once" / "real"
    as_of = datetime.now().isoformat()
    print(f"— 真实路径：{manual.sections} 个断面，ecocomp 进程 run → settle → 通报 → 工作簿",
          flush=True)
    for span in spans(*_scheme_years(run)):
        out_query, out_path = scratch / f"{span.query}.parquet", scratch / f"{span.path}.parquet"
        job = {"db": str(manual.store), "repo": str(REPO_DIR), "as_of": as_of,
               "start": date(span.first, 1, 1).isoformat(),
               "last": date(span.last, 12, 1).isoformat(), "out": str(out_query)}
        run.once[span.query] = _named(measure("rules.compiled_amounts", job,
                                              scratch / span.query, 1), span.query)
        _progress(run.once[span.query])
        job = {"db": str(manual.store), "rules": str(REPO_DIR / "rules"),
               "work": str(scratch / span.path / "work"), "first": span.first,
               "last": span.last, "out": str(out_path), "memory_limit": MEMORY_LIMIT,
               "step_limit": STEP_LIMIT_SECONDS}
        run.once[span.path] = _named(measure("real.path", job, scratch / span.path, 1),
                                     span.path)
        _progress(run.once[span.path])
        if run.once[span.query].ok and run.once[span.path].ok:
            run.checks.append(compare.same_tables(
                f"真实路径 CPI 金额 {_years(span)}",
                {"规则查询": out_query, "ecocomp run 台账": out_path},
                ["section_id", "period"], ["amount"]))


def _named(m: Measurement, name: str) -> Measurement:
    m.case = name
    return m


def _years(span: Span) -> str:
    return f"{span.first}" if span.first == span.last else f"{span.first}–{span.last}"


def _progress(m: Measurement) -> None:
    if not m.ok:
        print(f"   {m.case:<28} {m.status}: {m.reason}", flush=True)
        return
    print(f"   {m.case:<28} {m.median:.1f} s  峰值内存 {m.peak_mb:.0f} MB", flush=True)
    for step in m.result.get("steps", []):
        print(f"      ecocomp {step['label']:<40} {step['seconds']:.1f} s  "
              f"{step['peak_mb']:.0f} MB{'  未完成，已停止' if step.get('stopped') else ''}",
              flush=True)


def _cpu(measured: dict[str, Any]) -> str:
    """CPU seconds of a step or of the query's measurement ("–" when not recorded)."""
    return f"{measured['cpu_seconds']:.1f}" if measured.get("cpu_seconds") else "–"


def _under_cap(peak_mb: float) -> str:
    return "是" if peak_mb * 1024 * 1024 <= MEMORY_CAP_BYTES else "否"


def section(run: Run) -> str:
    """The real-path section of RESULTS.md (between markers, so `--real` can replace it alone)."""
    rows, notes = [], []
    for span in spans(*_scheme_years(run)):
        query, path = run.once.get(span.query), run.once.get(span.path)
        if query is None or path is None:
            continue
        if not (query.ok and path.ok):
            bad = query if not query.ok else path
            notes.append(f"- {_years(span)}：未能测量：{bad.status}：{bad.reason}")
            continue
        rows.append(f"| {_years(span)} | 规则查询本身（prepare_run + CPI 规则只读金额，进程内计时）"
                    f" | {query.median:.1f} | {_cpu(query.result)} | {query.peak_mb:.0f} | "
                    f"{_under_cap(query.peak_mb)} |")
        for step in path.result["steps"]:
            seconds = (f"> {step['seconds']:.0f}（未完成，已停止）" if step.get("stopped")
                       else f"{step['seconds']:.1f}")
            rows.append(f"| {_years(span)} | `ecocomp {step['label']}` | {seconds} | "
                        f"{_cpu(step)} | {step['peak_mb']:.0f} | {_under_cap(step['peak_mb'])} |")
        first = path.result["steps"][0]
        ledger = path.result["ledger"]
        ratio = first["seconds"] / query.median if query.median else float("nan")
        goal = f"（目标 ≤ {YEAR_GOAL:g}：{'达到' if ratio <= YEAR_GOAL else '未达到'}）" \
            if span.first == span.last else ""
        by_cpu = (f"（CPU 时间：{first['cpu_seconds']:.1f} s ÷ {query.result['cpu_seconds']:.1f} s"
                  f" = {first['cpu_seconds'] / query.result['cpu_seconds']:.2f}）"
                  if first.get("cpu_seconds") and query.result.get("cpu_seconds") else "")
        notes.append(
            f"- {_years(span)}：整个 `ecocomp {first['label']}` 进程 {first['seconds']:.1f} s ÷ "
            f"规则查询本身 {query.median:.1f} s = **{ratio:.2f}**{goal}{by_cpu}；"
            f"台账 {ledger['lines']:,} 行（含追溯 {ledger['traced']:,} 行），"
            f"金额合计 {ledger['total']} 元；整条路径 {path.median:.1f} s。")
    header = ["| 年份 | 步骤 | 秒 | CPU 秒 | 峰值内存 MB | ≤ 3 GB |", "|---|---|---|---|---|---|"]
    table = "\n".join([*header, *rows])
    return "\n".join([
        BEGIN,
        "## 真实路径 Real path（issue 17）",
        "",
        (f"由 `python -m bench{' --quick' if run.quick else ''}` 生成于 "
         f"{datetime.now():%Y-%m-%d %H:%M}。在规则案例的同一份数据（{run.sizes.sections:,} 个断面）"
         "的副本上，依次运行用户实际运行的 `ecocomp` 进程：`run`（一年用 `--year`，多年用一次 "
         "`--years`），每年的 `settle`，最后一个月的通报（html）和最后一年的各区工作簿。"
         "每步为整个进程的墙钟时间（含解释器启动与退出）与 CPU 时间（用户 + 系统，各线程合计；"
         "机器上另有负载时墙钟变长，CPU 时间基本不变），"
         "峰值内存为该进程的 VmHWM（运行中轮询 /proc）；"
         f"DuckDB 内存上限 {MEMORY_LIMIT}。规则查询本身与案例 3 的做法相同（同一年份窗口）。"),
        "",
        table,
        "",
        *notes,
        END,
    ])


def splice(text: str, part: str) -> str:
    """`text` with its real-path section replaced by `part` (or put before the reading)."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + part + rest.split(END, 1)[1]
    marker = "\n## 读数"
    if marker in text:
        head, rest = text.split(marker, 1)
        return head.rstrip("\n") + "\n\n" + part + "\n" + marker + rest
    return text.rstrip("\n") + "\n\n" + part + "\n"
