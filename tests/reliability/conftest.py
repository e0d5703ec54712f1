"""Fixtures for the reliability tests: the demo registry and the full demo, built once each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_support import private_copy

from compensation.demo import (
    STEPS,
    build_demo,
    step_load_corrections,
    step_load_monitoring,
    step_load_registry,
)

LOADING = (step_load_registry, step_load_monitoring, step_load_corrections)


@pytest.fixture(scope="session")
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the demo registry only (parties and sections), built once."""
    folder = tmp_path_factory.mktemp("registry")
    db = folder / "registry.duckdb"
    build_demo(folder / "out", db, steps=[s for s in STEPS if s[1] is step_load_registry])
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data loaded (registry, 2018–2024 monitoring, correction), no runs yet; built once.

    Only the loading steps: the tests themselves run, kill and read the runs.
    """
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    build_demo(folder / "out", db, steps=[s for s in STEPS if s[1] in LOADING])
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
