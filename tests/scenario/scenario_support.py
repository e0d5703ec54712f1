"""A small real Tongshun store for scenario tests: two inflow sections, one sample per month.

Values sit at assessment precision, so each monthly mean is the sample itself. Default month:
COD 18 (Ⅲ), NH3N 0.50 (Ⅱ), TP 0.10 (Ⅱ) → class Ⅲ, compliant with a Ⅳ and a Ⅲ target.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from compensation.store import open_store, transaction

AS_OF = datetime(2030, 1, 1)
SECTIONS = {"ts_a": "断面甲", "ts_b": "断面乙"}
DEFAULT = {"COD": "18", "NH3N": "0.50", "TP": "0.100"}
# 2023 departures: A in March NH3N Ⅴ (fails Ⅳ); B in May COD Ⅳ (fails only Ⅲ); B in July TP Ⅴ.
EXCEPTIONS_2023 = {
    ("ts_a", 3): {"NH3N": "1.80"},
    ("ts_b", 5): {"COD": "25"},
    ("ts_b", 7): {"TP": "0.350"},
}
REPO = Path(__file__).resolve().parents[2]


def build_store(path: Path, years: tuple[int, ...] = (2023,)) -> Path:
    """Parties, the two sections and monthly samples for `years` (only 2023 departs)."""
    con = open_store(path)
    rows = []
    for year in years:
        for month in range(1, 13):
            for section in SECTIONS:
                values = dict(DEFAULT)
                if year == 2023:
                    values.update(EXCEPTIONS_2023.get((section, month), {}))
                for indicator, value in values.items():
                    rows.append((section, datetime(year, month, 10, 9), indicator,
                                 Decimal(value)))
    with transaction(con):
        con.execute("INSERT INTO batches VALUES (1, 'samples', 't.csv', 'x', 0, ?, NULL, NULL)",
                    [datetime(2000, 1, 1)])
        con.execute("INSERT INTO parties (party_id, name, kind, note, batch_id) VALUES "
                    "('wuhan_jkq', '武汉经济技术开发区管委会', 'city', NULL, NULL), "
                    "('xiantao', '仙桃市', 'city', NULL, NULL)")
        for order, (section, name) in enumerate(SECTIONS.items(), start=1):
            con.execute(
                "INSERT INTO sections (section_id, name, river, bank, water_body, role, party_id,"
                " control_id, river_order, schemes, valid_from) VALUES (?, ?, '通顺河', NULL, "
                "'river', 'assessed', 'xiantao', NULL, ?, ['tongshun'], ?)",
                [section, name, order, date(2000, 1, 1)],
            )
        for number, (section, at, indicator, value) in enumerate(rows, start=1):
            con.execute(
                "INSERT INTO samples (batch_id, row_no, section_id, sampled_at, indicator, value,"
                " below_dl, detection_limit, flag, source) VALUES (1, ?, ?, ?, ?, ?, false, NULL,"
                " NULL, 'manual')",
                [number, section, at, indicator, value],
            )
    con.close()
    return path


def write_scenario(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)
