"""A grid's nets from one-group variations of an anchor point (exact when the groups separate).

With the swept parameters in groups that act on the nets apart (`separable.param_groups`), a
year's net is Σ_g F_g(values of group g) + K, so every grid point's net is
Σ_g net(anchor with group g's values) − (G − 1) · net(anchor), in exact Decimal. The query then
evaluates Σ_g Π(axis sizes in g) − G + 1 scenarios (199 for a 100 × 100 grid) instead of Π.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal

from compensation.scenario.grid import GridAxis, GridPoint

Nets = dict[str, dict[int, Decimal]]


def _key(indices: tuple[int, ...]) -> str:
    return "grp:" + ",".join(map(str, indices))


def variation_points(
    axes: list[GridAxis], groups: list[list[str]], on: Mapping[str, str] | None = None
) -> list[GridPoint]:
    """The anchor (every axis at its first value) and, for each group, every combination of its
    axes' values with the other axes at the anchor; each once."""
    position = {a.name: i for i, a in enumerate(axes)}
    seen: dict[str, GridPoint] = {}
    for group in groups:
        at = [position[n] for n in group]
        for combo in itertools.product(*(range(len(axes[i].texts)) for i in at)):
            indices = [0] * len(axes)
            for i, k in zip(at, combo, strict=True):
                indices[i] = k
            key = _key(tuple(indices))
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
    position = {a.name: i for i, a in enumerate(axes)}
    anchor = nets[_key((0,) * len(axes))]
    years = list(anchor)
    extra = {y: (len(groups) - 1) * anchor[y] for y in years}
    out: Nets = {name: dict(by_year) for name, by_year in nets.items()
                 if not name.startswith("grp:")}
    # per group: the positions it varies, and its variations' nets by their values there
    parts = []
    for group in groups:
        at = tuple(position[n] for n in group)
        by_combo = {}
        for combo in itertools.product(*(range(len(axes[i].texts)) for i in at)):
            indices = [0] * len(axes)
            for i, k in zip(at, combo, strict=True):
                indices[i] = k
            by_combo[combo] = nets[_key(tuple(indices))]
        parts.append((at, by_combo))
    combos = itertools.product(*(range(len(a.texts)) for a in axes))
    for point, combo in zip(points, combos, strict=True):
        found = [by_combo[tuple(combo[i] for i in at)] for at, by_combo in parts]
        out[point.name] = {y: sum(part[y] for part in found) - extra[y] for y in years}
    return out
