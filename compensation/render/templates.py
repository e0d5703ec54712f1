"""The jinja2 environments of the documents: templates live in the top-level `reports/` folder.

HTML autoescapes every value; Markdown passes every value through `md_escape` (a finalizer), so a
section named `a|b<script>` is text in both and no template can forget to escape it.

The compiled templates are kept in the rule cache's folder (`templates-<kind>-<tag>`, the tag a
hash of this module and the jinja2 version, so changed options are another folder; jinja2 checks
each template's source itself): compiling the bulletin's template cost about 0.15 s of CPU in every
`ecocomp bulletin`. A folder that cannot be read or written only costs the compile.
"""

from __future__ import annotations

import hashlib
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


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """jinja2's file cache, for which an unreadable entry or an unwritable folder is a miss."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001  (truncated, foreign or unpicklable: compile anew)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache(kind: str) -> jinja2.BytecodeCache | None:
    from compensation.lang.cache import cache_dir

    root = cache_dir()
    if root is None:  # ECOCOMP_CACHE_DIR="" turns every cache off
        return None
    tag = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()
    return _QuietCache(str(root / f"templates-{kind}-{tag[:16]}"))


@lru_cache(maxsize=4)
def environment(kind: str) -> jinja2.Environment:
    """'html' (autoescape) or 'md' (every value through md_escape)."""
    loader = jinja2.FileSystemLoader(str(reports_dir()))
    cache = _bytecode_cache(kind)
    if kind == "html":
        env = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, bytecode_cache=cache,
        )
    else:
        env = jinja2.Environment(
            loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
            finalize=labels.md_escape, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, bytecode_cache=cache,
        )
    env.filters.update(_filters())
    return env
