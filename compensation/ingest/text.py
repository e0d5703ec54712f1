"""Invisible characters in text cells: refused at load, escaped when shown in a message.

A right-to-left override (U+202E) or a zero-width space in a party or section name passes into
workbook file names, HTML and Markdown and makes text display reversed or two names look equal.
Such characters have no place in a registry or a monitoring file, so they are refused with the row
and column; a message that quotes the cell shows them as <U+202E> so the message itself reads right.
"""

from __future__ import annotations

import unicodedata

# Invisible but not of category Cf/Cc: combining grapheme joiner, Hangul fillers.
_ALSO_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
INVISIBLE_EXPECTED = ("不含不可见字符（双向控制符如 U+202E、零宽字符如 U+200B、其他格式或控制字符）"
                      "的文字")


def is_invisible(char: str) -> bool:
    """Format (Cf: bidi controls, zero-width ones, BOM), control (Cc), line/paragraph separators."""
    return (unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp")
            or char in _ALSO_INVISIBLE)


def first_invisible(text: str) -> str | None:
    """The first invisible character of `text` as U+XXXX, or None when there is none."""
    for char in text:
        if is_invisible(char):
            return f"U+{ord(char):04X}"
    return None


def shown(text: str) -> str:
    """`text` with every invisible character written as <U+XXXX> (newlines as \\n)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif is_invisible(char):
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)
