"""Word documents rendered from a replaceable .docx template (docxtpl on python-docx).

The template keeps the office's letterhead, fonts, margins, header and footer; the body is built
here as real Word headings, paragraphs and tables (a docxtpl subdocument), with the same prose as
the HTML (`sentences`) and the charts as PNG images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docxtpl import DocxTemplate

from compensation.errors import EcocompError
from compensation.render.labels import (
    class_numeral,
    day_label,
    format_index,
    format_ratio,
    format_wan,
)
from compensation.render.model import Bulletin, SchemeTable
from compensation.render.profile import DocumentHead
from compensation.render.save import NO_MOMENT, fixed_office_bytes, write_atomically
from compensation.render.transfer_list import AMOUNT_NOTE, TransferList
from compensation.render.word_template import BODY_FONT, set_fonts
from compensation.scenario.brief import Brief

TABLE_FONT_SIZE = Pt(9)
TEXT_WIDTH_MM = 166.0  # A4 less the default template's margins
SHORT_COLUMN_MM = 20.0


def open_template(path: Path) -> DocxTemplate:
    try:
        return DocxTemplate(str(path))
    except Exception as err:  # a file that is not a .docx: one sentence, not a traceback
        raise EcocompError(f"Word 模板 {path} 无法打开（应为 .docx 文件）：{err}") from None


def save_atomically(template: DocxTemplate, out: Path, moment: datetime = NO_MOMENT) -> Path:
    """Write beside the target and rename (never half a document), with the user's umask; the
    same document and moment give the same bytes (`render.save`)."""
    buffer = io.BytesIO()
    template.save(buffer)
    return write_atomically(out, fixed_office_bytes(buffer.getvalue(), moment))


@dataclass(frozen=True)
class TableLook:
    """A table's font size and cell margins; widths follow from them (`_auto_widths`)."""

    size: Pt = TABLE_FONT_SIZE
    margin_mm: float = 1.9  # Word's default left and right cell margin
    header_cap: int = 8  # half widths of a header line before it wraps
    width_mm: float = TEXT_WIDTH_MM

    @staticmethod
    def compact(width_mm: float) -> TableLook:
        """Reduced cell margins, 7 pt and three-character header lines over the template's
        text width: the bulletin's ranked tables, which with the 落款 must fit the first page."""
        return TableLook(Pt(7), 0.6, 6, width_mm)


def add_table(container, header: Sequence[str], rows: Sequence[Sequence[str]],
              numeric: set[int] | None = None, widths: Sequence[float] | None = None,
              look: TableLook | None = None, total_span: tuple[int, int] | None = None):
    """A Word table (Table Grid) with a repeated header row; `numeric` columns right-aligned.
    `total_span`: the last row is a total whose text spans these columns (first, last) and
    does not widen them."""
    numeric = numeric or set()
    look = look or TableLook()
    table = container.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if look.margin_mm != TableLook.margin_mm:
        _cell_margins(table, look.margin_mm)
    head = table.rows[0]
    head_pr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    head_pr.append(repeat)
    for i, title in enumerate(header):
        _cell(head.cells[i], title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=look.size)
    for values in rows:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else WD_ALIGN_PARAGRAPH.LEFT
            _cell(cells[i], value, align=align, size=look.size)
    measured = rows[:-1] if total_span else rows
    _set_widths(table, widths or _auto_widths(header, measured, look.width_mm, look))
    if total_span:
        last = table.rows[-1].cells
        merged = last[total_span[0]].merge(last[total_span[1]])
        for extra in merged.paragraphs[1:]:  # the emptied cells' paragraphs: one line is enough
            if not extra.text:
                extra._p.getparent().remove(extra._p)
    return table


def _cell_margins(table, mm: float) -> None:
    """Left and right cell margins of the whole table (w:tblCellMar, in twentieths of a point)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    look_element = table._tbl.tblPr.find(qn("w:tblLook"))
    if look_element is not None:  # the schema's order: tblCellMar before tblLook
        look_element.addprevious(margins)
    else:
        table._tbl.tblPr.append(margins)


def _display_width(text: str) -> int:
    """Half widths: CJK two, Latin one, `%` two (it is nearly a full width in most fonts)."""
    return sum(2 if ord(ch) > 0x2E80 or ch == "%" else 1 for ch in text)


def _auto_widths(header: Sequence[str], rows: Sequence[Sequence[str]],
                 total_mm: float = TEXT_WIDTH_MM, look: TableLook | None = None) -> list[float]:
    """Column widths from the longest text in each column (a half width is 1.65 mm at 9 pt,
    scaled with the font, plus the cell's margins): short columns (numbers, classes) get what
    they need, the wide text columns share the rest and wrap."""
    look = look or TableLook()
    half = 1.65 * look.size.pt / 9
    natural = []
    for i, title in enumerate(header):
        longest = max([min(_display_width(title), look.header_cap)]
                      + [_display_width(r[i]) for r in rows if i < len(r)])
        natural.append(half * longest + 2 * look.margin_mm + 1.7)
    if sum(natural) <= total_mm:
        return [w * total_mm / sum(natural) for w in natural]
    short = [w <= SHORT_COLUMN_MM for w in natural]
    fixed = sum(w for w, is_short in zip(natural, short, strict=True) if is_short)
    flexible = sum(w for w, is_short in zip(natural, short, strict=True) if not is_short)
    room = max(total_mm - fixed, 0.3 * total_mm)
    return [w if is_short else w * room / flexible for w, is_short in zip(natural, short,
                                                                          strict=True)]


def _set_widths(table, widths: Sequence[float]) -> None:
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = Mm(width)
        for cell in table.columns[i].cells:
            cell.width = Mm(width)


def _cell(cell, text: str, bold: bool = False, align=WD_ALIGN_PARAGRAPH.LEFT,
          size: Pt = TABLE_FONT_SIZE) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(text)
    set_fonts(run, BODY_FONT)
    run.font.size = size
    run.font.bold = bold


def _scheme_rows(s: SchemeTable) -> tuple[list[str], list[list[str]], set[int]]:
    header = ["名次", "断面", "责任方", "本月类别", "对照/目标类别"]
    if s.has_index:
        header += [s.index_title, "对照断面指数", "变化率"]
    header += ["考核结果"]
    if s.part == "cross":
        header += ["资金流向"]
    header += ["金额（万元）"]
    if s.has_remarks:
        header += ["备注"]
    rows = []
    for v in s.rows:
        bank = {"left": "（左岸）", "right": "（右岸）"}.get(v.bank or "", "")
        row = [str(v.rank) if v.rank is not None else "—", v.section_name + bank, v.party_name,
               class_numeral(v.klass), f"{v.reference_kind}{class_numeral(v.reference_class)}"]
        if s.has_index:
            row += [format_index(v.measures.index), format_index(v.measures.index_control),
                    format_ratio(v.measures.ratio)]
        row += [v.branch_text]
        if s.part == "cross":
            row += [f"{v.payer_name} → {v.payee_name}"]
        row += [format_wan(v.signed, signed=True)]
        if s.has_remarks:
            row += [v.remark]
        rows.append(row)
    amount = header.index("金额（万元）")
    total = [""] * len(header)
    total[1] = f"小计：奖励 {format_wan(s.rewards)} 万元，扣罚 {format_wan(s.penalties)} 万元"
    total[amount] = format_wan(s.rewards - s.penalties, signed=True)
    rows.append(total)
    numeric = {amount} | ({5, 6, 7} if s.has_index else set())
    return header, rows, numeric


def text_width_mm(template: DocxTemplate) -> float:
    """The width between the template's margins (a bureau's template has its own)."""
    section = template.get_docx().sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


def _body(template: DocxTemplate, b: Bulletin, text: dict):
    body = template.new_subdoc()
    ranked = TableLook.compact(text_width_mm(template))
    for paragraph in (text["opening"],):
        body.add_paragraph(paragraph)
    body.add_heading(text["headings"]["overview"], level=1)
    body.add_paragraph(text["overview"])
    for key, tables in (("district", b.district_schemes), ("cross", b.cross_schemes)):
        if not tables:
            continue
        body.add_heading(text["headings"][key], level=1)
        for s in tables:
            body.add_heading(s.title, level=2)
            body.add_paragraph(f"按{s.rank_by}排名。")
            header, rows, numeric = _scheme_rows(s)
            add_table(body, header, rows, numeric, look=ranked,
                      total_span=(1, header.index("金额（万元）") - 1))
    body.add_paragraph(text["see_annex"])
    names = "　".join(f"{i}. {name}" for i, name in enumerate(text["annexes"], start=1))
    body.add_paragraph(f"附件：{names}")
    return body


def _annex(template: DocxTemplate, b: Bulletin, text: dict, charts: dict[str, list]):
    annex = template.new_subdoc()
    first = annex.add_paragraph("附件1")
    first.paragraph_format.page_break_before = True
    annex.add_heading(text["annexes"][0], level=1)
    annex.add_heading("一、各区（责任方）本月及本年累计奖惩金额", level=2)
    add_table(annex, ["序号", "区（责任方）", "本月（万元）", "本年累计（万元）"],
              [[str(i), p.name, format_wan(p.month, signed=True),
                format_wan(p.year_to_date, signed=True)] for i, p in enumerate(b.parties, 1)],
              {2, 3})
    if b.year_to_date_note:
        annex.add_paragraph(b.year_to_date_note)
    for key, caption in (("districts", "二、各区（责任方）奖惩金额图"),
                         ("strips", "三、近 12 个月各断面水质类别"),
                         ("schematics", "四、断面分布示意（自上游至下游，按岸别）")):
        annex.add_heading(caption, level=2)
        for png in charts.get(key, []):
            annex.add_picture(io.BytesIO(png), width=Mm(160))
    second = annex.add_paragraph("附件2")
    second.paragraph_format.page_break_before = True
    annex.add_heading(text["annexes"][1], level=1)
    annex.add_heading("一、有关说明", level=2)
    for paragraph in text["notes"]:
        annex.add_paragraph(paragraph)
    annex.add_heading("二、规则", level=2)
    add_table(annex, ["方案", "规则", "依据", "规则文件及行号"],
              [[r.scheme, r.title or r.rule, r.basis or "—", r.where or "—"] for r in b.rules])
    p = b.provenance
    annex.add_heading("三、参数", level=2)
    if p and p.parameters:
        add_table(annex, ["方案", "参数", "取值", "起始", "来源", "来源性质"],
                  [[x.scheme_title, x.name, x.value, x.since, x.basis or "—", x.kind_words]
                   for x in p.parameters])
        annex.add_paragraph(text["parameter_note"])
    annex.add_heading("四、监测数据批次", level=2)
    add_table(annex, ["批次", "文件", "载入时间", "说明"],
              [[str(x.batch_id), x.file_name, x.loaded_at.strftime("%Y-%m-%d %H:%M"),
                "部分数值已被更正文件取代" if x.superseded else ""]
               for x in (p.batches if p else [])])
    annex.add_heading("五、核算运行", level=2)
    add_table(annex, ["运行号", "方案", "核算期间", "数据截止时点"],
              [[str(r.run_id), r.scheme_title, r.window, r.as_of.strftime("%Y-%m-%d %H:%M")]
               for r in (p.runs if p else [])])
    return annex


def bulletin_docx(
    b: Bulletin, doc: DocumentHead, text: dict, charts: dict[str, list], template_path: Path,
    out: Path,
) -> Path:
    """The bulletin as a Word document from `template_path`; `text` is the shared prose."""
    template = open_template(template_path)
    title = doc.title + ("（更正）" if doc.corrected else "")
    context = {
        "doc": {**doc.__dict__, "title": title},
        "to": "，".join(doc.to) + "：" if doc.to else "",
        "body": _body(template, b, text),
        "date": day_label(doc.issued_on),
        "contact": f"（{doc.contact}）" if doc.contact else "",
        "annex": _annex(template, b, text, charts),
        "cc": f"抄送：{'，'.join(doc.cc)}。" if doc.cc else "",
        "printed": f"{doc.issuer}　{day_label(doc.issued_on)}印发",
    }
    template.render(context, autoescape=True)
    return save_atomically(template, out)


def transfer_list_docx(tl: TransferList, template_path: Path, out: Path) -> Path:
    """The transfer list in Word; the template's page header carries 预核算 or the number."""
    template = open_template(template_path)
    body = template.new_subdoc()
    body.add_paragraph(tl.status)
    rows = [[str(r.number), r.payer, r.payee, r.yuan_text, r.wan_text] for r in tl.rows]
    rows.append(["", "合计", "", tl.total_yuan_text, tl.total_wan_text])
    add_table(body, ["序号", "付款方", "收款方", "金额（元）", "金额（万元）"], rows, {3, 4})
    body.add_paragraph(AMOUNT_NOTE)
    add_table(body, ["项目", "内容"], [list(fact) for fact in tl.facts])
    if tl.carry_forward:
        body.add_paragraph("按现有数据重算的差额（结转下一年度）：")
        add_table(body, ["付款方", "收款方", "金额（元）"],
                  [[r.payer, r.payee, r.yuan_text] for r in tl.carry_forward], {2})
    for text in tl.sign_lines:
        body.add_paragraph(text).paragraph_format.space_before = Pt(14)
    context = {
        "doc": tl.head.__dict__,
        "header": tl.status,
        "body": body,
        "date": day_label(tl.head.issued_on),
    }
    template.render(context, autoescape=True)
    return save_atomically(template, out)


def brief_docx(brief: Brief, template_path: Path, out: Path) -> Path:
    """The negotiation brief in Word, from the profile's template."""
    template = open_template(template_path)
    body = template.new_subdoc()
    body.add_heading("一、结论摘要", level=1)
    for paragraph in [*brief.summary, *brief.break_even]:
        body.add_paragraph(paragraph)
    body.add_paragraph(brief.coverage)
    body.add_heading("二、各方案逐年净额", level=1)
    body.add_paragraph(f"{brief.comparison.direction.sentence}（单位：万元）。")
    add_table(body, brief.table_header, brief.table_rows,
              set(range(1, len(brief.table_header))))
    body.add_heading("三、各方案条款", level=1)
    for s in brief.comparison.scenarios:
        body.add_paragraph(f"{s.title}：{s.description}")
    context = {"doc": brief.head.__dict__, "header": "谈判参考", "body": body,
               "date": day_label(brief.head.issued_on)}
    template.render(context, autoescape=True)
    return save_atomically(template, out)
