"""Known-bad rule files: each `tests/lang/bad/X.rule` gives exactly the messages in `X.expected`.

Regenerate with ECOCOMP_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compensation.lang import check_paths

ROOT = Path(__file__).resolve().parents[2]
BAD = sorted((ROOT / "tests/lang/bad").glob("*.rule"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_known_bad_file_gives_expected_message(path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = path.relative_to(ROOT)
    diagnostics = check_paths([rel])
    assert diagnostics, f"{rel} should not check"
    text = "\n".join(d.render() for d in diagnostics) + "\n"
    expected = path.with_suffix(".expected")
    if os.environ.get("ECOCOMP_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_every_known_bad_kind_is_covered() -> None:
    names = {p.stem for p in BAD}
    assert {
        "unknown_name",
        "unit_money_times_money",
        "unit_conc_plus_money",
        "overlap",
        "gap",
        "class_gap",
        "missing_parameter_month",
        "unreachable_exception",
        "conflicting_exception",
        "measure_cycle",
        "syntax_error",
        "bulletin_declarations",
    } <= names


def test_messages_are_sentences_with_a_caret(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    for d in check_paths(["tests/lang/bad"]):
        assert d.line > 0 and d.col > 0
        assert d.caret.endswith("^")
        assert "。" in d.message  # a finished Chinese sentence
        assert "NAME" not in d.message and "STRING" not in d.message  # words, not token names


def test_gap_uses_every_dated_value_of_a_parameter(monkeypatch) -> None:
    # band = 10% leaves no gap; only the 5% from 2021-01 opens (0.05, 0.1]
    monkeypatch.chdir(ROOT)
    [d] = check_paths(["tests/lang/bad/gap.rule"])
    assert "2021-01" in d.message and "0.05 至 0.1" in d.message
