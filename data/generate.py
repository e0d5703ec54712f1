"""Seeded generator of the ecocomp demo data (合成数据 / synthetic, not real monitoring results).

Writes the registry (`registry/parties.csv`, `registry/sections.csv`), the monthly monitoring data
2018-01..2024-12 (`monitoring/YYYY.csv` long form, and the Han River 2024 as a wide Chinese-header
xlsx), and one later correction (`corrections/2024-03_correction.csv`).

The data are random around section baselines (seasonal table, trend, noise) except where they must
agree with the public record; those months are set by hand below and checked before writing:
- Yangtze 2018-01: six sections improve and five decline against their upstream control;
- Tongshun 2022-06..12: all three inflow sections class III on COD, NH3-N and TP;
- Daoguan 2020..2024: annual means class II.

Only the standard library and openpyxl are used; randomness comes from
`random.Random(SEED).random()` (Mersenne Twister, identical on every platform) and no
transcendental functions, so running `python data/generate.py` rewrites every file byte for byte.

Usage: python data/generate.py [--out DIR]   (default: the folder of this script)
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

SEED = 20180101
GENERATOR = "data/generate.py"
YEARS = range(2018, 2025)
BANNER = [
    ("# 合成数据 (synthetic data)：由种子随机生成器生成，不是真实监测结果，"
    "仅供 ecocomp 演示与测试。"),
    f"# generator: {GENERATOR}, seed {SEED}; 重新运行生成器会逐字节重写本文件。",
]

# code, decimals as reported by the laboratory, unit written in the file
INDICATORS: list[tuple[str, int, str]] = [
    ("COD", 1, "mg/L"),
    ("CODMn", 1, "mg/L"),
    ("NH3N", 3, "mg/L"),
    ("TP", 3, "mg/L"),
    ("TN", 2, "mg/L"),
    ("DO", 1, "mg/L"),
    ("BOD5", 1, "mg/L"),
    ("pH", 2, "无量纲"),
]
DECIMALS = {code: d for code, d, _ in INDICATORS}
UNITS = {code: unit for code, _, unit in INDICATORS}
WIDE_HEADERS = {
    "COD": "化学需氧量(mg/L)",
    "CODMn": "高锰酸盐指数(mg/L)",
    "NH3N": "氨氮(mg/L)",
    "TP": "总磷(mg/L)",
    "TN": "总氮(mg/L)",
    "DO": "溶解氧(mg/L)",
    "BOD5": "五日生化需氧量(mg/L)",
    "pH": "pH值",
}
NH3N_DL = "0.025"  # detection limit written as 0.025L
TP_DL = "0.01"  # detection limit written as <0.01
NO_FLOW = "断流"

# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

PARTIES: list[tuple[str, str, str, str]] = [
    ("city_treasury", "市财政", "treasury", "长江汉江方案中与各区结算的一方"),
    ("hannan", "武汉经济技术开发区(汉南区)", "district", "长江考核区"),
    ("hanyang", "汉阳区", "district", "长江考核区；演示中亦考核汉江汉阳段"),
    ("jianghan", "江汉区", "district", "长江考核区；演示中亦考核汉江江汉段"),
    ("jiangan", "江岸区", "district", "长江考核区"),
    ("huangpi", "黄陂区", "district", "长江考核区"),
    ("xinzhou", "新洲区", "district", "长江考核区；道观河方案下游方"),
    ("jiangxia", "江夏区", "district", "长江考核区"),
    ("hongshan", "洪山区", "district", "长江考核区"),
    ("wuchang", "武昌区", "district", "长江考核区"),
    ("qingshan", "青山区", "district", "长江考核区"),
    ("donghu", "东湖新技术开发区", "district", "长江考核区"),
    ("dongxihu", "东西湖区", "district", "汉江考核区（演示）"),
    ("caidian", "蔡甸区", "district", "汉江考核区（演示）"),
    ("qiaokou", "硚口区", "district", "汉江考核区（演示）"),
    ("wuhan_jkq", "武汉经济技术开发区管委会", "city", "通顺河协议武汉方（下游）"),
    ("xiantao", "仙桃市", "city", "通顺河协议仙桃方（上游，受考核）"),
    ("tuanfeng", "团风县", "county", "道观河协议上游方（受考核）"),
]

SECTION_COLUMNS = [
    "section_id", "name", "river", "bank", "water_body", "role", "party_id", "control_id",
    "river_order", "schemes", "valid_from", "valid_to", "note",
]

YANGTZE_CONTROL_NOTE = "上游对照断面（武政办〔2017〕127号：水洪中心、王家湾为上游对照断面）"
PAIRING_NOTE = "假设(assumption)：考核区按公布的11个区顺序与考核断面一一对应"
CONTROL_NOTE = "假设(assumption)：入境对照断面取同岸上游相邻断面"


@dataclass(frozen=True)
class Section:
    section_id: str
    name: str
    river: str
    bank: str
    water_body: str
    role: str
    party_id: str
    control_id: str
    river_order: int
    schemes: str
    note: str


def _bank_chain(
    river: str, bank: str, ids_names: list[tuple[str, str]], parties: list[str], notes: list[str]
) -> list[Section]:
    """A control at the upstream end, then assessed sections each controlled by its neighbour."""
    out = []
    for i, (sid, name) in enumerate(ids_names):
        if i == 0:
            out.append(Section(sid, name, river, bank, "river", "control", "", "", 1,
                               "yangtze_han", notes[0]))
        else:
            out.append(Section(sid, name, river, bank, "river", "assessed", parties[i - 1],
                               ids_names[i - 1][0], i + 1, "yangtze_han", notes[i]))
    return out


def sections() -> list[Section]:
    """The 24 sections of the three schemes (assumptions are said in each note); the Tongshun and
    Daoguan sections are also assessed by the quarterly and agreement-year examples
    (rules/examples/tongshun_quarter.rule, daoguan_agreement_year.rule)."""
    yl = [("cj_shuihong", "水洪中心"), ("cj_laoguan", "老关村"), ("cj_wangjiaxiang", "王家巷码头"),
          ("cj_wuhanguan", "武汉关码头"), ("cj_sheshui", "滠水入长江口"), ("cj_yaotou", "窑头"),
          ("cj_yujiawan", "喻家塆")]
    yr = [("cj_wangjiawan", "王家湾"), ("cj_yangsi", "杨泗村"), ("cj_wujindi", "武金堤渡口"),
          ("cj_dongxingzhou", "东兴洲村"), ("cj_donggang", "东港村"), ("cj_niujia", "牛家村")]
    assessed = f"{PAIRING_NOTE}；{CONTROL_NOTE}"
    left_notes = [YANGTZE_CONTROL_NOTE, f"{assessed}；公开报道亦写作“老官村”", assessed, assessed,
                  "考核江岸区（公开报道确认）；" + CONTROL_NOTE, assessed, assessed]
    right_notes = [YANGTZE_CONTROL_NOTE] + [assessed] * 5
    left_parties = ["hannan", "hanyang", "jianghan", "jiangan", "huangpi", "xinzhou"]
    out = _bank_chain("长江", "left", yl, left_parties, left_notes)
    out += _bank_chain("长江", "right", yr,
                       ["jiangxia", "hongshan", "wuchang", "qingshan", "donghu"], right_notes)
    han = [("han_rujing", "汉江入境对照(示意)"), ("han_caidian_up", "汉江蔡甸上段(示意)"),
           ("han_dongxihu", "汉江东西湖段(示意)"), ("han_caidian_down", "汉江蔡甸下段(示意)"),
           ("han_qiaokou", "汉江硚口段(示意)"), ("han_hanyang", "汉江汉阳段(示意)"),
           ("han_jianghan", "汉江江汉段(示意)")]
    han_note = ("示意(illustrative)：汉江7个断面名称未公开，名称与所属区均为演示假设；"
                + CONTROL_NOTE.replace("同岸", "同一河道"))
    han_notes = ["示意(illustrative)：汉江上游入境对照断面，名称为演示假设"] + [han_note] * 6
    out += _bank_chain("汉江", "", han,
                       ["caidian", "dongxihu", "caidian", "qiaokou", "hanyang", "jianghan"],
                       han_notes)
    ts_note = ("示意(illustrative)：仙桃入武汉的3个考核断面名称未公开，名称为演示假设；"
               "方案自2022-06-01起考核（起始日期写在规则文件中）")
    for i in range(1, 4):
        out.append(Section(f"ts_inflow_{i}", f"通顺河入境断面{i}(示意)", "通顺河", "", "river",
                           "assessed", "xiantao", "", i, "tongshun;tongshun_quarter", ts_note))
    out.append(Section(
        "dg_boundary", "道观河跨界断面(示意)", "道观河", "", "river", "assessed", "tuanfeng", "", 1,
        "daoguan;daoguan_agreement_year",
        "示意(illustrative)：团风县—新洲区跨界断面，名称为演示假设；水体按河流(river)评价："
        "断面位于饮用水源水库出流的河道上，按河流标准评价（总磷用河流限值，总氮不参评）",
    ))
    return out


# ---------------------------------------------------------------------------------------------
# Random values
# ---------------------------------------------------------------------------------------------

# Seasonal multipliers, January..December (a fixed table instead of cos() keeps runs identical).
SEASON_POLLUTANT = [1.10, 1.12, 1.06, 1.00, 0.95, 0.92, 0.90, 0.92, 0.95, 1.00, 1.03, 1.08]
SEASON_NH3N = [1.25, 1.20, 1.10, 1.00, 0.90, 0.85, 0.80, 0.82, 0.88, 0.95, 1.05, 1.15]
SEASON_DO = [1.18, 1.16, 1.08, 1.00, 0.93, 0.87, 0.82, 0.82, 0.88, 0.96, 1.05, 1.13]

BASELINES: dict[str, dict[str, float]] = {
    "长江": {"COD": 13.0, "CODMn": 2.6, "NH3N": 0.26, "TP": 0.085, "TN": 1.90, "DO": 8.2,
             "BOD5": 2.1, "pH": 7.80},
    "汉江": {"COD": 12.0, "CODMn": 2.8, "NH3N": 0.22, "TP": 0.070, "TN": 1.60, "DO": 8.0,
             "BOD5": 2.0, "pH": 7.90},
    "通顺河": {"COD": 27.0, "CODMn": 6.8, "NH3N": 1.35, "TP": 0.27, "TN": 2.90, "DO": 6.0,
               "BOD5": 4.6, "pH": 7.50},
    "道观河": {"COD": 10.8, "CODMn": 2.8, "NH3N": 0.16, "TP": 0.045, "TN": 0.75, "DO": 7.8,
               "BOD5": 2.0, "pH": 7.60},
}
# Yearly improvement per indicator group (fraction of the 2018 level per year).
TRENDS = {"长江": 0.02, "汉江": 0.02, "通顺河": 0.07, "道观河": 0.0}
NOISE = {"长江": 0.12, "汉江": 0.12, "通顺河": 0.15, "道观河": 0.10}


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


class Generator:
    """Draws every value in a fixed order from one seeded stream."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)

    def u(self, lo: float = 0.0, hi: float = 1.0) -> float:
        return lo + (hi - lo) * self.rng.random()

    def noise(self, spread: float) -> float:
        """Triangular noise in [1 - spread, 1 + spread]."""
        return 1.0 + spread * (self.rng.random() + self.rng.random() - 1.0)

    def month_value(self, river: str, offset: float, code: str, year: int, month: int) -> str:
        base = BASELINES[river][code]
        if code == "pH":
            return _fmt(base + self.u(-0.35, 0.35), 2)
        if code == "DO":
            return _fmt(base * SEASON_DO[month - 1] * self.noise(0.08), 1)
        season = SEASON_NH3N if code == "NH3N" else SEASON_POLLUTANT
        years = year - 2018 + (month - 1) / 12
        trend = max(0.55, 1.0 - TRENDS[river] * years)
        if river == "通顺河" and year >= 2023:
            trend = 0.72  # after the 2022 agreement: mostly class III/IV
        value = base * offset * season[month - 1] * trend * self.noise(NOISE[river])
        return _fmt(value, DECIMALS[code])


# ---------------------------------------------------------------------------------------------
# Months set by hand to agree with the public record
# ---------------------------------------------------------------------------------------------

# Yangtze 2018-01: COD, CODMn, NH3-N, TP, BOD5 (DO, pH, TN stay random; they are class I/not rated).
# CPI = mean(C/S_III); r against the next section upstream on the same bank:
#  left:  老关村 +13.1% (-200万), 王家巷码头 +4.2% (-100万), 武汉关码头 -13.8% (+100万),
#         滠水入长江口 +16.4% (-200万; class III on COD while its control is class II),
#         窑头 -5.3% (+50万), 喻家塆 -12.5% (+100万)
#  right: 杨泗村 -3.2% (+50万), 武金堤渡口 -12.3% (+100万), 东兴洲村 -2.7% (+50万),
#         东港村 +5.3% (-100万), 牛家村 +14.4% (-200万)
YANGTZE_2018_01: dict[str, tuple[str, str, str, str, str]] = {
    "cj_shuihong": ("12.0", "2.4", "0.200", "0.080", "2.2"),
    "cj_laoguan": ("13.0", "2.7", "0.260", "0.090", "2.4"),
    "cj_wangjiaxiang": ("13.6", "2.8", "0.270", "0.094", "2.5"),
    "cj_wuhanguan": ("12.2", "2.5", "0.210", "0.078", "2.2"),
    "cj_sheshui": ("16.8", "2.6", "0.220", "0.080", "2.6"),
    "cj_yaotou": ("15.0", "2.6", "0.210", "0.080", "2.5"),
    "cj_yujiawan": ("12.6", "2.4", "0.180", "0.072", "2.2"),
    "cj_wangjiawan": ("13.0", "2.6", "0.240", "0.088", "2.3"),
    "cj_yangsi": ("12.6", "2.5", "0.230", "0.086", "2.3"),
    "cj_wujindi": ("11.4", "2.2", "0.190", "0.074", "2.0"),
    "cj_dongxingzhou": ("11.2", "2.2", "0.180", "0.070", "2.0"),
    "cj_donggang": ("11.8", "2.3", "0.190", "0.074", "2.1"),
    "cj_niujia": ("13.2", "2.6", "0.240", "0.084", "2.4"),
}

# Yangtze 2024-03, right bank end: 牛家村 against 东港村. The first report of 牛家村 carried wrong
# COD, NH3-N and TP (r = +36.3%, -200万); the correction file replaces them (r = -2.3%, +50万).
MARCH_2024 = {
    "cj_donggang": {"COD": "12.0", "CODMn": "2.4", "NH3N": "0.220", "TP": "0.080"},
    "cj_niujia": {"COD": "14.8", "CODMn": "2.6", "NH3N": "0.410", "TP": "0.125"},
}
MARCH_2024_CORRECTED = {"cj_niujia": {"COD": "11.4", "NH3N": "0.200", "TP": "0.076"}}

# Tongshun 2023-2024: section-months worse than class IV (for the negotiation scenarios).
TONGSHUN_FAILS = {
    ("ts_inflow_2", 2023, 7): {"NH3N": "1.720"},
    ("ts_inflow_1", 2023, 12): {"COD": "32.4"},
    ("ts_inflow_1", 2024, 2): {"COD": "33.1", "NH3N": "1.560"},
    ("ts_inflow_3", 2024, 8): {"TP": "0.342"},
}

# 断流 months (all indicators of the section-month), away from the months the facts depend on.
NO_FLOW_MONTHS = {("ts_inflow_3", 2019, 8), ("ts_inflow_3", 2023, 8), ("dg_boundary", 2019, 1)}

# Daoguan: a few class III months each year and non-detects, annual means stay class II.
DAOGUAN_CLASS_III = {7: {"COD": "16.4"}, 8: {"TP": "0.118"}}
DAOGUAN_NON_DETECTS = {(2020, 9): "NH3N", (2021, 1): "TP", (2022, 9): "NH3N", (2023, 12): "TP",
                       (2024, 9): "NH3N", (2019, 6): "NH3N"}


def _sample_day(gen: Generator) -> int:
    return 5 + int(gen.u() * 10)


def generate_values(secs: list[Section]) -> dict[tuple[str, int, int], dict[str, str]]:
    """Every section-month's eight values as the laboratory would write them (strings)."""
    gen = Generator()
    offsets = {s.section_id: gen.u(0.9, 1.1) for s in secs}
    values: dict[tuple[str, int, int], dict[str, str]] = {}
    for year in YEARS:
        for month in range(1, 13):
            for s in secs:
                row = {code: gen.month_value(s.river, offsets[s.section_id], code, year, month)
                       for code, _, _ in INDICATORS}
                values[(s.section_id, year, month)] = row
    _set_by_hand(values, gen)
    return values


def _set_by_hand(values: dict[tuple[str, int, int], dict[str, str]], gen: Generator) -> None:
    for sid, (cod, codmn, nh3n, tp, bod5) in YANGTZE_2018_01.items():
        values[(sid, 2018, 1)].update(COD=cod, CODMn=codmn, NH3N=nh3n, TP=tp, BOD5=bod5)
    for sid, row in MARCH_2024.items():
        values[(sid, 2024, 3)].update(row)
    for year in YEARS:
        for month in range(1, 13):
            for i in range(1, 4):
                row = values[(f"ts_inflow_{i}", year, month)]
                if year == 2022 and month >= 6:
                    row.update(
                        COD=_fmt(gen.u(16.0, 19.5), 1), NH3N=_fmt(gen.u(0.30, 0.90), 3),
                        TP=_fmt(gen.u(0.060, 0.180), 3), CODMn=_fmt(gen.u(3.5, 5.8), 1),
                        DO=_fmt(gen.u(5.3, 7.0), 1), BOD5=_fmt(gen.u(2.6, 3.9), 1),
                    )
            dg = values[("dg_boundary", year, month)]
            if year >= 2020:
                dg.update(DAOGUAN_CLASS_III.get(month, {}))
                # keep the other months inside class II so the annual means stay class II
                dg["COD"] = dg["COD"] if month == 7 else _fmt(min(float(dg["COD"]), 14.5), 1)
                dg["TP"] = dg["TP"] if month == 8 else _fmt(min(float(dg["TP"]), 0.095), 3)
                dg["DO"] = _fmt(max(float(dg["DO"]), 6.2), 1)
                dg["BOD5"] = _fmt(min(float(dg["BOD5"]), 2.9), 1)
                dg["CODMn"] = _fmt(min(float(dg["CODMn"]), 3.9), 1)
    for (sid, year, month), row in TONGSHUN_FAILS.items():
        values[(sid, year, month)].update(row)
    for (year, month), code in DAOGUAN_NON_DETECTS.items():
        values[("dg_boundary", year, month)][code] = (
            f"{NH3N_DL}L" if code == "NH3N" else f"<{TP_DL}")
    for key in NO_FLOW_MONTHS:
        values[key] = {code: NO_FLOW for code, _, _ in INDICATORS}


def sample_dates() -> dict[tuple[str, int, int], date]:
    """One sampling day per river and month (each river is sampled on one cruise)."""
    gen = Generator(SEED + 1)
    out = {}
    for year in YEARS:
        for month in range(1, 13):
            for river in BASELINES:
                out[(river, year, month)] = date(year, month, _sample_day(gen))
    return out


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv_text(banner: list[str], header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    for line in banner:
        buf.write(line + "\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_registry(out: Path, secs: list[Section]) -> None:
    banner = BANNER + ["# 名称或对应关系标注“假设/示意”的为演示假设，详见 data/README.md。"]
    _write_text(out / "registry" / "parties.csv", _csv_text(
        banner, ["party_id", "name", "kind", "note"], [list(p) for p in PARTIES]))
    rows = [[s.section_id, s.name, s.river, s.bank, s.water_body, s.role, s.party_id, s.control_id,
             str(s.river_order), s.schemes, "2018-01-01", "", s.note] for s in secs]
    _write_text(out / "registry" / "sections.csv", _csv_text(banner, SECTION_COLUMNS, rows))


LONG_HEADER = ["section", "sampled_at", "indicator", "value", "unit", "flag"]


def _long_rows(keys: list[tuple[Section, int, int]], values: dict, days: dict,
               only: dict[str, dict[str, str]] | None = None) -> list[list[str]]:
    rows = []
    for s, year, month in keys:
        row = values[(s.section_id, year, month)]
        day = days[(s.river, year, month)].isoformat()
        for code, _, unit in INDICATORS:
            if only is not None and code not in only.get(s.section_id, {}):
                continue
            rows.append([s.section_id, day, code, row[code], unit, ""])
    return rows


def write_monitoring(out: Path, secs: list[Section], values: dict, days: dict) -> None:
    for year in YEARS:
        keys = [(s, year, m) for m in range(1, 13) for s in secs
                if not (year == 2024 and s.river == "汉江")]
        banner = BANNER + [
            f"# {year} 年各断面月监测数据（长表）；2024 年汉江数据见 hanjiang_2024.xlsx。"
        ]
        _write_text(out / "monitoring" / f"{year}.csv",
                    _csv_text(banner, LONG_HEADER, _long_rows(keys, values, days)))
    write_han_xlsx(out / "monitoring" / "hanjiang_2024.xlsx", secs, values, days)


def write_correction(out: Path, secs: list[Section], values: dict, days: dict) -> None:
    corrected = {k: dict(v) for k, v in values.items()}
    for sid, row in MARCH_2024_CORRECTED.items():
        corrected[(sid, 2024, 3)].update(row)
    keys = [(s, 2024, 3) for s in secs if s.section_id in MARCH_2024_CORRECTED]
    banner = BANNER + [
        ("# 更正批次：2024年3月牛家村(cj_niujia)的化学需氧量、氨氮、总磷原报数据有误，"
        "以本文件为准。"),
        "# 更正前 14.8 / 0.410 / 0.125 mg/L，更正后 11.4 / 0.200 / 0.076 mg/L。",
    ]
    rows = _long_rows(keys, corrected, days, only=MARCH_2024_CORRECTED)
    _write_text(out / "corrections" / "2024-03_correction.csv",
                _csv_text(banner, LONG_HEADER, rows))


FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)


def write_han_xlsx(path: Path, secs: list[Section], values: dict, days: dict) -> None:
    """The Han River 2024 as a station would send it: one row per section and date."""
    # openpyxl writes its XML through lxml when lxml is installed (docxtpl brings it), spelling
    # empty elements differently; the standard library's writer keeps the bytes reproducible
    os.environ["OPENPYXL_LXML"] = "False"
    from openpyxl import Workbook

    from compensation.render.save import fixed_office_bytes  # fixed zip times, as every output

    wb = Workbook()
    ws = wb.active
    ws.title = "监测数据"
    ws.append(["断面名称", "采样日期"] + [WIDE_HEADERS[c] for c, _, _ in INDICATORS])
    han = [s for s in secs if s.river == "汉江"]
    for month in range(1, 13):
        for s in han:
            row = values[(s.section_id, 2024, month)]
            cells: list[object] = [s.name, days[(s.river, 2024, month)]]
            for code, _, _ in INDICATORS:
                text = row[code]
                cells.append(float(text) if _is_number(text) else text)
            ws.append(cells)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 2).number_format = "yyyy-mm-dd"
    info = wb.create_sheet("说明")
    for line in BANNER + ["# 汉江7个断面名称为示意(illustrative)，非真实断面。"]:
        info.append([line.lstrip("# ")])
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = GENERATOR
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(fixed_office_bytes(buf.getvalue(), FIXED_TIME))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Checks of the facts before anything is written
# ---------------------------------------------------------------------------------------------

S_III = {"COD": Decimal("20"), "CODMn": Decimal("6"), "NH3N": Decimal("1.0"), "TP": Decimal("0.2")}
ASSESS = {"COD": 1, "CODMn": 1, "NH3N": 2, "TP": 3}


def _cpi(row: dict[str, str]) -> Decimal:
    total = Decimal(0)
    for code, limit in S_III.items():
        v = Decimal(row[code]).quantize(Decimal(1).scaleb(-ASSESS[code]), ROUND_HALF_EVEN)
        total += v / limit
    return total / 4


def check_facts(secs: list[Section], values: dict) -> None:
    """Refuse to write data that would contradict the public record (see module docstring)."""
    by_id = {s.section_id: s for s in secs}
    improve = {"cj_wuhanguan", "cj_yaotou", "cj_yujiawan", "cj_yangsi", "cj_wujindi",
               "cj_dongxingzhou"}
    for s in secs:
        if s.river != "长江" or s.role != "assessed":
            continue
        ctrl = _cpi(values[(s.control_id, 2018, 1)])
        r = (_cpi(values[(s.section_id, 2018, 1)]) - ctrl) / ctrl
        assert (r <= 0) == (s.section_id in improve), (s.section_id, r)
        assert min(abs(r), abs(abs(r) - Decimal("0.1"))) >= Decimal("0.01"), (s.section_id, r)
    for i in range(1, 4):
        for month in range(6, 13):
            row = values[(f"ts_inflow_{i}", 2022, month)]
            assert Decimal(row["COD"]) <= 20 and Decimal(row["NH3N"]) <= Decimal("0.95")
            assert Decimal(row["TP"]) <= Decimal("0.19") and Decimal(row["COD"]) > 15
    assert by_id["dg_boundary"].water_body == "river"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    secs = sections()
    values = generate_values(secs)
    days = sample_dates()
    check_facts(secs, values)
    write_registry(args.out, secs)
    write_monitoring(args.out, secs, values, days)
    write_correction(args.out, secs, values, days)
    print(f"demo data written to {args.out}")


if __name__ == "__main__":
    main()
