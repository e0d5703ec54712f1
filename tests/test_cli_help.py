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
