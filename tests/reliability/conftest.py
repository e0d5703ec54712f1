"""Fixtures for the reliability tests: the demo registry and the full demo, built once each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_support import private_copy

from compensation.demo import STEPS, build_demo


@pytest.fixture(scope="session")
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the demo registry only (parties and sections), built once."""
    folder = tmp_path_factory.mktemp("registry")
    db = folder / "registry.duckdb"
    build_demo(folder / "out", db, steps=[STEPS[0]])
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo database (registry, 2018–2024 monitoring, correction), built once."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    build_demo(folder / "out", db)
    return db


@pytest.fixture
def registry_copy(registry_db: Path, tmp_path: Path) -> Path:
    return private_copy(registry_db, tmp_path)


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    return private_copy(demo_db, tmp_path)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "files"
    folder.mkdir()
    yield folder
