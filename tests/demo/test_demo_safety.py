"""`ecocomp demo` never deletes a database it did not build, and a failed build changes nothing."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import duckdb
import pytest

from compensation.demo import BUILT_BY, DemoContext, build_demo
from compensation.errors import EcocompError


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mark(ctx: DemoContext) -> str:
    ctx.con.execute("CREATE TABLE demo_mark AS SELECT 1 AS n")
    return "marked"


def _boom(ctx: DemoContext) -> str:
    ctx.con.execute("CREATE TABLE half_done AS SELECT 1 AS n")
    raise EcocompError("第二步失败")


def test_refuses_to_replace_a_database_it_did_not_build(tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE accounts AS SELECT 42 AS balance")
    con.close()
    before = _sha(db)
    done = subprocess.run(["ecocomp", "--db", str(db), "demo", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"错误：数据库 {db} 已存在且不是由 ecocomp demo 生成的，演示不会删除它")
    assert "Traceback" not in done.stderr
    assert _sha(db) == before


def test_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.duckdb"
    db.write_text("my notes", encoding="utf-8")
    with pytest.raises(EcocompError, match="不是由 ecocomp demo 生成的"):
        build_demo(tmp_path / "o", db, steps=[])
    assert db.read_text(encoding="utf-8") == "my notes"


def test_a_failed_step_leaves_the_previous_demo_database_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "o" / "ecocomp.duckdb"  # the default place
    lines: list[str] = []
    report = build_demo(tmp_path / "o", None, steps=[("标记", _mark), ("二", lambda ctx: "done")],
                        echo=lines.append)
    assert [(s.name, s.message) for s in report.steps] == [("标记", "marked"), ("二", "done")]
    assert lines == ["[1] 标记：marked", "[2] 二：done"]
    assert report.db_path == db and report.summary_lines()[-1] == f"数据库：{db}"
    before = _sha(db)
    with pytest.raises(EcocompError, match="第二步失败"):
        build_demo(tmp_path / "o", None, steps=[("标记", _mark), ("失败", _boom)])
    assert _sha(db) == before
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["ecocomp.duckdb"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'built_by'").fetchall() == [(BUILT_BY,)]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
              .fetchall()}
    con.close()
    assert "demo_mark" in tables and "half_done" not in tables
    # a successful rebuild replaces the earlier demo database
    build_demo(tmp_path / "o", None, steps=[])
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'demo_mark'").fetchall() == [(0,)]
    con.close()


def test_missing_data_directory_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(EcocompError) as err:
        build_demo(tmp_path / "o", None, data_dir=tmp_path / "nowhere")
    assert str(err.value).startswith(
        f"找不到演示数据目录 {tmp_path / 'nowhere'}（应包含 registry/sections.csv）")
    assert not (tmp_path / "o").exists()
