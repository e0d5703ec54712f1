"""`compile_file` with a cache on disk: an unchanged rule file is not compiled again.

Compiling the three shipped schemes costs seconds of CPU (lark, the checker, sqlglot), and every
`ecocomp run` used to pay it. An entry is keyed on the compiler's version (the bytes of every file
of `compensation/lang` and `compensation/quality`, `compensation/errors.py`, the installed lark
and sqlglot, the Python version), the optimisation passes on (`CompileOptions`: a rule compiled
with a pass off is another entry), the path as given (messages name it) and the rule file's bytes.
The rule language has no include, so those bytes are all a compiled scheme depends on; a changed
byte anywhere is another key, so a stale entry is never found. Entries live in
`ECOCOMP_CACHE_DIR`, else `$XDG_CACHE_HOME/ecocomp/rules` (`~/.cache/ecocomp/rules`); an
unreadable, corrupt or foreign entry is ignored and written anew, and a cache that cannot be
written only costs the compile. `ECOCOMP_CACHE_DIR=""` turns the cache off.

The syntax tree (`CompiledScheme.ast`) is left out, hit or miss alike: nothing a run, a scenario or
a document does reads it, and reading it back cost more than the rest of the entry; the compiler's
own `scheme.compile_uncached` keeps it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

from compensation.lang.compiled import CompiledScheme
from compensation.lang.options import ALL_ON, CompileOptions

CACHE_ENV = "ECOCOMP_CACHE_DIR"
FORMAT = "ecocomp-compiled-scheme/3"  # 2: CompiledRule without its plan; 3: trace_value_reads
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # compensation/
# what the compiler reads besides the rule file: its own code and data, and the code of its
# libraries (the SQL text is sqlglot's)
COMPILER_PARTS = ("lang", "quality", "errors.py")
COMPILER_LIBRARIES = ("lark", "sqlglot")


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecocomp" / "rules"


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def version_of(package_dir: Path, parts: tuple[str, ...] = COMPILER_PARTS) -> str:
    """A hash of the compiler's files under `package_dir` (names and bytes) and its libraries."""
    digest = hashlib.sha256()
    for part in parts:
        for path in _files(package_dir / part):
            digest.update(path.relative_to(package_dir).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in COMPILER_LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\0".encode())
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()


@cache
def compiler_version() -> str:
    """The version key of the installed compiler (computed once per process)."""
    return version_of(PACKAGE_DIR)


def entry_key(path: str | Path, source: bytes, options: CompileOptions = ALL_ON) -> str:
    """The key of one rule file's entry."""
    digest = hashlib.sha256(
        f"{FORMAT}\0{compiler_version()}\0{options.key()}\0{path}\0".encode())
    digest.update(source)
    return digest.hexdigest()


def _read(entry: Path, key: str) -> CompiledScheme | None:
    try:
        with entry.open("rb") as fh:
            stored = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file can raise anything while unpickling
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 3
        and stored[:2] == (FORMAT, key)
        and isinstance(stored[2], CompiledScheme)
    ):
        return stored[2]
    return None


def _write(entry: Path, key: str, compiled: CompiledScheme) -> None:
    """Write whole or not at all (a temporary file renamed), so readers never see half."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((FORMAT, key, compiled), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # a read-only or full disk: the next run compiles again


def _compile(path: str | Path, options: CompileOptions) -> CompiledScheme:
    from compensation.lang.scheme import compile_uncached  # lark and sqlglot: only on a miss

    return compile_uncached(path, options)


def _without_tree(compiled: CompiledScheme) -> CompiledScheme:
    return dataclasses.replace(compiled, ast=None)


def compile_file(path: str | Path, options: CompileOptions = ALL_ON) -> CompiledScheme:
    """Parse, check and compile one rule file with the passes `options` turns on, or read it
    from the cache; RuleError as the compiler raises it (failures are never cached)."""
    folder = cache_dir()
    try:
        source = Path(path).read_bytes()
    except OSError:
        folder = None  # the compiler says what is wrong with the path
    if folder is None:
        return _without_tree(_compile(path, options))
    key = entry_key(path, source, options)
    entry = folder / f"{key}.pickle"
    found = _read(entry, key)
    if found is not None:
        return found
    compiled = _without_tree(_compile(path, options))
    try:
        unchanged = Path(path).read_bytes() == source
    except OSError:
        unchanged = False
    if unchanged:  # an edit while compiling would file the new text under the old key
        _write(entry, key, compiled)
    return compiled
