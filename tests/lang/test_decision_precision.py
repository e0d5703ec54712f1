"""Interval endpoints are exact: r = ±10% and r = 0 with CODMn limit 6 (thirds in C/S).

CPI = (1/4)(COD/20 + CODMn/6 + NH3-N/1 + TP/0.2) with class III limits, so
240·CPI = 3·COD + 10·CODMn + 60·NH3-N + 300·TP, worked out by hand for each section below.
Arithmetic carries 12 decimals (C/S = 4.1/6 is not a finite decimal), decisions are taken at 10.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

from helpers import RULES, add_sample, add_section, new_store, run_rules

JAN = date(2024, 1, 10)


def put(con, section: str, cod: str, codmn: str, nh3n: str, tp: str) -> None:
    for ind, v in (("COD", cod), ("CODMn", codmn), ("NH3N", nh3n), ("TP", tp)):
        add_sample(con, section, JAN, ind, v)


def test_cpi_band_endpoints_are_decided_exactly_with_thirds(tmp_path):
    con = new_store(tmp_path)
    add_section(con, "ctl", "yangtze_han", role="control")
    add_section(con, "ctl2", "yangtze_han", role="control")
    for sid, party, control in [
        ("up", "hanyang", "ctl"),
        ("down", "jianghan", "ctl"),
        ("zero", "jiangan", "ctl"),
        ("down2", "huangpi", "ctl2"),
    ]:
        add_section(con, sid, "yangtze_han", party=party, control=control)
    # ctl: 39.6 + 41 + 32.4 + 36 = 149.0 (4.1/6 = 0.68333…)
    put(con, "ctl", "13.2", "4.1", "0.54", "0.120")
    # up: 45.9 + 49 + 33 + 36 = 163.9 = 1.1 × 149.0 → r = +10% exactly → (0, band] → −100万
    put(con, "up", "15.3", "4.9", "0.55", "0.120")
    # down: 32.1 + 39 + 27 + 36 = 134.1 = 0.9 × 149.0 → r = −10% exactly → [−band, 0] → +50万
    put(con, "down", "10.7", "3.9", "0.45", "0.120")
    # zero: 39 + 44 + 30 + 36 = 149.0 (4.4/6 = 0.7333…) → r = 0 → [−band, 0] → +50万
    put(con, "zero", "13.0", "4.4", "0.50", "0.120")
    # ctl2: 42.6 + 31 + 32.4 + 36 = 142.0 (3.1/6 = 0.51666…); down2: 30 + 30 + 31.8 + 36 =
    # 127.8 = 0.9 × 142.0 → r = −10% exactly (12-decimal quotients alone gave −0.100000000001,
    # i.e. 下降超过10% and 100万) → [−band, 0] → +50万
    put(con, "ctl2", "14.2", "3.1", "0.54", "0.120")
    put(con, "down2", "10.0", "3.0", "0.53", "0.120")
    rows = {
        r["section_id"]: r
        for r in run_rules(con, RULES / "yangtze_han.rule", date(2024, 1, 1), date(2024, 1, 1))
        if r["rule"] == "cpi_band"
    }
    got = {s: (r["payer"], r["payee"], r["amount"], r["branch"]) for s, r in rows.items()}
    assert got == {
        "up": ("hanyang", "city_treasury", D("1000000.00"), "(0, band]"),
        "down": ("city_treasury", "jianghan", D("500000.00"), "[-band, 0]"),
        "zero": ("city_treasury", "jiangan", D("500000.00"), "[-band, 0]"),
        "down2": ("city_treasury", "huangpi", D("500000.00"), "[-band, 0]"),
    }
    # the traced r is the carried value: within 1e-11 of the exact ratio (the 10-decimal rounding
    # step is 1e-10), so rounding at 10 decimals gives the exact ratio
    for sid, exact_r in (("up", D("0.1")), ("down", D("-0.1")), ("zero", D(0)),
                         ("down2", D("-0.1"))):
        r = D(json.loads(rows[sid]["trace"])["lets"]["r"])
        assert abs(r - exact_r) < D("1e-11"), (sid, r)
