"""Parties and sections registry files: checks, upserts, batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compensation.engine.schemes import scheme_ids
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
        (f'{p}，第 2 行，列「party_id」：发现 "nobody"，'
        f"应为 已登记的单位编号（先用 ecocomp load parties 导入）。"),
        f'{p}，第 2 行，列「control_id」：发现 "ghost"，应为 本文件或数据库中已有的断面编号。',
        (f'{p}，第 2 行，列「river_order」：发现 "x"，'
        f"应为 0 至 1000000 之间的整数（自上游起的顺序）。"),
        (f'{p}，第 2 行，列「valid_from」：发现 "2018-02-30"，应为 日历上存在的日期'
        f"（日期，如 2024-01-05、2024/1/5、2024年1月5日（可带时间 08:30））。"),
        f'{p}，第 3 行，列「section_id」：发现 "s9"，应为 唯一的断面编号（第 2 行已有）。',
        f'{p}，第 3 行，列「party_id」：发现 ""，应为 考核断面的被考核方单位编号。',
        f'{p}，第 3 行，列「control_id」：发现 "s9"，应为 另一个断面的编号（不能以自身为对照）。',
        (f'{p}，第 3 行，列「schemes」：发现 "bad scheme"，'
        f"应为 以分号分隔的方案编号，如 yangtze_han;tongshun。"),
        (f'{p}，第 3 行，列「valid_to」：发现 "2017-01-01"，'
        f"应为 不早于 valid_from（2018-01-01）的日期。"),
    ]
    assert registry_state(con) == before


def test_bad_parties_file(con, tmp_path: Path) -> None:
    before = registry_state(con)
    path = write(tmp_path / "p.csv", "party_id,name,kind\nwuhan,武汉市,metropolis\n"
                 "wuhan,,city\n")
    with pytest.raises(InputError) as caught:
        load_parties(con, path)
    assert caught.value.problems == [
        (f'{path}，第 2 行，列「kind」：发现 "metropolis"，'
        f"应为 district（区）、city（市）、county（县）、province（省）、treasury（财政）"
        f"或 other（其他，须在 label 列写明是什么单位）。"),
        f'{path}，第 3 行，列「party_id」：发现 "wuhan"，应为 唯一的编号（第 2 行已有）。',
        f'{path}，第 3 行，列「name」：发现 ""，应为 单位的中文名称，如 江岸区。',
    ]
    assert registry_state(con) == before


def refused_registry(con, load, path: Path) -> list[str]:
    before = registry_state(con)
    with pytest.raises(InputError) as caught:
        load(con, path)
    assert registry_state(con) == before
    return caught.value.problems


@pytest.mark.parametrize(("order", "found"), [
    ("99999999999999999999", "99999999999999999999"),   # was 内部错误：ConversionException
    ("-1", "-1"), ("1000001", "1000001"), ("2.5", "2.5"), ("1e3", "1e3")])
def test_river_order_out_of_its_range_is_refused_by_row_and_column(con, tmp_path: Path,
                                                                   order: str, found: str) -> None:
    path = write(tmp_path / "o.csv", SECTION_HEADER +
                 f"s2,窑头,长江,left,river,assessed,jiangan,s1,{order},yangtze_han,2018-01-01,,\n")
    assert refused_registry(con, load_sections, path) == [
        (f'{path}，第 2 行，列「river_order」：发现 "{found}"，'
        f"应为 0 至 1000000 之间的整数（自上游起的顺序）。")]


def test_a_section_naming_an_unknown_scheme_is_refused(con, tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", SECTION_HEADER +
                 "s2,窑头,长江,left,river,assessed,jiangan,s1,3,yangtze_han;yangtse_han,"
                 "2018-01-01,,\n")
    known = ", ".join(scheme_ids())            # the rule files of rules/: daoguan, tongshun, ...
    assert "yangtze_han" in known and "yangtse_han" not in known
    assert refused_registry(con, load_sections, path) == [
        (f'{path}，第 2 行，列「schemes」：发现 "yangtze_han;yangtse_han"，应为 规则目录中已有的'
        f"方案编号（{known}），以分号分隔。")]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "yangtse_han.rule").write_text("# only its name matters here\n", encoding="utf-8")
    (rules / "yangtze_han.rule").write_text("# only its name matters here\n", encoding="utf-8")
    assert load_sections(con, path, rules_dir=rules).rows == 1


def test_control_cycles_are_refused_on_every_row_of_the_loop(con, tmp_path: Path) -> None:
    """a→b→a in one file; c→d→e→c; f→s1 closes a loop through the stored s1 (s1→ctl→f)."""
    path = write(tmp_path / "cyc.csv", SECTION_HEADER +
                 "a,甲,长江,,river,assessed,jiangan,b,1,yangtze_han,2018-01-01,,\n"
                 "b,乙,长江,,river,assessed,jiangan,a,2,yangtze_han,2018-01-01,,\n"
                 "c,丙,长江,,river,assessed,jiangan,d,3,yangtze_han,2018-01-01,,\n"
                 "d,丁,长江,,river,assessed,jiangan,e,4,yangtze_han,2018-01-01,,\n"
                 "e,戊,长江,,river,assessed,jiangan,c,5,yangtze_han,2018-01-01,,\n"
                 "ctl,水洪中心,长江,left,river,control,jiangan,f,1,yangtze_han,2018-01-01,,\n"
                 "f,己,长江,,river,assessed,jiangan,s1,6,yangtze_han,2018-01-01,,\n")
    def loop(row: int, found: str, chain: str) -> str:
        return (f'{path}，第 {row} 行，列「control_id」：发现 "{found}"，应为 不构成循环的对照断面'
                f"（此处 {chain}；对照链应止于一个没有对照的断面）。")

    assert refused_registry(con, load_sections, path) == [
        loop(2, "b", "a → b → a"), loop(3, "a", "b → a → b"), loop(4, "d", "c → d → e → c"),
        loop(5, "e", "d → e → c → d"), loop(6, "c", "e → c → d → e"),
        loop(7, "f", "ctl → f → s1 → ctl"), loop(8, "s1", "f → s1 → ctl → f")]


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f",
                                  "\u061c", "\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad",
                                  "\u0007", "\u2028"])
def test_invisible_characters_in_names_are_refused_with_row_and_column(con, tmp_path: Path,
                                                                       char: str) -> None:
    name = f"江岸{char}区"
    shown = f"江岸<U+{ord(char):04X}>区"
    expected = ("不含不可见字符（双向控制符如 U+202E、零宽字符如 U+200B、其他格式或控制字符）的文字"
                f"（此处有 U+{ord(char):04X}）")
    parties = write(tmp_path / "p.csv", f'party_id,name,kind,note\njiangan,"{name}",district,\n')
    assert refused_registry(con, load_parties, parties) == [
        f'{parties}，第 2 行，列「name」：发现 "{shown}"，应为 {expected}。']
    sections = write(tmp_path / "s.csv", SECTION_HEADER +
                     f's2,窑头,"长江{char}",left,river,assessed,jiangan,s1,3,yangtze_han,'
                     f'2018-01-01,,"note {char}"\n')
    assert refused_registry(con, load_sections, sections) == [
        f'{sections}，第 2 行，列「river」：发现 "长江<U+{ord(char):04X}>"，应为 {expected}。',
        f'{sections}，第 2 行，列「note」：发现 "note <U+{ord(char):04X}>"，应为 {expected}。']


def test_overlong_names_are_refused(con, tmp_path: Path) -> None:
    name = "江" * 101
    path = write(tmp_path / "p.csv", f"party_id,name,kind\njiangan,{name},district\n")
    assert refused_registry(con, load_parties, path) == [
        (f'{path}，第 2 行，列「name」：发现 "{"江" * 59}…"，'
        f"应为 不超过 100 个字符的文字（此处 101 个）。")]
