"""Water-quality evaluation: GB 3838 classes, rounding, period means and indices (Python + SQL).

The SQL side lives in quality.sql (run by `init_store`): gb3838_limits, indicator_info,
indicator_class(), limit_of(), current_samples(as_of), monthly_values(as_of), annual_values(as_of),
daily_values(as_of), monthly_section_class(as_of), annual_section_class(as_of).

Each public name loads its module on first use (`compensation/lazy.py`): a run reads only the
flag words, and importing every module (fractions, the indices) cost about 30 ms of CPU per
command. The function `classify` is imported from `compensation.quality.classify` (the name is
also that submodule's, which a lazy package cannot export).
"""

from compensation.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "classify": ["class_code", "class_colour", "class_description", "class_label", "parse_class",
                 "section_class"],
    "indicators": ["Indicator", "resolve_indicator"],
    "indices": ["cpi", "cwqi", "evaluate_section", "exceedance_multiple", "main_pollutants"],
    "means": ["Reading", "period_mean", "ph_mean"],
    "rounding": ["round_half_even", "round_half_up"],
    "standards": ["decimals_of", "limit"],
})
