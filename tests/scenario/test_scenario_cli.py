"""`ecocomp scenario …`: in-process with CliRunner, and as a real process for exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner
from scenario_support import REPO

from compensation.cli import cli

ECOCOMP = shutil.which("ecocomp") or "ecocomp"


def _invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), "scenario", *args], catch_exceptions=False)


def test_compare_json(small_db: Path) -> None:
    result = _invoke(small_db, "compare", "base", "target_iii", "--scheme", "tongshun",
                     "--years", "2023", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    totals = {t["scenario"]: t["net"] for t in doc["totals"]}
    assert totals == {"base": "2500000.00", "target_iii": "2250000.00"}
    assert doc["direction"]["first"] == "wuhan_jkq"


def test_compare_text_and_out(small_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp.xlsx"
    result = _invoke(small_db, "compare", "base", "amount_500", "--scheme", "tongshun",
                     "--years", "2023", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2023 年：base 250.00；amount_500 416.67（较基准 +166.67）" in result.output
    assert "2023-03 base 0.00" in result.output and "断面甲：氨氮Ⅴ类（目标Ⅳ类）" in result.output
    assert out.is_file() and f"已写出：{out}" in result.output


def test_sweep_break_even_text(small_db: Path) -> None:
    result = _invoke(small_db, "sweep", "--scheme", "tongshun",
                     "--param", "annual_amount=0万..300万/100万", "--param", "target=IV",
                     "--years", "2023", "--break-even", "annual_amount")
    assert result.exit_code == 0, result.output
    assert "4 个情景一次查询算完" in result.output
    assert "平衡点 annual_amount（target=Ⅳ）：272727.28 元" in result.output


def test_list(small_db: Path) -> None:
    result = _invoke(small_db, "list", "--scheme", "tongshun")
    assert "target_iii（tongshun）" in result.output and "yangtze_band_5" not in result.output


def test_real_process_risk_html(two_year_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "risk.html"
    done = subprocess.run(
        [ECOCOMP, "--db", str(two_year_db), "scenario", "risk", "base", "target_iii",
         "--scheme", "tongshun", "--years-ahead", "2", "--draws", "100", "--seed", "9",
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    # the agreement's own period (from 2022-06), as compare shows it; whole years resampled
    assert "历史期间：2022年6月至2023年12月" in done.stdout
    assert "重抽样取自2023年1月起完整协议年度的 24 个断面·期间" in done.stdout
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "历史期间：2022年6月至2023年12月" in html


def test_real_process_errors_are_sentences(small_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('description = "x"\n[parameters]\ntarget = "500万"\n', encoding="utf-8")
    done = subprocess.run(
        [ECOCOMP, "--db", str(small_db), "scenario", "compare", "base", str(bad),
         "--scheme", "tongshun", "--years", "2023"],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"错误：情景文件 {bad} 第 3 行：参数“target”应为水质类别")


def test_missing_database_is_a_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "scenario",
                                      "compare", "base", "target_iii", "--scheme", "tongshun",
                                      "--years", "2023"])
    assert result.exit_code != 0
    assert f"数据库 {tmp_path / 'none.duckdb'} 不存在" in str(result.exception)
    assert not (tmp_path / "none.duckdb").exists()


def test_bad_years(small_db: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(small_db), "scenario", "compare", "base",
                                      "target_iii", "--scheme", "tongshun", "--years", "2023-x"])
    assert result.exit_code != 0
    assert "--years 写法“2023-x”不对" in str(result.exception)
