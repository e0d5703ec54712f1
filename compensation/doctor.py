"""`ecocomp doctor`: what the outputs depend on, one line each, with how to get what is missing.

Required (the exit status is 1 when one fails): Python and DuckDB versions, the declared Python
packages, readable and valid rule files, and a database that opens when one exists. Optional (said,
never failing): the database not created yet or busy, a CJK font for charts, Chromium for PDF,
LibreOffice for docx → PDF. Decision recorded in docs/decisions.md.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIN_PYTHON = (3, 11)
PACKAGE = "ecocomp"
SOFFICE = ("soffice", "libreoffice")


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it is fine, and how to get it if not."""

    name: str
    ok: bool
    detail: str
    required: bool = True
    fix: str = ""

    @property
    def line(self) -> str:
        mark = "正常" if self.ok else ("缺少" if self.required else "注意")
        text = f"[{mark}] {self.name}：{self.detail}"
        return f"{text}；{self.fix}" if self.fix and not self.ok else text


def check_python() -> Check:
    version = ".".join(str(n) for n in sys.version_info[:3])
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check("Python", ok, f"{version}（需要 ≥ {MIN_PYTHON[0]}.{MIN_PYTHON[1]}）",
                 fix="请安装 Python 3.11 或更新版本并重新创建虚拟环境")


def _requirements() -> list[str]:
    """Names of the run-time packages the installed ecocomp declares (extras left out)."""
    try:
        declared = importlib.metadata.requires(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    names = []
    for spec in declared:
        if "extra ==" in spec:
            continue
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec)
        if match:
            names.append(match.group(0))
    return names


def check_packages() -> Check:
    """Each declared package installed (DuckDB's version shown: the store's format follows it)."""
    missing = []
    for name in _requirements():
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    try:
        duckdb_version = importlib.metadata.version("duckdb")
    except importlib.metadata.PackageNotFoundError:
        duckdb_version = "未安装"
    detail = f"DuckDB {duckdb_version}"
    if missing:
        return Check("Python 包", False, f"{detail}；未安装：{'、'.join(missing)}",
                     fix="在仓库目录运行 pip install -e .")
    return Check("Python 包", True, f"{detail}；声明的依赖都已安装（{len(_requirements())} 个）")


def check_rules(rules_dir: Path | None) -> Check:
    from compensation.engine.schemes import default_rules_dir

    folder = default_rules_dir(rules_dir)
    fix = "用 --rules 或环境变量 ECOCOMP_RULES 指向规则目录（仓库的 rules/）"
    files = sorted(folder.glob("*.rule")) if folder.is_dir() else []
    if not files:
        return Check("规则文件", False, f"规则目录 {folder} 中没有 .rule 文件", fix=fix)
    from compensation.lang import check_paths

    problems = check_paths([str(p) for p in files])
    if problems:
        return Check("规则文件", False, f"{folder} 中有 {len(problems)} 个问题，第一个："
                     f"{problems[0].render()}", fix="用 ecocomp rules check 查看并修改")
    names = "、".join(p.stem for p in files)
    return Check("规则文件", True, f"{folder}：{names}，检查通过")


def check_database(db_path: str | None) -> Check:
    """Opens it read-only without waiting: a lock held by another process is reported, not waited
    for; a database not created yet is fine (the first command creates it)."""
    import duckdb

    from compensation.errors import StoreBusy
    from compensation.store import open_store, resolve_db_path

    path = resolve_db_path(db_path)
    if not path.exists():
        return Check("数据库", False, f"{path} 尚未建立", required=False,
                     fix="用 ecocomp init 建库，或 ecocomp demo 建演示库")
    try:
        con = open_store(path, read_only=True, wait=0)
    except StoreBusy:
        return Check("数据库", False, f"{path} 正被另一个进程写入（已加锁）", required=False,
                     fix="等它结束后再运行需要写入的命令；读命令会等待 ECOCOMP_LOCK_WAIT 秒")
    except duckdb.Error as err:
        first = str(err).splitlines()[0]
        return Check("数据库", False, f"{path} 无法打开：{first}",
                     fix="换用 --db 指定其他文件，或从备份恢复")
    try:
        runs, batches = con.execute(
            "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM batches)"
        ).fetchall()[0]
    except duckdb.Error:
        runs = batches = None
    finally:
        con.close()
    if runs is None:
        return Check("数据库", False, f"{path} 不是 ecocomp 数据库（没有 runs、batches 表）",
                     fix="用 --db 指定 ecocomp 数据库，或 ecocomp init 新建")
    return Check("数据库", True, f"{path}：{batches} 个数据批次，{runs} 次运行，未被占用")


def check_cjk_font() -> Check:
    from compensation.render.fonts import FONT_HINT, find_cjk_font

    font = find_cjk_font()
    if font is None:
        from matplotlib import get_cachedir

        return Check("图表中文字体", False, "未找到（图表照常生成，汉字可能显示为方框）",
                     required=False,
                     fix=f"{FONT_HINT}，然后删除 matplotlib 字体缓存 {get_cachedir()}")
    return Check("图表中文字体", True, font)


def check_chromium() -> Check:
    from compensation.render.pdf import find_chromium

    found = find_chromium()
    if found is None:
        return Check("Chromium（PDF 通报）", False, "未找到", required=False,
                     fix="apt-get install chromium，或设置 ECOCOMP_CHROMIUM 指向浏览器；"
                         "不装也可用 --format html 后在浏览器中打印")
    return Check("Chromium（PDF 通报）", True, found)


def check_libreoffice() -> Check:
    found = next((path for name in SOFFICE if (path := shutil.which(name))), None)
    if found is None:
        return Check("LibreOffice（docx 转 PDF）", False, "未找到（ecocomp 的输出不需要它）",
                     required=False,
                     fix="要把 docx 通报转成 PDF 查看时：apt-get install libreoffice-writer")
    return Check("LibreOffice（docx 转 PDF）", True, found)


def run_checks(db_path: str | None = None, rules_dir: Path | None = None) -> list[Check]:
    checks: list[Callable[[], Check]] = [
        check_python,
        check_packages,
        lambda: check_rules(rules_dir),
        lambda: check_database(db_path),
        check_cjk_font,
        check_chromium,
        check_libreoffice,
    ]
    return [check() for check in checks]


def exit_status(checks: list[Check]) -> int:
    """1 when something the core needs is missing, else 0 (optional items never fail)."""
    return 1 if any(c.required and not c.ok for c in checks) else 0
