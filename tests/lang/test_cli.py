"""`ecocomp rules check` and `ecocomp rules compile` through the real console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ecocomp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ecocomp", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_check_default_folder_passes():
    result = ecocomp("rules", "check")
    assert result.returncode == 0, result.stderr
    assert "规则检查通过" in result.stdout


def test_check_bad_file_json_and_exit_status():
    result = ecocomp("rules", "check", "--json", "tests/lang/bad/overlap.rule")
    assert result.returncode != 0
    [item] = json.loads(result.stdout)
    assert item == {
        "file": "tests/lang/bad/overlap.rule",
        "line": 18,
        "col": 5,
        "message": item["message"],
    }
    assert item["message"].startswith("区间重叠")


def test_check_bad_file_shows_caret_without_traceback():
    result = ecocomp("rules", "check", "tests/lang/bad/unknown_name.rule")
    assert result.returncode == 2
    assert "tests/lang/bad/unknown_name.rule:15:12: 未知的名称“rewrad”" in result.stderr
    assert "            ^" in result.stderr and "Traceback" not in result.stderr


def test_compile_emits_each_stage():
    ast = json.loads(ecocomp("rules", "compile", "rules/daoguan.rule", "--emit", "ast").stdout)
    assert ast["header"]["id"] == "daoguan"
    plan = json.loads(ecocomp("rules", "compile", "rules/daoguan.rule", "--emit", "plan",
                              "--json").stdout)
    # daoguan's annual_class: cells, prm, grid, then the grain of `indicators` (section_class)
    assert [s["kind"] for s in plan[0]["stages"]][:4] == ["cells", "params", "grid", "grain"]
    assert plan[0]["grains"] == [{"value": "section_class", "column": "m_0",
                                  "params": ["indicators"]}]
    text = ecocomp("rules", "compile", "rules/daoguan.rule", "--emit", "plan").stdout
    assert text.startswith("rule annual_class (line 19)\ngrid: scenario × assessed section × year")
    refused = ecocomp("rules", "compile", "rules/daoguan.rule", "--json")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--json 只用于 --emit plan" in refused.stderr
    sql = ecocomp("rules", "compile", "rules/daoguan.rule", "--emit", "sql").stdout
    assert "-- rule annual_class" in sql and "ev_params" in sql
