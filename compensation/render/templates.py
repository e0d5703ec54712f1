"""The jinja2 environments of the documents: templates live in the top-level `reports/` folder.

HTML autoescapes every value; Markdown passes every value through `md_escape` (a finalizer), so a
section named `a|b<script>` is text in both and no template can forget to escape it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from compensation.render import labels
from compensation.render.provenance import file_name

REPORTS_ENV = "ECOCOMP_REPORTS"


def reports_dir() -> Path:
    """`ECOCOMP_REPORTS` if set, else `reports/` beside the package (the repository layout)."""
    configured = os.environ.get(REPORTS_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "reports"


def _filters() -> dict:
    return {
        "wan": labels.format_wan,
        "signed_wan": lambda yuan: labels.format_wan(yuan, signed=True),
        "yuan": labels.format_yuan,
        "numeral": labels.class_numeral,
        "fill": labels.class_fill,
        "ink": labels.class_text_colour,
        "index": labels.format_index,
        "ratio": labels.format_ratio,
        "month_label": labels.month_label,
        "day_label": labels.day_label,
        "file_name": file_name,
        "bank": lambda bank: labels.BANK_LABELS.get(bank or "", ""),
    }


@lru_cache(maxsize=4)
def environment(kind: str) -> jinja2.Environment:
    """'html' (autoescape) or 'md' (every value through md_escape)."""
    loader = jinja2.FileSystemLoader(str(reports_dir()))
    if kind == "html":
        env = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True,
        )
    else:
        env = jinja2.Environment(
            loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
            finalize=labels.md_escape, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    env.filters.update(_filters())
    return env
