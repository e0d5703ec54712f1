"""The plan stage: the SQL is written from the plan's stages, the plan records each loop's method
and the passes that applied, and its text and JSON forms say the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlglot

from compensation.lang.compile import plan_rule
from compensation.lang.emit_sql import emit_sql
from compensation.lang.options import CompileOptions
from compensation.lang.passes import share_repeated
from compensation.lang.plan import plan_text
from compensation.lang.scheme import checked, compile_uncached, plans

ROOT = Path(__file__).resolve().parents[2]
TONGSHUN = ROOT / "rules" / "tongshun.rule"
DAOGUAN = ROOT / "rules" / "daoguan.rule"


def cte_heads(sql: str) -> list[tuple[str, bool]]:
    """(name, materialised) of each CTE of a pretty-printed query, in order."""
    return [(m.group(1), bool(m.group(2)))
            for m in re.finditer(r"(?:^WITH |^\), )([a-z0-9_]+) AS (MATERIALIZED )?\($", sql,
                                 re.MULTILINE)]


def test_every_cte_is_a_stage_of_the_plan_in_its_order() -> None:
    compiled = compile_uncached(TONGSHUN)
    for plan, rule in zip(plans(TONGSHUN), compiled.rules, strict=True):
        assert cte_heads(rule.sql) == [(s.name, s.materialized) for s in plan.stages]
        assert cte_heads(rule.amounts_sql) == cte_heads(rule.sql)


def test_a_column_changed_in_the_plan_changes_the_emitted_sql() -> None:
    """Emission reads the plan: daoguan's annual_class adds `a = CAST(g.a_exc AS ...)` in its
    last row stage; replacing that column's expression in the plan shows in the SQL."""
    rf, scope = checked(DAOGUAN)
    plan = plan_rule(scope, rf.rules[0])
    last = plan.stages[-1]
    assert [c.name for c in last.columns] == ["a", "a_rev"]
    last.columns[0].node.set("this", sqlglot.parse_one("g.a_exc * 2", read="duckdb"))
    query, amounts = emit_sql(plan)
    assert "g.a_exc * 2 AS a" in query.sql(dialect="duckdb")
    assert "g.a_exc * 2 AS a" in amounts.sql(dialect="duckdb")


def test_the_plan_records_each_loops_method_and_the_passes_behind_it() -> None:
    """tongshun's monthly_share has one loop (section_class: max over the indicator list): driven
    from the values with every pass on, from the keys with none."""
    on = plans(TONGSHUN)[0]
    off = plans(TONGSHUN, CompileOptions.all_off())[0]
    assert [(lp.column, lp.func, lp.method) for lp in on.loops] == [("q2", "max", "values")]
    assert on.loops[0].passes == ["bind_costly", "values_loops"]
    assert [p.name for p in on.passes if p.stage == on.loops[0].stage] == [
        "bind_costly", "values_loops"]
    assert [lp.method for lp in off.loops] == ["keys"] and off.loops[0].passes == []
    assert off.passes == [] and off.passes_on == ()
    # the key table of the values-driven loop is a stage of its own, materialised
    keys = [s for s in on.stages if s.kind == "loop_keys"]
    assert [(s.name, s.materialized) for s in keys] == [("q2_keys", True)]


def test_share_repeated_compares_trees_not_text() -> None:
    """Equal calls are shared; a call that differs only in a literal's case is another value
    (the two texts differ too, but the key is the tree)."""
    cols = [(f"c{k}", sqlglot.parse_one(sql, read="duckdb")) for k, sql in enumerate([
        "ROUND_HALF_EVEN(g.r, 10) > 1", "CASE WHEN ROUND_HALF_EVEN(g.r, 10) > 2 THEN 'a' END",
        "EDIV(g.x, 'A') + EDIV(g.x, 'a')"])]
    shared, out = share_repeated(cols, lambda: "e3")
    assert [(c, e.sql(dialect="duckdb")) for c, e in shared] == [
        ("e3_0", "ROUND_HALF_EVEN(g.r, 10)")]
    assert [e.sql(dialect="duckdb") for _, e in out] == [
        "g.e3_0 > 1", "CASE WHEN g.e3_0 > 2 THEN 'a' END", "EDIV(g.x, 'A') + EDIV(g.x, 'a')"]


def test_the_text_and_json_forms_name_the_same_stages() -> None:
    plan = plans(DAOGUAN)[0]
    data = json.loads(json.dumps(plan.to_data(), ensure_ascii=False))
    text = plan_text(plan)
    names = [s["name"] for s in data["stages"]]
    assert names[:4] == ["cells", "prm", "grid", "s3"]
    assert [line.split()[0] for line in text.splitlines()
            if re.match(r"^  [a-z0-9_]+ \[", line)] == names
    assert plan_text(plans(DAOGUAN)[0]) == text  # planned again: the same text


def test_passes_lists_every_switch_once_in_order() -> None:
    from compensation.lang.options import PASSES
    from compensation.lang.passes import ACTS_ON, ORDER

    assert sorted(ORDER) == sorted(PASSES) and len(set(ORDER)) == len(ORDER)
    assert set(ACTS_ON) == set(PASSES)
    assert set(ACTS_ON.values()) == {"plan", "loop lowering"}
