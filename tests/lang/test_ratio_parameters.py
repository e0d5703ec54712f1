"""Parameters written as exact ratios (issue #18 item 8), amounts worked by hand.

GB 3838 (river): COD Ⅲ 20, Ⅳ 30 mg/L; NH3-N Ⅲ 1.0 mg/L.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.errors import EcocompError
from compensation.lang import check_paths
from compensation.lang.units import parse_value_text

EXAMPLE = RULES / "examples" / "ratio_parameters.rule"


def test_ratios_are_kept_exact_in_amounts_and_at_an_endpoint(tmp_path: Path) -> None:
    con = new_store(tmp_path)
    for sid, party in [("a", "hanyang"), ("b", "wuchang"), ("c", "qingshan")]:
        add_section(con, sid, "ratio_example", party=party)
    day = date(2020, 1, 6)
    for sid, cod, nh3n in [("a", "22.5", "0.50"), ("b", "22.6", "0.50"), ("c", "18.0", "1.20")]:
        add_sample(con, sid, day, "COD", cod)
        add_sample(con, sid, day, "NH3N", nh3n)
    rows = run_rules(con, EXAMPLE, date(2020, 1, 1), date(2020, 1, 1))
    lines = {(r["rule"], r["section_id"]): r for r in rows}
    # pool = 5,000,000 / 4 = 1,250,000; × 3/10 = 375,000.00
    # share: a, b are class Ⅳ (COD 22.5, 22.6 > 20) → 375,000; c NH3-N 1.20 is Ⅳ → 375,000
    for sid in "abc":
        assert lines[("share", sid)]["amount"] == D("375000.00")
    # cod_band, band = 1/8 = 0.125: a (22.5 − 20)/20 = 0.125 exactly, in (.., band] → 0;
    # b (22.6 − 20)/20 = 0.13 > 0.125 → 375,000; c (18 − 20)/20 < 0 → 0
    assert lines[("cod_band", "a")]["amount"] == 0
    assert lines[("cod_band", "a")]["branch"] == "(.., band]"
    assert lines[("cod_band", "b")]["amount"] == D("375000.00")
    assert lines[("cod_band", "c")]["amount"] == 0
    trace = lines[("share", "a")]["trace"]
    assert '"upstream_share":"0.300000000000"' in trace and '"pool":"1250000.000000000000"' in trace


def test_ratio_values_as_text_for_scenarios() -> None:
    assert parse_value_text("3/10").num == D("0.3")
    assert parse_value_text("1/1024").num == D("0.0009765625")
    assert parse_value_text("500万/4").num == D("1250000")
    assert parse_value_text("-1/8").num == D("-0.125")
    with pytest.raises(EcocompError, match="不是有限小数"):
        parse_value_text("1/3")
    with pytest.raises(EcocompError, match="超过 12 位小数"):
        parse_value_text("1/8192")  # 0.0001220703125: 13 places
    with pytest.raises(EcocompError, match="分母为0"):
        parse_value_text("3/0")
    with pytest.raises(EcocompError, match="两边都应为数值"):
        parse_value_text("III/2")


def test_a_non_terminating_ratio_is_refused_at_its_place(tmp_path: Path, monkeypatch) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("= 3/10 negotiable", "= 1/3 negotiable")
    (tmp_path / "third.rule").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "= 1/3 negotiable" in s)
    col = text.splitlines()[line - 1].index("1/3") + 1
    rendered = [d.render().splitlines()[0] for d in check_paths([Path("third.rule")])]
    assert rendered[0] == (
        f"third.rule:{line}:{col}: 参数值“1/3”不是有限小数，不能精确保存：参数只能取有限小数的比例"
        "（如 3/10）；请写出所需位数的小数并注明依据，或把除法写在规则的表达式里。"
        "(a ratio that does not terminate is refused)"
    )
