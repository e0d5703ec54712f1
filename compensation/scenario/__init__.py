"""Negotiation scenarios: TOML overlays on a scheme's negotiable parameters, compared, swept and
simulated. What-ifs only: nothing is written to the ledger.

Public entry points: `load_scenario`, `compare`, `sweep`, `break_even`, `risk`, `write_result`,
`write_demo_comparison`.
"""

from compensation.scenario.compare import Comparison, compare
from compensation.scenario.demo import write_demo_comparison
from compensation.scenario.files import Scenario, list_scenarios, load_scenario
from compensation.scenario.risk import RiskResult, risk
from compensation.scenario.sweep import BreakEven, SweepResult, break_even, sweep
from compensation.scenario.write import write_result

__all__ = [
    "BreakEven",
    "Comparison",
    "RiskResult",
    "Scenario",
    "SweepResult",
    "break_even",
    "compare",
    "list_scenarios",
    "load_scenario",
    "risk",
    "sweep",
    "write_demo_comparison",
    "write_result",
]
