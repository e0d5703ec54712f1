"""Number spellings: every spelling the reader accepts loads as exactly the number written; every
ambiguous one (a comma, an underscore, a space inside the digits) is refused with its row and
column and stores nothing (docs/decisions.md: no thousands separator is read at all)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.errors import InputError
from compensation.ingest import load_samples
from compensation.ingest.values import SEPARATOR_EXPECTED
from tests.ingest.conftest import counts, write

FULL_WIDTH = str.maketrans("0123456789.+", "０１２３４５６７８９．＋")
_files = itertools.count()


def accepted_spellings(number: Decimal) -> list[str]:
    """Ways people and programs write `number` (>= 0, at most 6 decimals) that mean only it."""
    plain = format(number, "f")
    spellings = [plain, "+" + plain, "00" + plain, plain + ("0" if "." in plain else ".0"),
                 plain.translate(FULL_WIDTH), f" {plain} "]
    if "." not in plain:
        spellings.append(plain + ".")
    if plain.startswith("0."):
        spellings.append(plain[1:])                       # .025
    for exponent in (-3, 2):                                # 0.0255e2, 25500e-3
        mantissa = format(number.scaleb(-exponent), "f")
        spellings += [f"{mantissa}e{exponent}", f"{mantissa}E{exponent:+d}"]
    return spellings


def refused_spellings(number: Decimal) -> list[str]:
    """The same number written with a separator: each could mean another number."""
    plain = format(number, "f")
    whole, _, frac = plain.partition(".")
    spellings = []
    if frac:
        spellings.append(f"{whole},{frac}")                       # decimal comma
    if len(whole) > 3:
        grouped = f"{int(whole):,}"
        spellings += [grouped + (f".{frac}" if frac else ""),      # 1,234.5
                      grouped.replace(",", "_"), grouped.replace(",", " "),
                      grouped.replace(",", "'")]
        if frac:                                                   # 1.234,5 (a dot alone, as in
            spellings.append(grouped.replace(",", ".") + f",{frac}")  # 1.000, is a decimal point)
    return spellings


def csv_of(tmp_path: Path, values: list[str]) -> Path:
    """One sample per value, on consecutive days of January 2024 (section s1). Faecal coliforms:
    the one indicator without a physical upper bound, so every number of DECIMAL(18,6) is one."""
    rows = "".join(f's1,2024-01-{day:02d},FCOLI,"{v}"\n' for day, v in enumerate(values, start=1))
    return write(tmp_path / f"n{next(_files)}.csv", "section,sampled_at,indicator,value\n" + rows)


numbers = st.builds(lambda units, places: Decimal(units).scaleb(-places),
                    st.integers(min_value=0, max_value=10**12 - 1),
                    st.integers(min_value=0, max_value=6))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=numbers)
def test_every_accepted_spelling_loads_as_exactly_the_number(con, tmp_path: Path,
                                                             number: Decimal) -> None:
    spellings = accepted_spellings(number)
    report = load_samples(con, [csv_of(tmp_path, spellings)])
    stored = con.execute("SELECT value FROM samples WHERE batch_id = ? ORDER BY row_no",
                         report.batch_ids).fetchall()
    assert [v for (v,) in stored] == [number] * len(spellings), spellings


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=numbers.filter(lambda n: n >= 1000 or n != n.to_integral_value()))
def test_every_refused_spelling_stores_nothing(con, tmp_path: Path, number: Decimal) -> None:
    for spelling in refused_spellings(number):
        before = counts(con)
        path = csv_of(tmp_path, [spelling])
        with pytest.raises(InputError) as caught:
            load_samples(con, [path])
        assert caught.value.problems == [
            f'{path}，第 2 行，列「value」：发现 "{spelling}"，应为 {SEPARATOR_EXPECTED}。']
        assert counts(con) == before


@pytest.mark.parametrize("written", ["0,025", "1,5", "12,34", "1.234,5", "1_000", "1,234",
                                     "1,234.5", "1 000", "<0,5", "0,5L"])
def test_the_spellings_of_the_issue_are_refused_by_row_and_column(con, tmp_path: Path,
                                                                  written: str) -> None:
    good = "s1,2024-01-01,COD,15\n"
    path = write(tmp_path / "c.csv", f'section,sampled_at,indicator,value\n{good}'
                                     f's1,2024-01-02,COD,"{written}"\n')
    with pytest.raises(InputError) as caught:
        load_samples(con, [path])
    assert caught.value.problems == [
        f'{path}，第 3 行，列「value」：发现 "{written}"，应为 {SEPARATOR_EXPECTED}。']
    assert counts(con) == (0, 0)
