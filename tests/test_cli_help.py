"""Every command answers --help (the CLI reference stays complete), and errors are sentences."""

from __future__ import annotations

import subprocess

import click
from click.testing import CliRunner

from compensation.cli import cli


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, path))
    return found


def test_every_command_has_help_text() -> None:
    runner = CliRunner()
    commands = _all_commands(cli)
    assert ("init",) in commands
    for path in commands:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert (command.help or "").strip(), f"ecocomp {' '.join(path)} has no help text"


def test_init_twice_is_harmless_and_records_the_schema_version(tmp_path) -> None:
    db = tmp_path / "a.duckdb"
    for _ in range(2):
        done = subprocess.run(
            ["ecocomp", "--db", str(db), "init"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "结构版本 2" in done.stdout
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchall() == [("2",)]
    con.close()


def test_ecocomp_db_variable_chooses_the_database(tmp_path) -> None:
    db = tmp_path / "from_env.duckdb"
    env = {**__import__("os").environ, "ECOCOMP_DB": str(db)}
    done = subprocess.run(["ecocomp", "init"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert db.exists()


def test_reading_a_database_that_does_not_exist_is_a_sentence(tmp_path) -> None:
    import pytest

    from compensation.errors import EcocompError
    from compensation.store import open_store

    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(EcocompError) as err:
        open_store(missing, read_only=True)
    assert str(err.value) == (
        f"数据库文件 {missing} 不存在；请先用 ecocomp init 或 ecocomp load 建立它，"
        "或用 --db 指定已有的数据库。"
    )
    assert not missing.exists()


def test_a_store_made_by_older_sql_is_brought_up_to_date_when_opened(tmp_path) -> None:
    """Macros changed in a new version reach existing databases without `ecocomp init`."""
    import duckdb

    from compensation.store import open_store
    from compensation.store.connection import sql_fingerprint

    db = tmp_path / "old.duckdb"
    open_store(db).close()
    con = duckdb.connect(str(db))
    # as if made by an older ecocomp: a different macro body and another fingerprint
    con.execute("CREATE OR REPLACE MACRO ediv(a, b) AS 42")
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'sql_sha256'")
    con.close()
    con = open_store(db)
    try:
        assert con.execute("SELECT ediv(1, 4)").fetchall()[0][0] == __import__("decimal").Decimal(
            "0.250000000000"
        )
        assert con.execute("SELECT value FROM meta WHERE key = 'sql_sha256'").fetchall() == [
            (sql_fingerprint(),)
        ]
    finally:
        con.close()


def test_a_reader_brings_an_older_store_up_to_date_first(demo_build, tmp_path, ecocomp) -> None:
    """A read-only command on a store made by an older ecocomp (without the columns this version
    added to `runs`, other SQL) upgrades it and prints what it prints on an up-to-date store."""
    import shutil

    import duckdb

    from compensation.store.connection import sql_fingerprint

    assert demo_build.returncode == 0, demo_build.stderr
    current, older = tmp_path / "current.duckdb", tmp_path / "older.duckdb"
    shutil.copyfile(demo_build.db, current)
    shutil.copyfile(demo_build.db, older)
    con = duckdb.connect(str(older))
    con.execute("ALTER TABLE runs DROP COLUMN year_begins")
    con.execute("ALTER TABLE runs DROP COLUMN period_value")
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'sql_sha256'")
    con.close()
    args = ["accounts", "--scheme", "yangtze_han", "--period", "2024-03"]
    want = subprocess.run([ecocomp, "--db", str(current), *args], capture_output=True, text=True,
                          check=False)
    got = subprocess.run([ecocomp, "--db", str(older), *args], capture_output=True, text=True,
                         check=False)
    assert want.returncode == 0, want.stderr
    assert (got.returncode, got.stderr, got.stdout) == (0, want.stderr, want.stdout)
    con = duckdb.connect(str(older), read_only=True)
    try:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'runs'").fetchall()}
        fingerprint = con.execute(
            "SELECT value FROM meta WHERE key = 'sql_sha256'").fetchall()[0][0]
    finally:
        con.close()
    assert {"year_begins", "period_value"} <= columns
    assert fingerprint == sql_fingerprint()
