"""`ecocomp explain LINE`: one ledger line traced back to its rule, parameters and samples."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from compensation.engine.money import to_fen, wan_text, yuan_text
from compensation.errors import EcocompError
from compensation.months import grain_of, period_text
from compensation.quality.standards import display_value
from compensation.store.functions import has_function


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _line(con: duckdb.DuckDBPyConnection, line_id: int) -> dict[str, Any]:
    rows = con.execute(
        """SELECT l.line_id, l.run_id, l.scheme, l.rule, l.period_start, l.period_end,
                  l.section_id, s.name, s.control_id, c.name, l.payer, COALESCE(pa.name, l.payer),
                  l.payee, COALESCE(pb.name, l.payee), l.amount, l.branch, l.exception, l.reason,
                  CAST(l.trace AS VARCHAR), r.as_of, r.period_label, r.window_start, r.window_end,
                  r.rules_hash, r.data_hash, r.params_hash, r.engine_version, r.duckdb_version,
                  CAST(r.rules_meta AS VARCHAR), CAST(r.params AS VARCHAR), r.period_kind,
                  r.period_value
           FROM ledger l JOIN runs r USING (run_id)
           LEFT JOIN sections s ON s.section_id = l.section_id
           LEFT JOIN sections c ON c.section_id = s.control_id
           LEFT JOIN parties pa ON pa.party_id = l.payer
           LEFT JOIN parties pb ON pb.party_id = l.payee
           WHERE l.line_id = ?""",
        [line_id],
    ).fetchall()
    if not rows:
        top = con.execute("SELECT max(line_id) FROM ledger").fetchall()[0][0]
        raise EcocompError(
            f"台账中没有第 {line_id} 行（现有行号 1～{top or 0}）；请用 ecocomp accounts 查看行号。"
            f"(no ledger line {line_id})"
        )
    keys = (
        "line", "run", "scheme", "rule", "period_start", "period_end", "section", "section_name",
        "control", "control_name", "payer", "payer_name", "payee", "payee_name", "amount",
        "branch", "exception", "reason", "trace", "as_of", "run_label", "window_start",
        "window_end", "rules_hash", "data_hash", "params_hash", "engine_version",
        "duckdb_version", "rules_meta", "params", "period_kind", "period_value",
    )
    return dict(zip(keys, rows[0], strict=True))


def _sections_in(trace: Any) -> set[str]:
    """Section ids named anywhere in the trace (keys 'section'/'section_id'/'control')."""
    found: set[str] = set()
    if isinstance(trace, dict):
        for key, value in trace.items():
            if key in {"section", "section_id", "control", "control_id"} and isinstance(value, str):
                found.add(value)
            found |= _sections_in(value)
    elif isinstance(trace, list):
        for item in trace:
            found |= _sections_in(item)
    return found


def _samples(
    con: duckdb.DuckDBPyConnection, sections: list[str], start: date, end: date, as_of: datetime
) -> list[dict[str, Any]]:
    """The samples behind the period values: newest batch as of the run, with file and row."""
    if not sections or not has_function(con, "current_samples"):
        return []
    cols = [
        r[0]
        for r in con.execute(
            "DESCRIBE SELECT * FROM current_samples(CAST(? AS TIMESTAMP))", [as_of]
        ).fetchall()
    ]
    wanted = [
        c for c in ("section_id", "sampled_at", "indicator", "value", "below_dl",
                    "detection_limit", "flag", "source", "batch_id", "file_name", "row_no")
        if c in cols
    ]
    rows = con.execute(
        f"""SELECT {', '.join(wanted)} FROM current_samples(CAST(? AS TIMESTAMP))
            WHERE list_contains(?, section_id)
              AND CAST(sampled_at AS DATE) BETWEEN ? AND ?
            ORDER BY section_id, indicator, sampled_at""",
        [as_of, sections, start, end],
    ).fetchall()
    return [dict(zip(wanted, (_plain(v) for v in r), strict=True)) for r in rows]


def _period_values(
    con: duckdb.DuckDBPyConnection, sections: list[str], line: dict[str, Any],
) -> list[dict[str, Any]]:
    """The values of the line's period as its run formed them (lang/runtime.py): the period's
    grain and alignment from its length and first month, samples loaded by the run's as-of, of
    months up to the run's last month (a provisional year is its to-date value); the mean of
    monthly values for `period value monthly-mean`."""
    start, end = line["period_start"], line["period_end"]
    grain, begins = grain_of(start, end) or ("month", 1)
    monthly_mean = grain != "month" and line.get("period_value") == "monthly-mean"
    macro = "monthly_mean_values" if monthly_mean else "period_values"
    if not sections or not has_function(con, macro):
        return []
    counts = ("CAST(NULL AS INTEGER), CAST(NULL AS INTEGER)" if monthly_mean
              else "n_samples, n_valid")
    highest = "CAST(NULL AS DECIMAL(18,6))" if monthly_mean else "highest"
    rows = con.execute(
        f"""SELECT section_id, CAST(period AS VARCHAR), indicator, {counts}, value,
                   {highest}, flags, class
            FROM {macro}(CAST(? AS TIMESTAMP), '{grain}', through := CAST(? AS DATE),
                         begins := {int(begins)})
            WHERE list_contains(?, section_id) AND period BETWEEN ? AND ?
            ORDER BY section_id, indicator, period""",
        [line["as_of"], line["window_end"], sections, start, end],
    ).fetchall()
    keys = ("section_id", "period", "indicator", "n_samples", "n_valid", "value", "highest",
            "flags", "class")
    return [dict(zip(keys, (_plain(v) for v in r), strict=True)) for r in rows]


def _parameters_in_effect(
    params: Any, period_start: date, used: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each parameter's value on the line's period, with the date it took effect and its basis.

    `params` is the run's snapshot of the compiled parameters (dated versions); `used` the values
    the rule recorded in its trace, which restrict the list to the parameters the rule read.
    """
    from compensation.lang.compiled import recorded_params  # plain data: no compiler loaded

    out = []
    for param in recorded_params(params):
        if used is not None and param.name not in used:
            continue
        in_effect = [v for v in param.versions if v.start[:10] <= period_start.isoformat()]
        if not in_effect:
            continue
        version = max(in_effect, key=lambda v: v.start)
        out.append({
            "name": param.name,
            "value": version.text,
            "from": version.start[:10],
            "basis": version.basis,
            "assumption": version.assumption,
            "negotiable": param.negotiable,
            "value_used": None if used is None else used.get(param.name),
        })
    return out


def explain_line(con: duckdb.DuckDBPyConnection, line_id: int) -> dict[str, Any]:
    """Everything that explains one amount, as a JSON-able dict."""
    line = _line(con, int(line_id))
    trace = json.loads(line["trace"]) if line["trace"] else {}
    rules_meta = json.loads(line["rules_meta"]) if line["rules_meta"] else []
    rule = next((r for r in rules_meta if r.get("id") == line["rule"]), {"id": line["rule"]})
    params = json.loads(line["params"]) if line["params"] else []
    sections = sorted(
        ({line["section"], line["control"]} | _sections_in(trace)) - {None}  # type: ignore[operator]
    )
    as_of, start, end = line["as_of"], line["period_start"], line["period_end"]
    return {
        "line": line["line"],
        "run": {
            "run": line["run"], "label": line["run_label"], "as_of": _plain(as_of),
            "window": [_plain(line["window_start"]), _plain(line["window_end"])],
            "rules_hash": line["rules_hash"], "data_hash": line["data_hash"],
            "params_hash": line["params_hash"], "engine_version": line["engine_version"],
            "duckdb_version": line["duckdb_version"],
        },
        "scheme": line["scheme"],
        "period": period_text(start, end),
        "section": line["section"], "section_name": line["section_name"],
        "control": line["control"], "control_name": line["control_name"],
        "payer": line["payer"], "payer_name": line["payer_name"],
        "payee": line["payee"], "payee_name": line["payee_name"],
        "amount": yuan_text(line["amount"]), "amount_wan": wan_text(line["amount"]),
        "branch": line["branch"], "exception": line["exception"], "reason": line["reason"],
        "rule": rule,
        "parameters": _parameters_in_effect(params, start, _params_read(trace)),
        "trace": trace,
        "period_values": _period_values(con, sections, line),
        "samples": _samples(con, sections, start, end, as_of),
    }


def _params_read(trace: Any) -> dict[str, Any] | None:
    """The parameters the rule read, from the compiler's trace (None: not a compiled rule's)."""
    from compensation.lang.trace import Trace  # plain data: no compiler loaded

    read = Trace.from_json(trace)
    return read.params if read else None


def _shown(indicator: Any, value: Any) -> str:
    """A value at its assessment decimals (pH 8, not 8.000000; a sample's 8.07 stays 8.07)."""
    if value is None:
        return "—"
    try:
        return display_value(str(indicator), Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _sample_value(sample: dict[str, Any]) -> str:
    if sample.get("value") is None:
        return str(sample.get("flag") or "未检出")
    return _shown(sample.get("indicator"), sample["value"])


def _flat(value: Any, prefix: str = "") -> list[str]:
    """Trace values as 'key.sub = value' lines, in the order the rule wrote them."""
    if isinstance(value, dict):
        out: list[str] = []
        for key, sub in value.items():
            out += _flat(sub, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, sub in enumerate(value):
            out += _flat(sub, f"{prefix}[{i}]")
        return out
    return [f"  {prefix} = {json.dumps(value, ensure_ascii=False)}"]


def _cap_lines(trace: Any) -> list[str]:
    """Each cap or minimum of the rule: its limit and the line before and after it (the amount
    computed is not the amount paid when one applied)."""
    from compensation.lang.trace import Trace

    read = Trace.from_json(trace)
    out = []
    for c in (read.caps if read and read.caps else []):
        before, after = (to_fen(abs(Decimal(str(c[k])))) if c.get(k) is not None else None
                         for k in ("before", "after"))
        if before is None or after is None:
            continue
        limit = yuan_text(to_fen(str(c["limit"]))) if c.get("limit") is not None else "-"
        change = "调整为" if str(c.get("cap", "")).startswith("minimum") else "减至"
        effect = ("未改变金额" if before == after
                  else f"金额由 {yuan_text(before)} 元{change} {yuan_text(after)} 元")
        out.append(f"上限/下限：{c.get('cap')}（限额 {limit} 元）：{effect}")
    return out


def render_text(info: dict[str, Any]) -> str:
    """The explanation as the water section reads it, from the amount down to the samples."""
    rule = info["rule"]
    out = [
        f"台账第 {info['line']} 行：{info['payer_name']} → {info['payee_name']} "
        f"{info['amount_wan']} 万元（{info['amount']} 元），方案 {info['scheme']}，期间 "
        f"{info['period']}，断面 {info['section_name'] or '-'}"
        + (f"（对照断面 {info['control_name']}）" if info["control_name"] else ""),
        (f"规则 {rule.get('id')}「{rule.get('title', '')}」 {rule.get('file', '?')}:"
        f"{rule.get('line', '?')}，依据：{rule.get('basis') or '（未注明）'}"),
        (f"命中档位/分支：{info['branch'] or '-'}；例外：{info['exception'] or '无'}；"
        f"原因：{info['reason'] or '-'}"),
    ]
    out += _cap_lines(info["trace"])
    out.append("参数（取值、生效日期、依据）：")
    out += [
        f"  {p['name']} = {p['value']}（自 {p['from']} 起；依据：{p['basis'] or '（未注明）'}"
        + (f"；假设：{p['assumption']}" if p.get("assumption") else "")
        + ("；可协商" if p.get("negotiable") else "")
        + "）"
        for p in info["parameters"]
    ] or ["  （无）"]
    out.append("计算过程（规则记录的测量值与中间值）：")
    out += _flat(info["trace"]) or ["  （无）"]
    out.append("期间值（按断面、指标）：")
    out += [
        f"  {v['section_id']} {v['period']} {v['indicator']} = "
        f"{_shown(v['indicator'], v['value'])}"
        f"（样品 {v['n_valid']}/{v['n_samples']}，类别 {v['class']}，标记 {v['flags'] or '-'}）"
        for v in info["period_values"]
    ] or ["  （无）"]
    out.append("样品（文件、批次、行）：")
    out += [
        f"  {s.get('section_id')} {s.get('sampled_at')} {s.get('indicator')} = "
        f"{_sample_value(s)}"
        f"  文件 {s.get('file_name', '?')} 批次 {s.get('batch_id', '?')} 行 {s.get('row_no', '?')}"
        for s in info["samples"]
    ] or ["  （无）"]
    run = info["run"]
    out.append(
        f"运行 #{run['run']}（{run['label']}，截止 {run['as_of']}；规则 {run['rules_hash'][:12]}，"
        f"数据 {run['data_hash'][:12]}，参数 {run['params_hash'][:12]}；ecocomp "
        f"{run['engine_version']}，DuckDB {run['duckdb_version']}）"
    )
    return "\n".join(out)
