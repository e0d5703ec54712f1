"""Text encodings of CSV files: UTF-8 (with or without BOM) from new software, GBK from old Windows.

We never guess silently between encodings that could both fit: a file is read as UTF-8 when it is
valid UTF-8, as GB18030 (a superset of GBK/GB2312) when it is not, and refused otherwise with a
sentence that suggests `--encoding`.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from compensation.errors import InputError
from compensation.ingest.problems import fail

CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path, display: str, requested: str | None = None) -> str:
    """The encoding to read `path` with (a Python codec name), or an InputError saying why not."""
    if requested:
        try:
            codecs.lookup(requested)
        except LookupError:
            raise fail(display, requested, "Python 可识别的编码名称，如 utf-8、gbk、gb18030",
                       column="--encoding") from None
        if not _decodes(path, requested):
            raise fail(display, f"无法按 {requested} 解码的字节",
                       f"以 {requested} 编码的文本（请确认文件编码）")
        return requested
    with path.open("rb") as fh:
        head = fh.read(4096)
    for bom, name in _BOMS:
        if head.startswith(bom):
            if not _decodes(path, name):
                raise fail(display, f"以 {name} 字节顺序标记开头、但其后有无法按 {name} 解码的字节",
                           f"完整的 {name} 文本（文件可能已损坏，请重新导出）")
            return name
    if b"\x00" in head:
        raise fail(display, "二进制内容（含 NUL 字节）",
                   "CSV 文本文件（UTF-8 或 GBK 编码；其他编码请用 --encoding 指定）")
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise fail(display, "既不是 UTF-8 也不是 GBK 的字节",
               "UTF-8 或 GBK 编码的 CSV 文本（其他编码请用 --encoding 指定，如 --encoding big5）")


def to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """A UTF-8 copy of `path` (streamed, bounded memory); `path` itself when it already is UTF-8."""
    if encoding in ("utf-8", "utf8"):
        return path
    try:
        with path.open("r", encoding=encoding, newline="") as src, \
                target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)
    except UnicodeDecodeError as err:  # pragma: no cover - detect_encoding checked it
        raise InputError(f"{path}：按 {encoding} 解码失败：{err}") from None
    return target
