"""`chosen_runs_each` asks for many months in one statement (a bulletin asked a dozen times,
about 20 ms of CPU each): its answer for each (range start, viewpoint) is the answer of
`chosen_runs` asked alone, so the one rule of which run counts stays one."""

from __future__ import annotations

from datetime import date

from compensation.engine.ledger import chosen_runs, chosen_runs_each
from compensation.render.data import chosen_runs as runs_by_month
from compensation.render.data import read_lines


def test_each_answer_is_the_answer_asked_alone(store) -> None:
    months = [date(2017, 12, 1), date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1)]
    pairs = [(m, m) for m in months] + [(date(2018, 1, 1), date(2018, 2, 1)),
                                        (date(2017, 1, 1), date(2018, 12, 1))]
    for schemes in (None, ["yangtze_han"], ["no_such_scheme"]):
        each = chosen_runs_each(store, pairs, schemes)
        assert list(each) == pairs
        assert each == {pair: chosen_runs(store, *pair, schemes) for pair in pairs}
    # the conftest's runs: January's and February's months each have a run that counts
    assert chosen_runs_each(store, [(date(2018, 1, 1), date(2018, 1, 1))])[
        (date(2018, 1, 1), date(2018, 1, 1))]
    assert chosen_runs_each(store, [(date(2017, 12, 1), date(2017, 12, 1))]) == {
        (date(2017, 12, 1), date(2017, 12, 1)): {}}
    assert chosen_runs_each(store, []) == {}


def test_the_bulletin_reads_each_month_as_seen_from_that_month(store) -> None:
    first, last = date(2018, 1, 1), date(2018, 3, 1)
    by_month = runs_by_month(store, first, last)
    lines = read_lines(store, first, last)
    for month in (date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1)):
        alone = chosen_runs(store, month, month)
        assert {s: r for (s, m), r in by_month.items() if m == month} == {
            s: r for (s, _, _), r in alone.items()}
        assert {line.run_id for line in lines[month]} <= set(alone.values())
