"""Parties and sections registry files: checks, upserts, batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compensation.errors import InputError
from compensation.ingest import load_parties, load_sections
from tests.ingest.conftest import SECTIONS, write

SECTION_HEADER = SECTIONS.splitlines()[0] + "\n"


def registry_state(con) -> tuple:
    return (con.execute("SELECT * EXCLUDE (batch_id) FROM sections ORDER BY section_id").fetchall(),
            con.execute("SELECT * EXCLUDE (batch_id) FROM parties ORDER BY party_id").fetchall(),
            con.execute("SELECT count(*) FROM batches").fetchall())


def test_registry_rows_are_stored_as_written(con) -> None:
    rows = con.execute("SELECT section_id, bank, water_body, role, party_id, control_id, "
                       "river_order, schemes, valid_from, valid_to FROM sections "
                       "ORDER BY section_id").fetchall()
    assert rows == [
        ("ctl", "left", "river", "control", None, None, 1, ["yangtze_han"],
         dt.date(2018, 1, 1), None),
        ("lk", None, "lake", "assessed", "jiangan", None, 1, ["daoguan", "tongshun"],
         dt.date(2020, 1, 1), None),
        ("s1", "left", "river", "assessed", "jiangan", "ctl", 2, ["yangtze_han"],
         dt.date(2018, 1, 1), dt.date(2024, 12, 31)),
    ]
    assert con.execute("SELECT kind, row_count FROM batches ORDER BY batch_id").fetchall() == [
        ("parties", 2), ("sections", 3)]


def test_reload_upserts_by_id_and_keeps_other_rows(con, tmp_path: Path) -> None:
    path = write(tmp_path / "more.csv", SECTION_HEADER +
                 "s1,滠水入长江口（新）,长江,left,river,assessed,jiangan,ctl,2,yangtze_han,"
                 "2018-01-01,,renamed\n"
                 "s2,窑头,长江,left,river,assessed,jiangan,s1,3,yangtze_han,2018/1/1,,\n")
    report = load_sections(con, path)
    assert report.rows == 2
    assert con.execute("SELECT section_id, name, valid_to, note FROM sections "
                       "ORDER BY section_id").fetchall() == [
        ("ctl", "水洪中心", None, None), ("lk", "道观河水库", None, None),
        ("s1", "滠水入长江口（新）", None, "renamed"), ("s2", "窑头", None, None)]
    assert load_sections(con, path).batches[0].skipped


def test_bad_sections_file_lists_every_problem_and_changes_nothing(con, tmp_path: Path) -> None:
    before = registry_state(con)
    path = write(tmp_path / "bad.csv", SECTION_HEADER +
                 "s9,甲,长江,up,sea,both,nobody,ghost,x,yangtze_han,2018-02-30,,\n"
                 "s9,乙,长江,,river,assessed,,s9,1,bad scheme,2018-01-01,2017-01-01,\n")
    with pytest.raises(InputError) as caught:
        load_sections(con, path)
    p = str(path)
    assert caught.value.problems == [
        f'{p}，第 2 行，列「bank」：发现 "up"，应为 left（左岸）、right（右岸）或留空。',
        f'{p}，第 2 行，列「water_body」：发现 "sea"，应为 river（河流）或 lake（湖库）。',
        f'{p}，第 2 行，列「role」：发现 "both"，应为 control（对照）或 assessed（考核）。',
        f'{p}，第 2 行，列「party_id」：发现 "nobody"，'
        f"应为 已登记的单位编号（先用 ecocomp load parties 导入）。",
        f'{p}，第 2 行，列「control_id」：发现 "ghost"，应为 本文件或数据库中已有的断面编号。',
        f'{p}，第 2 行，列「river_order」：发现 "x"，应为 整数（自上游起的顺序）。',
        f'{p}，第 2 行，列「valid_from」：发现 "2018-02-30"，应为 日历上存在的日期'
        f"（日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30））。",
        f'{p}，第 3 行，列「section_id」：发现 "s9"，应为 唯一的断面编号（第 2 行已有）。',
        f'{p}，第 3 行，列「party_id」：发现 ""，应为 考核断面的被考核方单位编号。',
        f'{p}，第 3 行，列「control_id」：发现 "s9"，应为 另一个断面的编号（不能以自身为对照）。',
        f'{p}，第 3 行，列「schemes」：发现 "bad scheme"，'
        f"应为 以分号分隔的方案编号，如 yangtze_han;tongshun。",
        f'{p}，第 3 行，列「valid_to」：发现 "2017-01-01"，'
        f"应为 不早于 valid_from（2018-01-01）的日期。",
    ]
    assert registry_state(con) == before


def test_bad_parties_file(con, tmp_path: Path) -> None:
    before = registry_state(con)
    path = write(tmp_path / "p.csv", "party_id,name,kind\nwuhan,武汉市,province\n"
                 "wuhan,,city\n")
    with pytest.raises(InputError) as caught:
        load_parties(con, path)
    assert caught.value.problems == [
        f'{path}，第 2 行，列「kind」：发现 "province"，'
        f"应为 district（区）、city（市）、county（县）或 treasury（财政）。",
        f'{path}，第 3 行，列「party_id」：发现 "wuhan"，应为 唯一的编号（第 2 行已有）。',
        f'{path}，第 3 行，列「name」：发现 ""，应为 单位的中文名称，如 江岸区。',
    ]
    assert registry_state(con) == before
