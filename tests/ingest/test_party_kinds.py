"""Party kinds province and other (with a label), issue #18 item 6: loaded from the registry,
refused by file/row/column when unknown, kept through the upgrade of an older store, and used by
the bulletin to name the border (跨省界) and to say what an `other` party is.

Amounts by hand for rules/examples/province_parties.rule, January 2020, one section of class Ⅱ
(COD 15.0, NH3-N 0.40, TP 0.080; target Ⅲ): the lower province pays the upper one 5,000,000.00;
the monitoring fee 50,000 is split 50% / 50%: each province pays the basin office 25,000.00.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from compensation.engine.run import run_schemes
from compensation.errors import InputError
from compensation.ingest import load_parties
from compensation.render.model import build_bulletin
from compensation.render.sentences import headings
from compensation.store import open_store
from tests.ingest.conftest import write

EXAMPLES = Path(__file__).resolve().parents[2] / "rules" / "examples"
PARTIES = """party_id,name,kind,label,note
upper_province,上游省,province,,
lower_province,下游省,省,,
basin_office,流域监测中心,other,流域管理机构,
"""


def test_province_and_other_parties_in_a_run_and_the_bulletin(tmp_path: Path) -> None:
    con = open_store(tmp_path / "t.duckdb")
    load_parties(con, write(tmp_path / "parties.csv", PARTIES))
    stored = con.execute("SELECT party_id, kind, label FROM parties ORDER BY party_id").fetchall()
    assert stored == [
        ("basin_office", "other", "流域管理机构"),
        ("lower_province", "province", None),
        ("upper_province", "province", None),
    ]
    con.execute(
        "INSERT INTO sections (section_id, name, river, water_body, role, party_id, schemes,"
        " valid_from) VALUES ('s1', '省界断面', '界河', 'river', 'assessed', 'upper_province',"
        " ['province_parties'], DATE '2019-01-01')"
    )
    con.execute("INSERT INTO batches VALUES (90, 'samples', 'x.csv', 'x', 3, ?, NULL, NULL)",
                [datetime(2020, 2, 3)])
    for row, (ind, value) in enumerate([("COD", "15.0"), ("NH3N", "0.40"), ("TP", "0.080")]):
        con.execute(
            "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,"
            " below_dl, detection_limit, flag, source) VALUES (90, ?, 's1', ?, ?, ?, false,"
            " NULL, NULL, 'manual')",
            [row + 1, datetime(2020, 1, 8, 10), ind, D(value)],
        )
    run_schemes(con, "province_parties", period="2020-01", as_of=datetime(2020, 2, 5),
                rules_dir=EXAMPLES)
    lines = con.execute(
        "SELECT rule, payer, payee, amount FROM ledger ORDER BY rule, payer, payee").fetchall()
    assert lines == [
        ("bet", "lower_province", "upper_province", D("5000000.00")),
        ("monitoring_fee", "lower_province", "basin_office", D("25000.00")),
        ("monitoring_fee", "upper_province", "basin_office", D("25000.00")),
    ]
    bulletin = build_bulletin(con, date(2020, 1, 1))
    assert headings(bulletin)["cross"] == "二、跨省界断面考核结果"
    names = {p.party_id: p.name for p in bulletin.parties}
    assert names["basin_office"] == "流域监测中心（流域管理机构）"
    assert names["upper_province"] == "上游省"
    assert bulletin.registry.parties["basin_office"].kind_word == "流域管理机构"
    assert bulletin.registry.parties["lower_province"].kind_word == "省"
    # a province meeting a city: the heading names both levels
    con.execute("UPDATE parties SET kind = 'city' WHERE party_id = 'lower_province'")
    mixed = headings(build_bulletin(con, date(2020, 1, 1)))["cross"]
    assert mixed == "二、跨省（市、县）界断面考核结果"
    con.close()


def test_unknown_kind_and_label_mistakes_are_refused_by_row_and_column(tmp_path: Path) -> None:
    con = open_store(tmp_path / "t.duckdb")
    path = write(tmp_path / "p.csv", "party_id,name,kind,label\n"
                 "a,甲省,provence,\nb,乙单位,other,\nc,丙市,city,地级市\n")
    with pytest.raises(InputError) as caught:
        load_parties(con, path)
    assert caught.value.problems == [
        (f'{path}，第 2 行，列「kind」：发现 "provence"，应为 district（区）、city（市）、'
        f"county（县）、province（省）、treasury（财政）或 other（其他，须在 label 列写明是什么"
        f"单位）。"),
        (f'{path}，第 3 行，列「label」：发现 ""，应为 类型为 other 时写明是什么单位，'
        f"如 流域管理机构。"),
        f'{path}，第 4 行，列「label」：发现 "地级市"，应为 留空（label 只用于类型 other）。',
    ]
    assert con.execute("SELECT count(*) FROM parties").fetchall() == [(0,)]
    con.close()


def test_an_older_store_is_widened_and_keeps_its_parties(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = open_store(db)
    con.execute("DROP TABLE parties")  # the table as stores made before province/other hold it
    con.execute(
        "CREATE TABLE parties (party_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR"
        " NOT NULL CHECK (kind IN ('district', 'city', 'county', 'treasury')), note VARCHAR,"
        " batch_id INTEGER)"
    )
    con.execute("INSERT INTO parties VALUES ('jiangan', '江岸区', 'district', '长江', 1)")
    con.execute("UPDATE meta SET value = 'old' WHERE key = 'sql_sha256'")
    con.close()
    con = open_store(db)
    con.execute("INSERT INTO parties (party_id, name, kind) VALUES ('hubei', '湖北省', 'province')")
    assert con.execute("SELECT * FROM parties ORDER BY party_id").fetchall() == [
        ("hubei", "湖北省", "province", None, None, None),
        ("jiangan", "江岸区", "district", "长江", 1, None),
    ]
    con.close()
    with pytest.raises(duckdb.ConstraintException):
        duckdb.connect(str(db)).execute(
            "INSERT INTO parties (party_id, name, kind) VALUES ('x', 'x', 'planet')")
