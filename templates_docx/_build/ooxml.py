"""The OOXML python-docx has no API for: East-Asian fonts in styles, fields, cell shading, paragraph
borders in schema order, the font table, and a reproducible zip."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import _Cell
from docx.text.paragraph import Paragraph

RULE_COLOUR = "404040"
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
PPR_AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")

# python-docx's stock font table lists Japanese MS fonts; ours names what the documents use, with
# GB2312 charset (86) and the panose Word needs to substitute well where a font is missing
FONT_TABLE = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:font w:name="SimSun"><w:altName w:val="宋体"/><w:panose1 w:val="02010600030101010101"/>'
    '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
    '<w:font w:name="SimHei"><w:altName w:val="黑体"/><w:panose1 w:val="02010609060101010101"/>'
    '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
    '<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
    '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    '<w:font w:name="Arial"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/>'
    '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
    "</w:fonts>"
).encode()


def fonts_xml(latin: str, east: str) -> str:
    return (f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east}" '
            f'w:cs="{latin}" w:hint="eastAsia"/>')


def replace_style(doc: Any, style_name: str, ppr: str, rpr: str) -> None:
    element = doc.styles[style_name].element
    for tag in ("w:pPr", "w:rPr"):
        for old in element.findall(qn(tag)):
            element.remove(old)
    element.append(parse_xml(f"<w:pPr {nsdecls('w')}>{ppr}</w:pPr>"))
    element.append(parse_xml(f"<w:rPr {nsdecls('w')}>{rpr}</w:rPr>"))


def half_points(size: float) -> str:
    n = round(size * 2)
    return f'<w:sz w:val="{n}"/><w:szCs w:val="{n}"/>'


def shade(cell: _Cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def valign(cell: _Cell) -> None:
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:vAlign {nsdecls("w")} w:val="center"/>'))


def add_field(paragraph: Paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin/instruction/separate/result/end runs."""
    def run(xml: str) -> None:
        paragraph._p.append(parse_xml(f"<w:r {nsdecls('w')}>{xml}</w:r>"))

    run('<w:fldChar w:fldCharType="begin"/>')
    run(f'<w:instrText xml:space="preserve"> {code} \\* MERGEFORMAT </w:instrText>')
    run('<w:fldChar w:fldCharType="separate"/>')
    run("<w:t>1</w:t>")
    run('<w:fldChar w:fldCharType="end"/>')


def rule_below(paragraph: Paragraph, size: int = 12) -> None:
    # pBdr comes before spacing, ind and jc in pPr's fixed child order
    paragraph._p.get_or_add_pPr().insert_element_before(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="{size}" w:space="4" '
        f'w:color="{RULE_COLOUR}"/></w:pBdr>'), *PPR_AFTER_BORDER)


HOUSE_STYLES = ("Normal", "Title", "Heading1", "Heading2", "TableText", "SmallPrint", "Plain")


def drop_unused_styles(document: Any) -> None:
    """python-docx's stock styles.xml carries ~160 styles (100 of them table styles) and the latent
    style list: LibreOffice imports all of it for every document made from the template, which is
    ~0.05 s of CPU per PDF. Keep the styles the template uses, the house styles a clerk editing it
    in Word reaches for (our 黑体 headings), what they inherit from or link to, and the defaults;
    Word still offers every other built-in style by name."""
    styles = document.styles.element
    parts = [document.part, *(rel.target_part for rel in document.part.rels.values() if not rel.is_external)]
    xml = "".join(part.blob.decode("utf-8", "replace") for part in parts
                  if part.partname != "/word/styles.xml")
    keep = set(HOUSE_STYLES)
    keep |= set(re.findall(r'w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink) w:val="([^"]+)"', xml))
    by_id = {el.get(qn("w:styleId")): el for el in styles.findall(qn("w:style"))}
    keep |= {sid for sid, el in by_id.items() if el.get(qn("w:default")) == "1"}
    todo = list(keep)
    while todo:
        el = by_id.get(todo.pop())
        if el is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = el.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for sid, el in by_id.items():
        if sid not in keep:
            styles.remove(el)
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)


def write_fixed(document: Any, path: Path) -> None:
    """Saved with fixed zip timestamps so an unchanged template rebuilds to the same bytes."""
    drop_unused_styles(document)
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = FONT_TABLE if info.filename == "word/fontTable.xml" else src.read(info.filename)
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())
