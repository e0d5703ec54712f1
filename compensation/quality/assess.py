"""One value, assessed as a person asks for it: `ecocomp classify --indicator NH3-N --value 1.006`.

Parses the user's text (indicator alias, decimal number), rounds to the assessment decimals, and
describes the class with its limits. Bad input is one Chinese sentence (InputError, exit 2).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from compensation.errors import InputError
from compensation.quality.classify import (
    class_code,
    class_description,
    class_label,
    classify,
)
from compensation.quality.indicators import Indicator, load_indicators, resolve_indicator
from compensation.quality.indices import exceedance_multiple, format_number
from compensation.quality.rounding import round_half_even
from compensation.quality.standards import class_bounds, decimals_of, standard

WATER_BODY_CN = {"river": "河流", "lake": "湖库"}


@dataclass(frozen=True)
class ValueAssessment:
    """The class of one value of one indicator in one water body."""

    indicator: Indicator
    value: Decimal
    rounded: Decimal
    decimals: int
    water_body: str
    class_: int | None
    low: Decimal | None  # the class's limits: value must be >= low and <= high
    high: Decimal | None
    multiple: Decimal | None  # exceedance multiple vs class III (None when not applicable)

    def to_dict(self) -> dict[str, object]:
        """The `--json` shape; numbers as JSON numbers with their exact decimal text."""
        return {
            "indicator": self.indicator.code,
            "name_cn": self.indicator.name_cn,
            "unit": self.indicator.unit,
            "value": self.value,
            "rounded": self.rounded,
            "decimals": self.decimals,
            "water_body": self.water_body,
            "class": class_code(self.class_) if self.class_ else None,
            "class_number": self.class_,
            "label": class_label(self.class_) if self.class_ else None,
            "description": class_description(self.class_) if self.class_ else None,
            "limits": {"low": self.low, "high": self.high},
            "exceedance_multiple": self.multiple,
        }

    def to_json(self) -> str:
        return dumps_exact(self.to_dict())

    def to_text(self) -> str:
        """Lines for people, in Chinese."""
        ind = self.indicator
        unit = "" if ind.unit == "无量纲" else f" {ind.unit}"
        body = WATER_BODY_CN[self.water_body]
        lines = [
            (f"{ind.name_cn}（{ind.code}）{format_number(self.value)}{unit}，"
            f"按评价位数 {self.decimals} 位修约（四舍六入五成双）为 {self.rounded}{unit}。")
        ]
        if self.class_ is None:
            lines.append(f"{ind.name_cn}在{body}中不分水质类别（GB 3838-2002 表1）。")
            return "\n".join(lines)
        lines.append(f"{body}：{class_label(self.class_)}类（{class_description(self.class_)}）。")
        if self.class_ == 6:
            lines.append(f"Ⅴ类限值：{self._limit_text(5)}，不满足即为劣Ⅴ类。")
        else:
            lines.append(f"{class_label(self.class_)}类限值：{self._limit_text(self.class_)}。")
        if self.multiple is not None and self.multiple > 0:
            lines.append(f"超过Ⅲ类标准 {format_number(self.multiple)} 倍。")
        return "\n".join(lines)

    def _limit_text(self, class_: int) -> str:
        bounds = class_bounds(self.indicator, class_, self.water_body)
        assert bounds is not None
        low, high = bounds
        unit = "" if self.indicator.unit == "无量纲" else f" {self.indicator.unit}"
        if low is not None and high is not None:
            return f"{format_number(low)}～{format_number(high)}{unit}"
        if high is not None:
            return f"≤ {format_number(high)}{unit}"
        return f"≥ {format_number(low)}{unit}"  # type: ignore[arg-type]


def dumps_exact(data: dict[str, object]) -> str:
    """JSON with Decimals written as numbers in their exact decimal text (1.00 stays 1.00)."""
    marks: dict[str, str] = {}

    def encode(obj: object) -> object:
        if isinstance(obj, Decimal):
            key = f"\u0000{len(marks)}\u0000"
            marks[key] = format(obj, "f")
            return key
        raise TypeError(type(obj).__name__)

    text = json.dumps(data, ensure_ascii=False, default=encode)
    for key, number in marks.items():
        text = text.replace(json.dumps(key), number)
    return text


def parse_indicator(text: str) -> Indicator:
    found = resolve_indicator(text)
    if found is None:
        known = "、".join(f"{i.name_cn}({i.code})" for i in load_indicators())
        raise InputError(
            f"未知指标“{text}”（--indicator）；应为指标名称、代码或 HJ 525 编码之一：{known}。"
            f"(unknown indicator {text!r})"
        )
    return found


def parse_value(text: str) -> Decimal:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InputError(
            f"数值“{text}”（--value）不是有效的十进制数，应为如 1.006 的数字"
            f"（未检出请按检出限的一半计入均值后再分类）。(value {text!r} is not a number)"
        )
    if value < 0:
        raise InputError(f"数值“{text}”（--value）为负数，浓度与 pH 均不能为负。(negative value)")
    return value


def assess_value(
    indicator_text: str, value_text: str, water_body: str = "river"
) -> ValueAssessment:
    """Parse, round to the assessment decimals, classify and describe one value."""
    if water_body not in WATER_BODY_CN:
        raise InputError(f"水体类型“{water_body}”无效，应为 river（河流）或 lake（湖库）。")
    ind = parse_indicator(indicator_text)
    value = parse_value(value_text)
    decimals = decimals_of(ind)
    rounded = round_half_even(value, decimals)
    class_ = classify(ind, rounded, water_body)
    low = high = None
    if class_ is not None:
        bounds = class_bounds(ind, min(class_, 5), water_body)
        assert bounds is not None
        low, high = bounds
    multiple = None
    if standard(ind, water_body) is not None:
        multiple = exceedance_multiple(ind, rounded, water_body)
    return ValueAssessment(ind, value, rounded, decimals, water_body, class_, low, high, multiple)
