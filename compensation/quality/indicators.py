"""Indicator identities: one canonical code per monitored item, and the names people write for it.

Files arrive with Chinese names (氨氮), codes (NH3-N), HJ 525 codes (w21003), full-width characters
and units in the header (氨氮（mg/L）). `resolve_indicator` maps all of them to one `Indicator`, so
the samples table and the rules only ever see canonical codes (NH3N).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

ALIAS_FILE = "indicators.csv"

# A trailing bracketed unit in a column header, e.g. "氨氮(mg/L)", "水温（℃）", "pH(无量纲)".
_UNIT_SUFFIX = re.compile(
    r"[(\[]\s*(mg/l|μg/l|ug/l|℃|°c|个/l|mpn/l|无量纲|ntu|μs/cm|us/cm|ms/m|m3/s|m³/s|万m3|m3|m)\s*[)\]]$"
)
# Characters that people use interchangeably inside codes: NH3-N, NH3_N, NH3 N, COD.Mn.
_SEPARATORS = re.compile(r"[\s\-_.·]+")


@dataclass(frozen=True)
class Indicator:
    """One monitored item: canonical code, Chinese name, HJ 525 code, unit, assessment decimals."""

    code: str
    name_cn: str
    hj525: str
    unit: str
    decimals: int
    aliases: tuple[str, ...]


def normalize_name(text: str) -> str:
    """Width-, case- and space-insensitive key (NFKC folds full-width and subscripts: NH₃ → nh3)."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return _SEPARATORS.sub("", folded)


def _strip_unit(key: str) -> str:
    return _UNIT_SUFFIX.sub("", key)


@cache
def load_indicators() -> tuple[Indicator, ...]:
    """All indicators of the alias table, in file order."""
    text = (
        resources.files("compensation.quality")
        .joinpath("data")
        .joinpath(ALIAS_FILE)
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Indicator(
            code=row["code"],
            name_cn=row["name_cn"],
            hj525=row["hj525"],
            unit=row["unit"],
            decimals=int(row["decimals"]),
            aliases=tuple(a for a in row["aliases"].split(";") if a),
        )
        for row in rows
    )


@cache
def _index() -> dict[str, Indicator]:
    """Normalised name → indicator; two indicators claiming one name is a data error."""
    index: dict[str, Indicator] = {}
    for ind in load_indicators():
        for name in (ind.code, ind.name_cn, ind.hj525, *ind.aliases):
            key = normalize_name(name)
            other = index.get(key)
            if other is not None and other.code != ind.code:
                raise ValueError(f"alias {name!r} names both {other.code} and {ind.code}")
            index[key] = ind
    return index


def resolve_indicator(text: str) -> Indicator | None:
    """The indicator a name, code or HJ 525 code stands for, or None when it is not known."""
    if not text or not text.strip():
        return None
    key = normalize_name(text)
    index = _index()
    found = index.get(key)
    if found is None:
        found = index.get(_strip_unit(key))
    return found


def header_unit(text: str) -> str | None:
    """The unit written in brackets after a name ("砷(μg/L)" -> "μg/l"), lower-cased, or None.

    `resolve_indicator` ignores such a unit; a reader must compare it with `Indicator.unit`
    (μg/L is a thousand times mg/L).
    """
    match = _UNIT_SUFFIX.search(normalize_name(text))
    return match.group(1) if match else None


def indicator_by_code(code: str) -> Indicator:
    """The indicator of a canonical code (KeyError if the code is not canonical)."""
    for ind in load_indicators():
        if ind.code == code:
            return ind
    raise KeyError(code)


def known_codes() -> list[str]:
    """Canonical codes in table order, for error messages ("expected one of ...")."""
    return [ind.code for ind in load_indicators()]
