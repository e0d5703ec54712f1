"""An expression as the rule writer would read it back (`control.cpi`, `value(COD) - 20`), for
reasons and warnings that name a denominator or a cap's limit."""

from __future__ import annotations

from compensation.lang import ast

_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "and": "and", "or": "or"}


def written(e: object) -> str:
    """Numbers, names, control measures, calls and arithmetic; other forms as `…`."""
    if isinstance(e, ast.Num | ast.ClassLit):
        return e.text
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.ControlRef):
        return f"control.{e.name}"
    if isinstance(e, ast.ControlCall):
        return f"control.{written(e.call)}"
    if isinstance(e, ast.AmountRef):
        return "amount"
    if isinstance(e, ast.Call):
        return f"{e.func}({', '.join(written(a) for a in e.args)})"
    if isinstance(e, ast.YearRange):
        return f"{e.func}({written(e.arg)}, {e.first}..{e.last})"
    if isinstance(e, ast.Comprehension):
        where = f" where {written(e.where)}" if e.where is not None else ""
        return f"{e.func}({written(e.body)} for {e.var} in {written(e.source)}{where})"
    if isinstance(e, ast.Compare):
        return f"{_operand(e.left)} {e.words or e.op} {_operand(e.right)}"
    if isinstance(e, ast.Unary):
        return ("not " if e.op == "not" else "-") + _operand(e.x)
    if isinstance(e, ast.Binary):
        return f"{_operand(e.left)} {_OPS[e.op]} {_operand(e.right)}"
    return "…"


def _operand(e: object) -> str:
    return f"({written(e)})" if isinstance(e, ast.Binary) else written(e)
