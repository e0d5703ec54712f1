"""Shared fixtures: a real DuckDB file with a small registry, and helpers to write input files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from compensation.ingest import load_parties, load_sections
from compensation.store import open_store

PARTIES = """party_id,name,kind,note
city_treasury,市财政,treasury,
jiangan,江岸区,district,
"""

SECTIONS = """\
section_id,name,river,bank,water_body,role,party_id,control_id,river_order,schemes,\
valid_from,valid_to,note
ctl,水洪中心,长江,left,river,control,,,1,yangtze_han,2018-01-01,,
s1,滠水入长江口,长江,left,river,assessed,jiangan,ctl,2,yangtze_han,2018-01-01,2024-12-31,
lk,道观河水库,道观河,,lake,assessed,jiangan,,1,daoguan;tongshun,2020-01-01,,
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="session")
def registry_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with the small registry, initialised once (schema init takes seconds)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "store.duckdb"
    connection = open_store(path)
    load_parties(connection, write(folder / "parties.csv", PARTIES))
    load_sections(connection, write(folder / "sections.csv", SECTIONS))
    connection.close()
    return path


@pytest.fixture
def store_path(registry_store: Path, tmp_path: Path) -> Path:
    """A private copy of the registry store for one test."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(registry_store, path)
    return path


@pytest.fixture
def con(store_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_store(store_path)
    yield connection
    connection.close()


def sample_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT section_id, strftime(sampled_at, '%Y-%m-%d %H:%M'), indicator, value, below_dl, "
        "detection_limit, flag, row_no FROM samples ORDER BY row_no, indicator").fetchall()


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(sample rows, sample batches): both must stay unchanged after a refused load."""
    samples = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
    batches = con.execute("SELECT count(*) FROM batches WHERE kind = 'samples'").fetchall()[0][0]
    return samples, batches
