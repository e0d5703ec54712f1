"""A small real store filled by hand: registry, samples, runs and ledger lines of Jan–Feb 2018.

Every number here is chosen so the expected outputs can be worked out by hand in the tests:

Yangtze left bank, upstream → downstream: 水洪中心 (control) → 老关村 (汉南) → 王家巷码头 (汉阳)
→ 滠水入长江口 (江岸); each assessed section's control is the next one upstream.
Tongshun: 港洲村 (仙桃 assessed).

Classes (GB 3838, single factor; values already at the assessment decimals):
  Jan: 水洪中心 COD 14 (I) CODMn 3.5 (II) NH3N 0.40 (II) TP 0.080 (II) → Ⅱ
       老关村 COD 18 (III) CODMn 3.0 (II) NH3N 0.30 (II) TP 0.050 (II) → Ⅲ
       王家巷码头 COD 25 (IV) CODMn 5.0 (III) NH3N 0.80 (III) TP 0.150 (III) → Ⅳ
       滠水入长江口: every sample flagged 断流 → no class
       港洲村 COD 19 (III) NH3N 0.90 (III) TP 0.150 (III) → Ⅲ
  Feb: 水洪中心 as Jan → Ⅱ; 老关村 COD 14, CODMn 3.9, NH3N 0.45, TP 0.090 → Ⅱ;
       王家巷码头 NH3N 1.60 (V) → Ⅴ (batch 1 had COD 30; the correction, batch 2, says 31 → still IV
       for COD, so the class stays Ⅴ); 滠水入长江口 TP 0.450 (劣Ⅴ) → 劣Ⅴ; 港洲村 as Jan → Ⅲ.

Ledger (yuan): Jan run 1 (yangtze_han): 老关村 市财政→汉南 500000.00 (r −5.56%),
王家巷码头 汉阳→市财政 1000000.00 (r +5%), 滠水入长江口 0.00 断流.
Jan run 2 (tongshun): 港洲村 经开区→仙桃 428571.43.
Feb run 3 (yangtze_han, superseded by run 4): 老关村 汉南→市财政 2000000.00.
Feb run 4 (yangtze_han): 老关村 市财政→汉南 1000000.00, 王家巷码头 汉阳→市财政 1000000.00,
滠水入长江口 市财政→江岸 500000.00.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from compensation.store import open_store, transaction

PARTIES = [
    ("city_treasury", "市财政", "treasury"),
    ("hannan", "武汉经济技术开发区(汉南区)", "district"),
    ("hanyang", "汉阳区", "district"),
    ("jiangan", "江岸区", "district"),
    ("wuhan_jkq", "武汉经济技术开发区管委会", "city"),
    ("xiantao", "仙桃市", "city"),
]
SECTIONS = [
    # id, name, river, bank, role, party, control, order, schemes
    ("ycl01", "水洪中心", "长江", "left", "control", None, None, 1, ["yangtze_han"]),
    ("ycl02", "老关村", "长江", "left", "assessed", "hannan", "ycl01", 2, ["yangtze_han"]),
    ("ycl03", "王家巷码头", "长江", "left", "assessed", "hanyang", "ycl02", 3, ["yangtze_han"]),
    ("ycl04", "滠水入长江口", "长江", "left", "assessed", "jiangan", "ycl03", 4, ["yangtze_han"]),
    ("ts01", "港洲村", "通顺河", None, "assessed", "xiantao", None, 1, ["tongshun"]),
]
JAN_VALUES = {
    "ycl01": {"COD": "14", "CODMn": "3.5", "NH3N": "0.40", "TP": "0.080"},
    "ycl02": {"COD": "18", "CODMn": "3.0", "NH3N": "0.30", "TP": "0.050"},
    "ycl03": {"COD": "25", "CODMn": "5.0", "NH3N": "0.80", "TP": "0.150"},
    "ts01": {"COD": "19", "NH3N": "0.90", "TP": "0.150"},
}
FEB_VALUES = {
    "ycl01": JAN_VALUES["ycl01"],
    "ycl02": {"COD": "14", "CODMn": "3.9", "NH3N": "0.45", "TP": "0.090"},
    "ycl03": {"COD": "30", "CODMn": "5.0", "NH3N": "1.60", "TP": "0.150"},
    "ycl04": {"COD": "18", "CODMn": "3.0", "NH3N": "0.30", "TP": "0.450"},
    "ts01": JAN_VALUES["ts01"],
}


def compiled_trace(rule: str, file: str, line: int, **parts: dict[str, str]) -> dict:
    """A trace in the shape the compiler writes (compensation.lang.trace.Trace), with `parts`
    (params, measures, control_measures, lets) filled in."""
    return {"rule": rule, "file": file, "line": line, "basis": "", "section": None,
            "control": None, "period_start": None, "param_month": None,
            "params": {}, "measures": {}, "control_measures": {}, "lets": {}, **parts,
            "amount_computed": None, "amount_after_exceptions": None, "amount_signed": None,
            "branch_label": None}


def _trace(cpi: str, control: str, r: str) -> str:
    """rules/yangtze_han.rule declares `bulletin index cpi` and `bulletin rank r ...`."""
    return json.dumps(compiled_trace("cpi_band", "rules/yangtze_han.rule", 38,
                                     measures={"cpi": cpi}, control_measures={"cpi": control},
                                     lets={"r": r}))


LINES = [
    # run, scheme, rule, month, section, payer, payee, amount, branch, exception, reason, trace
    (1, "yangtze_han", "cpi_band", date(2018, 1, 1), "ycl02", "city_treasury", "hannan",
     "500000.00", "[-10%, 0]", None, None, _trace("0.850", "0.900", "-0.055555555556")),
    (1, "yangtze_han", "cpi_band", date(2018, 1, 1), "ycl03", "hanyang", "city_treasury",
     "1000000.00", "(0, 10%]", None, None, _trace("0.945", "0.900", "0.05")),
    (1, "yangtze_han", "cpi_band", date(2018, 1, 1), "ycl04", "jiangan", "city_treasury",
     "0.00", None, "断流、结冰不考核", "no_flow", json.dumps({"flags": ["no_flow"]})),
    (2, "tongshun", "target_class", date(2018, 1, 1), "ts01", "wuhan_jkq", "xiantao",
     "428571.43", "class <= IV", None, None,
     # rules/tongshun.rule declares `bulletin target target`: the parameter, IV written as 4
     json.dumps(compiled_trace("target_class", "rules/tongshun.rule", 17,
                               params={"target": "4.000000000000"}))),
    (3, "yangtze_han", "cpi_band", date(2018, 2, 1), "ycl02", "hannan", "city_treasury",
     "2000000.00", "(10%, ..)", None, None, _trace("1.200", "0.900", "0.333333333333")),
    (4, "yangtze_han", "cpi_band", date(2018, 2, 1), "ycl02", "city_treasury", "hannan",
     "1000000.00", "(.., -10%)", None, None, _trace("0.750", "0.900", "-0.166666666667")),
    (4, "yangtze_han", "cpi_band", date(2018, 2, 1), "ycl03", "hanyang", "city_treasury",
     "1000000.00", "(0, 10%]", None, None, _trace("0.980", "0.900", "0.088888888889")),
    (4, "yangtze_han", "cpi_band", date(2018, 2, 1), "ycl04", "city_treasury", "jiangan",
     "500000.00", "[-10%, 0]", None, None, _trace("0.950", "0.980", "-0.030612244898")),
]
RUNS = [
    # run, scheme, label, start, end, as_of/created
    (1, "yangtze_han", "2018-01", date(2018, 1, 1), date(2018, 1, 1), datetime(2018, 2, 10, 9)),
    (2, "tongshun", "2018-01", date(2018, 1, 1), date(2018, 1, 1), datetime(2018, 2, 10, 9, 5)),
    (3, "yangtze_han", "2018-02", date(2018, 2, 1), date(2018, 2, 1), datetime(2018, 3, 1, 8)),
    (4, "yangtze_han", "2018-02", date(2018, 2, 1), date(2018, 2, 1), datetime(2018, 3, 2, 8)),
]
RULES_META = {
    "yangtze_han": [{"id": "cpi_band", "title": "综合污染指数较入境对照断面",
                     "basis": "武政办〔2017〕127号", "file": "rules/yangtze_han.rule", "line": 21}],
    "tongshun": [{"id": "target_class", "title": "来水水质与Ⅳ类目标相比",
                  "basis": "通顺河流域跨市断面水质考核生态补偿协议", "file": "rules/tongshun.rule",
                  "line": 17}],
}
# as a run records them (runs.params: the compiled parameters as JSON, compiled.recorded_params)
PARAMS = {
    "yangtze_han": [{"name": "reward_hold", "negotiable": True, "versions": [
        {"start": "2018-01-01", "until": None, "text": "50万 negotiable",
         "basis": "武政办〔2017〕127号", "assumption": None}]}],
    "tongshun": [{"name": "target_class", "negotiable": True, "versions": [
        {"start": "2022-06-01", "until": None, "text": "IV negotiable",
         "basis": "协议：以Ⅳ类水质对应的浓度参数进行考核", "assumption": None}]}],
}


def _insert_samples(
    con: duckdb.DuckDBPyConnection, batch: int, month: date, values: dict, day: int = 10
) -> int:
    row = 0
    for section, by_indicator in values.items():
        for indicator, value in by_indicator.items():
            row += 1
            con.execute(
                "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [batch, row, section, datetime(month.year, month.month, day, 9), indicator,
                 value],
            )
    return row


def fill_store(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.executemany("INSERT INTO parties (party_id, name, kind) VALUES (?, ?, ?)", PARTIES)
        for sid, name, river, bank, role, party, control, order, schemes in SECTIONS:
            con.execute(
                "INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id,"
                " control_id, river_order, schemes, valid_from) VALUES"
                " (?, ?, ?, ?, 'river', ?, ?, ?, ?, ?, DATE '2017-01-01')",
                [sid, name, river, bank, role, party, control, order, schemes],
            )
        # advance the sequences as real loads and runs would, so later loads get fresh ids
        con.execute("SELECT nextval('batch_seq'), nextval('batch_seq')").fetchall()
        con.execute("SELECT nextval('run_seq') FROM range(4)").fetchall()
        con.execute("SELECT nextval('line_seq') FROM range(8)").fetchall()
        con.execute(
            "INSERT INTO batches VALUES (1, 'samples', '2018年1-2月监测.csv', 'aa', 40,"
            " TIMESTAMP '2018-02-05 10:00', 2, NULL)"
        )
        con.execute(
            "INSERT INTO batches VALUES (2, 'samples', '/srv/ecocomp/uploads/更正_2018-02.csv',"
            " 'bb', 1,"
            " TIMESTAMP '2018-03-01 12:00', NULL, '王家巷码头2月化学需氧量复核')"
        )
        _insert_samples(con, 1, date(2018, 1, 1), JAN_VALUES)
        for indicator in ("COD", "CODMn", "NH3N", "TP"):
            con.execute(
                "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,"
                " flag) VALUES (1, 99, 'ycl04', TIMESTAMP '2018-01-10 09:00', ?, NULL, 'no_flow')",
                [indicator],
            )
        _insert_samples(con, 1, date(2018, 2, 1), FEB_VALUES)
        _insert_samples(con, 2, date(2018, 2, 1), {"ycl03": {"COD": "31"}})
        for run, scheme, label, start, end, when in RUNS:
            con.execute(
                "INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,"
                " rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at,"
                " rules_meta, params) VALUES (?, ?, ?, ?, ?, ?, 'r', 'd', 'p', '0', '0', ?, ?, ?)",
                [run, scheme, label, start, end, when, when, json.dumps(RULES_META[scheme]),
                 json.dumps(PARAMS[scheme])],
            )
        # the batches each run read: batch 2 (the correction, loaded 2018-03-01 12:00) only by run 4
        con.execute("UPDATE runs SET batch_ids = CASE WHEN run_id = 4 THEN [1, 2] ELSE [1] END")
        for i, (run, scheme, rule, month, section, payer, payee, amount, branch, exc, reason,
                trace) in enumerate(LINES, start=1):
            con.execute(
                "INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [i, run, scheme, rule, month, month, section, payer, payee, amount, branch, exc,
                 reason, trace],
            )


@pytest.fixture(scope="session")
def filled_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once (initialising the schema and macros takes seconds), copied for each test."""
    path = tmp_path_factory.mktemp("render-store") / "render.duckdb"
    con = open_store(path)
    fill_store(con)
    con.close()
    return path


@pytest.fixture
def store_path(filled_store_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "render.duckdb"
    shutil.copyfile(filled_store_file, path)
    return path


@pytest.fixture
def store(store_path: Path):
    con = open_store(store_path)
    yield con
    con.close()


@pytest.fixture(scope="session")
def office_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One private LibreOffice profile for this test session."""
    return tmp_path_factory.mktemp("lo-profile")
