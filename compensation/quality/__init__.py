"""Water-quality evaluation: GB 3838 classes, rounding, period means and indices (Python + SQL).

The SQL side lives in quality.sql (run by `init_store`): gb3838_limits, indicator_info,
indicator_class(), limit_of(), current_samples(as_of), monthly_values(as_of), annual_values(as_of),
daily_values(as_of), monthly_section_class(as_of), annual_section_class(as_of).
"""

from compensation.quality.classify import (
    class_code,
    class_colour,
    class_description,
    class_label,
    classify,
    parse_class,
    section_class,
)
from compensation.quality.indicators import Indicator, resolve_indicator
from compensation.quality.indices import (
    cpi,
    cwqi,
    evaluate_section,
    exceedance_multiple,
    main_pollutants,
)
from compensation.quality.means import Reading, period_mean, ph_mean
from compensation.quality.rounding import round_half_even, round_half_up
from compensation.quality.standards import decimals_of, limit

__all__ = [
    "Indicator",
    "Reading",
    "class_code",
    "class_colour",
    "class_description",
    "class_label",
    "classify",
    "cpi",
    "cwqi",
    "decimals_of",
    "evaluate_section",
    "exceedance_multiple",
    "limit",
    "main_pollutants",
    "parse_class",
    "period_mean",
    "ph_mean",
    "resolve_indicator",
    "round_half_even",
    "round_half_up",
    "section_class",
]
