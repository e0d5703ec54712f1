"""Where a document's figures come from, for its annex (附件：核算依据与数据来源).

The body of an issued document cites only official documents as 依据 and names rules by title;
the rule files and lines, every parameter's basis (marked when it is a press report or an
assumption rather than an official document), the batches and the runs go here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

import duckdb

from compensation.render.data import ParameterInfo, RuleInfo
from compensation.render.labels import scheme_title

# An official document: a document number (武政办〔2017〕127号, 环办〔2011〕22号), a titled document
# in 《》, or the signed agreement itself (协议：…).
_OFFICIAL = re.compile(r"〔\d{4}〕\s*\d+\s*号|《[^》]+》|^协议")
_ASSUMPTION = re.compile(r"^\s*(假设|assumption)", re.IGNORECASE)

BASIS_WORDS = {"official": "正式文件", "report": "公开报道（非正式文件）", "assumption": "假设"}


def basis_kind(text: str) -> str:
    """'official', 'report' (a newspaper, a press account) or 'assumption'; '' when empty."""
    text = text.strip()
    if not text:
        return ""
    if _ASSUMPTION.match(text):
        return "assumption"
    return "official" if _OFFICIAL.search(text) else "report"


def official_basis(text: str) -> str:
    """The parts of a basis that are official documents ('武政办〔2017〕127号；楚天都市报…' →
    '武政办〔2017〕127号'): what the body may cite as 依据."""
    parts = [p.strip() for p in re.split(r"[；;]", text or "") if p.strip()]
    return "；".join(p for p in parts if basis_kind(p) == "official")


def file_name(path: str) -> str:
    """A batch's original file name, never the path it was loaded from on the server."""
    name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
    return name or path


@dataclass(frozen=True)
class ParameterBasis:
    scheme_title: str
    name: str
    value: str
    since: str
    basis: str
    kind: str  # basis_kind

    @property
    def kind_words(self) -> str:
        return BASIS_WORDS.get(self.kind, "未注明")


@dataclass(frozen=True)
class BatchUsed:
    batch_id: int
    file_name: str
    loaded_at: datetime
    superseded: bool


@dataclass(frozen=True)
class RunUsed:
    run_id: int
    scheme_title: str
    window: str
    as_of: datetime
    created_at: datetime


@dataclass(frozen=True)
class Provenance:
    rules: list[RuleInfo]
    parameters: list[ParameterBasis]
    batches: list[BatchUsed]
    runs: list[RunUsed]

    @property
    def data_cutoff(self) -> datetime | None:
        """数据截至: the newest monitoring batch the runs used (not when the file was made)."""
        return max((b.loaded_at for b in self.batches), default=None)


def parameter_bases(parameters: Iterable[ParameterInfo]) -> list[ParameterBasis]:
    return [
        ParameterBasis(scheme_title(p.scheme), p.name, p.value, p.since, p.basis,
                       basis_kind(p.basis))
        for p in parameters
    ]


def read_provenance(
    con: duckdb.DuckDBPyConnection,
    run_ids: Iterable[int],
    rules: list[RuleInfo],
    parameters: Iterable[ParameterInfo],
) -> Provenance:
    """The runs behind a document, the monitoring batches they read, rules and parameters."""
    ids = sorted(set(run_ids))
    runs: list[RunUsed] = []
    batch_ids: set[int] = set()
    if ids:
        for run_id, scheme, start, end, as_of, created, batches in con.execute(
            "SELECT run_id, scheme, window_start, window_end, as_of, created_at, batch_ids"
            " FROM runs WHERE list_contains(?, run_id) ORDER BY run_id",
            [ids],
        ).fetchall():
            window = f"{start:%Y-%m}" if (start.year, start.month) == (end.year, end.month) \
                else f"{start:%Y-%m}～{end:%Y-%m}"
            runs.append(RunUsed(int(run_id), scheme_title(scheme), window, as_of, created))
            batch_ids |= set(batches or ())
    batches = [
        BatchUsed(int(b), file_name(str(name)), loaded, superseded is not None)
        for b, name, loaded, superseded in con.execute(
            "SELECT batch_id, file_name, loaded_at, superseded_by FROM batches"
            " WHERE kind = 'samples' AND list_contains(?, batch_id) ORDER BY batch_id",
            [sorted(batch_ids)],
        ).fetchall()
    ]
    return Provenance(rules, parameter_bases(parameters), batches, runs)
