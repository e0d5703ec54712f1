"""What documents need of a scheme, from its rule file: its title and what the bulletin shows.

The compiled scheme (`compile_file`, from the rule cache when the file is unchanged, so no parser
is loaded) is the one source; a scheme whose rule file is gone or does not compile keeps its id as
title and shows no declared columns (its rows ranked by amount).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from compensation.errors import EcocompError
from compensation.lang.compiled import BulletinShows


@dataclass(frozen=True)
class SchemeFacts:
    id: str
    title: str
    bulletin: BulletinShows


def scheme_facts(scheme: str) -> SchemeFacts:
    """The scheme's facts from `<rules>/<id>.rule`, else `<rules>/examples/<id>.rule`."""
    from compensation.engine.schemes import default_rules_dir

    return _facts(_resolved(default_rules_dir(), os.getcwd()), scheme)


@functools.lru_cache(maxsize=64)
def _resolved(folder: Path, cwd: str) -> Path:
    """`folder.resolve()`: asked for every row of every workbook (8% of their time in a profile)."""
    return (Path(cwd) / folder).resolve()


@functools.lru_cache(maxsize=64)
def _facts(folder: Path, scheme: str) -> SchemeFacts:
    from compensation.lang import compile_file

    for path in (folder / f"{scheme}.rule", folder / "examples" / f"{scheme}.rule"):
        if not path.is_file():
            continue
        try:
            compiled = compile_file(path)
        except EcocompError:
            continue
        if compiled.id == scheme:
            return SchemeFacts(compiled.id, compiled.title, compiled.bulletin)
    return SchemeFacts(scheme, scheme, BulletinShows())
