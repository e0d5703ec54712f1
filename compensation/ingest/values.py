"""Parsing cell texts that SQL cannot judge alone: dates in people's formats, flag words, units,
numbers in exponent notation. Each parser works on one distinct text; callers apply the result to
every row with that text by a join, so a million rows cost as many parses as distinct values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from compensation.quality.flags import FLAG_ALIASES, FLAG_CODES

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MIN_YEAR, MAX_YEAR = 1950, 2100
DATE_EXPECTED = "日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30）"

FLAG_WORDS = FLAG_ALIASES
FLAG_EXPECTED = ("标记词之一：断流、结冰、冰封、顶托、回流、仪器故障、维护、校准、超量程、"
                 "异常、突发事件")

_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_TIME = re.compile(
    r"(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2}(?:\.\d+)?))?\s*秒?"
)
_SERIAL = re.compile(r"\d{1,6}(?:\.\d+)?")


def fold(text: str) -> str:
    """Full-width to half-width, trimmed: what people type in Excel on a Chinese keyboard."""
    return unicodedata.normalize("NFKC", text).strip()


class DateProblem(ValueError):
    """A date text that cannot be a real sampling date; `expected` says what would be."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _time_of(text: str) -> dt.time:
    match = _TIME.fullmatch(text)
    if not match:
        raise DateProblem("时间，如 08:30 或 08:30:00")
    seconds = Decimal(match["S"] or 0)
    hour, minute = int(match["H"]), int(match["M"])
    if hour > 23 or minute > 59 or seconds >= 60:
        raise DateProblem("存在的时刻（时 0–23，分、秒 0–59）")
    return dt.time(hour, minute, int(seconds))


def _checked_date(year: int, month: int, day: int) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateProblem(f"{MIN_YEAR}–{MAX_YEAR} 年之间的日期")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateProblem(f"日历上存在的日期（{DATE_EXPECTED}）") from None


def _excel_serial(text: str) -> dt.datetime:
    days = Decimal(text)
    stamp = EXCEL_EPOCH + dt.timedelta(seconds=round(float(days) * 86400))
    _checked_date(stamp.year, stamp.month, stamp.day)
    return stamp


def parse_datetime(text: str, *, excel: bool = False) -> dt.datetime:
    """A sampling date (and optional time); Excel serial numbers only for xlsx cells."""
    text = fold(text)
    if excel and _SERIAL.fullmatch(text):
        return _excel_serial(text)
    match = _DATE.match(text) or _COMPACT.match(text)
    if not match:
        raise DateProblem(DATE_EXPECTED)
    day = _checked_date(int(match["y"]), int(match["m"]), int(match["d"]))
    rest = text[match.end():].strip().lstrip("T").strip()
    clock = _time_of(rest) if rest else dt.time()
    return dt.datetime.combine(day, clock)


def parse_sampled_at(date_text: str | None, time_text: str | None, *,
                     excel: bool = False) -> tuple[dt.datetime | None, str | None, str | None]:
    """(timestamp, None, None) or (None, which column is wrong 'date'|'time', expected)."""
    if date_text is None:
        if time_text is None:
            return None, "date", DATE_EXPECTED
        try:
            return parse_datetime(time_text, excel=excel), None, None
        except DateProblem as err:
            return None, "time", err.expected
    try:
        stamp = parse_datetime(date_text, excel=excel)
    except DateProblem as err:
        return None, "date", err.expected
    if time_text is None:
        return stamp, None, None
    folded = fold(time_text)
    try:
        if excel and _SERIAL.fullmatch(folded) and Decimal(folded) < 1:
            seconds = round(float(Decimal(folded)) * 86400)
            return stamp + dt.timedelta(seconds=seconds), None, None
        clock = _time_of(folded)
    except DateProblem:
        try:  # a full datetime in the time column (common in exports): must agree with the date
            full = parse_datetime(time_text, excel=excel)
        except DateProblem as err:
            return None, "time", err.expected
        if full.date() != stamp.date():
            return None, "time", f"与采样日期 {stamp.date()} 同一天的时间"
        return full, None, None
    return dt.datetime.combine(stamp.date(), clock), None, None


def parse_date(text: str, *, excel: bool = False) -> dt.date:
    """A date without time (registry validity dates)."""
    stamp = parse_datetime(text, excel=excel)
    if stamp.time() != dt.time():
        raise DateProblem("不带时刻的日期，如 2024-01-05")
    return stamp.date()


def flag_code(text: str) -> str | None:
    """The canonical flag code of a flag word (断流 → no_flow) or of a code itself."""
    folded = fold(text)
    if folded in FLAG_WORDS:
        return FLAG_WORDS[folded]
    lowered = folded.casefold().replace("-", "_").replace(" ", "_")
    if lowered in FLAG_CODES:
        return lowered
    for word, code in FLAG_WORDS.items():  # "断流（现场无水）" still says 断流
        if folded.startswith(word):
            return code
    return None


# The number spellings we read: ASCII digits after folding (１２.５ → 12.5), one optional sign, one
# optional decimal point, an optional exponent of at most 3 digits. No grouping of any kind: "1,234"
# is 1234 to a Chinese reader and 1.234 to a German one, "0,025" may be 0.025 or 25, so a separator
# (comma, underscore, apostrophe, space) is refused rather than guessed (docs/decisions.md).
_PLAIN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_GROUPED = re.compile(r"[+-]?[0-9.]*[0-9][0-9.,_' \u00a0\u202f\u2009]*[,_' \u00a0\u202f\u2009.]"
                      r"[0-9.,_' \u00a0\u202f\u2009]*[0-9]")
NUMBER_EXPECTED = "以小数点分隔小数、不带千位分隔符的数值，如 1234.5 或 0.025"
SEPARATOR_EXPECTED = (f"{NUMBER_EXPECTED}（逗号、下划线、撇号或空格可能是千位分隔符，也可能是小数"
                      "逗号，无法确定）")


def plain_decimal(text: str) -> Decimal | None:
    """An exact finite decimal from an unambiguous spelling (1e-05, ＋0.5, .5); None otherwise."""
    folded = fold(text)
    if not _PLAIN.fullmatch(folded):
        return None
    number = Decimal(folded)
    return Decimal(0).copy_sign(number) if number.is_zero() else number


def number_expected(text: str) -> str | None:
    """Why a would-be number is refused, when it looks like one written with separators."""
    folded = fold(text)
    if _GROUPED.fullmatch(folded) and not _PLAIN.fullmatch(folded):
        return SEPARATOR_EXPECTED
    return None


def decimal_text(number: Decimal) -> str:
    """Plain positional notation (no exponent), so SQL can cast it exactly."""
    return format(number, "f")


# Units as people write them → a canonical key; mass concentrations convertible to mg/L.
_UNIT_KEYS = {
    "mg/l": "mg/l", "毫克/升": "mg/l", "mg/dm3": "mg/l",
    "ug/l": "ug/l", "μg/l": "ug/l", "µg/l": "ug/l", "微克/升": "ug/l",
    "°c": "degc", "℃": "degc", "c": "degc", "摄氏度": "degc",
    "无量纲": "none", "-": "none", "—": "none", "无": "none", "ph": "none", "ph单位": "none",
    "个/l": "count/l", "mpn/l": "count/l",
    "m3/s": "m3/s", "m³/s": "m3/s", "立方米/秒": "m3/s",
    "m3": "m3", "m³": "m3", "立方米": "m3",
    "万m3": "1e4m3", "万m³": "1e4m3", "万立方米": "1e4m3",
    "μs/cm": "us/cm", "us/cm": "us/cm", "µs/cm": "us/cm",
    "ntu": "ntu",
}


def unit_key(text: str) -> str | None:
    folded = unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")
    folded = folded.replace("µ", "μ")
    return _UNIT_KEYS.get(folded) or _UNIT_KEYS.get(folded.replace("μ", "u"))


def unit_shift(found: str | None, indicator_unit: str) -> int | None:
    """Decimal places to shift a value written in `found` to the indicator's unit (0 = same unit,
    3 = µg/L → mg/L, -4 = 万m³ → m³); None when the unit does not fit the indicator (refuse,
    never guess)."""
    if found is None or not fold(found):
        return 0
    have, want = unit_key(found), unit_key(indicator_unit)
    if have is None or want is None:
        return None
    if have == want:
        return 0
    if have == "ug/l" and want == "mg/l":
        return 3
    if have == "1e4m3" and want == "m3":
        return -4  # 万m³: ×10⁴, exactly (a volume keeps its integer m³)
    return None
