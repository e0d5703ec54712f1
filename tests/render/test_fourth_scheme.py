"""A scheme the code has never heard of gets its title from its rule file, its place from the
issuing profile ([order]; unlisted: after the listed ones) and its columns from its `bulletin`
lines, not from names the code knows (the hand-filled store of conftest plus one lake line)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from compensation.render.bulletin import bulletin_markdown
from compensation.render.model import build_bulletin
from compensation.render.profile import PublicationOrder, load_profile
from compensation.store import transaction
from tests.render.conftest import compiled_trace

REPO = Path(__file__).resolve().parents[2]
JAN = date(2018, 1, 1)
TITLE = "东湖湖泊断面水质考核（第四方案示例）"
# the index is called `wqi` and the change `shift`: names no code knows
LAKES = f'''scheme lakes "{TITLE}"
  basis "测试"
  period month
  settle year
  from 2018-01
  parties section.party <-> city_treasury

parameters
  inds = [COD, NH3N] from 2018-01 basis "测试"
  amount_each = 10万 from 2018-01 basis "测试"

measure wqi "湖泊水质指数" = mean(value(i) / limit(i, III) for i in inds)

rule lake_band "湖泊水质指数较对照变化"
  basis "测试"
  for each assessed section, month
  let shift "变化比例" = (wqi - control.wqi) / control.wqi
  city_treasury pays section.party
  amount = if shift <= 0 then amount_each else -amount_each

bulletin index wqi
bulletin rank shift descending "湖泊水质指数的变化率"
'''


@pytest.fixture
def lake_store(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The shipped rules plus rules/lakes.rule; section dh01 (东湖, 洪山区) with one Jan line."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "lakes.rule").write_text(LAKES, encoding="utf-8")
    monkeypatch.setenv("ECOCOMP_RULES", str(rules))
    trace = compiled_trace("lake_band", "rules/lakes.rule", 17, measures={"wqi": "0.700"},
                           control_measures={"wqi": "0.800"}, lets={"shift": "-0.125"})
    with transaction(store):
        store.execute("INSERT INTO parties (party_id, name, kind) VALUES "
                      "('hongshan', '洪山区', 'district')")
        store.execute(
            "INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id,"
            " control_id, river_order, schemes, valid_from) VALUES ('dh01', '东湖湖心', '东湖',"
            " NULL, 'lake', 'assessed', 'hongshan', NULL, 1, ['lakes'], DATE '2017-01-01')")
        store.execute(
            "INSERT INTO runs (run_id, scheme, period_label, window_start, window_end, as_of,"
            " rules_hash, data_hash, params_hash, engine_version, duckdb_version, created_at,"
            " rules_meta, params, batch_ids) VALUES (5, 'lakes', '2018-01', ?, ?, ?, 'r', 'd',"
            " 'p', '0', '0', ?, '[]', '[]', [1])",
            [JAN, JAN, datetime(2018, 2, 10, 9), datetime(2018, 2, 10, 9, 10)])
        store.execute(
            "INSERT INTO ledger VALUES (99, 5, 'lakes', 'lake_band', ?, ?, 'dh01',"
            " 'city_treasury', 'hongshan', 100000.00, 'shift <= 0', NULL, NULL, ?)",
            [JAN, JAN, json.dumps(trace)])
    return store


def test_a_fourth_scheme_has_its_title_place_and_declared_columns(lake_store) -> None:
    shipped = load_profile(REPO / "data/registry/issuing.toml").order
    bulletin = build_bulletin(lake_store, JAN, order=shipped)
    # the profile lists yangtze_han, tongshun, daoguan: an unlisted scheme comes after them
    assert [t.scheme for t in bulletin.schemes] == ["yangtze_han", "tongshun", "lakes"]
    lakes = bulletin.schemes[-1]
    assert lakes.title == TITLE
    (row,) = lakes.rows
    # wqi 0.700 on the lake, 0.800 on its control, shift -0.125: read because declared
    assert (row.measures.index, row.measures.index_control, row.measures.ratio) == (
        Decimal("0.700"), Decimal("0.800"), Decimal("-0.125"))
    assert lakes.has_index and lakes.rank_by == "湖泊水质指数的变化率（由高到低）"
    # the index columns are headed by the declared measure's title, not 综合污染指数
    assert lakes.index_title == row.index_title == "湖泊水质指数"
    assert row.scheme_title == TITLE
    # its lake is the last row of the class history (东湖 is not among the profile's rivers)
    assert bulletin.history[-1].section_id == "dh01"
    # as printed: its own heading and columns, the index 0.700 against 0.800, shift -12.50%
    text = bulletin_markdown(bulletin)
    assert TITLE in text and "| 湖泊水质指数 | 对照断面指数 | 变化率 |" in text
    assert "| 0.700 | 0.800 | -12.50% |" in text


def test_the_profile_can_put_the_fourth_scheme_first(lake_store) -> None:
    order = PublicationOrder(schemes=("lakes", "yangtze_han", "tongshun"), rivers=("东湖",))
    bulletin = build_bulletin(lake_store, JAN, order=order)
    assert [t.scheme for t in bulletin.schemes] == ["lakes", "yangtze_han", "tongshun"]
    assert bulletin.history[0].section_id == "dh01"
