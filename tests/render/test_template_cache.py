"""Compiled templates are kept on disk (a bulletin compiled its template in every process): a
kept template renders as a fresh one does, a changed template is compiled again, and a cache that
cannot be written only costs the compile."""

from __future__ import annotations

from pathlib import Path

import pytest

from compensation.render import templates


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    reports, cache = tmp_path / "reports", tmp_path / "cache"
    reports.mkdir()
    monkeypatch.setenv("ECOCOMP_REPORTS", str(reports))
    monkeypatch.setenv("ECOCOMP_CACHE_DIR", str(cache))
    templates.environment.cache_clear()
    yield reports, cache
    templates.environment.cache_clear()


def _render(name: str, **values: object) -> str:
    templates.environment.cache_clear()  # a new process: a new environment
    return templates.environment("html").get_template(name).render(**values)


def test_a_kept_template_renders_as_a_fresh_one_and_a_changed_one_is_compiled_again(
        folders: tuple[Path, Path]) -> None:
    reports, cache = folders
    (reports / "t.html.j2").write_text("<p>{{ x }} 万元</p>", encoding="utf-8")
    assert _render("t.html.j2", x="<b>") == "<p>&lt;b&gt; 万元</p>"
    kept = list(cache.glob("templates-html-*/*"))
    assert len(kept) == 1
    assert _render("t.html.j2", x="<b>") == "<p>&lt;b&gt; 万元</p>"  # from the kept entry
    (reports / "t.html.j2").write_text("<p>{{ x }} 元</p>", encoding="utf-8")
    assert _render("t.html.j2", x=1) == "<p>1 元</p>"


def test_an_unwritable_or_corrupt_cache_only_costs_the_compile(
        folders: tuple[Path, Path]) -> None:
    reports, cache = folders
    (reports / "t.html.j2").write_text("{{ x }}", encoding="utf-8")
    cache.write_text("a file where the folder should be", encoding="utf-8")
    assert _render("t.html.j2", x=2) == "2"
    cache.unlink()
    assert _render("t.html.j2", x=3) == "3"
    [entry] = cache.glob("templates-html-*/*")
    entry.write_bytes(entry.read_bytes()[:20])  # truncated
    assert _render("t.html.j2", x=4) == "4"
