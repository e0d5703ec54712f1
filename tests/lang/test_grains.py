"""Values computed at their coarsest grain: once per (section, period) and distinct combination of
the parameters they read, joined back to the scenario rows. Many scenarios in one query must give
exactly the lines each scenario gives alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import sqlglot
from helpers import AS_OF, RULES, add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file, prepare_run
from compensation.lang.hoist import Dependencies, measure_closure
from compensation.lang.passes import share_repeated
from compensation.lang.scheme import compile_uncached, plans
from compensation.lang.scope import Scope


def grains_of(path: Path, rule: str) -> dict[str, list[str]]:
    plan = next(p for p in plans(path) if p.rule == rule)
    return {g.value: list(g.params) for g in plan.grains}


def test_tongshun_grains_follow_the_parameters_each_value_reads() -> None:
    """section_class reads only the indicator list; meets_target adds the target; the let adds
    judge. The flags of the exception read no parameter at all. No value
    is computed per scenario row: the amounts (spreads of the sums) read annual/penalty amounts."""
    grains = grains_of(RULES / "tongshun.rule", "monthly_share")
    assert grains["section_class"] == ["indicators"]
    assert grains["meets_target"] == ["target", "indicators"]
    assert grains["compliant"] == ["target", "indicators", "judge"]
    assert grains["except 断流、结冰不考核"] == []
    assert not any("annual_amount" in p or "penalty_amount" in p for p in grains.values())


def test_yangtze_control_measure_and_ratio_do_not_read_the_band() -> None:
    """cpi_band's r reads cpi on both sections (cpi_class, cpi_indicators); the band enters only
    in the table, on the scenario rows, so sweeping the band recomputes no CPI."""
    grains = grains_of(RULES / "yangtze_han.rule", "cpi_band")
    assert grains["cpi"] == ["cpi_class", "cpi_indicators"]
    assert grains["control.cpi"] == ["cpi_class", "cpi_indicators"]
    assert grains["r"] == ["cpi_class", "cpi_indicators"]


def test_dependencies_mark_spread_and_amount_as_row_values() -> None:
    compiled = compile_uncached(RULES / "tongshun.rule")  # with its syntax tree (not cached)
    assert compiled.ast is not None
    scope = Scope.build(compiled.ast)
    deps = Dependencies(scope)
    rule = compiled.ast.rules[0]
    assert deps.of(rule.amount) is None  # spread(...): per scenario partition
    assert deps.of_measure("meets_target") == frozenset({"target", "indicators"})
    assert measure_closure(scope, ["meets_target"]) == ["section_class", "meets_target"]


def tongshun_store(tmp_path):
    """Two sections, June–August 2022. ts1: June COD 25.0 (class IV), July COD 35.0 (class V),
    August 12.0 (class I); ts2 always COD 18.0 (class III); NH3-N 0.50 (II), TP 0.10 (II)."""
    con = new_store(tmp_path)
    cod = {("ts1", 6): "25.0", ("ts1", 7): "35.0", ("ts1", 8): "12.0"}
    for sid in ("ts1", "ts2"):
        add_section(con, sid, "tongshun", party="xiantao")
        for month in (6, 7, 8):
            day = date(2022, month, 10)
            add_sample(con, sid, day, "COD", cod.get((sid, month), "18.0"))
            add_sample(con, sid, day, "NH3N", "0.50")
            add_sample(con, sid, day, "TP", "0.10")
    return con


def test_many_scenarios_at_once_give_each_scenarios_own_lines(tmp_path) -> None:
    """Eight scenarios over target × judge × amount in one query equal eight separate runs,
    line for line (amounts, parties, branches, reasons and traces)."""
    con = tongshun_store(tmp_path)
    scenarios = {
        f"{t}_{j}_{a}": {"target": t, "judge": j, "annual_amount": a}
        for t in ("III", "IV")
        for j in ("per_section", "all_sections")
        for a in ("120万", "300万")
    }
    together = run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 8, 1),
                         scenarios)
    for name, overlay in scenarios.items():
        alone = run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 8, 1),
                          {name: overlay})
        assert [r for r in together if r["scenario"] == name] == [
            r for r in alone if r["scenario"] == name
        ]
    # By hand, target IV per section, 120万 over the 14 section-months of June–December 2022
    # (the spread counts the whole agreement year): 120,000,000 fen / 14 = 8,571,428 r 8 → the
    # first 8 rows (June ts1 … September ts2) get one fen more. June ts1 is class IV (compliant):
    # 85,714.29 元 from 武汉 to 仙桃. July ts1 is class V (not compliant): the penalty share,
    # 300,000,000 fen / 14 = 21,428,571 r 6, July ts1 is row 3 → 214,285.72 元 from 仙桃 to 武汉.
    lines = {(r["period_start"], r["section_id"]): r
             for r in together if r["scenario"] == "IV_per_section_120万"}
    june, july = lines[(date(2022, 6, 1), "ts1")], lines[(date(2022, 7, 1), "ts1")]
    assert (june["payer"], june["payee"], june["amount"]) == ("wuhan_jkq", "xiantao",
                                                              D("85714.29"))
    assert (july["payer"], july["payee"], july["amount"]) == ("xiantao", "wuhan_jkq",
                                                              D("214285.72"))
    # all_sections under target III: in June ts1 (IV) fails, so ts2 (III) is not compliant either.
    lines3 = {(r["period_start"], r["section_id"]): r
              for r in together if r["scenario"] == "III_all_sections_300万"}
    assert lines3[(date(2022, 6, 1), "ts2")]["payer"] == "xiantao"
    assert lines3[(date(2022, 8, 1), "ts2")]["payer"] == "wuhan_jkq"


def test_a_by_table_rounds_its_subject_once_per_row() -> None:
    """Each arm of `amount = by r:` compares r rounded half to even at 10 decimals, in four CASE
    columns (amount, branch, label, reversal). The rounding costs HUGEINT divisions and DuckDB
    does not share it across CASE arms, so the compiler computes it once in the layer before."""
    rule = next(r for r in compile_file(RULES / "yangtze_han.rule").rules if r.id == "cpi_band")
    assert rule.sql.count("ROUND_HALF_EVEN(g.l_0, 10)") == 1
    assert rule.sql.count("ROUND_HALF_EVEN(g.prm_2, 10)") == 1


def test_only_row_values_are_shared_not_calls_inside_a_subquery() -> None:
    """A call inside a subquery reads the subquery's own tables: moved to the layer before, its
    columns would not exist there. Only calls on the row's columns (g.*) are computed once."""
    exprs = [
        sqlglot.parse_one(
            "CASE WHEN EDIV(g.a, g.b) > 0 THEN (SELECT EDIV(v.x, 2) FROM t AS v) END",
            read="duckdb",
        ),
        sqlglot.parse_one("EDIV(g.a, g.b) + (SELECT EDIV(v.x, 2) FROM t AS v)", read="duckdb"),
    ]
    shared, out = share_repeated([("x", e) for e in exprs], lambda: "e1")
    assert [(c, e.sql(dialect="duckdb")) for c, e in shared] == [("e1_0", "EDIV(g.a, g.b)")]
    assert [e.sql(dialect="duckdb") for _, e in out] == [
        "CASE WHEN g.e1_0 > 0 THEN (SELECT EDIV(v.x, 2) FROM t AS v) END",
        "g.e1_0 + (SELECT EDIV(v.x, 2) FROM t AS v)",
    ]


def test_the_amounts_query_gives_the_same_rows_without_the_trace(tmp_path) -> None:
    """Scenario sweeps read `amounts_sql`: every column but the trace equal, line for line, and
    the trace's per-section values are not read at all."""
    con = tongshun_store(tmp_path)
    compiled = compile_file(RULES / "tongshun.rule")
    prepare_run(con, compiled, date(2022, 6, 1), date(2022, 8, 1), AS_OF,
                {"IV": {"target": "IV"}})
    order = "ORDER BY scenario, period_start, section_id, payer, payee"
    for rule in compiled.rules:
        full = con.execute(f"SELECT * EXCLUDE (trace) FROM ({rule.sql}) {order}").fetchall()
        amounts = con.execute(f"SELECT * EXCLUDE (trace) FROM ({rule.amounts_sql}) {order}"
                              ).fetchall()
        assert amounts == full and len(full) >= 6
        traces = con.execute(f"SELECT DISTINCT trace FROM ({rule.amounts_sql})").fetchall()
        assert traces == [(None,)]
        # the trace's per-section values are prepare_run's ev_trace_values (built once per run):
        # the traced query joins them, the amounts-only query does not read them
        assert "ev_trace_values" in rule.sql
        assert "ev_trace_values" not in rule.amounts_sql


def test_the_scenario_rows_are_materialised_before_values_are_joined_to_them() -> None:
    """With the grid of scenario rows left to the optimizer, DuckDB joined the value grains to the
    cells first and the scenarios after: a Tongshun sweep of 50 scenarios took 2.4 GB instead of
    0.2 GB. A MATERIALIZED grid keeps the joins in the order written."""
    for rule in compile_file(RULES / "tongshun.rule").rules:
        assert "grid AS MATERIALIZED (" in rule.sql and "grid AS MATERIALIZED (" in rule.amounts_sql
