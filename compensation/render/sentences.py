"""The bulletin's prose, written once for every format (HTML, Markdown, Word).

Each function returns plain text; the template of each format escapes it its own way. The text
names sections, parties and rules by their names and titles, never by ids or file paths.
"""

from __future__ import annotations

from compensation.render.labels import cn_numeral, day_label, format_wan, month_label
from compensation.render.model import Bulletin
from compensation.render.profile import DocumentHead
from compensation.render.provenance import file_name


def opening(b: Bulletin, doc: DocumentHead) -> str:
    cutoff = day_label(b.data_cutoff) if b.data_cutoff else "—"
    text = (
        f"现将{month_label(b.period)}跨界断面水质考核生态补偿预核算情况通报如下"
        f"（数据截至{cutoff}；金额为预核算结果，年底统一兑现）。"
    )
    if doc.corrected:
        text = (f"本通报为{doc.number}的更正版本：监测数据更正后重新核算，以本版为准。" + text)
    return text


def overview(b: Bulletin) -> str:
    s = b.summary
    return (
        f"本月共考核断面 {s.assessed} 个，其中获得奖励（水质改善或达标）{s.improved} 个，"
        f"被扣罚（水质下降或未达标）{s.declined} 个，不参与考核 {s.excluded} 个。"
        f"奖励合计 {format_wan(s.rewards)} 万元，扣罚合计 {format_wan(s.penalties)} 万元。"
    )


def excluded(b: Bulletin) -> str:
    if not b.excluded:
        return "（一）不参与考核的断面：本月无。"
    items = "；".join(f"{v.scheme_title}{v.section_name}（{v.party_name}），{v.note}，本月不计奖惩"
                     for v in b.excluded)
    return f"（一）不参与考核的断面：{items}。"


def _names(b: Bulletin, section_ids: tuple[str, ...]) -> str:
    return "、".join(b.registry.section_name(s) for s in section_ids)


def corrections(b: Bulletin) -> str:
    if not b.corrections:
        return "（二）上期通报以来更正的监测数据：本期无数据更正。"
    items = "；".join(
        f"{day_label(c.loaded_at)}报送更正文件“{file_name(c.file_name)}”，"
        f"更正 {c.n_values} 个数值，涉及断面{_names(b, c.section_ids)}"
        for c in b.corrections
    )
    return f"（二）上期通报以来更正的监测数据：{items}，已按更正后的数据重新核算。"


def bases(b: Bulletin) -> str:
    cited = "；".join(f"{scheme}“{title}”依据{basis}" for scheme, title, basis in b.official_bases)
    return f"（三）考核依据：{cited or '见附件2'}。各项参数的来源及核算所用数据见附件2。"


CONVENTIONS = (
    "（四）水质类别按《地表水环境质量标准》（GB 3838-2002）单因子评价；综合污染指数保留三位小数，"
    "变化率以百分数保留两位小数；金额正数为责任方获得奖励，负数为被扣罚。"
)

PARAMETER_NOTE = (
    "来源性质为“公开报道（非正式文件）”或“假设”的参数，未见正式文件原文，仅作核算假设，"
    "不作为考核依据引用。"
)

ANNEXES = ("断面水质类别与奖惩金额图", "核算依据与数据来源")
# The body ends with the ranked tables and the 落款 on the first page; the rest is in the annexes.
SEE_ANNEX = ("各区（责任方）本月及本年累计奖惩金额见附件1；不参与考核的断面、数据更正、考核依据、"
             "参数来源及核算所用数据见附件2。")


def notes(b: Bulletin) -> list[str]:
    """The paragraphs of 有关说明, in order."""
    return [excluded(b), corrections(b), bases(b), CONVENTIONS]


def border_text(b: Bulletin) -> str:
    """The borders the cross schemes' parties meet across, by their kinds in the registry: 省 when
    all are provinces, 省（市、县） when provinces meet cities or counties, else 市（县）."""
    parties = [p for s in b.cross_schemes for v in s.rows for p in (v.line.payer, v.line.payee)]
    kinds = b.registry.border_kinds(parties)
    if "province" not in kinds:
        return "市（县）"
    return "省（市、县）" if kinds - {"province"} else "省"


def headings(b: Bulletin) -> dict[str, str]:
    """Chapter headings numbered for the parts this bulletin has: 二、区级断面考核结果 …"""
    parts = [("overview", "总体情况")]
    if b.district_schemes:
        parts.append(("district", "区级断面考核结果"))
    if b.cross_schemes:
        parts.append(("cross", f"跨{border_text(b)}界断面考核结果"))
    parts += [("parties", "各区（责任方）奖惩金额"), ("notes", "有关说明")]
    return {key: f"{cn_numeral(i)}、{title}" for i, (key, title) in enumerate(parts, start=1)}
