"""The stages of the compiler as text, for `ecocomp rules compile --emit` and the golden files.

The compiler is imported when `emit` runs: `ecocomp rules compile --help` lists STAGES without it.
"""

from __future__ import annotations

import json
from pathlib import Path

from compensation.errors import RuleError
from compensation.lang.options import ALL_ON, CompileOptions

STAGES = ("ast", "plan", "sql")


def emit(path: str | Path, stage: str, options: CompileOptions = ALL_ON,
         as_json: bool = False) -> str:
    """`ast`: the syntax tree (JSON); `plan`: each rule's plan (text, or JSON with `as_json`);
    `sql`: each rule's query; `options`: the optimisation passes on."""
    if stage not in STAGES:
        raise RuleError(f"未知的阶段“{stage}”；可选：{'、'.join(STAGES)}。(unknown stage)")
    if as_json and stage != "plan":
        raise RuleError("--json 只用于 --emit plan。(--json is for the plan only)")
    from compensation.lang.ast import to_data
    from compensation.lang.check import check_file
    from compensation.lang.plan import plan_text
    from compensation.lang.scheme import compile_uncached, plans

    if stage == "ast":
        checked = check_file(path)
        if checked.rf is None:
            raise RuleError("\n".join(d.render() for d in checked.diagnostics), checked.diagnostics)
        return json.dumps(to_data(checked.rf), ensure_ascii=False, indent=1)
    if stage == "plan":
        found = plans(path, options)
        if as_json:
            return json.dumps([p.to_data() for p in found], ensure_ascii=False, indent=1)
        return "\n\n".join(plan_text(p) for p in found)
    compiled = compile_uncached(path, options)
    parts = [
        f"-- rule {r.id} ({Path(r.file).name}:{r.line}) {r.title}\n{r.sql};" for r in compiled.rules
    ]
    return "\n\n".join(parts)
