"""A grid's nets from one-group variations of an anchor point (exact when the groups separate).

With the swept parameters in groups that act on the nets apart (`separable.param_groups`), a
year's net is Σ_g F_g(values of group g) + K, so every grid point's net is
Σ_g net(anchor with group g's values) − (G − 1) · net(anchor), in exact Decimal. The query then
evaluates Σ_g Π(axis sizes in g) − G + 1 scenarios (199 for a 100 × 100 grid) instead of Π.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal

from compensation.scenario.grid import GridAxis, GridPoint

Nets = dict[str, dict[int, Decimal]]
ByCombo = dict[tuple[int, ...], dict[int, Decimal]]


def _key(indices: tuple[int, ...]) -> str:
    return "grp:" + ",".join(map(str, indices))


def _variations(
    axes: list[GridAxis], at: tuple[int, ...]
) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """For each combination of the axes at positions `at`: (their value indices, every axis's
    value index with the others at the anchor's 0)."""
    for combo in itertools.product(*(range(len(axes[i].texts)) for i in at)):
        indices = [0] * len(axes)
        for i, k in zip(at, combo, strict=True):
            indices[i] = k
        yield combo, tuple(indices)


def _positions(axes: list[GridAxis], group: list[str]) -> tuple[int, ...]:
    names = [a.name for a in axes]
    return tuple(names.index(n) for n in group)


def variation_points(
    axes: list[GridAxis], groups: list[list[str]], on: Mapping[str, str] | None = None
) -> list[GridPoint]:
    """The anchor (every axis at its first value) and, for each group, every combination of its
    axes' values with the other axes at the anchor; each once."""
    seen: dict[str, GridPoint] = {}
    for group in groups:
        for _, indices in _variations(axes, _positions(axes, group)):
            key = _key(indices)
            if key not in seen:
                overlay = dict(on or {})
                overlay.update({a.name: a.texts[k] for a, k in zip(axes, indices, strict=True)})
                seen[key] = GridPoint(key, {}, overlay)
    return list(seen.values())


def compose(
    axes: list[GridAxis], groups: list[list[str]], points: list[GridPoint], nets: Nets
) -> Nets:
    """Every grid point's yearly nets (points in `grid_points` order, the product of the axes)
    from the variations' nets; the base is passed through."""
    anchor = nets[_key((0,) * len(axes))]
    years = list(anchor)
    extra = {y: (len(groups) - 1) * anchor[y] for y in years}
    out: Nets = {name: dict(by_year) for name, by_year in nets.items()
                 if not name.startswith("grp:")}
    # per group: the positions it varies, and its variations' nets by their values there
    parts: list[tuple[tuple[int, ...], ByCombo]] = []
    for group in groups:
        at = _positions(axes, group)
        parts.append((at, {combo: nets[_key(indices)] for combo, indices in _variations(axes, at)}))
    combos = itertools.product(*(range(len(a.texts)) for a in axes))
    for point, combo in zip(points, combos, strict=True):
        found = [by_combo[tuple(combo[i] for i in at)] for at, by_combo in parts]
        out[point.name] = {y: sum((part[y] for part in found), Decimal(0)) - extra[y]
                           for y in years}
    return out
