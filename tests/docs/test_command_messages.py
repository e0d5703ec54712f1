"""What the commands say, as real processes on the session's demo (built outside the repository).

Expected words come from data/registry/sections.csv read here with the csv module, not from ecocomp.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import user_env

REPO = Path(__file__).resolve().parents[2]
KNOWN = "已知的方案：daoguan、tongshun、yangtze_han。"
# the demo's database also holds runs of the two example schemes (rules/examples/)
KNOWN_IN_DEMO = ("已知的方案：daoguan、daoguan_agreement_year、tongshun、tongshun_quarter、"
                 "yangtze_han。")


def _sections(scheme: str) -> list[dict[str, str]]:
    with (REPO / "data" / "registry" / "sections.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return [r for r in rows if scheme in re.split(r"[;|, ]+", r["schemes"])]


@pytest.fixture
def demo_copy(demo_build, tmp_path) -> Path:
    assert demo_build.returncode == 0, demo_build.stderr
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_build.db, path)
    return path


def _ecocomp(ecocomp: str, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([ecocomp, *args], cwd=cwd, env=user_env(**env), capture_output=True,
                          timeout=600, check=False)


def test_a_run_without_data_says_how_many_sections_had_none(ecocomp, demo_copy, tmp_path):
    # the demo's data end in December 2024: in January 2025 no section has a sample
    done = _ecocomp(ecocomp, tmp_path, "--db", str(demo_copy), "run", "--scheme", "all",
                    "--period", "2025-01")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    tongshun = _sections("tongshun")
    yangtze = _sections("yangtze_han")
    assert (len(tongshun), len(yangtze)) == (3, 20)  # 17 assessed + 3 control sections
    said = {line.split("方案 ", 1)[1].split(" ", 1)[0]: line for line in lines}
    names = "、".join(r["name"] for r in sorted(tongshun, key=lambda r: int(r["river_order"])))
    assert said["tongshun"].endswith(
        f"金额合计 0.00 万元。注意：3 个断面无监测数据（{names}），"
        "其台账金额记为 0；载入数据后请重新运行。"
    )
    note = said["yangtze_han"].split("。注意：", 1)[1]
    assert note.startswith("20 个断面无监测数据（") and "等）" in note
    shown = note.split("（", 1)[1].split("等）", 1)[0].split("、")
    assert len(shown) == 3 and set(shown) <= {r["name"] for r in yangtze}
    # a month with every section measured says nothing more
    done = _ecocomp(ecocomp, tmp_path, "--db", str(demo_copy), "run", "--scheme", "tongshun",
                    "--period", "2024-03")
    assert "注意" not in done.stdout.decode("utf-8")


def test_a_mistyped_scheme_is_no_such_scheme_with_the_known_ones(ecocomp, demo_build, tmp_path):
    db = str(demo_build.db)
    for args in (["accounts", "--scheme", "yangtze", "--period", "2024-03"],
                 ["settle", "--scheme", "yangtze", "--year", "2024"],
                 ["bulletin", "--scheme", "yangtze", "--period", "2024-03", "--out", "b.html"]):
        done = _ecocomp(ecocomp, tmp_path, "--db", db, *args)
        stderr = done.stderr.decode("utf-8")
        assert done.returncode != 0
        assert stderr.startswith("错误：没有方案“yangtze”：规则目录 "), stderr
        assert f"数据库中也没有其核算记录；{KNOWN_IN_DEMO}" in stderr
    for args in (["scenario", "list", "--scheme", "yangtze"],
                 ["run", "--scheme", "yangtze", "--period", "2024-03"]):
        done = _ecocomp(ecocomp, tmp_path, "--db", db, *args)
        assert f"请检查 --rules 或 ECOCOMP_RULES；{KNOWN}" in done.stderr.decode("utf-8")
    assert not (tmp_path / "b.html").exists()


def test_json_and_csv_together_are_refused(ecocomp, demo_build, tmp_path) -> None:
    done = _ecocomp(ecocomp, tmp_path, "--db", str(demo_build.db), "accounts", "--scheme",
                    "tongshun", "--period", "2024-03", "--json", "--csv")
    assert done.returncode != 0 and done.stdout == b""
    assert done.stderr.decode("utf-8") == (
        "错误：--json 和 --csv 只能选一个：--json 输出 JSON，--csv 输出 CSV。"
        "(--json and --csv cannot be used together)\n"
    )


def test_accounts_csv_is_utf8_with_bom(ecocomp, demo_build, tmp_path) -> None:
    done = _ecocomp(ecocomp, tmp_path, "--db", str(demo_build.db), "accounts", "--scheme",
                    "tongshun", "--period", "2024-03", "--csv", "--by", "party",
                    PYTHONIOENCODING="latin-1")  # a terminal that is not UTF-8 changes nothing
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\xef\xbb\xbfparty,party_name,received,paid,net\n")
    rows = list(csv.DictReader(done.stdout.decode("utf-8-sig").splitlines()))
    assert {r["party_name"] for r in rows} == {"仙桃市", "武汉经济技术开发区管委会"}


def test_rules_check_finds_rules_as_run_does(ecocomp, tmp_path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "broken.rule").write_text("scheme broken\n  nonsense here\n", encoding="utf-8")
    # ECOCOMP_RULES, from a folder without ./rules: the broken file is found and named
    done = _ecocomp(ecocomp, outside, "rules", "check", ECOCOMP_RULES=str(rules))
    assert done.returncode != 0
    assert f"{rules / 'broken.rule'}:" in done.stderr.decode("utf-8")
    # --rules wins over ECOCOMP_RULES
    done = _ecocomp(ecocomp, outside, "rules", "check", "--rules", str(REPO / "rules"),
                    ECOCOMP_RULES=str(rules))
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert done.stdout.decode("utf-8").startswith(f"规则检查通过（{REPO / 'rules'}，")
    # nothing set and no ./rules: the rules beside the package, as `run` uses them
    done = _ecocomp(ecocomp, outside, "rules", "check")
    assert done.returncode == 0 and "规则检查通过" in done.stdout.decode("utf-8")
