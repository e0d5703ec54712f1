"""Every command, subcommand and option of `ecocomp` appears in README.md or docs/*.md.

Found by walking the click group, so a new command or option fails here until it is documented.
A command counts as documented where `ecocomp <its words>` is written; an option of it where a line
that names the command also names the option (so `--json` of `diff` is not taken as documented by
the `--json` of `rules check`). Global options must be on a line naming `ecocomp`.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from compensation.cli import cli

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
HELP = {"--help", "-h"}  # every command has it; the README says so once


def walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(command words, option) for every option, and (command words, '') for every command."""
    found = [(path, "")] if path else []
    for param in command.params:
        if isinstance(param, click.Option):
            longest = max(param.opts + param.secondary_opts, key=len)
            if longest not in HELP:
                found.append((path, longest))
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found.extend(walk(sub, (*path, name)))
    return found


def _lines() -> list[str]:
    return [line for doc in DOCUMENTS for line in doc.read_text(encoding="utf-8").splitlines()]


def _names(line: str, words: tuple[str, ...]) -> bool:
    return re.search(r"ecocomp " + " ".join(map(re.escape, words)) + r"(?![\w-])", line) is not None


def _has_option(line: str, option: str) -> bool:
    return re.search(re.escape(option) + r"(?![\w-])", line) is not None


def undocumented() -> list[str]:
    lines = _lines()
    missing = []
    for words, option in walk(cli):
        if not words:
            naming = [line for line in lines if "ecocomp" in line]
        else:
            naming = [line for line in lines if _names(line, words)]
        if not option:
            if not naming:
                missing.append(f"ecocomp {' '.join(words)}")
        elif not any(_has_option(line, option) for line in naming):
            missing.append(f"ecocomp {' '.join(words)} {option}".replace("  ", " "))
    return missing


def test_the_walk_sees_every_command_and_option() -> None:
    """The walk itself: known commands and options are in it (so an empty walk cannot pass)."""
    found = walk(cli)
    assert ((), "--db") in found and ((), "--version") in found
    assert (("scenario", "list"), "") in found and (("classify",), "--indicator") in found
    assert (("accounts",), "--csv") in found and (("run",), "--help") not in found
    assert len(found) > 60


def test_every_command_and_option_is_documented() -> None:
    assert undocumented() == []


def test_an_undocumented_option_would_be_found() -> None:
    line = "ecocomp run --scheme all --period 2024-03"
    assert _names(line, ("run",)) and not _names(line, ("rules",))
    assert _has_option(line, "--period") and not _has_option(line, "--year")
    assert not _names("ecocomp scenario listing", ("scenario", "list"))
