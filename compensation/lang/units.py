"""Units and dimensions of rule values, and parameter values written as text ("500万", "III").

Quantities are kept in base units: money in yuan, mass in g, volume in m³, time in s; a
concentration in mg/L is exactly g/m³, so `mg/L × m³` is grams and `g × 万元/t` is yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache, lru_cache
from importlib import resources

from compensation.errors import EcocompError
from compensation.quality.flags import FLAG_DISPLAY

# Dimension exponents, in this order.
BASE = ("money", "mass", "volume", "time")
BASE_WORDS = {"money": "元", "mass": "g", "volume": "m³", "time": "s"}


@dataclass(frozen=True)
class Unit:
    """The type of a rule value: a number with a dimension, or a class, a truth value, ..."""

    kind: str = (
        "number"  # number | class | bool | indicator(s) | text | variant | section | party
    )
    dims: tuple[int, int, int, int] = (0, 0, 0, 0)
    zero: bool = False  # the literal 0: fits any dimension

    def describe(self) -> str:
        """The unit in words, for messages."""
        if self.kind != "number":
            return KIND_WORDS[self.kind]
        if self.dims == MONEY.dims:
            return "金额（元）"
        if self.dims == CONC.dims:
            return "浓度（mg/L）"
        if self.dims == (0, 0, 0, 0):
            return "无量纲数（比例、倍数）"
        parts = [
            f"{BASE_WORDS[b]}^{e}" if e != 1 else BASE_WORDS[b]
            for b, e in zip(BASE, self.dims, strict=True)
            if e
        ]
        return "·".join(parts)

    @property
    def is_money(self) -> bool:
        return self.kind == "number" and self.dims == MONEY.dims


KIND_WORDS = {
    "class": "水质类别",
    "bool": "条件（真/假）",
    "indicator": "指标",
    "indicators": "指标列表",
    "text": "文字",
    "variant": "条款选项",
    "section": "断面",
    "party": "当事方",
    "unknown": "未知（见前一个错误）",
}

RATIO = Unit()
MONEY = Unit(dims=(1, 0, 0, 0))
MASS = Unit(dims=(0, 1, 0, 0))
VOLUME = Unit(dims=(0, 0, 1, 0))
TIME = Unit(dims=(0, 0, 0, 1))
CONC = Unit(dims=(0, 1, -1, 0))
FLOWRATE = Unit(dims=(0, 0, 1, -1))
CLASS = Unit("class")
BOOL = Unit("bool")
INDICATOR = Unit("indicator")
INDICATORS = Unit("indicators")
TEXT = Unit("text")
VARIANT = Unit("variant")
SECTION = Unit("section")
PARTY = Unit("party")

# Literal unit → (unit, factor to base units).
LITERAL_UNITS: dict[str, tuple[Unit, Decimal]] = {
    "万": (MONEY, Decimal(10000)),
    "万元": (MONEY, Decimal(10000)),
    "亿": (MONEY, Decimal(100000000)),
    "亿元": (MONEY, Decimal(100000000)),
    "元": (MONEY, Decimal(1)),
    "%": (RATIO, Decimal("0.01")),
    "mg/L": (CONC, Decimal(1)),
    "g/m³": (CONC, Decimal(1)),
    "m³/s": (FLOWRATE, Decimal(1)),
    "m³": (VOLUME, Decimal(1)),
    "t": (MASS, Decimal(1000000)),
    "g": (MASS, Decimal(1)),
    "day": (TIME, Decimal(86400)),
    "days": (TIME, Decimal(86400)),
    "万元/t": (Unit(dims=(1, -1, 0, 0)), Decimal("0.01")),
    "元/t": (Unit(dims=(1, -1, 0, 0)), Decimal("0.000001")),
}


def multiply(a: Unit, b: Unit) -> Unit:
    return Unit(dims=tuple(x + y for x, y in zip(a.dims, b.dims, strict=True)))  # type: ignore[arg-type]


def divide(a: Unit, b: Unit) -> Unit:
    return Unit(dims=tuple(x - y for x, y in zip(a.dims, b.dims, strict=True)))  # type: ignore[arg-type]


def same(a: Unit, b: Unit) -> bool:
    """Two values may be added or compared: same kind and dimension (a literal 0 fits any
    number)."""
    if "unknown" in (a.kind, b.kind):
        return True
    if a.kind == "number" and b.kind == "number":
        return a.zero or b.zero or a.dims == b.dims
    return a.kind == b.kind


@cache
def indicator_units() -> dict[str, Unit]:
    """Canonical indicator codes and the unit of their period value."""
    text = (
        resources.files("compensation.quality").joinpath("data/indicators.csv").read_text("utf-8")
    )
    units: dict[str, Unit] = {}
    for row in text.splitlines()[1:]:
        code, _name, _hj, unit = row.split(",")[:4]
        units[code] = {"mg/L": CONC, "m³/s": FLOWRATE, "m³": VOLUME}.get(unit, RATIO)
    return units


FLAGS = FLAG_DISPLAY  # flag code -> the word a reason prints (断流)

CLASS_NAMES = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}


@dataclass(frozen=True)
class ParamValue:
    """A parameter value ready for the `ev_param_values` table: exactly one of num/txt/lst
    is set."""

    unit: Unit
    num: Decimal | None = None
    txt: str | None = None
    lst: tuple[str, ...] | None = None

    def display(self) -> str:
        if self.lst is not None:
            return "[" + ", ".join(self.lst) + "]"
        if self.txt is not None:
            return self.txt
        if self.unit.kind == "class" and self.num is not None:
            return CLASS_NAMES[int(self.num)]
        return quantity_text(self.unit, self.num) if self.num is not None else "None"


def quantity_text(unit: Unit, num: Decimal) -> str:
    """A number in base units written with a literal unit, so `parse_value_text` reads it back
    exactly (5000000 yuan → "5000000元", not a bare number that would be dimensionless)."""
    if unit.kind != "number" or unit.dims == RATIO.dims:
        return format(num.normalize(), "f") if num else "0"
    literals = [(lit, f) for lit, (u, f) in LITERAL_UNITS.items() if u.dims == unit.dims]
    literals.sort(key=lambda x: x[1] != 1)  # a unit with factor 1 first: no division at all
    if not literals:
        raise EcocompError(
            f"无法用带单位的文字写出数值 {num}（{unit.describe()}）。(no literal unit)"
        )
    literal, factor = literals[0]
    scaled = num / factor
    return (format(scaled.normalize(), "f") if scaled else "0") + literal


def parse_value_text(text: str) -> ParamValue:
    """Parse a parameter value given as text: "500万", "10%", "III", "[COD, TP]", "per_section".

    Cached: a sweep passes the same few texts thousands of times (values are immutable).
    """
    return _parse_value_text(text)


@lru_cache(maxsize=65536)
def _parse_value_text(text: str) -> ParamValue:
    from compensation.errors import RuleError
    from compensation.lang.parse import parse_expr

    try:
        expr = parse_expr(text)
    except RuleError as err:
        raise EcocompError(f"无法读取参数值“{text}”：{err}") from None
    return constant_value(expr, text)


# Rules compute in DECIMAL(38,12): a number needs at most 26 digits before the point (in yuan,
# grams, m³ or seconds once its unit is applied); a larger one would stop the run in DuckDB.
LITERAL_LIMIT = Decimal(10) ** 26


def literal_value(num: object) -> Decimal:
    """The value of a number written in a rule, in base units; too large is a sentence."""
    from compensation.lang import ast

    assert isinstance(num, ast.Num)
    value = num.value * (LITERAL_UNITS[num.unit][1] if num.unit else Decimal(1))
    if abs(value) >= LITERAL_LIMIT:
        raise EcocompError(
            f"数值“{num.text}”太大：规则中的数值（换算为元、克、立方米或秒后）最多 26 位整数。"
            "(number too large: at most 26 digits before the point)"
        )
    return value


def constant_value(expr: object, text: str) -> ParamValue:
    """Evaluate a constant parameter expression (a quantity, a class, a list or a name)."""
    from compensation.lang import ast

    if isinstance(expr, ast.Unary) and expr.op == "neg":
        inner = constant_value(expr.x, text)
        if inner.num is None or inner.unit.kind != "number":
            raise EcocompError(f"参数值“{text}”：负号只能用于数值。(minus needs a number)")
        return ParamValue(inner.unit, num=-inner.num)
    if isinstance(expr, ast.Num):
        value = literal_value(expr)
        if expr.unit is None:
            return ParamValue(Unit(zero=value == 0), num=value)
        return ParamValue(LITERAL_UNITS[expr.unit][0], num=value)
    if isinstance(expr, ast.ClassLit):
        return ParamValue(CLASS, num=Decimal(expr.klass))
    if isinstance(expr, ast.Binary) and expr.op == "div":
        written = _written(expr.left) + "/" + _written(expr.right)  # without flags after it
        return ratio_value(
            constant_value(expr.left, text), constant_value(expr.right, text), written
        )
    if isinstance(expr, ast.ListLit):
        names = []
        for item in expr.items:
            if not isinstance(item, ast.Name):
                raise EcocompError(
                    f"参数值“{text}”：列表中只能写指标代码。(a list holds indicator codes)"
                )
            names.append(item.name)
        return ParamValue(INDICATORS, lst=tuple(names))
    if isinstance(expr, ast.Name):
        return ParamValue(VARIANT, txt=expr.name)
    raise EcocompError(
        f"参数值“{text}”不是常量：参数只能取数值（带单位）、水质类别、指标列表或条款选项。"
        "(a parameter value must be a constant)"
    )


def _written(expr: object) -> str:
    """The text of a number as written (`500万`, `-1`); other operands by their kind."""
    from compensation.lang import ast

    if isinstance(expr, ast.Unary) and expr.op == "neg":
        return "-" + _written(expr.x)
    if isinstance(expr, ast.Num | ast.ClassLit):
        return expr.text
    if isinstance(expr, ast.Name):
        return expr.name
    return "…"


# Parameters are held as DECIMAL(38,12), the scale of the language's exact arithmetic.
PARAM_DECIMALS = 12


def ratio_value(top: ParamValue, bottom: ParamValue, text: str) -> ParamValue:
    """An exact ratio such as `3/10`: kept only when it is a finite decimal of at most 12 places.

    A ratio like 1/3 has no exact value in the numbers rules compute with; rather than round a
    parameter silently it is refused (a division written in the rule rounds as documented).
    """
    if top.num is None or bottom.num is None or "class" in (top.unit.kind, bottom.unit.kind):
        raise EcocompError(f"参数值“{text}”：比例的两边都应为数值。(a ratio needs two numbers)")
    if bottom.num == 0:
        raise EcocompError(f"参数值“{text}”：比例的分母为0。(a ratio cannot divide by zero)")
    exact = Fraction(top.num) / Fraction(bottom.num)
    den = exact.denominator
    for prime in (2, 5):  # a fraction is a finite decimal when its denominator is 2^a·5^b
        while den % prime == 0:
            den //= prime
    if den != 1:
        raise EcocompError(
            f"参数值“{text}”不是有限小数，不能精确保存：参数只能取有限小数的比例（如 3/10）；"
            "请写出所需位数的小数并注明依据，或把除法写在规则的表达式里。"
            "(a ratio that does not terminate is refused)"
        )
    with localcontext() as ctx:
        ctx.prec = 80
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
    if -value.normalize().as_tuple().exponent > PARAM_DECIMALS:  # type: ignore[operator]
        raise EcocompError(
            f"参数值“{text}”等于 {format(value.normalize(), 'f')}，超过 {PARAM_DECIMALS} 位小数，"
            "不能精确保存。(a ratio needs at most 12 decimal places)"
        )
    if abs(value) >= LITERAL_LIMIT:
        raise EcocompError(
            f"参数值“{text}”太大：最多 26 位整数。(number too large: at most 26 digits)"
        )
    unit = divide(top.unit, bottom.unit)
    return ParamValue(Unit(dims=unit.dims, zero=value == 0 and unit == RATIO), num=value)


def validate_overlay(
    params: dict[str, object], overlay: dict[str, str], where: str = ""
) -> dict[str, ParamValue]:
    """Check a scenario overlay {name: value text} against a scheme's parameters.

    Only negotiable parameters may change; the new value must have the unit (and, for variants,
    one of the allowed names) of the parameter. Returns the parsed values.
    """
    out: dict[str, ParamValue] = {}
    prefix = f"{where}：" if where else ""
    for name, text in overlay.items():
        param = params.get(name)
        if param is None:
            known = "、".join(sorted(params))
            raise EcocompError(
                f"{prefix}情景中的参数“{name}”在规则中不存在；已有的参数：{known}。"
                f"(unknown parameter {name})"
            )
        if not getattr(param, "negotiable", False):
            raise EcocompError(
                f"{prefix}参数“{name}”未标注 negotiable（可协商），情景不能修改它。"
                f"(parameter {name} is not negotiable)"
            )
        value = parse_value_text(str(text))
        expected: Unit = param.unit  # type: ignore[attr-defined]
        if not (same(value.unit, expected) and value.unit.kind == expected.kind):
            raise EcocompError(
                f"{prefix}参数“{name}”应为{expected.describe()}，但情景给出的“{text}”是"
                f"{value.unit.describe()}。(wrong unit for {name})"
            )
        variants = getattr(param, "variants", [])
        if variants and value.txt not in variants:
            raise EcocompError(
                f"{prefix}参数“{name}”只能取 {' | '.join(variants)}，"
                f"而不是“{text}”。(not an allowed variant)"
            )
        out[name] = value
    return out
