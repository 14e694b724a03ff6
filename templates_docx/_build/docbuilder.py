"""A small layer over python-docx for the shipped templates: real styles, A4 pages, CJK fonts,
bordered tables with docxtpl row loops, page-number fields and a letterhead in the header.

python-docx has no API for East-Asian fonts, fields, table borders or repeated header rows, so
those are written as OOXML here, once, and every template gets the same look.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from ooxml import RULE_COLOUR, add_field, fonts_xml, half_points, replace_style, rule_below, shade, valign, write_fixed

ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}

LATIN_SERIF = "Times New Roman"
LATIN_SANS = "Arial"
SONG = "SimSun"  # 宋体
HEI = "SimHei"  # 黑体
HEADER_FILL = "E7E9ED"
TOTAL_FILL = "F4F5F7"
TEXT_WIDTH_MM = 166  # A4 (210 mm) minus 22 mm margins each side
@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    cell: str  # the template text for the loop row (may hold {{ }} tags)
    align: str = "left"


class Doc:
    """One template under construction. ``lang`` is "zh" or "en"."""

    def __init__(self, lang: str, *, body_size: float = 12.0, doc_title: str = "") -> None:
        self.lang = lang
        self.body_size = body_size
        self.document = Document()
        self._setup_page()
        self._setup_styles()
        props = self.document.core_properties
        props.title = doc_title
        props.author = "Dunning Desk"
        props.language = "zh-CN" if lang == "zh" else "en-GB"
        # python-docx's stock settings declare Japanese (themeFontLang eastAsia="ja-JP"); the
        # documents are Simplified Chinese, so a converter picks the SC forms of the CJK glyphs
        theme_lang = self.document.settings.element.find(qn("w:themeFontLang"))
        theme_lang.set(qn("w:val"), "en-US" if lang == "zh" else "en-GB")
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
        # python-docx's default template ships one empty paragraph; the body starts clean
        body = self.document.element.body
        for p in body.findall(qn("w:p")):
            body.remove(p)

    # ----- page and styles -------------------------------------------------------------------
    def _setup_page(self) -> None:
        section = self.document.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin, section.bottom_margin = Mm(30), Mm(22)
        section.header_distance, section.footer_distance = Mm(12), Mm(10)

    def _setup_styles(self) -> None:
        zh = self.lang == "zh"
        # w:val is the language of Latin text and digits: as zh-CN, LibreOffice breaks a line inside
        # an amount ("¥22,319.4" / "0"); Word's own Chinese default is en-US with eastAsia zh-CN
        lang_tag = '<w:lang w:val="{}" w:eastAsia="zh-CN"/>'.format("en-US" if zh else "en-GB")
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        rpr_default = defaults.find(qn("w:rPrDefault"))
        defaults.remove(rpr_default)
        defaults.insert(0, parse_xml(
            f"<w:rPrDefault {nsdecls('w')}><w:rPr>{fonts_xml(LATIN_SERIF, SONG)}"
            f"{half_points(self.body_size)}{lang_tag}</w:rPr></w:rPrDefault>"))
        line = 360 if zh else 300  # 1.5 lines for Chinese letters, 1.25 for English
        # Chinese: two-character first-line indent, justified; English: block paragraphs, ragged right
        indent = '<w:ind w:firstLineChars="200" w:firstLine="480"/>' if zh else ""
        replace_style(self.document, "Normal",
                       f'<w:spacing w:before="0" w:after="{60 if zh else 100}" w:line="{line}" w:lineRule="auto"/>'
                       f'{indent}<w:jc w:val="{"both" if zh else "left"}"/>',
                       f"{fonts_xml(LATIN_SERIF, SONG)}{half_points(self.body_size)}")
        heading_latin = LATIN_SERIF if zh else LATIN_SANS
        replace_style(self.document, "Title",
                       '<w:spacing w:before="120" w:after="240" w:line="240" w:lineRule="auto"/>'
                       '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/>',
                       f'{fonts_xml(heading_latin, HEI)}<w:b/><w:bCs/><w:spacing w:val="{40 if zh else 0}"/>'
                       f"{half_points(18)}")
        replace_style(self.document, "Heading 1",
                       '<w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="80" w:line="300" '
                       'w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:outlineLvl w:val="0"/>',
                       f"{fonts_xml(heading_latin, HEI)}<w:b/><w:bCs/>{half_points(self.body_size + 0.5)}")
        replace_style(self.document, "Heading 2",
                       '<w:keepNext/><w:keepLines/><w:spacing w:before="120" w:after="40" w:line="300" '
                       'w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:outlineLvl w:val="1"/>',
                       f"{fonts_xml(heading_latin, HEI)}<w:b/><w:bCs/>{half_points(self.body_size)}")
        styles = self.document.styles
        from docx.enum.style import WD_STYLE_TYPE

        small = 9.0 if zh else 8.0  # the Latin fallback where Times is missing runs wider than CJK digits
        for name, size, spacing in (("Table Text", 10.0, 0), ("Small Print", small, 0),
                                    ("Plain", self.body_size, 60)):
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            replace_style(self.document, name,
                           f'<w:spacing w:before="0" w:after="{spacing}" w:line="{260 if size < 11 else line}" '
                           'w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/>',
                           half_points(size))

    # ----- paragraphs ---------------------------------------------------------------------------
    def _runs(self, paragraph: Paragraph, text: str, *, bold: bool = False, size: float | None = None,
              font: tuple[str, str] | None = None, underline: bool = False) -> None:
        """``**...**`` marks bold stretches; Jinja tags stay whole inside one run."""
        for i, part in enumerate(re.split(r"\*\*", text)):
            if not part:
                continue
            run = paragraph.add_run(part)
            run.bold = bold or (i % 2 == 1) or None
            if underline:
                run.underline = True
            if size:
                run.font.size = Pt(size)
            if font:
                rpr = run._r.get_or_add_rPr()
                rpr.insert(0, parse_xml(f"<w:rFonts {nsdecls('w')} w:ascii=\"{font[0]}\" "
                                        f"w:hAnsi=\"{font[0]}\" w:eastAsia=\"{font[1]}\" w:hint=\"eastAsia\"/>"))

    def para(self, text: str = "", *, style: str | None = None, align: str | None = None,
             bold: bool = False, size: float | None = None, keep_next: bool = False,
             space_before: float | None = None, space_after: float | None = None,
             container: _Cell | None = None, hei: bool = False) -> Paragraph:
        target = container if container is not None else self.document
        paragraph = target.add_paragraph(style=style)
        if align:
            paragraph.alignment = ALIGN[align]
        fmt = paragraph.paragraph_format
        if keep_next:
            fmt.keep_with_next = True
        if space_before is not None:
            fmt.space_before = Pt(space_before)
        if space_after is not None:
            fmt.space_after = Pt(space_after)
        font = (LATIN_SANS if self.lang == "en" else LATIN_SERIF, HEI) if hei else None
        self._runs(paragraph, text, bold=bold, size=size, font=font)
        return paragraph

    def body(self, text: str, **kw: object) -> Paragraph:
        return self.para(text, **kw)  # type: ignore[arg-type]

    def plain(self, text: str, **kw: object) -> Paragraph:
        return self.para(text, style="Plain", **kw)  # type: ignore[arg-type]

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.para(text, style="Title")
        if subtitle:
            self.para(subtitle, style="Plain", align="center", size=10.5, space_after=10)

    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.para(text, style=f"Heading {level}")

    def tag(self, jinja: str) -> None:
        """A paragraph holding only a ``{%p ... %}`` tag: docxtpl removes the paragraph itself."""
        self.para(jinja, style="Plain")

    def spacer(self, points: float = 6) -> None:
        p = self.para("", style="Plain", space_after=0)
        p.paragraph_format.line_spacing = Pt(points)

    # ----- tables -------------------------------------------------------------------------------
    def _table(self, rows: int, widths: Sequence[float], *, borders: bool = True) -> Table:
        """Widths are proportions: every table spans the text width."""
        scale = TEXT_WIDTH_MM / sum(widths)
        widths = [w * scale for w in widths]
        table = self.document.add_table(rows=rows, cols=len(widths))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblStyle")):
            tbl_pr.remove(old)
        edge = (f'w:val="single" w:sz="4" w:space="0" w:color="{RULE_COLOUR}"' if borders
                else 'w:val="nil"')
        # OOXML fixes the order of tblPr's children (Word rejects a file that breaks it):
        # ... jc, tblBorders, tblLayout, tblCellMar, tblLook
        look = tbl_pr.find(qn("w:tblLook"))
        add = look.addprevious if look is not None else tbl_pr.append
        add(parse_xml(
            f"<w:tblBorders {nsdecls('w')}>" + "".join(
                f"<w:{side} {edge}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
            + "</w:tblBorders>"))
        add(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
        add(parse_xml(
            f"<w:tblCellMar {nsdecls('w')}><w:top w:w=\"45\" w:type=\"dxa\"/><w:left w:w=\"57\" w:type=\"dxa\"/>"
            "<w:bottom w:w=\"45\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar>"))
        for i, width in enumerate(widths):
            table.columns[i].width = Mm(width)
            for cell in table.columns[i].cells:
                cell.width = Mm(width)
        return table

    def _cell_text(self, cell: _Cell, text: str, *, align: str = "left", bold: bool = False,
                   style: str = "Table Text") -> None:
        paragraph = cell.paragraphs[0]
        paragraph.style = self.document.styles[style]
        paragraph.alignment = ALIGN[align]
        self._runs(paragraph, text, bold=bold)

    def data_table(self, columns: Sequence[Column], loop: str, *,
                   totals: Sequence[Sequence[tuple[str, int]]] = (), total_loop: str | None = None,
                   style: str = "Table Text") -> Table:
        """Header row (shaded, repeated on every page), one docxtpl row loop, then total rows.

        A total row is a list of (text, span) cells; ``total_loop`` wraps the total rows in their own
        docxtpl loop (one total row per currency).
        """
        extra = len(totals) + (2 if total_loop and totals else 0)
        table = self._table(4 + extra, [c.width_mm for c in columns])
        header = table.rows[0]
        header._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
        for cell, col in zip(header.cells, columns, strict=True):
            shade(cell, HEADER_FILL)
            valign(cell)
            self._cell_text(cell, col.header, align="center", bold=True, style=style)
            cell.paragraphs[0].paragraph_format.keep_with_next = True  # never a header alone
        self._cell_text(table.rows[1].cells[0], "{%tr for " + loop + " %}", style=style)
        for cell, col in zip(table.rows[2].cells, columns, strict=True):
            valign(cell)
            self._cell_text(cell, col.cell, align=col.align, style=style)
        table.rows[2]._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        self._cell_text(table.rows[3].cells[0], "{%tr endfor %}", style=style)
        index = 4
        if total_loop and totals:
            self._cell_text(table.rows[index].cells[0], "{%tr for " + total_loop + " %}", style=style)
            index += 1
        for spec in totals:
            row = table.rows[index]
            index += 1
            col = 0
            for text, span in spec:
                cell = row.cells[col]
                if span > 1:
                    cell = cell.merge(row.cells[col + span - 1])
                align = columns[col + span - 1].align if span == 1 else "right"
                shade(cell, TOTAL_FILL)
                self._cell_text(cell, text, align=align, bold=True, style=style)
                col += span
        if total_loop and totals:
            self._cell_text(table.rows[index].cells[0], "{%tr endfor %}", style=style)
        self.spacer(4)
        return table

    def kv_table(self, rows: Sequence[tuple[str, str]], *, widths: tuple[float, float] = (38, 122),
                 borders: bool = True, shade_keys: bool = True) -> Table:
        """A two-column label/value table (parties, bank account, summary figures)."""
        table = self._table(len(rows), widths, borders=borders)
        for row, (key, value) in zip(table.rows, rows, strict=True):
            if shade_keys and borders:
                shade(row.cells[0], HEADER_FILL)
            self._cell_text(row.cells[0], key, bold=True)
            self._cell_text(row.cells[1], value)
        self.spacer(4)
        return table

    def grid(self, rows: Sequence[Sequence[str]], widths: Sequence[float], *, aligns: Sequence[str] | None = None,
             header: bool = True, borders: bool = True) -> Table:
        table = self._table(len(rows), widths, borders=borders)
        for r, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
            # a party's address must not break over a page, leaving "号" alone on the next; trPr's
            # schema order puts cantSplit before tblHeader
            row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
            if header and r == 0:
                row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
            for c, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
                is_header = header and r == 0
                if is_header:
                    shade(cell, HEADER_FILL)
                    cell.paragraphs[0].paragraph_format.keep_with_next = True  # never a header alone
                align = "center" if is_header else (aligns[c] if aligns else "left")
                self._cell_text(cell, text, align=align, bold=is_header)
        self.spacer(4)
        return table

    def boxed(self, paragraphs: Sequence[tuple[str, str]]) -> _Cell:
        """A single bordered cell (the return slip, the debtor's confirmation) with styled paragraphs.

        Each entry is (style-ish kind, text): kind is "head", "text", "right", "small" or "tag".
        """
        table = self._table(1, [TEXT_WIDTH_MM])
        # the slip is one piece of paper: never split it over two pages
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        cell = table.rows[0].cells[0]
        first = True
        for kind, text in paragraphs:
            paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            paragraph.style = self.document.styles["Plain"]
            # compact (single-and-a-bit lines, small gaps) so the slip fits under the letter more often;
            # Word keeps a row whose paragraphs are kept with the next, LibreOffice honours cantSplit
            fmt = paragraph.paragraph_format
            fmt.line_spacing = 1.15
            fmt.space_after = Pt(3)
            fmt.keep_with_next = True
            fmt.keep_together = True
            if kind == "head":
                paragraph.alignment = ALIGN["center"]
                self._runs(paragraph, text, bold=True,
                           font=(LATIN_SANS if self.lang == "en" else LATIN_SERIF, HEI))
            else:
                paragraph.alignment = ALIGN["right" if kind == "right" else "left"]
                self._runs(paragraph, text, size=9 if kind == "small" else None)
        self.spacer(4)
        return cell

    # ----- signature blocks ---------------------------------------------------------------------
    def seal_block(self, lines: Sequence[str], *, space_before: float = 18) -> None:
        """Right-aligned issuer block: name, （盖章）, date. Kept together with what precedes it."""
        if self.document.paragraphs:
            self.document.paragraphs[-1].paragraph_format.keep_with_next = True
        for i, text in enumerate(lines):
            p = self.para(text, style="Plain", align="right", keep_next=i < len(lines) - 1,
                          space_before=space_before if i == 0 else None, space_after=4)
            p.paragraph_format.keep_together = True

    def two_party_block(self, left: Sequence[str], right: Sequence[str]) -> None:
        """Side-by-side signature blocks for both parties, without borders; the row never splits."""
        table = self._table(1, [80, 80], borders=False)
        for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
            for i, text in enumerate(lines):
                paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                paragraph.style = self.document.styles["Plain"]
                paragraph.paragraph_format.space_after = Pt(10)
                self._runs(paragraph, text)
        table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))

    def _page_numbers(self, paragraph: Paragraph, note: str) -> None:
        paragraph.style = self.document.styles["Small Print"]
        paragraph.alignment = ALIGN["center"]
        if note:
            paragraph.add_run(note + "    ")
        if self.lang == "zh":
            paragraph.add_run("第 ")
            add_field(paragraph, "PAGE")
            paragraph.add_run(" 页  共 ")
            add_field(paragraph, "NUMPAGES")
            paragraph.add_run(" 页")
        else:
            paragraph.add_run("Page ")
            add_field(paragraph, "PAGE")
            paragraph.add_run(" of ")
            add_field(paragraph, "NUMPAGES")

    # ----- header and footer --------------------------------------------------------------------
    def header_footer(self, *, letterhead: Sequence[tuple[str, float, bool]] | None, running: str,
                      footer_note: str = "") -> None:
        """First page: the letterhead lines (text, size, bold) over a rule; later pages: a running head.

        Without a letterhead the first page has the running head too.
        """
        section = self.document.sections[0]
        section.different_first_page_header_footer = True
        first = section.first_page_header.paragraphs[0]
        if letterhead:
            for i, (text, size, bold) in enumerate(letterhead):
                p = first if i == 0 else section.first_page_header.add_paragraph()
                p.style = self.document.styles["Plain"]
                p.alignment = ALIGN["center"]
                p.paragraph_format.space_after = Pt(1)
                p.paragraph_format.line_spacing = 1.0
                font = (LATIN_SANS if self.lang == "en" else LATIN_SERIF, HEI) if bold else None
                self._runs(p, text, size=size, bold=bold, font=font)
                if i == len(letterhead) - 1:
                    rule_below(p, 12)
        else:
            first.style = self.document.styles["Small Print"]
            first.alignment = ALIGN["right"]
            self._runs(first, running)
            rule_below(first, 4)
        later = section.header.paragraphs[0]
        later.style = self.document.styles["Small Print"]
        later.alignment = ALIGN["right"]
        self._runs(later, running)
        rule_below(later, 4)
        self._page_numbers(section.first_page_footer.paragraphs[0], footer_note)
        self._page_numbers(section.footer.paragraphs[0], footer_note)

    # ----- output -------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Saved with fixed zip timestamps so an unchanged template rebuilds to the same bytes."""
        write_fixed(self.document, path)
