"""Self-contained HTML reports of scenarios (jinja2 templates in reports/, charts inline SVG)."""

from __future__ import annotations

from pathlib import Path

from compensation.render.templates import environment
from compensation.scenario import charts
from compensation.scenario.compare import Comparison
from compensation.scenario.risk import RiskResult
from compensation.scenario.sweep import SweepResult


def _write(path: Path, template: str, **context: object) -> Path:
    html = environment("html").get_template(template).render(**context)
    path.write_text(html, encoding="utf-8")
    return path


def comparison_html(c: Comparison, path: Path) -> Path:
    chart = charts.yearly_bars(c.years, c.names, c.yearly)
    return _write(path, "scenario_compare.html.j2", c=c, chart=chart)


def sweep_html(r: SweepResult, path: Path) -> Path:
    return _write(path, "scenario_sweep.html.j2", r=r)


def risk_html(r: RiskResult, path: Path) -> Path:
    names = [row.scenario.name for row in r.rows]
    totals = [row.totals for row in r.rows]
    return _write(
        path, "scenario_risk.html.j2", r=r,
        boxes=charts.risk_boxes(names, totals), histograms=charts.risk_histograms(names, totals),
    )
