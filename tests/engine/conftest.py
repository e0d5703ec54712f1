from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import engine_toy as toy
import pytest

from compensation.api import Store
from compensation.store import open_store


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised store per session (init runs every SQL file, which takes seconds)."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    connection = open_store(path)
    connection.close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, template_db: Path) -> Path:
    path = tmp_path / "engine.duckdb"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_store(db_path)
    toy.setup_store(connection)
    yield connection
    connection.close()


@pytest.fixture
def store(db_path: Path) -> Store:
    """The toy's store through the API: each step opens and closes its own connection."""
    result = Store(db_path)
    with result.writing() as connection:
        toy.setup_store(connection)
    return result


@pytest.fixture(scope="module")
def loaded_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo registry and monitoring data loaded through the API; the correction batch is not."""
    from compensation.api import Store

    data = Path(__file__).resolve().parents[2] / "data"
    path = tmp_path_factory.mktemp("e2e") / "loaded.duckdb"
    shutil.copyfile(template_db, path)
    store = Store(path)
    store.load_parties(data / "registry" / "parties.csv")
    store.load_sections(data / "registry" / "sections.csv")
    store.load_samples(sorted(p for p in (data / "monitoring").iterdir()
                              if p.suffix in {".csv", ".xlsx"}))
    return path
