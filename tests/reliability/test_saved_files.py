"""Files people save and files we write: a rule file with Notepad's BOM is read as if it had none,
and every output gets the permissions the user's umask gives (not 0600 from a temporary file).

Real `ecocomp` processes on a copy of the demo database.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from rel_support import REPO, ecocomp_exe, env_with

BOM = "\ufeff"


def ecocomp(db: Path | None, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    head = [ecocomp_exe()] + (["--db", str(db)] if db else [])
    return subprocess.run([*head, *args], capture_output=True, text=True, timeout=600,
                          env=env_with(), cwd=REPO, umask=umask)


def ledger(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT rule, period_start, section_id, payer, payee, amount, branch FROM ledger "
            "ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_a_rule_file_with_a_bom_checks_and_runs_like_one_without(
        demo_copy: Path, tmp_path: Path) -> None:
    plain_dir, bom_dir = tmp_path / "plain", tmp_path / "bom"
    shutil.copytree(REPO / "rules", plain_dir)
    shutil.copytree(REPO / "rules", bom_dir)
    rule = bom_dir / "daoguan.rule"
    rule.write_bytes(b"\xef\xbb\xbf" + rule.read_bytes())  # as Windows Notepad saves UTF-8
    assert rule.read_bytes()[:3] == b"\xef\xbb\xbf"

    checked = ecocomp(None, "rules", "check", "--json", str(rule))
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == []

    # a mistake in a BOM file is placed where it is in the editor (the BOM is not a column)
    broken = tmp_path / "broken.rule"
    text = (REPO / "rules" / "daoguan.rule").read_text(encoding="utf-8")
    bad = text.replace("period year", "period fortnight", 1)
    broken.write_text(BOM + bad, encoding="utf-8")
    line = bad.split("\n").index("  period fortnight") + 1
    refused = ecocomp(None, "rules", "check", "--json", str(broken))
    assert refused.returncode == 2
    [found] = json.loads(refused.stdout)
    assert (found["line"], found["col"]) == (line, 10)

    other = tmp_path / "other.duckdb"
    shutil.copy(demo_copy, other)
    for db, folder in ((demo_copy, bom_dir), (other, plain_dir)):
        done = ecocomp(db, "run", "--scheme", "daoguan", "--year", "2023",
                       "--as-of", "2099-01-01T00:00", "--rules", str(folder))
        assert done.returncode == 0, done.stderr
    lines = ledger(demo_copy)
    assert lines and lines == ledger(other)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_outputs_get_the_users_umask(demo_copy: Path, tmp_path: Path, umask: int,
                                     mode: int) -> None:
    done = ecocomp(demo_copy, "run", "--scheme", "daoguan", "--year", "2023")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    commands = [
        ("export", "districts", "--year", "2023", "--out", str(out / "districts")),
        ("export", "template", "--rows", "5", "--out", str(out / "template.xlsx")),
        ("bulletin", "--period", "2023-12", "--format", "md", "--out", str(out / "b.md")),
    ]
    for args in commands:
        result = ecocomp(demo_copy, *args, umask=umask)
        assert result.returncode == 0, (args, result.stderr)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) >= 3 and any(p.suffix == ".xlsx" and p.parent.name == "districts"
                                   for p in files)
    # 0666 & ~umask: 022 → 0644, 027 → 0640 (a temporary file from mkstemp would be 0600)
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == dict.fromkeys(
        [p.name for p in files], mode)
    assert not [p for p in out.rglob("*.part")]
