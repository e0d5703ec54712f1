"""The committed demo files agree with the public record (computed here, not by ecocomp)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"

IMPROVED = ["武汉关码头", "窑头", "喻家塆", "杨泗村", "武金堤渡口", "东兴洲村"]
DECLINED = ["老关村", "王家巷码头", "滠水入长江口", "东港村", "牛家村"]
ARCHITECTURE_PARTIES = {
    "city_treasury", "hannan", "hanyang", "jianghan", "jiangan", "huangpi", "xinzhou", "jiangxia",
    "hongshan", "wuchang", "qingshan", "donghu", "dongxihu", "caidian", "qiaokou", "wuhan_jkq",
    "xiantao", "tuanfeng",
}
MONTHS = [(y, m) for y in range(2018, 2025) for m in range(1, 13)]
CODES = {"COD", "CODMn", "NH3N", "TP", "TN", "DO", "BOD5", "pH"}


def band(r: Decimal) -> str:
    """The published bands, endpoints as in the 2017 text."""
    if r < Decimal("-0.1"):
        return "+100万"
    if r <= 0:
        return "+50万"
    if r <= Decimal("0.1"):
        return "-100万"
    return "-200万"


def r_against_control(files, name: str, year: int, month: int) -> Decimal:
    s = files.section(name)
    control = files.cpi(s["control_id"], year, month)
    return (files.cpi(s["section_id"], year, month) - control) / control


# ---- files say what they are -----------------------------------------------------------


def test_every_csv_says_synthetic_with_seed_and_generator_and_has_the_agreed_header() -> None:
    paths = sorted(DATA.glob("*/*.csv"))
    assert len(paths) == 10  # 2 registry, 7 yearly monitoring files, 1 correction
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        comments = [line for line in lines if line.startswith("#")]
        assert lines[: len(comments)] == comments, f"{path}: comments must come first"
        assert "合成数据" in comments[0] and "synthetic" in comments[0], path
        assert "seed 20180101" in comments[1] and "data/generate.py" in comments[1], path
        if path.parent.name in ("monitoring", "corrections"):
            assert lines[len(comments)] == "section,sampled_at,indicator,value,unit,flag", path


def test_wide_xlsx_has_chinese_headers_and_an_explanation_sheet() -> None:
    wb = openpyxl.load_workbook(DATA / "monitoring" / "hanjiang_2024.xlsx")
    assert wb.sheetnames == ["监测数据", "说明"]
    header = [c.value for c in wb["监测数据"][1]]
    assert header[:4] == ["断面名称", "采样日期", "化学需氧量(mg/L)", "高锰酸盐指数(mg/L)"]
    assert "氨氮(mg/L)" in header and "pH值" in header and len(header) == 10
    explanation = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row)
    assert "合成数据" in explanation and "示意" in explanation
    assert wb["监测数据"].max_row == 1 + 7 * 12  # 7 Han sections x 12 months


def test_generator_rewrites_every_file_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(DATA / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DATA) for p in DATA.rglob("*")
                       if p.is_file() and p.suffix in (".csv", ".xlsx"))
    assert written == committed
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel
    total = sum((DATA / rel).stat().st_size for rel in committed)
    assert total < 3_000_000


# ---- registry --------------------------------------------------------------------------


def test_registry_sections_of_the_three_schemes(demo_files) -> None:
    secs = demo_files.sections
    by_river: dict[str, list[dict[str, str]]] = {}
    for s in secs:
        by_river.setdefault(s["river"], []).append(s)
    assert {k: len(v) for k, v in by_river.items()} == {"长江": 13, "汉江": 7, "通顺河": 3,
                                                         "道观河": 1}
    left = [s["name"] for s in sorted(by_river["长江"], key=lambda s: int(s["river_order"]))
            if s["bank"] == "left"]
    right = [s["name"] for s in sorted(by_river["长江"], key=lambda s: int(s["river_order"]))
             if s["bank"] == "right"]
    assert left == [
        "水洪中心", "老关村", "王家巷码头", "武汉关码头", "滠水入长江口", "窑头", "喻家塆"
    ]
    assert right == ["王家湾", "杨泗村", "武金堤渡口", "东兴洲村", "东港村", "牛家村"]
    ids = {s["section_id"]: s for s in secs}
    for chain in (left, right):
        assert demo_files.section(chain[0])["role"] == "control"
        for upstream, name in zip(chain, chain[1:], strict=False):
            s = demo_files.section(name)
            assert s["role"] == "assessed"
            assert ids[s["control_id"]]["name"] == upstream
            assert "assumption" in s["note"]
    assert demo_files.section("滠水入长江口")["party_id"] == "jiangan"
    assert demo_files.section("老关村")["party_id"] == "hannan"
    assert demo_files.section("牛家村")["party_id"] == "donghu"
    assert "老官村" in demo_files.section("老关村")["note"]
    assert "确认" in demo_files.section("滠水入长江口")["note"]
    assert all("示意" in s["name"] for s in by_river["汉江"])
    assert [s["role"] for s in by_river["汉江"]].count("control") == 1
    for s in by_river["通顺河"]:
        assert (s["party_id"], s["schemes"], s["valid_from"]) == (
            "xiantao", "tongshun;tongshun_quarter", "2018-01-01")
        assert "2022-06-01" in s["note"]
    dg = by_river["道观河"][0]
    assert (dg["party_id"], dg["schemes"], dg["water_body"]) == (
        "tuanfeng", "daoguan;daoguan_agreement_year", "river")
    yangtze_han = {s["section_id"] for s in secs if s["schemes"] == "yangtze_han"}
    assert len(yangtze_han) == 20


def test_registry_parties_match_the_architecture_ids(demo_files) -> None:
    parties = {p["party_id"]: p for p in demo_files.parties}
    assert set(parties) == ARCHITECTURE_PARTIES
    assert parties["city_treasury"]["kind"] == "treasury"
    assert parties["tuanfeng"]["kind"] == "county"
    assert parties["xiantao"]["kind"] == "city"
    used = {s["party_id"] for s in demo_files.sections if s["party_id"]}
    assert used <= set(parties)


# ---- monitoring coverage ---------------------------------------------------------------


def test_one_sample_per_section_month_with_all_eight_indicators(demo_files) -> None:
    ids = [s["section_id"] for s in demo_files.sections]
    expected = {(sid, y, m) for sid in ids for (y, m) in MONTHS}
    assert set(demo_files.samples) == expected
    assert all(set(v) == CODES for v in demo_files.samples.values())


def test_non_detects_and_no_flow_months_are_present_outside_the_fact_windows(demo_files) -> None:
    texts = [(k, code, r.text) for k, row in demo_files.samples.items() for code, r in row.items()]
    assert any(t == "0.025L" and code == "NH3N" for _, code, t in texts)
    assert any(t == "<0.01" and code == "TP" for _, code, t in texts)
    no_flow = {k for k, _, t in texts if t == "断流"}
    assert len(no_flow) >= 2
    for sid, year, month in no_flow:
        assert not (sid.startswith("cj_") and (year, month) == (2018, 1))
        assert not (sid.startswith("ts_") and year == 2022 and month >= 6)
        assert not (sid == "dg_boundary" and year >= 2020)


# ---- the three facts -------------------------------------------------------------------


def test_yangtze_january_2018_six_improve_five_decline_with_varied_amounts(demo_files) -> None:
    bands = {}
    for name in IMPROVED + DECLINED:
        r = r_against_control(demo_files, name, 2018, 1)
        assert (r <= 0) == (name in IMPROVED), (name, r)
        # at least one percentage point away from 0 and from +-10%
        assert abs(r) >= Decimal("0.01") and abs(abs(r) - Decimal("0.1")) >= Decimal("0.01")
        bands[name] = band(r)
    assert {bands[n] for n in IMPROVED} == {"+50万", "+100万"}
    assert {bands[n] for n in DECLINED} == {"-100万", "-200万"}


def test_yangtze_january_2018_cpi_worked_by_hand(demo_files) -> None:
    # 水洪中心: COD 12.0, CODMn 2.4, NH3-N 0.20, TP 0.080 -> (0.6 + 0.4 + 0.2 + 0.4) / 4
    assert demo_files.cpi(demo_files.section("水洪中心")["section_id"], 2018, 1) == Decimal("0.4")
    # 老关村: (13.0/20 + 2.7/6 + 0.26/1 + 0.090/0.2) / 4 = 1.81 / 4 = 0.4525 -> r = +13.125%
    assert r_against_control(demo_files, "老关村", 2018, 1) == Decimal("0.13125")


def test_sheshui_january_2018_class_iii_on_cod_while_its_control_is_class_ii(demo_files) -> None:
    sheshui = demo_files.section("滠水入长江口")
    assert demo_files.section_class(sheshui["section_id"], 2018, 1) == 3
    worst = [c for c in ("COD", "CODMn", "NH3N", "TP", "BOD5", "DO", "pH")
             if demo_files.indicator_class(c, demo_files.value(sheshui["section_id"], 2018, 1, c))
             == 3]
    assert worst == ["COD"]
    assert demo_files.section_class(sheshui["control_id"], 2018, 1) == 2


def test_tongshun_class_iii_on_cod_nh3n_tp_every_month_june_to_december_2022(demo_files) -> None:
    for s in [s for s in demo_files.sections if s["river"] == "通顺河"]:
        for month in range(6, 13):
            klass = max(
                demo_files.indicator_class(c, demo_files.value(s["section_id"], 2022, month, c))
                for c in ("COD", "NH3N", "TP")
            )
            assert klass == 3, (s["name"], month)


def test_tongshun_2023_2024_mostly_class_iii_iv_with_a_few_failures(demo_files) -> None:
    classes = []
    for s in [s for s in demo_files.sections if s["river"] == "通顺河"]:
        for year in (2023, 2024):
            for month in range(1, 13):
                row = demo_files.samples[(s["section_id"], year, month)]
                if row["COD"].flag:
                    continue
                classes.append(max(
                    demo_files.indicator_class(c, demo_files.value(s["section_id"], year, month, c))
                    for c in ("COD", "NH3N", "TP")))
    worse_than_iv = sum(1 for k in classes if k > 4)
    assert 2 <= worse_than_iv <= 8
    assert sum(1 for k in classes if k in (3, 4)) >= len(classes) // 2


def test_daoguan_annual_mean_class_ii_every_year_with_some_class_iii_months(demo_files) -> None:
    for year in range(2020, 2025):
        annual = max(
            demo_files.indicator_class(c, demo_files.annual_value("dg_boundary", year, c))
            for c in ("COD", "CODMn", "NH3N", "TP", "DO", "BOD5", "pH")
        )
        assert annual == 2, year
        monthly = [demo_files.section_class("dg_boundary", year, m) for m in range(1, 13)]
        assert 3 in monthly and max(monthly) == 3, (year, monthly)


def test_daoguan_non_detect_enters_the_annual_mean_as_half_the_detection_limit(demo_files) -> None:
    readings = [demo_files.samples[("dg_boundary", 2020, m)]["NH3N"] for m in range(1, 13)]
    assert [r.text for r in readings].count("0.025L") == 1
    by_hand = (sum((r.value for r in readings if r.value is not None), Decimal(0))
               + Decimal("0.0125")) / 12
    assert demo_files.annual_value("dg_boundary", 2020, "NH3N") == by_hand.quantize(
        Decimal("0.01"), rounding="ROUND_HALF_EVEN")


# ---- the correction --------------------------------------------------------------------


def test_correction_moves_niujia_march_2024_from_minus_200_to_plus_50(demo_files) -> None:
    assert [(r["section"], r["indicator"], r["value"]) for r in demo_files.correction] == [
        ("cj_niujia", "COD", "11.4"), ("cj_niujia", "NH3N", "0.200"), ("cj_niujia", "TP", "0.076")]
    before = r_against_control(demo_files, "牛家村", 2024, 3)
    after = r_against_control(demo_files.corrected(), "牛家村", 2024, 3)
    # control 东港村: (12.0/20 + 2.4/6 + 0.22 + 0.080/0.2) / 4 = 0.405
    # before: (0.74 + 2.6/6 + 0.41 + 0.625) / 4; after: (0.57 + 2.6/6 + 0.20 + 0.38) / 4
    assert band(before) == "-200万" and band(after) == "+50万"
    assert before > Decimal("0.36") and Decimal("-0.03") < after < Decimal("-0.02")
