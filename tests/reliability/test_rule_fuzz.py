"""Rule-file fuzzer: mutated copies of the shipped rules through `ecocomp rules check` (and
`ecocomp rules compile` when they check), never an internal error.

Mutations of rules/*.rule and rules/examples/*.rule, seeded so a failure can be replayed: tokens
deleted, duplicated, swapped or replaced; random bytes (not always UTF-8); deep nesting (brackets,
`if`, `+ 0`, chained measures, far past the limit of 32 levels); huge and long numbers; unicode
(bidirectional controls, BOMs in the middle, NUL, full-width digits and punctuation, combining
marks). In-process through the click group the console script runs (`compensation.cli.cli`), as
`main()` would classify it: a clean exit, or an `EcocompError` (one sentence, exit 1/2), or click's
own usage error; anything else is what `main()` prints as `内部错误` with exit 70. A few cases run
as real processes too. Bounded to a few seconds: 150 files checked, the first 10 that check also
compiled.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rel_support import REPO

from compensation.cli import cli
from compensation.errors import EcocompError

SHIPPED = sorted((REPO / "rules").rglob("*.rule"))
CASES = 150
COMPILED = 10  # compiling (sqlglot) costs ten times a check: the first files that check
SEED = 20
TOKEN = re.compile(r'"[^"\n]*"|“[^”\n]*”|\d+(?:\.\d+)?|[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*'
                   r"|->|<->|\.\.|<=|>=|!=|==|\S")
POOL = ["scheme", "rule", "measure", "parameters", "let", "when", "else", "except", "pays",
        "amount", "for", "each", "section", "by", "if", "then", "(", ")", "[", "]", ",", "=",
        "->", "..", "+", "-", "*", "/", "÷", "%", "万", "元", "mg/L", "III", "劣Ⅴ", "0", "1e999",
        "from", "2022-13", "2022-06", "basis", '"x"', "“", "per", "section-year", "control.",
        "not", "and", "or", "in", "better", "than", "worse", "sum(", "max(", "spread(", "#"]
ODD_TEXT = ["\u202e", "\u2066", "\u200b", "\ufeff", "\x00", "\u0301", "１２３", "（", "）", "，",
            "；", "：", "\u3000", "\U0001f600", "\r", "\t", "\\", "'); DROP TABLE ledger; --"]


def tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def mutate(rng: random.Random, text: str) -> str | bytes:  # noqa: C901 - one branch per kind
    kind = rng.choice(["delete", "duplicate", "swap", "replace", "bytes", "deep", "number",
                       "unicode", "measures", "several"])
    spans = tokens(text)
    i, j = sorted(rng.sample(range(len(spans)), 2))
    (a0, a1), (b0, b1) = spans[i], spans[j]
    if kind == "delete":
        return text[:a0] + text[a1:]
    if kind == "duplicate":
        return text[:a1] + " " + text[a0:a1] + text[a1:]
    if kind == "swap":
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
    if kind == "replace":
        return text[:a0] + rng.choice(POOL) + text[a1:]
    if kind == "bytes":
        raw = text.encode("utf-8")
        at = rng.randrange(len(raw))
        return raw[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + raw[at:]
    if kind == "deep":
        n = rng.choice([31, 33, 60, 500, 3000])
        shape = rng.choice(["(", "if", "+", "-", "max"])
        expr = text[a0:a1]
        if shape == "(":
            expr = "(" * n + expr + ")" * n
        elif shape == "if":
            expr = "if x then " * n + expr + " else 0" * n
        elif shape == "+":
            expr = expr + " + 0" * n
        elif shape == "-":
            expr = "-" * n + expr
        else:
            expr = "max(" * n + expr + ", 0)" * n
        return text[:a0] + expr + text[a1:]
    if kind == "number":
        digits = "9" * rng.choice([20, 27, 40, 400, 5000])
        number = rng.choice([digits, "0." + digits, digits + "." + digits, "1" + "0" * 30])
        numbers = [s for s in spans if text[s[0]:s[1]][0].isdigit()] or [spans[i]]
        s0, s1 = rng.choice(numbers)
        return text[:s0] + number + text[s1:]
    if kind == "unicode":
        return text[:a0] + rng.choice(ODD_TEXT) + text[a0:]
    if kind == "measures":
        n = rng.choice([10, 40, 2000])
        chain = "measure q0 = 1\n" + "".join(f"measure q{k} = q{k - 1} + 1\n" for k in range(1, n))
        head = text.find("\nmeasure") if "\nmeasure" in text else text.find("\nrule")
        return text[:head + 1] + chain + text[head + 1:]
    out = text
    for _ in range(rng.randint(2, 4)):
        nxt = mutate(rng, out)
        out = nxt if isinstance(nxt, str) else out
    return out


def cases() -> list[tuple[Path, str | bytes]]:
    rng = random.Random(SEED)
    return [(source, mutate(rng, source.read_text(encoding="utf-8")))
            for source in (rng.choice(SHIPPED) for _ in range(CASES))]


def outcome(args: list[str]) -> str:
    """'ok', 'refused' (one sentence), or 'internal: …' as main() would print it."""
    result = CliRunner().invoke(cli, args)
    if result.exception is None or isinstance(result.exception, SystemExit):
        return "ok" if result.exit_code == 0 else "refused"
    if isinstance(result.exception, EcocompError):
        return "refused"
    return f"internal: {type(result.exception).__name__}: {str(result.exception)[:200]}"


def test_mutated_rule_files_never_give_an_internal_error(tmp_path: Path) -> None:
    tally = {"ok": 0, "refused": 0, "compiled": 0}
    internal = []
    for k, (source, text) in enumerate(cases()):
        path = tmp_path / f"{k:03d}_{source.name}"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        checked = outcome(["rules", "check", str(path)])
        if checked.startswith("internal"):
            internal.append((path.name, "check", checked))
            continue
        tally[checked] += 1
        if checked == "ok" and tally["compiled"] < COMPILED:
            compiled = outcome(["rules", "compile", str(path), "--emit", "sql"])
            if compiled.startswith("internal"):
                internal.append((path.name, "compile", compiled))
            tally["compiled"] += compiled == "ok"
    assert internal == [], internal
    # the fuzzer reaches both sides: most mutations are refused, some still check and compile
    assert tally["refused"] >= CASES // 2 and tally["compiled"] == COMPILED, tally
    assert tally["ok"] + tally["refused"] == CASES


@pytest.mark.parametrize("k", [0, 1])
def test_some_mutations_as_real_processes(tmp_path: Path, k: int) -> None:
    """The same files through the console script: exit 0 or 2, never 70, never a traceback."""
    picked = [c for c in cases() if isinstance(c[1], str)][k * 37 % 100]
    source, text = picked
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    done = subprocess.run(
        [sys.executable, "-c", "from compensation.cli import main; main()", "rules", "check",
         str(path)], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode in (0, 2), done.stderr[-1000:]
    assert "内部错误" not in done.stderr and "Traceback" not in done.stderr
