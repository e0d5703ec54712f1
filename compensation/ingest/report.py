"""What a load did, for the CLI to print and for callers (demo, tests) to check."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BatchResult:
    """One file of a load: a new batch, or a file already loaded before (skipped)."""

    file: str
    batch_id: int
    rows: int
    skipped: bool = False                  # same sha256 as batch `batch_id`: nothing loaded
    superseded: dict[int, int] = field(default_factory=dict)   # older batch → rows replaced

    def line(self) -> str:
        if self.skipped:
            return f"{self.file}：与已导入的批次 {self.batch_id} 内容相同（sha256），未重复导入。"
        text = f"{self.file}：批次 {self.batch_id}，导入 {self.rows} 行"
        if self.superseded:
            parts = "、".join(f"批次 {b} 的 {n} 行" for b, n in self.superseded.items())
            text += f"，更正并取代了 {parts}（旧值仍保留）"
        return text + "。"


@dataclass
class LoadReport:
    """All files of one command (one transaction)."""

    kind: str
    batches: list[BatchResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def batch_ids(self) -> list[int]:
        """Ids of the batches this load created (files seen before are not counted)."""
        return [b.batch_id for b in self.batches if not b.skipped]

    @property
    def rows(self) -> int:
        """Rows loaded by this load."""
        return sum(b.rows for b in self.batches if not b.skipped)

    @property
    def superseded_rows(self) -> int:
        """Rows of older batches that this load corrected (their values are kept)."""
        return sum(sum(b.superseded.values()) for b in self.batches)

    def lines(self) -> list[str]:
        """One sentence per file, then the notes: what `ecocomp load` prints."""
        return [b.line() for b in self.batches] + self.notes
