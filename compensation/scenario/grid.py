"""Sweep grids: `--param name=100万..600万/50万` (a range with its unit) or `--param name=III,IV`.

Values are parsed and checked by the rule language (`parse_value_text`, `validate_overlay`): only
negotiable parameters, the parameter's unit. The grid is the cartesian product of the axes, each
point a named overlay; all points go to `prepare_run` at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from compensation.errors import EcocompError
from compensation.lang import CompiledScheme, ParamValue, parse_value_text, validate_overlay
from compensation.lang.units import CLASS_NAMES, LITERAL_UNITS, MONEY, RATIO, Unit

MAX_POINTS = 200_000
TEN_THOUSAND = Decimal(10000)


def _plain(num: Decimal) -> str:
    return format(num.normalize(), "f")


def number_text(unit: Unit, num: Decimal) -> str:
    """A number in base units written back with a unit the rule language reads exactly."""
    if unit.dims == MONEY.dims:
        return f"{_plain(num)}元"
    if unit.dims == RATIO.dims:
        return f"{_plain(num * 100)}%"
    for literal, (lit_unit, factor) in LITERAL_UNITS.items():
        if lit_unit.dims == unit.dims and factor == 1:
            return f"{_plain(num)} {literal}"
    for literal, (lit_unit, factor) in LITERAL_UNITS.items():
        if lit_unit.dims == unit.dims:
            return f"{_plain(num / factor)} {literal}"
    return _plain(num)


def display(value: ParamValue) -> str:
    """Short label for a value: money in 万, ratios in %, classes as numerals."""
    if value.num is not None and value.unit.kind == "number":
        if value.unit.dims == MONEY.dims:
            return f"{_plain(value.num / TEN_THOUSAND)}万"
        return number_text(value.unit, value.num)
    if value.unit.kind == "class" and value.num is not None:
        return CLASS_NAMES[int(value.num)]
    return value.display()


@dataclass(frozen=True)
class GridAxis:
    """One swept parameter: the overlay texts and their labels, in order."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    numbers: tuple[Decimal | None, ...]
    unit: Unit


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets (`[COD, TP],[COD]` is two values)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "[［":
            depth += 1
        elif ch in "]］":
            depth -= 1
        if ch in ",，" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def _range_values(
    compiled: CompiledScheme, name: str, body: str, where: str
) -> list[ParamValue]:
    low_text, _, rest = body.partition("..")
    high_text, slash, step_text = rest.partition("/")
    if not slash or not low_text.strip() or not high_text.strip() or not step_text.strip():
        raise EcocompError(
            f"{where}：范围应写成 起点..终点/步长（如 100万..600万/50万）。(bad range)"
        )
    low = validate_overlay(compiled.params_by_name, {name: low_text.strip()}, where=where)[name]
    high = validate_overlay(compiled.params_by_name, {name: high_text.strip()}, where=where)[name]
    step = parse_value_text(step_text.strip())
    if low.num is None or high.num is None or low.unit.kind != "number":
        raise EcocompError(f"{where}：只有数值参数可以写范围。(ranges need a number)")
    if step.num is None or not (step.unit.dims == low.unit.dims or step.unit.zero):
        raise EcocompError(
            f"{where}：步长“{step_text.strip()}”的单位应与参数相同（{low.unit.describe()}）。"
            "(step unit)"
        )
    if step.num <= 0:
        raise EcocompError(f"{where}：步长应大于 0。(step must be positive)")
    if high.num < low.num:
        raise EcocompError(f"{where}：终点小于起点。(range end before start)")
    count = int((high.num - low.num) / step.num) + 1
    if count > MAX_POINTS:
        raise EcocompError(f"{where}：范围有 {count} 个取值，超过上限 {MAX_POINTS}。(too many)")
    return [ParamValue(low.unit, num=low.num + k * step.num) for k in range(count)]


def parse_axis(compiled: CompiledScheme, spec: str) -> GridAxis:
    """`name=a..b/step` or `name=v1,v2,...`, checked against the scheme's parameters."""
    where = f"--param {spec}"
    name, eq, body = spec.partition("=")
    name, body = name.strip(), body.strip()
    if not eq or not name or not body:
        raise EcocompError(
            f"{where}：应写成 参数=取值 或 参数=起点..终点/步长，"
            "如 annual_amount=100万..600万/50万 或 target=III,IV。(bad --param)"
        )
    if ".." in body:
        values = _range_values(compiled, name, body, where)
        texts = [number_text(v.unit, v.num) for v in values if v.num is not None]
    else:
        texts = _split_top(body)
        if any(not t for t in texts):
            raise EcocompError(f"{where}：取值列表中有空项。(empty value)")
        values = [validate_overlay(compiled.params_by_name, {name: t}, where=where)[name]
                  for t in texts]
    unit = compiled.params_by_name[name].unit
    return GridAxis(
        name, tuple(texts), tuple(display(v) for v in values),
        tuple(v.num if v.unit.kind == "number" else None for v in values), unit,
    )


def axes_from(
    compiled: CompiledScheme, grid: Sequence[str] | Mapping[str, Sequence[str] | str]
) -> list[GridAxis]:
    """Specs as strings (`name=...`), or a mapping name → spec body or list of value texts."""
    if isinstance(grid, Mapping):
        specs = [
            f"{k}={v if isinstance(v, str) else ','.join(str(x) for x in v)}"
            for k, v in grid.items()
        ]
    else:
        specs = list(grid)
    axes = [parse_axis(compiled, s) for s in specs]
    seen = [a.name for a in axes]
    dup = next((n for n in seen if seen.count(n) > 1), None)
    if dup:
        raise EcocompError(f"参数 {dup} 在 --param 中出现了不止一次。(parameter swept twice)")
    return axes


@dataclass(frozen=True)
class GridPoint:
    name: str
    labels: dict[str, str]
    overlay: dict[str, str]


def grid_points(axes: list[GridAxis], on: Mapping[str, str] | None = None) -> list[GridPoint]:
    """The cartesian product, each point stacked on `on` (a scenario's overrides; the axis wins)."""
    total = 1
    for axis in axes:
        total *= len(axis.texts)
    if total > MAX_POINTS:
        raise EcocompError(f"扫描网格共有 {total} 个情景，超过上限 {MAX_POINTS}。(grid too large)")
    points = []
    for combo in itertools.product(*(range(len(a.texts)) for a in axes)):
        labels = {a.name: a.labels[i] for a, i in zip(axes, combo, strict=True)}
        overlay = dict(on or {})
        overlay.update({a.name: a.texts[i] for a, i in zip(axes, combo, strict=True)})
        name = ",".join(f"{k}={v}" for k, v in labels.items())
        points.append(GridPoint(name, labels, overlay))
    return points
