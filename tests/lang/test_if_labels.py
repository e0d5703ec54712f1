"""`if ... then X "label" else Y "label"`: the label of the branch taken goes to the trace's
branch_label (the bulletin shows it) and is the ledger's branch, as table entries' labels are."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

from helpers import RULES, add_sample, add_section, new_store, run_rules

from compensation.lang import parse_text

HEADER = """scheme t "测试"
  basis "测试"
  period month
  settle year
  from 2022-01
  parties section.party <-> city_treasury
"""


def test_labels_parse_on_both_branches_and_not_on_none() -> None:
    rf = parse_text(HEADER + """
rule r "测试"
  basis "测试"
  for each assessed section, month
  city_treasury pays section.party
  amount = if value(COD) <= 20 then 50万 "达标" else -50万 "超标"
""")
    amount = rf.rules[0].amount
    assert (amount.then_label, amount.other_label) == ("达标", "超标")  # type: ignore[union-attr]


def test_tongshun_lines_carry_the_branch_labels(tmp_path) -> None:
    """June 2022: ts1 COD 25.0 (class IV, meets the class IV target), ts2 COD 35.0 (class V,
    fails). NH3-N 0.50 and TP 0.10 are class II on both."""
    con = new_store(tmp_path)
    for sid, cod in (("ts1", "25.0"), ("ts2", "35.0")):
        add_section(con, sid, "tongshun", party="xiantao")
        for ind, v in (("COD", cod), ("NH3N", "0.50"), ("TP", "0.10")):
            add_sample(con, sid, date(2022, 6, 10), ind, v)
    rows = {r["section_id"]: r for r in run_rules(
        con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 6, 1))}
    ok, bad = rows["ts1"], rows["ts2"]
    # the ledger's branch is the label, not `if compliant` / `else`
    assert ok["branch"] == "达到或优于目标类别" and bad["branch"] == "劣于目标类别"
    assert json.loads(ok["trace"])["branch_label"] == "达到或优于目标类别"
    assert json.loads(bad["trace"])["branch_label"] == "劣于目标类别"
    assert (ok["payer"], bad["payer"]) == ("wuhan_jkq", "xiantao")
    assert ok["reason"] is None  # a label is a reason only for a zero amount


def test_zero_amount_on_a_labelled_branch_gives_the_label_as_reason(tmp_path) -> None:
    """With annual_amount 0 a compliant month is a 0.00 line whose reason is the branch label."""
    con = new_store(tmp_path)
    add_section(con, "ts1", "tongshun", party="xiantao")
    for ind, v in (("COD", "18.0"), ("NH3N", "0.50"), ("TP", "0.10")):
        add_sample(con, "ts1", date(2022, 6, 10), ind, v)
    rows = run_rules(con, RULES / "tongshun.rule", date(2022, 6, 1), date(2022, 6, 1),
                     {"zero": {"annual_amount": "0万"}})
    [zero] = [r for r in rows if r["scenario"] == "zero"]
    assert zero["amount"] == D("0.00") and zero["reason"] == "达到或优于目标类别"
