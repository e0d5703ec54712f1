"""The default Word templates in `reports/` (bulletin.docx, transfer_list.docx, brief.docx laid
out like the transfer list), made by code.

A bureau replaces them with its own red-header template: what the documents need from a template
is only its jinja2 tags (docxtpl) — `{{ doc.issuer }}`, `{{ doc.number }}`, `{{ doc.title }}`,
`{{ to }}`, `{{p body }}`, `{{ doc.signature }}`, `{{ date }}`, `{{ cc }}`, `{{p annex }}` — and
the styles the body uses (Heading 1, Heading 2, Table Grid); fonts, margins, header and footer are
the template's. Regenerate the defaults with `python -m compensation.render.word_template`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from compensation.render.templates import reports_dir

RED = RGBColor(0xC0, 0x00, 0x00)
# East Asian fonts as bureaus set them; LibreOffice substitutes an installed CJK font (Noto CJK on
# Debian) for a missing one through fontconfig.
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def set_fonts(target, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set a style's or run's fonts, East Asian included (python-docx sets only the Latin one)."""
    target.font.name = latin
    r_pr = target.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _styles(document, compact: bool = False) -> None:
    """Body 仿宋 12 pt, headings 黑体; `compact` (the bulletin, whose first page holds the ranked
    tables and the 落款) 10.5 pt with tighter spacing."""
    styles = document.styles
    normal = styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(10.5 if compact else 12)
    normal.paragraph_format.line_spacing = 1.1 if compact else 1.3
    normal.paragraph_format.space_after = Pt(1 if compact else 2)
    sizes = (12, 10.5, 16) if compact else (14, 12, 18)
    for name, size, font in (("Heading 1", sizes[0], HEADING_FONT),
                             ("Heading 2", sizes[1], HEADING_FONT),
                             ("Title", sizes[2], TITLE_FONT)):
        style = styles[name]
        set_fonts(style, font)
        style.font.size = Pt(size)
        style.font.bold = name != "Heading 1"
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(4 if compact else 8)
        style.paragraph_format.space_after = Pt(2 if compact else 4)
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when laying out pages."""
    run = paragraph.add_run()
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), code)
    text = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    text.append(t)
    simple.append(text)
    run._r.addnext(simple)


def page_footer(section) -> None:
    """第 N 页 共 M 页, centred in the footer."""
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    tail = footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    del tail


def _a4(document, landscape: bool = False, compact: bool = False) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210),
                                                                                    Mm(297))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if compact:
        section.top_margin, section.bottom_margin = Mm(18), Mm(16)
        section.left_margin, section.right_margin = Mm(18), Mm(16)
        section.footer_distance = Mm(8)
    else:
        section.top_margin, section.bottom_margin = Mm(25), Mm(22)
        section.left_margin, section.right_margin = Mm(22), Mm(20)
    page_footer(section)


def _red_rule(paragraph) -> None:
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"),
                       ("w:color", "C00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)


def _letterhead(document) -> None:
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = issuer.add_run("{{ doc.issuer }}")
    set_fonts(run, TITLE_FONT)
    run.font.size, run.font.bold, run.font.color.rgb = Pt(22), True, RED
    number = document.add_paragraph("{{ doc.number }}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _red_rule(number)
    document.add_paragraph("{{ doc.title }}", style="Title")


def _signature(document) -> None:
    for text in ("{{ doc.signature }}", "{{ date }}"):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Mm(12)


def bulletin_template(out: Path) -> Path:
    document = Document()
    _styles(document, compact=True)
    _a4(document, compact=True)
    _letterhead(document)
    document.add_paragraph("{{ to }}")
    document.add_paragraph("{{p body }}")
    _signature(document)
    document.add_paragraph("{{ contact }}")
    document.add_paragraph("{{p annex }}")
    record = document.add_paragraph("{{ cc }}")
    record.paragraph_format.space_before = Pt(12)
    document.add_paragraph("{{ printed }}")
    document.save(out)
    return out


def transfer_list_template(out: Path) -> Path:
    document = Document()
    _styles(document)
    _a4(document)
    header = document.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run("{{ header }}").font.color.rgb = RED
    issuer = document.add_paragraph("{{ doc.issuer }}")
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("{{ doc.title }}", style="Title")
    document.add_paragraph("{{p body }}")
    _signature(document)
    document.save(out)
    return out


TEMPLATES = {"bulletin.docx": bulletin_template, "transfer_list.docx": transfer_list_template,
             "brief.docx": transfer_list_template}


def main(argv: list[str] | None = None) -> int:
    folder = Path(argv[0]) if argv else reports_dir()
    for name, make in TEMPLATES.items():
        print(make(folder / name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
