"""Traces name the rule file the same way on every machine (no absolute checkout path)."""

from __future__ import annotations

import json
import shutil
from datetime import date

from helpers import AS_OF, RULES, add_sample, add_section, new_store

from compensation.lang import compile_file, prepare_run
from compensation.lang.compile import trace_path


def traces_from_checkout(tmp_path, checkout) -> list[str]:
    """Copy rules/ into `checkout`, compile by absolute path, run June 2022 on a fresh store."""
    shutil.copytree(RULES, checkout / "rules")
    path = (checkout / "rules" / "tongshun.rule").resolve()
    assert path.is_absolute()
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    for ind, v in (("COD", "25.0"), ("NH3N", "0.50"), ("TP", "0.10")):
        add_sample(con, "ts1", date(2022, 6, 10), ind, v)
    compiled = compile_file(path)
    prepare_run(con, compiled, date(2022, 6, 1), date(2022, 6, 1), AS_OF)
    sql = f"SELECT CAST(trace AS VARCHAR) FROM ({compiled.rules[0].sql})"
    out = [r[0] for r in con.execute(sql).fetchall()]
    con.close()
    return out


def test_two_checkouts_give_byte_identical_traces(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deeper" / "still").mkdir(parents=True)
    first = traces_from_checkout(tmp_path / "a", tmp_path / "a")
    second = traces_from_checkout(tmp_path / "b", tmp_path / "b" / "deeper" / "still")
    assert first == second and len(first) == 1
    assert json.loads(first[0])["file"] == "rules/tongshun.rule"


def test_trace_path_outside_a_rules_folder_is_the_file_name(tmp_path) -> None:
    assert trace_path(str(tmp_path / "x" / "mine.rule")) == "mine.rule"
    assert trace_path(str(tmp_path / "rules" / "examples" / "p1.rule")) == "rules/examples/p1.rule"
    assert trace_path("rules/daoguan.rule") == "rules/daoguan.rule"
