"""Scenario files: a TOML overlay on a scheme's negotiable parameters, and stacks of them.

A scenario file holds a Chinese description and only the parameters it changes. On the command line
`base` is the rule file itself; `a+b` stacks files left to right, so a later file wins.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compensation.errors import EcocompError
from compensation.lang import BASE_SCENARIO, CompiledScheme, validate_overlay

SCENARIOS_ENV = "ECOCOMP_SCENARIOS"
ALLOWED_KEYS = ("title", "description", "scheme", "parameters")
STACK_SEPARATOR = "+"


def default_scenarios_dir() -> Path:
    """`ECOCOMP_SCENARIOS`, then ./data/scenarios, then data/scenarios beside the package."""
    env = os.environ.get(SCENARIOS_ENV)
    if env:
        return Path(env)
    local = Path("data") / "scenarios"
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "data" / "scenarios"


@dataclass(frozen=True)
class ScenarioFile:
    """One TOML file: its description, the scheme it was written for, and its raw overrides."""

    name: str
    path: Path
    description: str
    scheme: str | None
    overrides: dict[str, str]
    lines: dict[str, int] = field(default_factory=dict)
    title: str = ""  # a short Chinese title for documents (the description's first clause if none)


@dataclass(frozen=True)
class Scenario:
    """A named stack of scenario files; `overrides` is the merge (later files win)."""

    name: str
    parts: tuple[ScenarioFile, ...]
    overrides: dict[str, str]

    @property
    def is_base(self) -> bool:
        return not self.parts

    @property
    def description(self) -> str:
        if not self.parts:
            return "基准：规则文件中的现行参数"
        return "；".join(p.description for p in self.parts)

    @property
    def title(self) -> str:
        """What documents call the scenario (never its file name): 现行条款 for the base."""
        if not self.parts:
            return "现行条款"
        return "＋".join(p.title for p in self.parts)

    def overrides_text(self) -> str:
        """The changed parameters as `name = value`, for tables."""
        if not self.overrides:
            return "（无改动）"
        return "，".join(f"{k} = {v}" for k, v in self.overrides.items())


BASE = Scenario(BASE_SCENARIO, (), {})


def _value_text(value: object, where: str) -> str:
    """A TOML value as the rule language writes it ("500万", "III", "[COD, TP]")."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | list):
        raise EcocompError(
            f"{where}：取值 {value!r} 的类型不对，应为带单位的文字（如 \"500万\"、\"III\"）"
            "或指标列表（如 [\"COD\", \"TP\"]）。(unsupported value type)"
        )
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise EcocompError(f"{where}：列表中只能写指标代码（文字）。(list of indicator codes)")
        return "[" + ", ".join(value) + "]"
    return str(value)


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers of `key = ...` assignments, so messages can point at the line."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if match and match.group(1) not in lines:
            lines[match.group(1)] = number
    return lines


def read_scenario_file(path: Path) -> ScenarioFile:
    """Read and shape-check one TOML file (parameter names and units are checked per scheme)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad's BOM is not part of the TOML
    except FileNotFoundError:
        raise EcocompError(f"找不到情景文件 {path}。(scenario file not found)") from None
    except UnicodeDecodeError:
        raise EcocompError(f"情景文件 {path} 不是 UTF-8 编码的文本。(not UTF-8)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise EcocompError(f"情景文件 {path} 不是有效的 TOML：{err}。(invalid TOML)") from None
    lines = _key_lines(text)
    unknown = [k for k in data if k not in ALLOWED_KEYS]
    if unknown:
        key = unknown[0]
        raise EcocompError(
            f"情景文件 {path} 第 {lines.get(key, '?')} 行：未知的键“{key}”；"
            f"只能有 {'、'.join(ALLOWED_KEYS)}（参数写在 [parameters] 表中）。(unknown key {key})"
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise EcocompError(
            f"情景文件 {path} 缺少 description（中文说明该情景改了什么）。(description missing)"
        )
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise EcocompError(
            f"情景文件 {path} 第 {lines.get('title', '?')} 行：title 应为一段中文标题文字。"
            "(title must be text)"
        )
    scheme = data.get("scheme")
    if scheme is not None and not isinstance(scheme, str):
        raise EcocompError(f"情景文件 {path}：scheme 应为方案代码文字，如 \"tongshun\"。")
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise EcocompError(
            f"情景文件 {path} 第 {lines.get('parameters', '?')} 行：parameters 应为表"
            "（[parameters]，每行一个“参数 = 取值”）。(parameters must be a table)"
        )
    overrides = {
        str(k): _value_text(v, f"情景文件 {path} 第 {lines.get(str(k), '?')} 行参数“{k}”")
        for k, v in params.items()
    }
    short = title.strip() if title else re.split(r"[：:，,；;（(]", description.strip())[0]
    return ScenarioFile(path.stem, path, description.strip(), scheme, overrides, lines, short)


def _file_for(token: str, folder: Path) -> Path:
    if token.endswith(".toml") or os.sep in token or "/" in token:
        return Path(token)
    path = folder / f"{token}.toml"
    if not path.is_file():
        known = "、".join(p.stem for p in sorted(folder.glob("*.toml"))) or "（无）"
        raise EcocompError(
            f"找不到情景“{token}”（{path}）；可用的情景：base、{known}。(unknown scenario {token})"
        )
    return path


def check_against(scenario_file: ScenarioFile, compiled: CompiledScheme) -> None:
    """Only negotiable, known parameters with the right unit; the file's scheme must match."""
    if scenario_file.scheme is not None and scenario_file.scheme != compiled.id:
        raise EcocompError(
            f"情景文件 {scenario_file.path} 是为方案 {scenario_file.scheme} 写的，"
            f"不能用于方案 {compiled.id}。(scenario is for another scheme)"
        )
    for key, text in scenario_file.overrides.items():
        where = f"情景文件 {scenario_file.path} 第 {scenario_file.lines.get(key, '?')} 行"
        validate_overlay(compiled.params_by_name, {key: text}, where=where)


def load_scenario(
    spec: str, compiled: CompiledScheme, folder: Path | None = None
) -> Scenario:
    """`base`, `name`, `path.toml` or a stack `a+b+c` (later wins), checked against the scheme."""
    spec = spec.strip()
    tokens = [t.strip() for t in spec.split(STACK_SEPARATOR)]
    if not spec or any(not t for t in tokens):
        raise EcocompError(
            f"情景写法“{spec}”不对：应为 base、情景名，或用“+”叠加的情景名"
            "（如 target_iii+amount_500）。(bad scenario spec)"
        )
    parts: list[ScenarioFile] = []
    merged: dict[str, str] = {}
    for token in tokens:
        if token == BASE_SCENARIO:
            continue
        part = read_scenario_file(_file_for(token, folder or default_scenarios_dir()))
        check_against(part, compiled)
        parts.append(part)
        merged.update(part.overrides)
    if not parts:
        return BASE
    return Scenario(STACK_SEPARATOR.join(p.name for p in parts), tuple(parts), merged)


def load_scenarios(
    specs: list[str], compiled: CompiledScheme, folder: Path | None = None
) -> list[Scenario]:
    """Several specs, duplicates dropped (first one kept)."""
    out: list[Scenario] = []
    for spec in specs:
        scenario = load_scenario(spec, compiled, folder)
        if all(s.name != scenario.name for s in out):
            out.append(scenario)
    return out


def overlays(scenarios: list[Scenario]) -> list[tuple[str, Mapping[str, object]]]:
    """What `prepare_run` takes: (name, overrides) for every non-base scenario."""
    return [(s.name, dict(s.overrides)) for s in scenarios if not s.is_base]


def list_scenarios(folder: Path | None = None) -> list[ScenarioFile]:
    """Every scenario file in the folder, for `ecocomp scenario list`."""
    root = folder or default_scenarios_dir()
    return [read_scenario_file(p) for p in sorted(root.glob("*.toml"))]
