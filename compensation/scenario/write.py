"""Writing a result to `--out FILE.xlsx|FILE.html`, chosen by the file's suffix."""

from __future__ import annotations

from pathlib import Path

from compensation.errors import EcocompError
from compensation.scenario import html_report, workbook
from compensation.scenario.compare import Comparison
from compensation.scenario.risk import RiskResult
from compensation.scenario.sweep import SweepResult

Result = Comparison | SweepResult | RiskResult


def write_result(result: Result, path: Path) -> Path:
    """xlsx or html by suffix; anything else is a clear sentence, and nothing is written."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".html"):
        raise EcocompError(
            f"--out {path}：只支持 .xlsx 或 .html 文件，而不是“{path.suffix or '无后缀'}”。"
            "(output must be .xlsx or .html)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    if isinstance(result, Comparison):
        writer = workbook.comparison_workbook if suffix == ".xlsx" else html_report.comparison_html
    elif isinstance(result, SweepResult):
        writer = workbook.sweep_workbook if suffix == ".xlsx" else html_report.sweep_html
    else:
        writer = workbook.risk_workbook if suffix == ".xlsx" else html_report.risk_html
    try:
        writer(result, partial)  # type: ignore[arg-type]
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
