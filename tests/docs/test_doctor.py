"""`ecocomp doctor` as a real process: one line per item, exit 1 only when the core lacks something.

Required: Python, the declared packages, valid rule files, a database that opens (when it exists).
Optional (said, exit 0): no database yet, a database locked by another process, no CJK font, no
Chromium, no LibreOffice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compensation import doctor
from tests.conftest import ecocomp_executable

REPO = Path(__file__).resolve().parents[2]


def _doctor(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ecocomp_executable(), *args, "doctor"], capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, **(env or {})}, timeout=300,
    )


def _line(done: subprocess.CompletedProcess, name: str) -> str:
    found = [line for line in done.stdout.splitlines() if line.split("] ", 1)[-1].startswith(name)]
    assert len(found) == 1, done.stdout
    return found[0]


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("doctor") / "fresh.duckdb"
    subprocess.run([ecocomp_executable(), "--db", str(path), "init"], check=True,
                   capture_output=True)
    return path


def test_a_sound_environment_passes_with_one_line_per_item(fresh_db, tmp_path) -> None:
    done = _doctor(tmp_path, "--db", str(fresh_db), env={"ECOCOMP_RULES": str(REPO / "rules")})
    assert done.returncode == 0, done.stdout + done.stderr
    names = [line.split("] ", 1)[1].split("：", 1)[0] for line in done.stdout.splitlines()]
    assert names == ["Python", "Python 包", "规则文件", "数据库", "图表中文字体",
                     "Chromium（PDF 通报）", "LibreOffice（docx 转 PDF）"]
    version = ".".join(str(n) for n in sys.version_info[:3])
    assert _line(done, "Python：") == f"[正常] Python：{version}（需要 ≥ 3.11）"
    assert _line(done, "规则文件") == (
        f"[正常] 规则文件：{REPO / 'rules'}：daoguan、tongshun、yangtze_han，检查通过"
    )
    assert _line(done, "数据库") == f"[正常] 数据库：{fresh_db}：0 个数据批次，0 次运行，未被占用"
    assert "DuckDB " in _line(done, "Python 包") and done.stderr == ""


def test_missing_optional_things_are_said_without_failing(tmp_path) -> None:
    done = _doctor(tmp_path, "--db", str(tmp_path / "none.duckdb"),
                   env={"ECOCOMP_RULES": str(REPO / "rules"),
                        "ECOCOMP_CHROMIUM": "no-such-browser-anywhere"})
    assert done.returncode == 0, done.stdout
    assert _line(done, "数据库") == (
        f"[注意] 数据库：{tmp_path / 'none.duckdb'} 尚未建立；"
        "用 ecocomp init 建库，或 ecocomp demo 建演示库"
    )
    chromium = _line(done, "Chromium")
    assert chromium.startswith("[注意] Chromium（PDF 通报）：未找到；apt-get install chromium")
    assert not (tmp_path / "none.duckdb").exists()  # doctor never creates the database


def test_a_database_held_by_another_process_is_reported_not_waited_for(fresh_db, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " time.sleep(120)"), str(fresh_db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = _doctor(tmp_path, "--db", str(fresh_db), env={"ECOCOMP_LOCK_WAIT": "30"})
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 0, done.stdout
    assert _line(done, "数据库").startswith(
        f"[注意] 数据库：{fresh_db} 正被另一个进程写入（已加锁）；"
    )


def test_bad_rules_and_an_unreadable_database_fail(tmp_path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.rule").write_text("scheme broken\n  this is not a rule\n", encoding="utf-8")
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    done = _doctor(tmp_path, "--db", str(junk), env={"ECOCOMP_RULES": str(rules)})
    assert done.returncode == 1, done.stdout
    assert _line(done, "规则文件").startswith(f"[缺少] 规则文件：{rules} 中有 ")
    assert "第一个：" in _line(done, "规则文件") and "broken.rule:" in _line(done, "规则文件")
    assert _line(done, "数据库").startswith(f"[缺少] 数据库：{junk} 无法打开：")
    assert "Traceback" not in done.stdout + done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _doctor(tmp_path, "--db", str(tmp_path / "absent.duckdb"),
                   env={"ECOCOMP_RULES": str(empty)})
    assert done.returncode == 1
    assert _line(done, "规则文件") == (
        f"[缺少] 规则文件：规则目录 {empty} 中没有 .rule 文件；"
        "用 --rules 或环境变量 ECOCOMP_RULES 指向规则目录（仓库的 rules/）"
    )


def test_a_declared_package_not_installed_fails_the_core(monkeypatch) -> None:
    # in-process: a package the install declares but that is not installed (as pyarrow was)
    monkeypatch.setattr(doctor, "_requirements", lambda: ["duckdb", "no-such-package-ecocomp"])
    check = doctor.check_packages()
    assert not check.ok and check.required
    assert check.line.startswith("[缺少] Python 包：DuckDB ")
    assert check.line.endswith("未安装：no-such-package-ecocomp；在仓库目录运行 pip install -e .")
    assert doctor.exit_status([check]) == 1
