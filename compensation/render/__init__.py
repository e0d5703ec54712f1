"""Outputs people use: the monthly bulletin, the district workbooks and the input template.

Public entry points: `render_bulletin`, `export_districts`, `export_template`.
"""

from compensation.render.bulletin import render_bulletin
from compensation.render.template import export_template
from compensation.render.workbook import export_districts

__all__ = ["export_districts", "export_template", "render_bulletin"]
