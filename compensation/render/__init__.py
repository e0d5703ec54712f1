"""Outputs people use: the monthly bulletin, the district workbooks and the input template.

Public entry points: `render_bulletin`, `export_districts`, `export_template`. Each loads its module
on first use: the bulletin needs no openpyxl, the workbooks no jinja2 (see compensation/lazy.py).
"""

from compensation.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "bulletin": ["render_bulletin"],
    "template": ["export_template"],
    "workbook": ["export_districts"],
})
