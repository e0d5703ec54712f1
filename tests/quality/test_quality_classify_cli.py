"""`ecocomp classify`: text and JSON output, and the sentences for bad input."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from compensation.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["classify", *args])
    return result.exit_code, result.output


def test_text_output_says_the_rounding_and_the_limits() -> None:
    code, out = run("--indicator", "NH3-N", "--value", "1.006")
    assert code == 0
    assert out.splitlines() == [
        "氨氮（NH3N）1.006 mg/L，按评价位数 2 位修约（四舍六入五成双）为 1.01 mg/L。",
        "河流：Ⅳ类（轻度污染）。",
        "Ⅳ类限值：≤ 1.5 mg/L。",
        "超过Ⅲ类标准 0.01 倍。",
    ]


def test_json_shape() -> None:
    code, out = run("--indicator", "NH3-N", "--value", "1.006", "--json")
    assert code == 0
    data = json.loads(out)
    assert data == {
        "indicator": "NH3N",
        "name_cn": "氨氮",
        "unit": "mg/L",
        "value": 1.006,
        "rounded": 1.01,
        "decimals": 2,
        "water_body": "river",
        "class": "IV",
        "class_number": 4,
        "label": "Ⅳ",
        "description": "轻度污染",
        "limits": {"low": None, "high": 1.5},
        "exceedance_multiple": 0.01,
    }
    # exact decimal text: the rounded value keeps its assessment decimals
    assert '"rounded": 1.01' in out


@pytest.mark.parametrize(
    ("args", "expected_class", "rounded_text"),
    [
        (["-i", "NH3-N", "-v", "1.004"], "III", '"rounded": 1.00,'),
        (["-i", "TP", "-v", "0.2005"], "III", '"rounded": 0.200,'),
        (["-i", "TP", "-v", "0.2015"], "IV", '"rounded": 0.202,'),
        (["-i", "DO", "-v", "7.46"], "I", '"rounded": 7.5,'),
        (["-i", "TP", "-v", "0.200", "--water-body", "lake"], "V", '"rounded": 0.200,'),
        (["-i", "总磷", "-v", "0.201", "--water-body", "lake"], "劣V", '"rounded": 0.201,'),
        (["-i", "汞", "-v", "0.00005"], "I", '"rounded": 0.00005,'),
        (["-i", "w01018", "-v", "１５"], "I", '"rounded": 15.0,'),  # COD, full-width digits
    ],
)
def test_json_classes(args: list[str], expected_class: str, rounded_text: str) -> None:
    code, out = run(*args, "--json")
    assert code == 0
    assert json.loads(out)["class"] == expected_class
    assert rounded_text in out


def test_lake_column_in_text() -> None:
    code, out = run("-i", "TP", "-v", "0.3", "--water-body", "lake")
    assert code == 0
    assert "湖库：劣Ⅴ类（重度污染）。" in out
    assert "Ⅴ类限值：≤ 0.2 mg/L，不满足即为劣Ⅴ类。" in out


def test_item_without_classes() -> None:
    code, out = run("-i", "TN", "-v", "1.2", "--json")
    assert code == 0
    assert json.loads(out)["class"] is None
    code, out = run("-i", "TN", "-v", "1.2")
    assert "总氮在河流中不分水质类别" in out


def ecocomp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ecocomp", *args], capture_output=True, text=True, check=False)


def test_errors_are_one_sentence_with_exit_2() -> None:
    """Real processes: the console script prints the sentence, no traceback, exit status 2."""
    done = ecocomp("classify", "--indicator", "XYZ", "--value", "1")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "错误：未知指标“XYZ”（--indicator）；应为指标名称、代码或 HJ 525 编码之一："
    )
    assert "Traceback" not in done.stderr and done.stdout == ""

    done = ecocomp("classify", "--indicator", "氨氮", "--value", "abc")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "错误：数值“abc”（--value）不是有效的十进制数，应为如 1.006 的数字"
        "（未检出请按检出限的一半计入均值后再分类）。(value 'abc' is not a number)"
    )


def test_negative_and_non_finite_values() -> None:
    result = CliRunner().invoke(cli, ["classify", "-i", "COD", "-v", "-1"])
    assert result.exit_code != 0
    assert "为负数" in str(result.exception)
    result = CliRunner().invoke(cli, ["classify", "-i", "COD", "-v", "NaN"])
    assert "不是有效的十进制数" in str(result.exception)


def test_water_body_must_be_river_or_lake() -> None:
    code, out = run("-i", "TP", "-v", "0.1", "--water-body", "sea")
    assert code == 2
    assert "sea" in out
