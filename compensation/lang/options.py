"""`CompileOptions`: which of the compiler's optimisations are on.

Each optimisation recognises a shape of the compiler's own SQL and emits a faster form of it; each
falls back to the plain form when its shape does not match. With a pass switched off the plain form
is emitted always, so a rule can be run both ways and the two compared row for row
(tests/lang/test_pass_equivalence.py). The default is every pass on: the shipped SQL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from compensation.errors import RuleError

# pass name → what it does (docs/rule-language.md lists the same names)
PASSES: dict[str, str] = {
    "values_loops": "a loop over the section's own period values driven from the values present "
                    "(loop_values.py), not from every (section, period, item) key",
    "limit_join": "limit(i, wb, k) inside a loop as a LEFT JOIN on gb3838_limits, not the "
                  "limit_of macro",
    "ediv6": "value(i) / limit(i, k) inside a loop by BIGINT division (ediv6), not ediv",
    "mean_count": "a loop's mean divides its exact sum by the count (ediv_count), not ediv of "
                  "both scaled to 1e-12 units; a mean of ediv6 terms sums them in 1e-12 units "
                  "(ediv6_u, mean_units)",
    "bind_costly": "each lookup (subquery, limit_of) inside a loop computed once in the layer "
                   "before its body, not inside the exact-division macros",
    "share_repeated": "an exact-arithmetic call written more than once in a stage computed once "
                      "in the stage before",
    "control_loops": "a loop on the section also covers the control sections, and the same loop "
                     "on the control joins that result instead of computing it again",
    "loop_from_root": "a loop that reads only the grid's columns grouped from the chain's first "
                      "CTE, not from the stage before it (materialised)",
    "spread_shared": "a spread whose total and weights read only parameters runs its windows "
                     "once per year and distinct parameter values (one representative scenario)",
}


@dataclass(frozen=True)
class CompileOptions:
    """One switch per pass in PASSES (True: the pass runs where its pattern matches)."""

    values_loops: bool = True
    limit_join: bool = True
    ediv6: bool = True
    mean_count: bool = True
    bind_costly: bool = True
    share_repeated: bool = True
    control_loops: bool = True
    loop_from_root: bool = True
    spread_shared: bool = True

    @classmethod
    def all_on(cls) -> CompileOptions:
        return cls()

    @classmethod
    def all_off(cls) -> CompileOptions:
        return cls(**dict.fromkeys(PASSES, False))

    @classmethod
    def only(cls, names: list[str] | tuple[str, ...]) -> CompileOptions:
        """The listed passes on, every other off; an unknown name is refused in one sentence."""
        unknown = [n for n in names if n not in PASSES]
        if unknown:
            raise RuleError(
                f"未知的优化“{'、'.join(unknown)}”；可选：{'、'.join(PASSES)}。"
                f"(unknown optimisation pass)"
            )
        return cls(**{n: n in names for n in PASSES})

    @classmethod
    def parse(cls, text: str) -> CompileOptions:
        """`--optimise values_loops,ediv6`: the comma-separated passes on (blanks ignored)."""
        return cls.only([n.strip() for n in text.split(",") if n.strip()])

    def on(self) -> list[str]:
        return [n for n in PASSES if getattr(self, n)]

    def key(self) -> str:
        """A stable text of the switches (the rule cache's key has it)."""
        return ",".join(f"{n}={int(getattr(self, n))}" for n in PASSES)


ALL_ON = CompileOptions.all_on()
assert {f.name for f in dataclasses.fields(CompileOptions)} == set(PASSES)
