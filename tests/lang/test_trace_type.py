"""`compensation.lang.trace.Trace` is what the compiled SQL writes: a real rule over a real store
(with a control section, a let, a parameter and a cap) gives traces that read into the type and
write back to the same JSON, key for key and in the same order."""

from __future__ import annotations

import json
from datetime import date

from helpers import add_sample, add_section, new_store, run_rules

from compensation.lang import compile_file
from compensation.lang.compiled import BulletinShows, TraceRef
from compensation.lang.trace import Trace

RULE = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury

parameters
  target = III from 2022-01 basis "测试"
  each = 100元 from 2022-01 basis "测试"

measure idx "指数" = value(COD) / limit(COD, target)

rule band "指数变化"
  basis "测试"
  for each assessed section, month
  let change "变化" = idx - control.idx
  city_treasury pays section.party
  amount = if change <= 0 then each else -each
  cap 150元 per section-year

bulletin index idx
bulletin target target
bulletin rank change ascending "指数的变化"
"""


def test_traces_read_into_the_type_and_write_back_unchanged(tmp_path) -> None:
    con = new_store(tmp_path)
    add_section(con, "c1", "t", role="control")
    add_section(con, "a1", "t", party="d1", control="c1")
    for month in (3, 4):
        add_sample(con, "c1", date(2022, month, 10), "COD", "20")
        add_sample(con, "a1", date(2022, month, 10), "COD", "16")
    path = tmp_path / "t.rule"
    path.write_text(RULE, encoding="utf-8")
    rows = run_rules(con, path, date(2022, 3, 1), date(2022, 4, 1))
    traces = [json.loads(r["trace"]) for r in rows if r["section_id"] == "a1"]
    assert len(traces) == 2
    for data in traces:
        trace = Trace.from_json(data)
        assert trace is not None
        assert list(trace.to_json().items()) == list(data.items())
    march = Trace.from_json(traces[0])
    assert march is not None
    # COD 16 on a1 and 20 on its control c1, Ⅲ class limit 20: idx 0.8 and 1, change -0.2;
    # 100 yuan each month, capped at 150 a section-year: March 100, April 50
    assert (march.rule, march.section, march.control) == ("band", "a1", "c1")
    assert float(march.measures["idx"]) == 0.8 and float(march.control_measures["idx"]) == 1
    assert float(march.lets["change"]) == -0.2
    assert float(march.params["target"]) == 3
    assert march.values == {"COD": "16.000000"} and march.control_values == {"COD": "20.000000"}
    april = Trace.from_json(traces[1])
    assert april is not None and april.caps is not None
    assert [float(c["after"] or "nan") for c in april.caps] == [50]
    # the header's declaration, as the compiler exports it, names these places
    shows = compile_file(path).bulletin
    assert shows == BulletinShows(index="idx", index_title="指数", target="target",
                                  rank=TraceRef("lets", "change"), rank_words="指数的变化")
    assert march.find(shows.rank) == march.lets["change"]
    assert march.find(TraceRef("measures", "idx"), control=True) == march.control_measures["idx"]


def test_a_trace_without_the_compilers_keys_is_not_a_trace() -> None:
    assert Trace.from_json({"cpi": "1", "branch_label": "x"}) is None
    assert Trace.from_json(None) is None
