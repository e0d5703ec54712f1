"""The rule language: `rules/*.rule` → parse → check → plan → SQL over the `ev_*` tables.

Public entry points: `parse_file`, `check_paths`, `compile_file` (cached, see `cache`; its
`CompileOptions` say which optimisation passes run), `prepare_run`, `parse_value_text` and
`validate_overlay` (for scenario files). Each name loads its module on first use: a run whose
rules come from the cache never imports lark or sqlglot.
"""

from compensation.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "cache": ["compile_file"],
    "check": ["check_file", "check_paths"],
    "compiled": ["CompiledParam", "CompiledRule", "CompiledScheme", "ParamVersion"],
    "diagnostics": ["Diagnostic"],
    "options": ["CompileOptions", "PASSES"],
    "parse": ["parse_file", "parse_text"],
    "runtime": ["BASE_SCENARIO", "prepare_run"],
    "units": ["ParamValue", "parse_value_text", "validate_overlay"],
})
