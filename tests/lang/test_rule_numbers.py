"""Numbers written in rules fit the DECIMAL(38,12) the rules compute in, or are refused at check.

A 30-digit parameter used to pass `ecocomp rules check` and stop `ecocomp run` with
`内部错误：ConversionException` when the parameter table was filled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compensation.lang import check_file

RULE = (Path(__file__).resolve().parents[2] / "rules" / "daoguan.rule").read_text(encoding="utf-8")


def checked(tmp_path: Path, old: str, new: str) -> tuple[str, list]:
    text = RULE.replace(old, new, 1)
    assert text != RULE
    path = tmp_path / "daoguan.rule"
    path.write_text(text, encoding="utf-8")
    return text, check_file(path).diagnostics


@pytest.mark.parametrize("written", [
    "100000000000000000000000000元",    # 10^26 元: 27 digits
    "10000000000000000000000万",         # 10^22 万 = 10^26 元
    "1" + "0" * 400,
])
def test_a_parameter_beyond_26_digits_is_refused_where_it_is_written(tmp_path: Path,
                                                                     written: str) -> None:
    text, diags = checked(tmp_path, "annual_amount = 100万", f"annual_amount = {written}")
    first = diags[0]
    line = text.split("\n").index(f"  annual_amount = {written} negotiable") + 1
    assert (first.line, first.col) == (line, 19)  # "  annual_amount = " is 18 characters
    assert first.message.startswith(f"数值“{written}”太大")


def test_a_literal_beyond_26_digits_in_an_amount_is_refused(tmp_path: Path) -> None:
    text, diags = checked(tmp_path, "-> annual_amount    \"优于",
                          "-> 100000000000000000000000000元    \"优于")
    [d] = diags
    assert text.split("\n")[d.line - 1][d.col - 1:].startswith("100000000000000000000000000元")
    assert "太大" in d.message


@pytest.mark.parametrize("written", ["99999999999999999999999999元", "9999999999999999999999万"])
def test_the_largest_numbers_check(tmp_path: Path, written: str) -> None:
    # 10^26 − 1 元 (26 digits) and (10^22 − 1) 万 = 10^26 − 10^4 元: both below 10^26
    _, diags = checked(tmp_path, "annual_amount = 100万", f"annual_amount = {written}")
    assert diags == []
