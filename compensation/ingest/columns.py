"""Header names → column roles. One table of aliases per file type, Chinese and English."""

from __future__ import annotations

import re
import unicodedata

from compensation.quality.indicators import Indicator, resolve_indicator

SAMPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "section": ("section", "section_id", "断面", "断面名称", "断面编号", "断面代码", "监测断面",
                "站点", "站点名称", "点位", "点位名称"),
    "date": ("sampled_at", "date", "sample_date", "采样日期", "监测日期", "日期", "采样时间日期"),
    "time": ("time", "sample_time", "采样时间", "监测时间", "时间"),
    "indicator": ("indicator", "指标", "指标名称", "监测项目", "项目", "监测指标", "因子",
                  "parameter"),
    "value": ("value", "值", "监测值", "浓度", "结果", "监测结果", "测定值"),
    "unit": ("unit", "单位", "计量单位"),
    "detection_limit": ("detection_limit", "dl", "检出限"),
    "flag": ("flag", "标记", "标识", "数据标记", "数据标识"),
    "source": ("source", "来源", "数据来源"),
    "ignore": ("note", "notes", "remark", "备注", "说明", "序号", "no"),
}

SECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "section_id": ("section_id", "id", "断面编号", "断面代码"),
    "name": ("name", "断面名称", "名称"),
    "river": ("river", "河流", "所在河流"),
    "bank": ("bank", "岸别", "左右岸"),
    "water_body": ("water_body", "水体", "水体类型"),
    "role": ("role", "断面类型", "类型"),
    "party_id": ("party_id", "被考核方", "责任方"),
    "control_id": ("control_id", "对照断面", "入境对照断面"),
    "river_order": ("river_order", "顺序", "河流顺序"),
    "schemes": ("schemes", "所属方案", "方案"),
    "valid_from": ("valid_from", "启用日期", "生效日期"),
    "valid_to": ("valid_to", "停用日期", "失效日期"),
    "note": ("note", "备注", "说明"),
}

PARTY_COLUMNS: dict[str, tuple[str, ...]] = {
    "party_id": ("party_id", "id", "编号"),
    "name": ("name", "名称", "单位名称"),
    "kind": ("kind", "类型", "类别"),
    "note": ("note", "备注", "说明"),
    "label": ("label", "kind_label", "类型说明", "类别说明"),
}


def header_key(text: str) -> str:
    """Width-, case- and separator-insensitive key of a header."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"[\s\-_.·]+", "", folded)


def column_role(header: str, table: dict[str, tuple[str, ...]]) -> str | None:
    key = header_key(header)
    for role, aliases in table.items():
        if key in {header_key(a) for a in aliases}:
            return role
    return None


_TRAILING_BRACKET = re.compile(r"^(?P<name>.+?)\s*[(\[]\s*(?P<inner>[^()\[\]]*)\s*[)\]]\s*$")
_UNIT_HINTS = ("/", "℃", "°", "无量纲", "ntu", "m3")  # m3: 径流量(万m³) after NFKC


def indicator_header(header: str) -> tuple[Indicator | None, str | None]:
    """(indicator, unit written in the header or None): 氨氮(mg/L) → (NH3N, 'mg/L')."""
    folded = unicodedata.normalize("NFKC", header).strip()
    match = _TRAILING_BRACKET.match(folded)
    if match:
        inner = match["inner"].strip()
        looks_like_unit = any(h in inner.casefold() for h in _UNIT_HINTS)
        base = resolve_indicator(match["name"])
        if base is not None and looks_like_unit:
            return base, inner
        if base is not None and not looks_like_unit and resolve_indicator(folded) is None:
            return base, inner  # e.g. 氨氮(毫克) : an unknown unit, refused by the unit check
    whole = resolve_indicator(folded)
    return whole, None
