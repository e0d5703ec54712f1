"""The optimisation switches: `ecocomp rules compile --no-optimise` / `--optimise PASS,...`, and a
rule cache that keeps a rule compiled with a pass off apart from the default one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from compensation.errors import RuleError
from compensation.lang import cache
from compensation.lang.options import PASSES, CompileOptions
from compensation.lang.scheme import compile_uncached

ROOT = Path(__file__).resolve().parents[2]
TONGSHUN = ROOT / "rules" / "tongshun.rule"


def ecocomp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ecocomp", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_options_name_every_pass_and_parse_a_list() -> None:
    assert CompileOptions.all_on().on() == list(PASSES)
    assert CompileOptions.all_off().on() == []
    only = CompileOptions.parse(" ediv6 , values_loops,")
    assert only.on() == ["values_loops", "ediv6"]  # in the order of PASSES
    assert CompileOptions.parse("") == CompileOptions.all_off()
    with pytest.raises(RuleError) as refused:
        CompileOptions.parse("ediv6,fast")
    assert str(refused.value).startswith("未知的优化“fast”；可选：values_loops、limit_join、ediv6")


def test_cli_no_optimise_and_a_list_print_the_plain_and_the_chosen_sql() -> None:
    off = ecocomp("rules", "compile", "rules/tongshun.rule", "--no-optimise")
    assert off.returncode == 0, off.stderr
    plain = compile_uncached(TONGSHUN, CompileOptions.all_off()).rules
    assert off.stdout.count("-- rule ") == len(plain) and plain[0].sql in off.stdout
    default = compile_uncached(TONGSHUN).rules[0].sql
    assert default not in off.stdout  # tongshun's section loop is values-driven by default
    assert "_keys" in default and "_keys" not in off.stdout  # the values-driven key table
    one = ecocomp("rules", "compile", "rules/tongshun.rule", "--optimise", "values_loops")
    assert one.returncode == 0, one.stderr
    assert compile_uncached(TONGSHUN, CompileOptions.only(["values_loops"])).rules[0].sql \
        in one.stdout


def test_cli_refuses_an_unknown_pass_and_both_options_in_one_sentence() -> None:
    bad = ecocomp("rules", "compile", "rules/tongshun.rule", "--optimise", "ediv7")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == (
        "错误：未知的优化“ediv7”；可选：" + "、".join(PASSES) + "。(unknown optimisation pass)")
    both = ecocomp("rules", "compile", "rules/tongshun.rule", "--optimise", "ediv6",
                   "--no-optimise")
    assert both.returncode == 2 and "只能选一个" in both.stderr


def test_the_rule_cache_keys_on_the_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "tongshun.rule"
    path.write_bytes(TONGSHUN.read_bytes())
    off = CompileOptions.all_off()
    assert cache.entry_key(path, b"x") != cache.entry_key(path, b"x", off)
    assert cache.entry_key(path, b"x") == cache.entry_key(path, b"x", CompileOptions.all_on())
    default = cache.compile_file(path)  # filed first: a later compile with passes off must miss
    plain = cache.compile_file(path, off)
    assert [r.sql for r in plain.rules] == [r.sql for r in compile_uncached(path, off).rules]
    assert [r.sql for r in plain.rules] != [r.sql for r in default.rules]
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2
    again = cache.compile_file(path, off)  # from the cache now
    assert [r.sql for r in again.rules] == [r.sql for r in plain.rules]
