"""`ecocomp load ...` in process (CliRunner) and as real processes (the write lock)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from compensation.cli import cli
from compensation.store import open_store
from tests.ingest.conftest import write

HEADER = "section,sampled_at,indicator,value\n"


def test_load_samples_prints_batches_and_exit_zero(store_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", HEADER + "s1,2024-01-05,COD,15\n")
    result = CliRunner().invoke(cli, ["--db", str(store_path), "load", "samples", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}：批次 3，导入 1 行。\n"
    again = CliRunner().invoke(cli, ["--db", str(store_path), "load", "samples", str(path)])
    assert again.stdout == f"{path}：与已导入的批次 3 内容相同（sha256），未重复导入。\n"


def test_bad_file_exits_2_with_every_problem_and_no_traceback(store_path: Path,
                                                              tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", HEADER + "s1,2024-01-05,COD,-1\nq,2024-01-05,COD,1\n")
    exe = shutil.which("ecocomp")
    assert exe, "the ecocomp console script must be installed"
    done = subprocess.run([exe, "--db", str(store_path), "load", "samples", str(path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.splitlines() == [
        "错误：样品数据有 2 处错误，未导入任何数据：",
        (f'{path}，第 2 行，列「value」：发现 "-1"，应为 指标 COD 物理上可能的值：0 至 1000000 mg/L'
        f"（浓度不能为负；1 升水约 10^6 mg，质量浓度不可能超过 10^6 mg/L）。"),
        (f'{path}，第 3 行，列「section」：发现 "q"，应为 已登记的断面编号或名称'
        f"（先用 ecocomp load sections 导入断面名录）。"),
    ]
    con = open_store(store_path, read_only=True)
    assert con.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]
    con.close()


def test_second_writer_gets_one_sentence_and_exit_3(store_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", HEADER + "s1,2024-01-05,COD,15\n")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("import duckdb, sys, time\n"
         f"con = duckdb.connect({str(store_path)!r})\n"
         "print('held', flush=True)\n"
         "sys.stdin.read()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        env = {**os.environ, "ECOCOMP_LOCK_WAIT": "0.5"}
        done = subprocess.run([shutil.which("ecocomp"), "--db", str(store_path), "load",
                               "samples", str(path)], capture_output=True, text=True, env=env,
                              timeout=600)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert done.returncode == 3
    assert done.stderr == (
        f"错误：数据库 {store_path} 正被另一个 ecocomp 进程使用，等待 0.5 秒后仍未释放；"
        f"请待其结束后重试。(database {store_path} is in use by another process)\n")
    con = open_store(store_path)          # the holder is gone: the database is writable again
    assert con.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]
    con.close()


def test_progress_bar_only_for_big_files(store_path: Path, tmp_path: Path) -> None:
    small = write(tmp_path / "small.csv", HEADER + "s1,2024-01-05,COD,15\n")
    rows = "".join(f"s1,2023-{m:02d}-{d:02d} {h:02d}:00,COD,{h}.5\n"
                   for m in range(1, 13) for d in range(1, 29) for h in range(24))
    rows += "".join(f"ctl,2023-{m:02d}-{d:02d} {h:02d}:00,COD,{h}.5\n"
                    for m in range(1, 13) for d in range(1, 29) for h in range(24))
    big = write(tmp_path / "big.csv", HEADER + rows + rows.replace("COD", "TP")
                + rows.replace("COD", "NH3N") + rows.replace("COD", "DO"))
    quiet = CliRunner().invoke(cli, ["--db", str(store_path), "load", "samples", str(small)])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = CliRunner().invoke(cli, ["--db", str(store_path), "load", "samples", str(big)])
    assert loud.exit_code == 0, loud.output
    assert "校验" in loud.stderr and "写入" in loud.stderr
    assert loud.stdout == f"{big}：批次 4，导入 64512 行。\n"    # 2 sections × 4 × 12×28×24
