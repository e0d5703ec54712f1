"""The rule language: `rules/*.rule` → parse → check → plan → SQL over the `ev_*` tables.

Public entry points: `parse_file`, `check_paths`, `compile_file`, `prepare_run`,
`parse_value_text` and `validate_overlay` (for scenario files).
"""

from compensation.lang.check import check_file, check_paths
from compensation.lang.diagnostics import Diagnostic
from compensation.lang.parse import parse_file, parse_text
from compensation.lang.runtime import BASE_SCENARIO, prepare_run
from compensation.lang.scheme import (
    CompiledParam,
    CompiledRule,
    CompiledScheme,
    ParamVersion,
    compile_file,
)
from compensation.lang.units import ParamValue, parse_value_text, validate_overlay

__all__ = [
    "BASE_SCENARIO",
    "CompiledParam",
    "CompiledRule",
    "CompiledScheme",
    "Diagnostic",
    "ParamValue",
    "ParamVersion",
    "check_file",
    "check_paths",
    "compile_file",
    "parse_file",
    "parse_text",
    "parse_value_text",
    "prepare_run",
    "validate_overlay",
]
