"""Scenario tests import their helpers from this folder; stores are built once per session."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scenario_support import REPO, build_store, read_only  # noqa: E402


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("scn") / "small.duckdb")


@pytest.fixture(scope="session")
def two_year_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("scn2") / "two.duckdb", years=(2022, 2023))


@pytest.fixture()
def con(small_db: Path):
    connection = read_only(small_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_2022_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo registry and the 2022 monitoring file, loaded through ingest."""
    from compensation.ingest import load_parties, load_samples, load_sections
    from compensation.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = open_store(path)
    load_parties(con, REPO / "data" / "registry" / "parties.csv")
    load_sections(con, REPO / "data" / "registry" / "sections.csv")
    load_samples(con, [REPO / "data" / "monitoring" / "2022.csv"])
    con.close()
    return path
