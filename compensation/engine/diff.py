"""`ecocomp diff RUN_A RUN_B`: what changed between two runs, by party and month, and why.

Runs are compared as recorded (nothing is recomputed): the lines of each run, then the period values
each run saw (the quality macros as of each run's as-of time) for the sections whose lines changed,
with the batch and file that brought the new value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from compensation.engine.ledger import party_names
from compensation.engine.money import wan_text, yuan_text
from compensation.errors import EcocompError
from compensation.months import grain_of, period_text
from compensation.store.functions import has_function

LineKey = tuple[str, date, date, str | None]


def _run(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, Any]:
    rows = con.execute(
        """SELECT run_id, scheme, period_label, window_start, window_end, as_of, lines_hash,
                  data_hash, rules_hash, params_hash, batch_ids, period_value
           FROM runs WHERE run_id = ?""",
        [run_id],
    ).fetchall()
    if not rows:
        raise EcocompError(
            f"没有运行 #{run_id}；请用 ecocomp accounts 查看运行编号。(no run {run_id})"
        )
    keys = ("run", "scheme", "label", "window_start", "window_end", "as_of", "lines_hash",
            "data_hash", "rules_hash", "params_hash", "batch_ids", "period_value")
    return dict(zip(keys, rows[0], strict=True))


def _lines(con: duckdb.DuckDBPyConnection, run_id: int) -> list[tuple]:
    return con.execute(
        """SELECT rule, period_start, period_end, section_id, payer, payee, amount, branch,
                  reason, line_id
           FROM ledger WHERE run_id = ? ORDER BY line_id""",
        [run_id],
    ).fetchall()


def _by_key(lines: list[tuple]) -> dict[LineKey, list[tuple]]:
    out: dict[LineKey, list[tuple]] = {}
    for line in lines:
        out.setdefault((line[0], line[1], line[2], line[3]), []).append(line)
    return out


def _party_period(lines: list[tuple]) -> dict[tuple[str, str], Decimal]:
    nets: dict[tuple[str, str], Decimal] = {}
    for _rule, start, end, _s, payer, payee, amount, *_ in lines:
        label = period_text(start, end)
        nets[(payee, label)] = nets.get((payee, label), Decimal("0.00")) + amount
        nets[(payer, label)] = nets.get((payer, label), Decimal("0.00")) - amount
    return nets


def _describe(lines: list[tuple] | None, names: dict[str, str]) -> str:
    if not lines:
        return "（无）"
    return "；".join(
        f"{names.get(p, p)}→{names.get(q, q)} {wan_text(a)}万元"
        + (f"〔{b}〕" if b else "") + (f"（{r}）" if r else "")
        for _rule, _s, _e, _sec, p, q, a, b, r, _id in lines
    )


def _value_changes(
    con: duckdb.DuckDBPyConnection, sections: list[str], periods: list[tuple[date, date]],
    a: dict[str, Any], b: dict[str, Any],
) -> list[dict[str, Any]]:
    """Period values that differ between the two runs, with the batch/file of the new one.

    Each value is formed as the run formed it (lang/runtime.py): the period's samples loaded by the
    run's as-of, of months up to the run's last month (a provisional year is its to-date value),
    the mean of samples or, with `period value monthly-mean`, of monthly values. One query per
    period length (month, quarter, year…), over every section and period asked for.
    """
    if not sections or not has_function(con, "period_values"):
        return []
    shapes: dict[tuple[str, int], list[tuple[date, date]]] = {}
    for start, end in periods:
        shape = grain_of(start, end)
        if shape is not None:
            shapes.setdefault(shape, []).append((start, end))
    macro = "monthly_mean_values" if b.get("period_value") == "monthly-mean" else "period_values"
    new = sorted(set(b["batch_ids"] or []) - set(a["batch_ids"] or []))
    out = []
    for (grain, begins), keys in sorted(shapes.items()):
        source = macro if grain != "month" else "period_values"
        starts = sorted({s for s, _ in keys})
        first, last = starts[0], max(e for _, e in keys)

        def side(name: str, source: str = source, grain: str = grain, begins: int = begins) -> str:
            return (f"SELECT * FROM {source}(CAST(${name} AS TIMESTAMP), '{grain}', "
                    f"through := CAST($t{name} AS DATE), begins := {int(begins)}) "
                    "WHERE list_contains($secs, section_id) AND list_contains($starts, period)")

        rows = con.execute(
            f"""WITH a AS ({side("a")}), b AS ({side("b")}),
                     src AS (SELECT section_id, period_of(sampled_at, '{grain}', {int(begins)})
                                        AS period, indicator,
                                    string_agg(DISTINCT CAST(batch_id AS VARCHAR) || ' '
                                               || file_name, ', ' ORDER BY 1)
                                        FILTER (WHERE list_contains($new, batch_id)) AS new_files,
                                    string_agg(DISTINCT CAST(batch_id AS VARCHAR) || ' '
                                               || file_name, ', ' ORDER BY 1) AS files
                             FROM current_samples(CAST($b AS TIMESTAMP))
                             WHERE list_contains($secs, section_id)
                               AND sampled_at >= $first AND sampled_at < $last + INTERVAL 1 DAY
                               AND date_trunc('month', sampled_at) <= $tb
                             GROUP BY ALL)
                SELECT COALESCE(a.section_id, b.section_id) AS sid,
                       CAST(COALESCE(a.period, b.period) AS DATE) AS per,
                       COALESCE(a.indicator, b.indicator) AS ind,
                       a.value, b.value, a.class, b.class, COALESCE(src.new_files, src.files)
                FROM a FULL JOIN b USING (section_id, period, indicator)
                LEFT JOIN src ON src.section_id = COALESCE(a.section_id, b.section_id)
                             AND src.period = CAST(COALESCE(a.period, b.period) AS DATE)
                             AND src.indicator = COALESCE(a.indicator, b.indicator)
                WHERE a.value IS DISTINCT FROM b.value OR a.flags IS DISTINCT FROM b.flags
                ORDER BY sid, per, ind""",
            {"a": a["as_of"], "b": b["as_of"], "ta": a["window_end"], "tb": b["window_end"],
             "secs": sections, "starts": starts, "first": first, "last": last, "new": new},
        ).fetchall()
        ends = dict(keys)
        out += [
            {"section": s, "period_start": p, "period": period_text(p, ends.get(p, p)),
             "indicator": i, "before": None if va is None else str(va),
             "after": None if vb is None else str(vb), "class_before": ca, "class_after": cb,
             "source": src}
            for s, p, i, va, vb, ca, cb, src in rows
        ]
    return out


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> tuple[date, date]:
    """The months both runs cover; runs over disjoint windows have nothing to compare."""
    lo, hi = max(a["window_start"], b["window_start"]), min(a["window_end"], b["window_end"])
    if lo > hi:
        raise EcocompError(
            f"运行 #{a['run']}（{a['label']}）和 #{b['run']}（{b['label']}）的核算期间没有重叠，"
            "无法比较。(run windows do not overlap)"
        )
    return lo, hi


def diff_runs(con: duckdb.DuckDBPyConnection, run_a: int, run_b: int) -> dict[str, Any]:
    """The differences between two runs of one scheme over the months both cover."""
    a, b = _run(con, int(run_a)), _run(con, int(run_b))
    if a["scheme"] != b["scheme"]:
        raise EcocompError(
            f"运行 #{a['run']}（{a['scheme']}）和 #{b['run']}（{b['scheme']}）属于不同方案，"
            "无法比较。"
            "(runs of different schemes)"
        )
    lo, hi = _overlap(a, b)
    names = party_names(con)

    def within(lines: list[tuple]) -> list[tuple]:
        return [x for x in lines if x[1] <= hi and x[2] >= lo]

    lines_a, lines_b = within(_lines(con, a["run"])), within(_lines(con, b["run"]))
    keyed_a, keyed_b = _by_key(lines_a), _by_key(lines_b)

    def content(ls: list[tuple] | None) -> list[tuple]:
        return sorted(tuple(x[4:9]) for x in ls or [])

    changed_keys = sorted(
        (k for k in set(keyed_a) | set(keyed_b)
         if content(keyed_a.get(k)) != content(keyed_b.get(k))),
        key=lambda k: (k[1], k[0], k[3] or ""),
    )
    controls = dict(con.execute("SELECT section_id, control_id FROM sections").fetchall())
    section_names = dict(con.execute("SELECT section_id, name FROM sections").fetchall())
    sections = sorted({s for k in changed_keys for s in (k[3], controls.get(k[3]))} - {None})
    changes = _value_changes(
        con, sections, sorted({(k[1], k[2]) for k in changed_keys}), a, b
    ) if changed_keys else []
    lines_out = []
    for rule, start, end, section in changed_keys:
        involved = {section, controls.get(section)} - {None}
        lines_out.append({
            "rule": rule, "period": period_text(start, end), "section": section,
            "section_name": section_names.get(section),
            "before": _describe(keyed_a.get((rule, start, end, section)), names),
            "after": _describe(keyed_b.get((rule, start, end, section)), names),
            "values": [
                {k: v for k, v in c.items() if k != "period_start"} for c in changes
                if c["section"] in involved and c["period_start"] == start
                and c["period"] == period_text(start, end)
            ],
        })
    nets_a, nets_b = _party_period(lines_a), _party_period(lines_b)
    parties = []
    for party, label in sorted(set(nets_a) | set(nets_b), key=lambda k: (k[1], k[0])):
        before = nets_a.get((party, label), Decimal("0.00"))
        after = nets_b.get((party, label), Decimal("0.00"))
        if before != after:
            parties.append({
                "party": party, "party_name": names.get(party, party), "period": label,
                "before": yuan_text(before), "after": yuan_text(after),
                "change": yuan_text(after - before),
            })
    new_batches = sorted(set(b["batch_ids"] or []) - set(a["batch_ids"] or []))
    return {
        "scheme": a["scheme"],
        "run_a": {k: str(v) if isinstance(v, datetime | date) else v for k, v in a.items()},
        "run_b": {k: str(v) if isinstance(v, datetime | date) else v for k, v in b.items()},
        "months": f"{lo:%Y-%m}~{hi:%Y-%m}",
        "identical": not parties and not lines_out,
        "new_batches": new_batches,
        "parties": parties,
        "lines": lines_out,
    }


def render_text(d: dict[str, Any]) -> str:
    a, b = d["run_a"], d["run_b"]
    head = (
        f"方案 {d['scheme']}：运行 #{a['run']}（{a['label']}）→ #{b['run']}（{b['label']}），"
        f"比较期间 {d['months']}"
    )
    if d["identical"]:
        return head + "：两次运行在共同期间内的台账行完全相同。"
    out = [head]
    if d["new_batches"]:
        out.append("新增数据批次：" + "、".join(f"#{x}" for x in d["new_batches"]))
    out.append("各方按期间的净额变化（净额 = 应收 − 应付，元）：")
    out += [
        f"  {p['period']} {p['party_name']}：{p['before']} → {p['after']}（{p['change']}）"
        for p in d["parties"]
    ] or ["  （无）"]
    out.append("变化的台账行及其原因：")
    for ln in d["lines"]:
        out.append(f"  {ln['period']} {ln['rule']} {ln['section_name'] or ln['section'] or '-'}：")
        out.append(f"    之前 {ln['before']}")
        out.append(f"    之后 {ln['after']}")
        for v in ln["values"]:
            out.append(
                f"    {v['section']} {v['period']} {v['indicator']}：{v['before']} → {v['after']}"
                f"（类别 {v['class_before']} → {v['class_after']}；来源 {v['source'] or '-'}）"
            )
    return "\n".join(out)
