"""The Python API: its document's worked example runs, every public name is documented and typed,
`import compensation` stays cheap, and errors are the library's sentences."""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import subprocess
import sys
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import polars as pl
import pytest
from matplotlib import image

import compensation
from compensation import api

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "python-api.md"


def _example() -> str:
    text = DOC.read_text(encoding="utf-8")
    part = text.split("## Worked example", 1)[1]
    return re.search(r"```python\n(.*?)```", part, re.S).group(1)


def test_the_documented_example_runs_and_draws_each_district(tmp_path: Path) -> None:
    (tmp_path / "data").symlink_to(REPO / "data")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(_example(), str(DOC), "exec"), scope)  # noqa: S102 - the document's code
    finally:
        os.chdir(here)
    totals: pl.DataFrame = scope["totals"]
    districts: pl.DataFrame = scope["districts"]
    assert totals.schema["net"] == pl.Decimal(18, 2)
    # 14 districts (11 Yangtze, 3 Han) and the treasury; money only moves between them, so the
    # districts' nets are exactly the treasury's with the sign turned
    assert districts.height == 14
    treasury = totals.filter(pl.col("party") == "city_treasury")["net"].to_list()[0]
    assert sum(districts["net"].to_list(), Decimal("0.00")) == -treasury
    assert all(name and not name.isascii() for name in districts["party_name"])
    pixels = image.imread(tmp_path / "district_nets.png")[:, :, :3]
    assert pixels.shape[:2] == (600, 800)
    assert (pixels < 0.9).any(axis=2).mean() > 0.02  # bars and labels, not a blank canvas


def _public_callables():
    for name in api.__all__:
        obj = getattr(api, name)
        yield name, obj
        if inspect.isclass(obj) and not issubclass(obj, Exception):
            for member, value in vars(obj).items():
                if member.startswith("_") or not callable(value) and not isinstance(
                        value, property | classmethod | cached_property):
                    continue
                yield f"{name}.{member}", value


def test_every_public_name_has_a_docstring_and_type_hints() -> None:
    missing = []
    for name, obj in _public_callables():
        func = obj.__func__ if isinstance(obj, classmethod) else obj
        func = func.fget if isinstance(func, property) else func
        func = func.func if isinstance(func, cached_property) else func
        if not (inspect.getdoc(func) or "").strip():
            missing.append(f"{name}: no docstring")
        if inspect.isclass(func):
            if dataclasses.is_dataclass(func):
                untyped = [f.name for f in dataclasses.fields(func) if f.type in (None, "")]
                missing += [f"{name}.{f}: no type" for f in untyped]
            continue
        if not callable(func):
            continue
        signature = inspect.signature(func)
        for param in signature.parameters.values():
            if param.name not in ("self", "cls") and param.annotation is inspect.Parameter.empty:
                missing.append(f"{name}({param.name}): no type hint")
        if signature.return_annotation is inspect.Signature.empty:
            missing.append(f"{name}: no return type")
    assert not missing, "\n".join(missing)


def test_the_checker_itself_finds_an_undocumented_untyped_function(monkeypatch) -> None:
    def bare(x):  # noqa: ANN001, ANN202
        return x

    monkeypatch.setattr(api, "bare", bare, raising=False)
    monkeypatch.setattr(api, "__all__", [*api.__all__, "bare"])
    with pytest.raises(AssertionError, match="bare: no docstring"):
        test_every_public_name_has_a_docstring_and_type_hints()


def test_the_api_names_are_the_packages_names() -> None:
    """`compensation.X` and `compensation.api.X` are one list of names, each resolving."""
    assert sorted(compensation.API_NAMES) == sorted(
        n for n in api.__all__ if n not in ("EcocompError", "InputError", "RuleError",
                                            "StoreBusy", "period_start"))
    assert all(getattr(api, name) is not None for name in api.__all__)


def test_the_command_lines_store_module_loads_no_polars() -> None:
    """The CLI is a client of `Store`; importing it (and a result type) loads no polars, which is
    imported only when a frame is asked for."""
    code = ("import sys; from compensation.api.store import Store; "
            "from compensation.api import Explanation; print('polars' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_import_compensation_loads_no_heavy_module() -> None:
    code = ("import sys, compensation; heavy = {'polars', 'duckdb', 'sqlglot', 'lark', "
            "'matplotlib', 'openpyxl'}; print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert compensation.Store is api.Store  # and the API is there on first use


def test_errors_are_the_library_sentences(tmp_path: Path) -> None:
    store = api.Store(tmp_path / "absent.duckdb")
    with pytest.raises(api.EcocompError, match=r"^数据库文件 .*absent\.duckdb 不存在"):
        store.runs()
    assert not (tmp_path / "absent.duckdb").exists()  # a read creates nothing


def test_a_call_holds_no_connection_after_it_returns(tmp_path: Path) -> None:
    """Reads are read-only for the length of the read and writes hold the writer's lock only
    while they write: right after each call another process can open the file for writing."""
    store = api.Store(tmp_path / "held.duckdb")
    store.load_parties(REPO / "data" / "registry" / "parties.csv")
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "print(con.execute('SELECT count(*) FROM parties').fetchall()[0][0]); con.close()")

    def other_process_writes() -> str:
        done = subprocess.run([sys.executable, "-c", code, str(store.path)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-500:]
        return done.stdout.strip()

    parties = other_process_writes()  # after a write
    assert int(parties) > 0
    names = store.runs()  # a read
    assert names.is_empty()
    assert other_process_writes() == parties
    with store.reading() as con:  # and a read of your own SQL holds it only inside the block
        assert con.execute("SELECT count(*) FROM parties").fetchall()[0][0] == int(parties)
    assert other_process_writes() == parties


def test_period_labels_become_first_and_last_days() -> None:
    from datetime import date

    from compensation.api.results import period_dates

    assert period_dates("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))  # a leap year
    assert period_dates("2023-12") == (date(2023, 12, 1), date(2023, 12, 31))
    assert period_dates("2020") == (date(2020, 1, 1), date(2020, 12, 31))
    assert period_dates("2020-06~2021-05") == (date(2020, 6, 1), date(2021, 5, 31))
    # the inverse of the engine's own labels, for every grain a ledger line can have
    from compensation.months import period_text

    for start, end in ((date(2024, 2, 1), date(2024, 2, 29)),
                       (date(2022, 1, 1), date(2022, 12, 31)),
                       (date(2022, 6, 1), date(2023, 5, 31)), (date(2023, 3, 1), date(2023, 4, 30)),
                       (date(2023, 10, 1), date(2023, 12, 31))):
        assert period_dates(period_text(start, end)) == (start, end)


def _dtype_text(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"Decimal({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        assert (dtype.time_unit, dtype.time_zone) == ("us", None)
        return "Datetime"
    if isinstance(dtype, pl.List):
        return f"List({_dtype_text(dtype.inner)})"
    return type(dtype).__name__


def test_the_documented_columns_and_dtypes_are_the_frames() -> None:
    from compensation.api import frames

    schemas = {
        "store.accounts()": frames.ACCOUNT_LINES, "store.party_totals()": frames.PARTY_TOTALS,
        "store.runs()": frames.RUNS, "store.settlements()": frames.TRANSFERS,
        "RunDiff.parties": frames.DIFF_PARTIES, "Explanation.period_values": frames.PERIOD_VALUES,
        "Explanation.samples": frames.SAMPLES, "ScenarioComparison.yearly": frames.COMPARE_YEARLY,
        "ScenarioComparison.monthly": frames.COMPARE_MONTHLY,
        "ScenarioSweep.break_even": frames.BREAK_EVEN,
    }
    table = DOC.read_text(encoding="utf-8").split("## Columns and dtypes", 1)[1]
    documented = dict(re.findall(r"^\| `([^`]+)` \| (.+?) \|$", table, re.M))
    for label, schema in schemas.items():
        assert documented[label] == ", ".join(
            f"{name} {_dtype_text(dtype)}" for name, dtype in schema.items()), label
    # and the frames are built with exactly these schemas, empty or not
    empty = frames.frame([], frames.DIFF_PARTIES)
    assert empty.is_empty() and empty.schema == pl.Schema(frames.DIFF_PARTIES)
