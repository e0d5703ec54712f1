"""Peak memory of a process from /proc (Linux)."""

from __future__ import annotations


def peak_kb(pid: str = "self") -> int | None:
    """High-water mark of the resident set of a live process, in KB (Linux), else None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
