"""Sample flags: the canonical codes, how people write them, and how documents show them.

One table for the whole project: ingest reads the words, rules name the codes (`flagged(no_flow)`),
bulletins and workbooks print the display words.
"""

from __future__ import annotations

# code -> the word documents print
FLAG_DISPLAY: dict[str, str] = {
    "no_flow": "断流",
    "ice": "结冰",
    "backwater": "顶托/回流",
    "fault": "仪器故障",
    "maintenance": "维护",
    "calibration": "校准",
    "over_range": "超量程",
    "anomaly": "异常(经审核)",
    "incident": "突发事件",
}

# a word written in a data cell or flag column -> its code
FLAG_ALIASES: dict[str, str] = {
    "断流": "no_flow", "干涸": "no_flow", "结冰": "ice", "冰封": "ice",
    "顶托": "backwater", "回流": "backwater", "仪器故障": "fault", "故障": "fault",
    "维护": "maintenance", "校准": "calibration", "超量程": "over_range", "异常": "anomaly",
    "突发事件": "incident",
}

FLAG_CODES = frozenset(FLAG_DISPLAY)

# the words offered in the input template's drop-down, one per code people meet in the field
TEMPLATE_FLAG_WORDS = ("断流", "结冰", "顶托", "仪器故障", "维护", "校准", "超量程")
