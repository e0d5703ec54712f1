"""The negotiation workbench: driven in real headless Chromium and checked against
`ecocomp scenario compare` (real processes) for 18 grid points, the 16 corners among them.

Nothing here recomputes the figures by hand: the claim under test is that the page shows, for any
setting of its controls, exactly what the engine's comparison says for those parameter values
(yearly and total nets, the difference from the current agreement, every month's net and reason)
and exactly the break-even `scenario sweep --break-even` finds.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from compensation.render.pdf import find_chromium

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "render"))

REPO = Path(__file__).resolve().parents[2]
GRID = {  # 3 × 2 × 2 × 2 = 24 points
    "annual_amount": ["1000000元", "3000000元", "5000000元"],
    "penalty_amount": ["0元", "1500000元"],
    "target": ["III", "IV"],
    "judge": ["per_section", "all_sections"],
}
SPECS = ["annual_amount=100万..500万/200万", "penalty_amount=0万,150万", "target=III,IV",
         "judge=per_section,all_sections"]
LABELS = {"annual_amount": ["100万", "300万", "500万"], "penalty_amount": ["0万", "150万"],
          "target": ["Ⅲ", "Ⅳ"], "judge": ["per_section", "all_sections"]}

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed")


@pytest.fixture(scope="module")
def tongshun_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped registry and the 2022–2024 monitoring files, loaded by the ecocomp command."""
    db = tmp_path_factory.mktemp("wb") / "ts.duckdb"
    data = REPO / "data"
    for args in (["load", "parties", str(data / "registry" / "parties.csv")],
                 ["load", "sections", str(data / "registry" / "sections.csv")],
                 ["load", "samples", *(str(data / "monitoring" / f"{y}.csv")
                                       for y in (2022, 2023, 2024))]):
        subprocess.run(["ecocomp", "--db", str(db), *args], check=True, capture_output=True)
    return db


@pytest.fixture(scope="module")
def page(tongshun_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wbout") / "谈判.html"
    done = subprocess.run(
        ["ecocomp", "--db", str(tongshun_db), "scenario", "workbench", "--scheme", "tongshun",
         "--years", "2022-2024", *(a for s in SPECS for a in ("--param", s)), "--out", str(out)],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"谈判工作台：24 个参数组合 × 3 年，已写出：{out}"
    return out


def _points() -> list[dict[str, int]]:
    """The 16 corners (each parameter at its first or last value) and two with 300万."""
    corners = [dict(zip(GRID, combo, strict=True))
               for combo in itertools.product((0, -1), (0, -1), (0, -1), (0, -1))]
    middle = [{"annual_amount": 1, "penalty_amount": 0, "target": 0, "judge": 0},
              {"annual_amount": 1, "penalty_amount": -1, "target": 1, "judge": 1}]
    return corners + middle


def _compare(db: Path, points: list[dict[str, int]], folder: Path) -> dict:
    """One `ecocomp scenario compare` over every point, each written as a scenario file."""
    names = []
    for k, point in enumerate(points):
        path = folder / f"p{k}.toml"
        lines = [f'{name} = "{GRID[name][i]}"' for name, i in point.items()]
        path.write_text(f'description = "网格点 {k}"\nscheme = "tongshun"\n[parameters]\n'
                        + "\n".join(lines) + "\n", encoding="utf-8")
        names.append(str(path))
    done = subprocess.run(
        ["ecocomp", "--db", str(db), "scenario", "compare", "base", *names, "--scheme",
         "tongshun", "--years", "2022-2024", "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _yuan(text: str) -> str:
    return re.search(r"(-?\d+\.\d\d) 元", text).group(1)


READ_PAGE = """(() => {
  const years = [...document.querySelectorAll('#wb-years tbody tr')].map(tr => [
    tr.dataset.year, tr.querySelector('.net').innerText, tr.querySelector('.versus').innerText,
    tr.querySelector('.first-side').innerText, tr.querySelector('.second-side').innerText]);
  const months = [...document.querySelectorAll('#wb-months tbody tr')].map(tr => [
    tr.dataset.month, tr.querySelector('.yuan-cell').innerText,
    tr.querySelector('.reason').innerText]);
  const evens = Object.fromEntries([...document.querySelectorAll('#wb-breakeven li')].map(
    li => [li.dataset.param, li.innerText]));
  return {years, months, evens, about: document.getElementById('wb-about').innerText};
})()"""


@needs_chromium
def test_the_page_shows_what_compare_says_at_every_corner(
    page: Path, tongshun_db: Path, tmp_path: Path
) -> None:
    from render_cdp import Browser

    points = _points()
    expected = _compare(tongshun_db, points, tmp_path)
    sweep = json.loads(subprocess.run(
        ["ecocomp", "--db", str(tongshun_db), "scenario", "sweep", "--scheme", "tongshun",
         "--years", "2022-2024", *(a for s in SPECS for a in ("--param", s)),
         "--break-even", "annual_amount", "--json"],
        capture_output=True, text=True, check=True).stdout)
    browser = Browser()
    try:
        for k, point in enumerate(points):
            name = f"p{k}"
            query = urlencode({p: LABELS[p][i] for p, i in point.items()})
            report = browser.open(f"{page.as_uri()}?{query}")
            assert browser.evaluate("window.workbenchReady", await_promise=True) == 24
            assert report.errors == []
            shown = browser.evaluate(READ_PAGE)
            yearly = {(r["year"], r["scenario"]): r for r in expected["yearly"]}
            totals = {r["scenario"]: r for r in expected["totals"]}
            for label, net, versus, first, second in shown["years"]:
                want = totals[name] if label == "合计" else yearly[(int(label), name)]
                assert _yuan(net) == want["net"], (point, label)
                assert _yuan(versus) == want["diff_to_base"], (point, label)
                assert _yuan(second) == want["net"]  # the second side receives the net
                assert _yuan(first) == (want["net"][1:] if want["net"].startswith("-")
                                        else "-" + want["net"]).replace("-0.00", "0.00")
            assert [row[0] for row in shown["years"]] == ["2022", "2023", "2024", "合计"]
            monthly = [(m["month"], m["net"], m["reason"]) for m in expected["monthly"]
                       if m["scenario"] == name]
            assert [tuple(m) for m in shown["months"]] == monthly, point
            fixed = {p: LABELS[p][i] for p, i in point.items() if p != "annual_amount"}
            even = next(b for b in sweep["break_even"] if b["fixed"] == fixed)
            text = shown["evens"]["annual_amount"]
            assert text.startswith(f"annual_amount：{even['value_text'] or '—'}。")
            assert text.endswith(even["message"])
        assert "本文件含 24 个参数组合" in shown["about"]
        assert "indicators = [COD, NH3N, TP]（规则文件现行值）" in shown["about"]
    finally:
        browser.close()


@needs_chromium
def test_moving_a_control_updates_the_figures_at_once(page: Path) -> None:
    from render_cdp import Browser

    browser = Browser()
    try:
        browser.open(f"{page.as_uri()}?annual_amount=100万")
        browser.evaluate("window.workbenchReady", await_promise=True)
        before = browser.evaluate("document.querySelector('#wb-years tbody tr .net').innerText")
        browser.evaluate("""(() => { const c = document.getElementById('ctl-annual_amount');
            c.value = '2'; c.dispatchEvent(new Event('input')); })()""")
        after = browser.evaluate("document.querySelector('#wb-years tbody tr .net').innerText")
        moving = browser.evaluate(
            "document.querySelector('#wb-breakeven li.moving').dataset.param")
        # 2022: every section-month met the Ⅳ target (the current agreement's 300万 was paid
        # in full), so the year's net is the whole annual amount: 100万, then 500万
        assert _yuan(before) == "1000000.00" and _yuan(after) == "5000000.00"
        assert moving == "annual_amount"
        assert browser.evaluate("document.getElementById('val-annual_amount').textContent") \
            == "500万"
        # one control per negotiable parameter, and the break-even follows the one moved
        controls = browser.evaluate(
            "[...document.querySelectorAll('[id^=ctl-]')].map(c => c.id)")
        assert sorted(controls) == sorted(f"ctl-{name}" for name in GRID)
        browser.evaluate("""(() => { const c = document.getElementById('ctl-penalty_amount');
            c.value = '1'; c.dispatchEvent(new Event('input')); })()""")
        assert browser.evaluate(
            "document.querySelector('#wb-breakeven li.moving').dataset.param") == "penalty_amount"
    finally:
        browser.close()


def test_the_page_names_no_external_url(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert re.findall(r"(?i)(?:https?:|ftp:|wss?:)//|(?:src|href)\s*=\s*[\"']?//", html) == []
    assert re.findall(r"(?i)<(?:link|img|iframe|object|embed)\b", html) == []
    assert "default-src 'none'" in html  # the browser itself refuses any request
    assert len(re.findall(r"<script", html)) == 2  # the data and the inlined script only


@needs_chromium
def test_the_browser_requests_nothing_but_the_file(page: Path) -> None:
    from render_cdp import Browser

    browser = Browser()
    try:
        report = browser.open(page.as_uri())
        assert browser.evaluate("window.workbenchReady", await_promise=True) == 24
        assert [u for u in report.requests if not u.startswith("file:")] == []
        assert report.errors == []
    finally:
        browser.close()


def test_the_whole_grid_is_one_rule_query_through_the_api(
    tongshun_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Store.workbench` evaluates all 24 points and the current agreement with one execution of
    the rule query (break-even's refinement rounds are their own queries, counted elsewhere).
    The query runs on the real DuckDB; the wrapper only counts."""
    from compensation.api import Store
    from compensation.scenario import outcomes

    calls: list[str] = []
    real = outcomes.run_rule_query

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(str(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(outcomes, "run_rule_query", counting)
    page = Store(tongshun_db).workbench("tongshun", SPECS, "2022-2024", tmp_path / "wb.html")
    assert len(calls) == 1 and calls[0].lstrip().startswith("CREATE TEMP TABLE")
    assert (page.points, page.years) == (24, [2022, 2023, 2024])
    assert dict(page.fixed)["indicators"] == "[COD, NH3N, TP]（规则文件现行值）"
    html = page.path.read_text(encoding="utf-8")
    assert '本文件含 <b id="wb-count">24</b> 个参数组合' in html
