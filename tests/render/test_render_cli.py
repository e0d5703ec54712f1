"""`ecocomp bulletin` and `ecocomp export ...` as real processes through the console script."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from compensation.cli import cli
from compensation.errors import EcocompError


def ecocomp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ecocomp", *args], capture_output=True, text=True, check=False,
                          timeout=300)


def test_bulletin_md_and_html_through_the_command_line(store_path: Path, tmp_path) -> None:
    md = tmp_path / "out" / "2018-01.md"
    done = ecocomp("--db", str(store_path), "bulletin", "--period", "2018-01", "--format", "md",
                   "--out", str(md), "--date", "2018-02-05")
    assert done.returncode == 0, done.stderr
    assert f"已生成 2018-01 月度通报：{md}" in done.stdout
    golden = Path(__file__).parent / "golden" / "bulletin_2018-01.md"
    assert md.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")
    html = tmp_path / "2018-02.html"
    done = ecocomp("--db", str(store_path), "bulletin", "--period", "2018-02", "--scheme",
                   "yangtze_han", "--format", "html", "--out", str(html))
    assert done.returncode == 0, done.stderr
    text = html.read_text(encoding="utf-8")
    assert "长江汉江跨区断面水质考核奖惩和生态补偿" in text
    assert "通顺河流域跨市断面水质考核生态补偿</h3>" not in text


def test_bulletin_errors_are_sentences(store_path: Path, tmp_path) -> None:
    """In-process (CliRunner): the library raises the sentence that `main` prints."""
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(store_path), "bulletin", "--period", "2018/01",
                                 "--format", "md", "--out", str(tmp_path / "x.md")])
    assert isinstance(result.exception, EcocompError)
    assert str(result.exception) == (
        "通报期间“2018/01”的格式不对：应为 年-月，例如 2018-01。(period must look like YYYY-MM)"
    )
    result = runner.invoke(cli, ["--db", str(store_path), "bulletin", "--period", "2018-01",
                                 "--scheme", "daoguan,yangtze", "--format", "md", "--out",
                                 str(tmp_path / "x.md")])
    assert isinstance(result.exception, EcocompError)
    assert str(result.exception) == (  # daoguan has a rule file; yangtze is nowhere
        "没有方案“yangtze”：规则目录 rules 中没有 yangtze.rule，数据库中也没有其核算记录；"
        "已知的方案：daoguan、tongshun、yangtze_han。(no such scheme yangtze)"
    )
    result = runner.invoke(cli, ["--db", str(store_path), "bulletin", "--period", "2018-02",
                                 "--scheme", "tongshun", "--format", "md", "--out",
                                 str(tmp_path / "x.md")])
    assert "2018-02 没有tongshun的核算结果（账目为空）" in str(result.exception)
    assert not (tmp_path / "x.md").exists()


def test_missing_database_is_one_sentence_and_exit_1(tmp_path) -> None:
    missing = tmp_path / "nope.duckdb"
    done = ecocomp("--db", str(missing), "export", "districts", "--year", "2018", "--out",
                   str(tmp_path / "books"))
    assert done.returncode == 1
    assert done.stderr.startswith(f"错误：数据库 {missing} 不存在")
    assert "Traceback" not in done.stderr
    assert not missing.exists() and not (tmp_path / "books").exists()


def test_export_districts_and_template_through_the_command_line(store_path, tmp_path) -> None:
    books = tmp_path / "books"
    done = ecocomp("--db", str(store_path), "export", "districts", "--year", "2018",
                   "--through", "2018-02", "--out", str(books))
    assert done.returncode == 0, done.stderr
    assert "已导出 5 个工作簿" in done.stdout
    wb = openpyxl.load_workbook(books / "2018_jiangan_江岸区.xlsx")
    ledger = [r for r in wb["台账明细"].iter_rows(min_row=4, values_only=True)]
    # 江岸区: the zero line of January (断流) and the 50万 reward of February
    assert [(r[0], r[1], r[7], r[9]) for r in ledger] == [(3, 1, "—", 0), (8, 2, "收入", 500000)]
    # its control 王家巷码头 was class IV in January
    assert ledger[0][13] == (
        "2018年1月，滠水入长江口：对照 Ⅳ 类；本期不计奖惩（断流、结冰不考核；断流）。"
    )
    template = tmp_path / "template.xlsx"
    done = ecocomp("--db", str(store_path), "export", "template", "--out", str(template),
                   "--indicators", "COD,NH3N", "--rows", "10")
    assert done.returncode == 0, done.stderr
    header = [c.value for c in openpyxl.load_workbook(template)["监测数据"][1]]
    assert header == ["断面名称", "采样日期", "化学需氧量(mg/L)", "氨氮(mg/L)"]
