"""`ecocomp demo`: build a fresh demo database from `data/` as a list of named steps.

Later work adds steps (run, settle, bulletin, workbooks, scenarios) by appending to `STEPS`; each
step gets the open connection and the paths and returns one line saying what it did.

The database is built under a temporary name and moved into place only when every step succeeded,
so a failed demo never leaves a half-built database where the old one was. An existing file is
replaced only if an earlier `ecocomp demo` built it (meta key `built_by`): the demo never deletes
somebody's real database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from compensation.errors import EcocompError

if TYPE_CHECKING:  # imported where used: `ecocomp --help` reads DEFAULT_OUT_DIR without DuckDB
    import duckdb

DEFAULT_OUT_DIR = Path("demo-out")
DB_NAME = "ecocomp.duckdb"
BUILT_BY = "ecocomp demo"
DATA_ENV = "ECOCOMP_DATA_DIR"


def default_data_dir() -> Path:
    """`ECOCOMP_DATA_DIR`, else the repository's `data/` beside the package."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


@dataclass
class DemoContext:
    """What every step may use; steps record their results on `report`."""

    con: duckdb.DuckDBPyConnection
    data_dir: Path
    out_dir: Path
    db_path: Path
    report: DemoReport


@dataclass
class StepResult:
    name: str
    message: str


@dataclass
class DemoReport:
    """What the demo did, where its outputs are, and a short summary of the database."""

    db_path: Path
    out_dir: Path
    data_dir: Path
    steps: list[StepResult] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    sections_by_river: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    batches: int = 0
    months: int = 0
    first_month: date | None = None
    last_month: date | None = None
    # section_id -> (name, class 1..6 or None) for the latest month
    latest_classes: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @property
    def sections(self) -> int:
        return sum(self.sections_by_river.values())

    def class_counts(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for _, klass in self.latest_classes.values():
            counts[klass] = counts.get(klass, 0) + 1
        return counts

    def summary_lines(self) -> list[str]:
        """The summary in Chinese, as `ecocomp demo` prints it."""
        from compensation.quality.classify import class_label

        rivers = "，".join(f"{river} {n}" for river, n in self.sections_by_river.items())
        lines = [
            f"断面：{self.sections} 个（{rivers}）",
            f"样品记录：{self.samples} 条，来自 {self.batches} 个批次",
        ]
        if self.first_month and self.last_month:
            lines.append(f"月份：{self.first_month:%Y-%m} 至 {self.last_month:%Y-%m}，"
                         f"共 {self.months} 个月")
            counts = self.class_counts()
            parts = [f"{class_label(k)}类 {counts[k]} 个"
                     for k in sorted(k for k in counts if k is not None)]
            if None in counts:
                parts.append(f"无有效数据 {counts[None]} 个")
            lines.append(f"{self.last_month:%Y-%m} 断面水质类别：" + "，".join(parts))
            worse = [f"{name}（{class_label(k)}类）" for name, k in self.latest_classes.values()
                     if k is not None and k > 3]
            if worse:
                lines.append("劣于Ⅲ类：" + "、".join(worse))
        lines.append(f"输出目录：{self.out_dir}")
        lines.append(f"数据库：{self.db_path}")
        lines.extend(f"输出：{p}" for p in self.outputs)
        return lines


Step = Callable[[DemoContext], str]


def _csv_files(folder: Path, pattern: str = "*.csv") -> list[Path]:
    return sorted(folder.glob(pattern))


def step_load_registry(ctx: DemoContext) -> str:
    from compensation.ingest import load_parties, load_sections

    registry = ctx.data_dir / "registry"
    load_parties(ctx.con, registry / "parties.csv")
    load_sections(ctx.con, registry / "sections.csv")
    (parties,) = ctx.con.execute("SELECT count(*) FROM parties").fetchall()[0]
    (sections,) = ctx.con.execute("SELECT count(*) FROM sections").fetchall()[0]
    return f"{parties} 个相关方，{sections} 个断面（{registry}）"


def step_load_monitoring(ctx: DemoContext) -> str:
    from compensation.ingest import load_samples

    folder = ctx.data_dir / "monitoring"
    paths = _csv_files(folder) + sorted(folder.glob("*.xlsx"))
    if not paths:
        raise EcocompError(f"演示数据目录 {folder} 中没有监测数据文件（*.csv、*.xlsx）。")
    load_samples(ctx.con, paths)
    (rows,) = ctx.con.execute("SELECT count(*) FROM samples").fetchall()[0]
    return f"{len(paths)} 个文件，{rows} 条记录（{folder}）"


def step_load_corrections(ctx: DemoContext) -> str:
    from compensation.ingest import load_samples

    folder = ctx.data_dir / "corrections"
    paths = _csv_files(folder)
    if not paths:
        return "没有更正批次。"
    load_samples(ctx.con, paths)
    (superseded,) = ctx.con.execute(
        "SELECT count(*) FROM batches WHERE superseded_by IS NOT NULL").fetchall()[0]
    names = "、".join(p.name for p in paths)
    return f"{names}；{superseded} 个原批次的部分数值被取代（原值保留）"


def step_summarise(ctx: DemoContext) -> str:
    summarise(ctx.con, ctx.report)
    if ctx.report.last_month is None:
        return "数据库中没有监测数据"
    worse = sum(1 for _, k in ctx.report.latest_classes.values() if k is not None and k > 3)
    return f"最新月份 {ctx.report.last_month:%Y-%m}，劣于Ⅲ类的断面 {worse} 个"


def step_run_and_settle(ctx: DemoContext) -> str:
    """Every scheme, every year of the data, then a final settlement of each scheme-year; then the
    quarterly and June–May examples (rules/examples/), each complete year settled."""
    from compensation.engine.batch import run_and_settle_all, run_and_settle_examples, summary

    runs, settlements = run_and_settle_all(ctx.con)
    more_runs, more_settlements = run_and_settle_examples(ctx.con)
    return summary(runs + more_runs, settlements + more_settlements)


def step_documents(ctx: DemoContext) -> str:
    """The bulletin of the latest month (html, md) and the district workbooks of its year."""
    from compensation.render.latest import step_outputs

    return step_outputs(ctx)


def step_negotiation(ctx: DemoContext) -> str:
    """Tongshun: the baseline against a class III target and a 500万 amount, as xlsx and html."""
    from compensation.scenario import write_demo_comparison

    paths = write_demo_comparison(ctx.con, ctx.out_dir)
    ctx.report.outputs.extend(paths)
    return ("通顺河协议情景比较（基准、Ⅲ类目标、500万元）与谈判工作台："
            + "、".join(p.name for p in paths))


STEPS: list[tuple[str, Step]] = [
    ("载入登记表", step_load_registry),
    ("载入监测数据", step_load_monitoring),
    ("载入更正批次", step_load_corrections),
    ("汇总", step_summarise),
    ("核算与年度结算", step_run_and_settle),
    ("通报与工作簿", step_documents),
    ("谈判情景比较", step_negotiation),
]


def latest_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The as-of time that sees every loaded batch (the newest loaded_at)."""
    rows = con.execute("SELECT max(loaded_at) FROM batches").fetchall()
    return rows[0][0] or datetime.now()


def summarise(con: duckdb.DuckDBPyConnection, report: DemoReport) -> None:
    """Fill the summary: sections per river, samples, months and the latest month's classes."""
    report.sections_by_river = dict(con.execute(
        "SELECT river, count(*) FROM sections GROUP BY river "
        "ORDER BY min(CASE river WHEN '长江' THEN 1 WHEN '汉江' THEN 2 WHEN '通顺河' THEN 3 "
        "ELSE 4 END), river").fetchall())
    report.samples, report.batches = con.execute(
        "SELECT (SELECT count(*) FROM samples), (SELECT count(*) FROM batches "
        "WHERE kind = 'samples')").fetchall()[0]
    first, last, months = con.execute(
        "SELECT min(date_trunc('month', sampled_at)), max(date_trunc('month', sampled_at)), "
        "count(DISTINCT date_trunc('month', sampled_at)) FROM samples").fetchall()[0]
    report.first_month = first.date() if isinstance(first, datetime) else first
    report.last_month = last.date() if isinstance(last, datetime) else last
    report.months = months
    if report.last_month is None:
        return
    rows = con.execute(
        "SELECT s.section_id, s.name, c.class FROM sections s "
        "LEFT JOIN (SELECT section_id, class FROM monthly_section_class(?) WHERE period = ?) c "
        "USING (section_id) ORDER BY s.river, s.bank NULLS LAST, s.river_order, s.section_id",
        [latest_as_of(con), report.last_month],
    ).fetchall()
    report.latest_classes = {sid: (name, None if k is None else int(k)) for sid, name, k in rows}


# ---- building the database ---------------------------------------------------------------------


def _is_demo_database(path: Path) -> bool:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'built_by'").fetchall()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return bool(rows) and rows[0][0] == BUILT_BY


def _remove_database(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        if p.exists():
            p.unlink()


def _check_replaceable(db_path: Path) -> None:
    if db_path.exists() and not _is_demo_database(db_path):
        raise EcocompError(
            f"数据库 {db_path} 已存在且不是由 ecocomp demo 生成的，演示不会删除它；"
            f"请换用 --db 指定其他路径，或自行删除该文件后重试。"
            f"(refusing to replace a database the demo did not build)"
        )


def build_demo(
    out_dir: Path | None = None,
    db_path: Path | None = None,
    *,
    data_dir: Path | None = None,
    echo: Callable[[str], None] | None = None,
    steps: list[tuple[str, Step]] | None = None,
) -> DemoReport:
    """Delete and rebuild the demo database from `data/`, running every step in order."""
    from compensation.store import open_store, transaction

    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT_DIR
    db_path = Path(db_path) if db_path is not None else out_dir / DB_NAME
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    say = echo or (lambda _text: None)
    if not (data_dir / "registry" / "sections.csv").is_file():
        raise EcocompError(
            f"找不到演示数据目录 {data_dir}（应包含 registry/sections.csv）；"
            f"可用环境变量 {DATA_ENV} 指定。(demo data not found)"
        )
    _check_replaceable(db_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    building = db_path.with_name(db_path.name + ".building")
    _remove_database(building)
    report = DemoReport(db_path=db_path, out_dir=out_dir, data_dir=data_dir)
    con = open_store(building)
    try:
        with transaction(con):
            con.execute("INSERT OR REPLACE INTO meta VALUES ('built_by', ?)", [BUILT_BY])
        ctx = DemoContext(con, data_dir, out_dir, db_path, report)
        for number, (name, step) in enumerate(steps if steps is not None else STEPS, start=1):
            message = step(ctx)
            report.steps.append(StepResult(name, message))
            say(f"[{number}] {name}：{message}")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove_database(building)
        raise
    con.close()
    _remove_database(db_path)
    building.replace(db_path)
    return report
