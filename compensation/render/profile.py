"""The issuing profile (发文设置): in whose name a document goes out, its number, who gets it.

A TOML file beside the registry (`data/registry/issuing.toml` in the demo). Found like the rules:
`--profile`, then `ECOCOMP_PROFILE`, then `./data/registry/issuing.toml`, then the repository's.
A bureau replaces it (and the Word templates it names) without touching the code.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compensation.errors import EcocompError
from compensation.render.templates import reports_dir

PROFILE_ENV = "ECOCOMP_PROFILE"
PROFILE_PATH = Path("data") / "registry" / "issuing.toml"
_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document: its title pattern, numbering, addressees and Word template."""

    title: str
    number: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    signers: tuple[str, ...]
    template: str


@dataclass(frozen=True)
class PublicationOrder:
    """In what order documents list schemes and rivers (the profile's [order]): the listed ones in
    their order, any other after them (schemes by id, rivers by name)."""

    schemes: tuple[str, ...] = ()
    rivers: tuple[str, ...] = ()

    def scheme_rank(self, scheme: str) -> int:
        return self.schemes.index(scheme) if scheme in self.schemes else len(self.schemes)

    def river_rank(self, river: str) -> int:
        return self.rivers.index(river) if river in self.rivers else len(self.rivers)


@dataclass(frozen=True)
class IssuingProfile:
    path: Path
    issuer: str
    signature: str
    contact: str
    bulletin: DocumentKind
    transfer_list: DocumentKind
    brief: DocumentKind
    order: PublicationOrder = PublicationOrder()

    def template_path(self, kind: DocumentKind) -> Path:
        """The Word template: beside the profile when it is there, else the default in reports/."""
        own = self.path.parent / kind.template
        if own.is_file():
            return own
        default = reports_dir() / kind.template
        if default.is_file():
            return default
        raise EcocompError(
            f"发文设置 {self.path.name} 指定的 Word 模板“{kind.template}”不存在：在 "
            f"{self.path.parent} 和默认模板目录 reports/ 中都没有找到。"
        )


def find_profile(path: str | os.PathLike[str] | None = None) -> Path:
    """`path`, else ECOCOMP_PROFILE, else ./data/registry/issuing.toml, else the repository's."""
    chosen = path or os.environ.get(PROFILE_ENV)
    if chosen:
        found = Path(chosen)
        if not found.is_file():
            raise EcocompError(f"发文设置文件 {found} 不存在（--profile 或 {PROFILE_ENV}）。")
        return found
    for candidate in (PROFILE_PATH, Path(__file__).resolve().parents[2] / PROFILE_PATH):
        if candidate.is_file():
            return candidate
    raise EcocompError(
        f"找不到发文设置文件 {PROFILE_PATH}：请用 --profile 指定，或设置环境变量 {PROFILE_ENV}。"
    )


def _strings(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EcocompError(f"发文设置 {where} 的 {key} 应为文字列表，例如 [\"市财政局\"]。")
    return tuple(value)


def _text(data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise EcocompError(f"发文设置 {where} 缺少 {key}（应为一段文字）。")
    return value


def _braced(names: set[str]) -> str:
    return "、".join("{" + name + "}" for name in sorted(names))


def _check_fields(pattern: str, allowed: set[str], where: str) -> str:
    unknown = set(_FIELD.findall(pattern)) - allowed
    if unknown:
        raise EcocompError(
            f"发文设置 {where} 中的“{pattern}”含未知占位符 {_braced(unknown)}；"
            f"可用的占位符：{_braced(allowed)}。"
        )
    return pattern


def _kind(data: dict[str, Any], name: str, path: Path, defaults: dict[str, str]) -> DocumentKind:
    where = f"{path.name} [{name}]"
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise EcocompError(f"发文设置 {path.name} 的 [{name}] 应为一节设置。")
    number = _text(section, "number", where, "第{n}期")
    return DocumentKind(
        title=_check_fields(_text(section, "title", where, defaults["title"]),
                            {"month", "year", "scheme"}, where),
        number=_check_fields(number, {"year", "n"}, where),
        to=_strings(section, "to", where),
        cc=_strings(section, "cc", where),
        signers=_strings(section, "signers", where),
        template=_text(section, "template", where, defaults["template"]),
    )


def load_profile(path: str | os.PathLike[str] | None = None) -> IssuingProfile:
    """Read and check the profile; a mistake is one sentence naming the file and the key."""
    found = find_profile(path)
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise EcocompError(f"发文设置文件 {found} 不是有效的 TOML：{err}。") from None
    issuer = _text(data, "issuer", found.name)
    return IssuingProfile(
        path=found,
        issuer=issuer,
        signature=_text(data, "signature", found.name, issuer),
        contact=_text(data, "contact", found.name, ""),
        bulletin=_kind(data, "bulletin", found, {
            "title": "关于{month}跨区断面水质考核生态补偿预核算情况的通报",
            "template": "bulletin.docx"}),
        transfer_list=_kind(data, "transfer_list", found, {
            "title": "{year}年度{scheme}资金划拨清单", "template": "transfer_list.docx"}),
        brief=_kind(data, "brief", found, {
            "title": "{scheme}协议条款谈判简报", "template": "brief.docx"}),
        order=_order(data, found),
    )


def _order(data: dict[str, Any], path: Path) -> PublicationOrder:
    where = f"{path.name} [order]"
    section = data.get("order", {})
    if not isinstance(section, dict):
        raise EcocompError(f"发文设置 {path.name} 的 [order] 应为一节设置。")
    return PublicationOrder(_strings(section, "schemes", where), _strings(section, "rivers", where))


def publication_order() -> PublicationOrder:
    """The order of the profile in effect (ECOCOMP_PROFILE, ./data/registry/issuing.toml, the
    repository's), for documents made without one; no profile: schemes by id, rivers by name."""
    try:
        found = find_profile()
    except EcocompError:
        return PublicationOrder()
    return _order_of(found.resolve(), found.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _order_of(path: Path, mtime: int) -> PublicationOrder:
    return load_profile(path).order


@dataclass(frozen=True)
class DocumentHead:
    """What every issued document carries besides its content: the red header, number, title,
    addressees, 落款 and date."""

    issuer: str
    number: str
    title: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    signers: tuple[str, ...]
    signature: str
    contact: str
    issued_on: date
    corrected: bool = False


def document_head(
    profile: IssuingProfile, kind: DocumentKind, number: str, issued_on: date,
    corrected: bool = False, **fields: str,
) -> DocumentHead:
    """The head of one document; `fields` fill the title pattern ({month}, {year}, {scheme})."""
    title = _FIELD.sub(lambda m: fields.get(m.group(1), m.group(0)), kind.title)
    return DocumentHead(profile.issuer, number, title, kind.to, kind.cc, kind.signers,
                        profile.signature, profile.contact, issued_on, corrected)
