"""Located messages about rule files: file:line:col, the source line, a caret, a sentence."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a rule file; `message` is a finished sentence (Chinese first)."""

    file: str
    line: int
    col: int
    message: str
    source_line: str = ""
    caret: str = ""

    def render(self) -> str:
        """The human form: `file:line:col: message`, then the line and a caret under the column."""
        head = f"{self.file}:{self.line}:{self.col}: {self.message}"
        if not self.source_line:
            return head
        gutter = f"{self.line:>5} | "
        return f"{head}\n{gutter}{self.source_line}\n{' ' * (len(gutter) - 2)}| {self.caret}"

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        return {k: data[k] for k in ("file", "line", "col", "message")}


def make(file: str, source: str, line: int, col: int, message: str) -> Diagnostic:
    """Build a diagnostic, cutting the source line and placing the caret (tabs kept as tabs)."""
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    prefix = "".join(ch if ch == "\t" else " " for ch in text[: max(col - 1, 0)])
    # Wide (CJK) characters take two columns in a terminal; pad so the caret lands under the column.
    wide = sum(1 for ch in text[: max(col - 1, 0)] if ord(ch) > 0x2E80)
    return Diagnostic(file, line, col, message, text, prefix + " " * wide + "^")
