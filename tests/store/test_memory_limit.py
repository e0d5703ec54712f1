"""The store caps DuckDB's memory (2.5 GB unless ECOCOMP_MEMORY_LIMIT says otherwise, so
that the whole process stays under 3 GB): beyond it,
temporary tables and large joins spill to disk instead of taking the bureau PC's memory. A value
that is not a size is a sentence naming the variable."""

from __future__ import annotations

import os
import subprocess

from compensation.store import open_store


def _limit(con) -> float:
    """DuckDB's cap in bytes, from the text it prints ("2.7 GiB": one decimal, cut)."""
    text = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    number, unit = text.split()
    return float(number) * 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].index(unit)


def _about(limit: float, expected: float) -> bool:
    return abs(limit - expected) < 0.1 * 1024**3


def test_the_default_cap_is_2_5_gb(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("ECOCOMP_MEMORY_LIMIT", raising=False)
    con = open_store(tmp_path / "a.duckdb")
    # 2.5 GB = 2.5·10⁹ bytes = 2.33 GiB
    assert _about(_limit(con), 2.5e9)
    con.close()


def test_the_variable_sets_the_cap(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ECOCOMP_MEMORY_LIMIT", "512MB")
    con = open_store(tmp_path / "a.duckdb")
    # 512·10⁶ bytes = 488.28 MiB
    assert _about(_limit(con), 512e6)
    con.close()


def test_a_value_that_is_not_a_size_is_a_sentence(tmp_path) -> None:
    # "80%" would be 80 bytes to DuckDB, and every query would then fail for want of memory
    for value in ("lots", "80%", "100MB"):
        env = {**os.environ, "ECOCOMP_MEMORY_LIMIT": value}
        done = subprocess.run(["ecocomp", "--db", str(tmp_path / "a.duckdb"), "init"],
                              capture_output=True, text=True, env=env, check=False)
        assert done.returncode != 0
        assert (f"环境变量 ECOCOMP_MEMORY_LIMIT 的值“{value}”不是可用的内存大小；应写成如 3GB、"
                "512MB 的形式，至少 256MB。") in done.stderr
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "a.duckdb").exists()


def test_a_second_connection_in_the_same_process_shares_the_cap(tmp_path, monkeypatch) -> None:
    import duckdb

    monkeypatch.setenv("ECOCOMP_MEMORY_LIMIT", "2GiB")
    con = open_store(tmp_path / "a.duckdb")
    other = duckdb.connect(str(tmp_path / "a.duckdb"))
    assert _about(_limit(other), 2 * 1024**3)
    other.close()
    con.close()
