"""The registry loaders fuzzed as the sample loader is: the demo's parties.csv and sections.csv,
mutated (random bytes, numbers out of range, empty cells, wrong types, duplicate keys, very long
strings, invisible characters, short and long rows, truncated files), loaded through the CLI into a
copy of the demo registry store.

Every outcome is either a load (exit 0) or a refusal with a sentence naming the file (an
EcocompError, exit 2) and a database fingerprint equal to the one before: never an internal error
(any other exception; `ecocomp` would print 内部错误 and exit 70). The number of files per run is
`ECOCOMP_FUZZ_EXAMPLES` (default 30 per loader, a few seconds; docs/reliability.md gives the
figures of longer runs).
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rel_support import DATA, WorkingCopy, fingerprint

from compensation.cli import cli
from compensation.errors import EcocompError

EXAMPLES = int(os.environ.get("ECOCOMP_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def table_of(name: str) -> list[list[str]]:
    """The demo file's header and data rows (its '#' comment lines dropped)."""
    text = (DATA / "registry" / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    return [list(r) for r in csv.reader(lines)]


PARTIES, SECTIONS = table_of("parties.csv"), table_of("sections.csv")

strange = st.one_of(
    st.sampled_from([
        "", " ", "99999999999999999999", "-99999999999999999999", "2147483648", "-1", "0",
        "1e400", "NaN", "1,5", "9999-12-31", "0001-01-01", "2018-02-30", "TRUE", "=1+1", "@SUM(A1)",
        "<script>", '"', "\\", "\u0000", "\u202e江岸区", "\u200b", "\ufeffid", "a;b;;c",
        "yangtze_han;nowhere", "；", "river", "lake", "control", "assessed", "left", "treasury",
        "\r\n", "x" * 5000, "江" * 101, "a" * 100_000, "中文编号",
    ]),
    st.text(max_size=30),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
    st.integers().map(str),
    st.decimals(allow_nan=True).map(str),
    st.dates().map(str),
)


@st.composite
def mutated(draw: st.DrawFn, table: list[list[str]]) -> bytes:
    header, rows = table[0], [list(r) for r in table[1:]]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "duplicate_key", "copy_row",
                                     "drop_row", "short_row", "long_row", "header"]))
        r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        c = draw(st.integers(min_value=0, max_value=len(header) - 1))
        if kind == "cell" and c < len(rows[r]):
            rows[r][c] = draw(strange)
        elif kind == "duplicate_key" and rows[r] and rows[(r + 1) % len(rows)]:
            rows[r][0] = rows[(r + 1) % len(rows)][0]
        elif kind == "copy_row":
            rows.append(list(rows[r]))
        elif kind == "drop_row" and len(rows) > 1:
            rows.pop(r)
        elif kind == "short_row":
            rows[r] = rows[r][:c]
        elif kind == "long_row":
            rows[r] = [*rows[r], draw(strange)]
        elif kind == "header":
            header = [*header]
            header[c] = draw(strange)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])),
                                 errors="replace")
    cut = draw(st.sampled_from(["none", "none", "insert", "truncate"]))
    at = draw(st.integers(min_value=0, max_value=len(data)))
    if cut == "insert":
        data = data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    elif cut == "truncate":
        data = data[:at]
    return data


@pytest.fixture
def working(registry_db: Path, tmp_path: Path) -> WorkingCopy:
    """The demo registry store, as it is before every file the fuzzer tries."""
    return WorkingCopy(registry_db, tmp_path)


def load_or_refuse(working: WorkingCopy, folder: Path, kind: str, content: bytes) -> None:
    db, before = working.path(), working.before
    path = folder / f"{kind}-{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["--db", str(db), "load", kind, str(path)])
    if result.exception is None:
        event("loaded")
        assert result.exit_code == 0, result.output
        working.spoil()
    else:
        event("refused")
        # anything but an EcocompError is what `ecocomp` reports as 内部错误 with exit 70
        assert isinstance(result.exception, EcocompError), repr(result.exception)[:400]
        assert result.exception.exit_code == 2
        assert str(path) in str(result.exception)
        assert fingerprint(db) == before
    path.unlink()


@FUZZ
@given(content=mutated(PARTIES))
def test_mutated_parties_files_load_or_are_refused_cleanly(working: WorkingCopy, tmp_path: Path,
                                                           content: bytes) -> None:
    load_or_refuse(working, tmp_path, "parties", content)


@FUZZ
@given(content=mutated(SECTIONS))
def test_mutated_sections_files_load_or_are_refused_cleanly(working: WorkingCopy,
                                                            tmp_path: Path, content: bytes) -> None:
    load_or_refuse(working, tmp_path, "sections", content)
