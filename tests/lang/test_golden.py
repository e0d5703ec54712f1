"""Golden snapshots of each stage of the compiler (the AST, the plan, the SQL) for every rule file
in rules/ and rules/examples/, one file per stage, as the PRQL compiler keeps its snapshots.

Regenerate with ECOCOMP_UPDATE_GOLDEN=1 and review the diff (tests/lang/golden/*.ast.json,
*.plan.txt, *.sql).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compensation.lang.emit import emit

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests/lang/golden"
FILES = sorted((ROOT / "rules").rglob("*.rule"))
SUFFIX = {"ast": "ast.json", "plan": "plan.txt", "sql": "sql"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("stage", ["ast", "plan", "sql"])
def test_golden(path: Path, stage: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    text = emit(path.relative_to(ROOT), stage) + "\n"
    target = GOLDEN / f"{path.stem}.{SUFFIX[stage]}"
    if os.environ.get("ECOCOMP_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    assert target.exists(), f"no golden file {target.name}: run with ECOCOMP_UPDATE_GOLDEN=1"
    assert text == target.read_text(encoding="utf-8")


def test_every_pattern_has_an_example() -> None:
    names = [p.stem for p in (ROOT / "rules/examples").glob("*.rule")]
    for n in range(1, 9):
        assert any(name.startswith(f"p{n}_") for name in names), f"no example for P{n}"
