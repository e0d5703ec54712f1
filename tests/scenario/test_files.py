"""Scenario files: known-bad inputs and their messages; the shipped files check against rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_support import REPO, write_scenario

from compensation.errors import EcocompError
from compensation.lang import compile_file
from compensation.scenario import list_scenarios, load_scenario

TONGSHUN = compile_file(REPO / "rules" / "tongshun.rule")
DAOGUAN = compile_file(REPO / "rules" / "daoguan.rule")
SHIPPED = REPO / "data" / "scenarios"


def _error(folder: Path, body: str, compiled=TONGSHUN, name: str = "bad") -> str:
    write_scenario(folder, name, body)
    with pytest.raises(EcocompError) as err:
        load_scenario(name, compiled, folder)
    return str(err.value)


def test_every_shipped_file_checks_against_its_scheme() -> None:
    files = list_scenarios(SHIPPED)
    names = {f.name for f in files}
    assert {"target_iii", "amount_500", "all_sections", "asymmetric", "proration"} <= names
    for f in files:
        compiled = compile_file(REPO / "rules" / f"{f.scheme}.rule")
        scenario = load_scenario(f.name, compiled, SHIPPED)
        assert scenario.overrides == f.overrides and f.description


def test_shipped_values() -> None:
    assert load_scenario("target_iii", TONGSHUN, SHIPPED).overrides == {"target": "III"}
    assert load_scenario("amount_500", TONGSHUN, SHIPPED).overrides == {
        "annual_amount": "500万", "penalty_amount": "500万"}


def test_not_negotiable(tmp_path: Path) -> None:
    text = _error(tmp_path, 'description = "改指标"\n[parameters]\nindicators = ["COD"]\n',
                  DAOGUAN)
    assert "参数“indicators”未标注 negotiable（可协商），情景不能修改它" in text
    assert f"情景文件 {tmp_path / 'bad.toml'} 第 3 行" in text


def test_unknown_parameter(tmp_path: Path) -> None:
    text = _error(tmp_path, 'description = "x"\n\n[parameters]\ntarget_class = "III"\n')
    assert "第 4 行" in text and "参数“target_class”在规则中不存在" in text
    assert "annual_amount" in text  # the known names are listed


def test_wrong_unit(tmp_path: Path) -> None:
    text = _error(tmp_path, 'description = "x"\n[parameters]\ntarget = "500万"\n')
    assert "参数“target”应为水质类别，但情景给出的“500万”是金额（元）" in text
    text = _error(tmp_path, 'description = "x"\n[parameters]\nannual_amount = "III"\n')
    assert "参数“annual_amount”应为金额（元）" in text
    text = _error(tmp_path, 'description = "x"\n[parameters]\nannual_amount = 500\n')
    assert "无量纲数" in text


def test_unknown_variant(tmp_path: Path) -> None:
    text = _error(tmp_path, 'description = "x"\n[parameters]\njudge = "majority"\n')
    assert "只能取 per_section | all_sections" in text


def test_shape_errors(tmp_path: Path) -> None:
    assert "缺少 description" in _error(tmp_path, '[parameters]\ntarget = "III"\n')
    text = _error(tmp_path, 'description = "x"\ntarget = "III"\n')
    assert "第 2 行：未知的键“target”" in text and "[parameters]" in text
    text = _error(tmp_path, 'description = "x"\n[parameters\n')
    assert "不是有效的 TOML" in text and "line 2" in text
    text = _error(tmp_path, 'description = "x"\n[parameters]\ntarget = true\n')
    assert "类型不对" in text


def test_scheme_mismatch(tmp_path: Path) -> None:
    text = _error(tmp_path, 'description = "x"\nscheme = "daoguan"\n[parameters]\n'
                            'annual_amount = "200万"\n')
    assert "是为方案 daoguan 写的，不能用于方案 tongshun" in text


def test_unknown_scenario_and_bad_stack(tmp_path: Path) -> None:
    with pytest.raises(EcocompError) as err:
        load_scenario("nope", TONGSHUN, SHIPPED)
    assert "找不到情景“nope”" in str(err.value) and "target_iii" in str(err.value)
    with pytest.raises(EcocompError) as err:
        load_scenario("target_iii++amount_500", TONGSHUN, SHIPPED)
    assert "情景写法" in str(err.value)


def test_stack_names_and_base() -> None:
    stacked = load_scenario("base+target_iii+amount_500", TONGSHUN, SHIPPED)
    assert stacked.name == "target_iii+amount_500"
    assert stacked.overrides == {"target": "III", "annual_amount": "500万",
                                 "penalty_amount": "500万"}
    assert load_scenario("base", TONGSHUN, SHIPPED).is_base
