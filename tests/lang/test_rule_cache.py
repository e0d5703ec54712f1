"""The rule cache: an unchanged rule file is not compiled again, a changed one always is, and a
bad entry is ignored (compensation/lang/cache.py).

Whether the compiler ran is seen from outside, in a real process: a compile from the cache
imports neither lark nor sqlglot. Every result is compared with the compiler's own output.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from compensation.errors import RuleError
from compensation.lang import cache
from compensation.lang.scheme import compile_uncached

RULES = Path(__file__).resolve().parents[2] / "rules"
PACKAGE = Path(cache.__file__).resolve().parents[1]

# compile in a fresh process; report the amount parameter, the SQL and whether the compiler loaded
PROBE = """
import json, sys
from compensation.lang import compile_file
c = compile_file(sys.argv[1])
amount = c.parameter("annual_amount").versions[0].value.num
print(json.dumps({"amount": str(amount), "sql": [r.sql for r in c.rules],
                  "compiler": sorted({"lark", "sqlglot"} & set(sys.modules))}))
"""


@pytest.fixture()
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "tongshun.rule"
    shutil.copyfile(RULES / "tongshun.rule", path)
    return path


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def _probe(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                          text=True, env=os.environ.copy(), check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _compiled(path: Path):
    """The compiler's own result, as the cache gives it (without the syntax tree)."""
    return dataclasses.replace(compile_uncached(path), ast=None)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_an_unchanged_file_comes_from_the_cache_without_the_compiler(
    rule_file: Path, cache_dir: Path
) -> None:
    cold = _probe(rule_file)
    [entry] = _entries(cache_dir)
    written = entry.stat().st_mtime_ns
    warm = _probe(rule_file)
    assert cold["compiler"] == ["lark", "sqlglot"]
    assert warm["compiler"] == []  # the compiler was not even imported
    assert warm == {**cold, "compiler": []}
    assert warm["sql"] == [r.sql for r in compile_uncached(rule_file).rules]
    assert _entries(cache_dir) == [entry] and entry.stat().st_mtime_ns == written


def test_a_changed_file_is_always_compiled_again(rule_file: Path, cache_dir: Path) -> None:
    """300万 → 400万 (4,000,000 yuan), then a change of one character that keeps the length and
    the modification time: each new text is compiled, each old one is found again."""
    original = rule_file.read_text(encoding="utf-8")
    assert _probe(rule_file)["amount"] == "3000000"

    rule_file.write_text(original.replace("annual_amount = 300万", "annual_amount = 400万"),
                         encoding="utf-8")
    changed = _probe(rule_file)
    assert changed["compiler"] == ["lark", "sqlglot"]
    assert Decimal(changed["amount"]) == Decimal("4000000")
    assert len(_entries(cache_dir)) == 2

    stat = rule_file.stat()
    same_size = original.replace("annual_amount = 300万", "annual_amount = 301万")
    assert len(same_size.encode()) == stat.st_size
    rule_file.write_text(same_size, encoding="utf-8")
    os.utime(rule_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = _probe(rule_file)
    assert again["compiler"] == ["lark", "sqlglot"]
    assert Decimal(again["amount"]) == Decimal("3010000")

    rule_file.write_text(original, encoding="utf-8")
    back = _probe(rule_file)
    assert back["compiler"] == [] and back["amount"] == "3000000"
    assert len(_entries(cache_dir)) == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other object", "other key"])
def test_a_bad_entry_is_ignored_and_written_anew(
    rule_file: Path, cache_dir: Path, damage: str
) -> None:
    expected = _compiled(rule_file)
    cache.compile_file(rule_file)
    [entry] = _entries(cache_dir)
    good = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "other object":
        entry.write_bytes(pickle.dumps(("something", "else")))
    else:  # a well-formed entry filed under another key (a renamed file)
        entry.write_bytes(pickle.dumps((cache.FORMAT, "0" * 64, expected)))
    assert cache.compile_file(rule_file) == expected
    assert cache._read(entry, entry.stem) == expected  # rewritten, readable again


def test_failures_are_not_cached_and_an_unwritable_cache_costs_only_the_compile(
    tmp_path: Path, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    bad = tmp_path / "bad.rule"
    bad.write_text("scheme x\n  period fortnight\n", encoding="utf-8")
    with pytest.raises(RuleError):
        cache.compile_file(bad)
    assert not folder.exists() or _entries(folder) == []

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocked / "cache"))
    assert cache.compile_file(rule_file) == _compiled(rule_file)

    monkeypatch.setenv(cache.CACHE_ENV, "")  # turned off
    assert cache.cache_dir() is None
    assert cache.compile_file(rule_file) == _compiled(rule_file)


def test_the_compiler_version_changes_with_any_byte_of_the_compiler(tmp_path: Path) -> None:
    """A copy of the compiler's files has the installed version; one changed byte, another."""
    copy = tmp_path / "compensation"
    for part in cache.COMPILER_PARTS:
        source = PACKAGE / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copyfile(source, copy / part)
    installed = cache.version_of(PACKAGE)
    assert cache.version_of(copy) == installed
    grammar = copy / "lang" / "grammar.lark"
    grammar.write_bytes(grammar.read_bytes() + b"\n")
    assert cache.version_of(copy) != installed
    key = cache.entry_key(RULES / "tongshun.rule", b"text")
    assert key != cache.entry_key(RULES / "daoguan.rule", b"text")  # the path is in the key
    assert key != cache.entry_key(RULES / "tongshun.rule", b"text ")


def test_the_syntax_tree_is_left_out_hit_or_miss(rule_file: Path, cache_dir: Path) -> None:
    """Nothing downstream reads `ast`; the compiler's own result keeps it, the cached one never."""
    first, second = cache.compile_file(rule_file), cache.compile_file(rule_file)
    full = compile_uncached(rule_file)
    assert full.ast is not None and first.ast is None and second.ast is None
    assert first == second == dataclasses.replace(full, ast=None)
