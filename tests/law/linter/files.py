"""Contract files as clerks upload them: a .docx with the parties in a table, a GB18030 .txt, and
two hostile .docx files (a zip bomb and an XML entity-expansion payload)."""

from __future__ import annotations

import io
import zipfile

from docx import Document

from tests.law.linter.corpus import CLEAN_ZH

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def contract_docx() -> bytes:
    """A 购销合同 whose addresses sit in a table and whose court is far from both parties."""
    doc = Document()
    doc.add_heading("工业品买卖合同", level=1)
    table = doc.add_table(rows=3, cols=2)
    rows = [("出卖人", "上海宝钢包装股份有限公司"), ("住所", "上海市宝山区同济路1000号"),
            ("买受人", "深圳市华星光电技术有限公司")]
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    for line in (
        "第四条 付款：买受人在货物售完后付款。",
        "第五条 违约责任：买受人逾期付款的，每日按逾期金额的千分之一支付违约金。",
        "第八条 争议解决：协商不成的，由北京市朝阳区人民法院管辖。",
    ):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def clean_docx() -> bytes:
    doc = Document()
    for line in CLEAN_ZH.strip().split("\n"):
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def zip_bomb() -> bytes:
    """24 MiB of whitespace inside a valid-looking paragraph, deflated to a few dozen KiB."""
    body = (f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode()
            + b" " * (24 * 1024 * 1024) + b"</w:t></w:r></w:p></w:body></w:document>")
    return _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": body})


def entity_bomb() -> bytes:
    """The billion-laughs payload: ten levels of entities, each ten times the one before."""
    levels = ['<!ENTITY lol0 "哈哈哈哈哈哈哈哈哈哈">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(levels)}]>'
           f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    return _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": xml.encode()})


def tracked_changes_docx() -> bytes:
    """Word's track changes: the deleted "或向法院起诉" must not be read, the inserted text must; a
    nested table inside a cell is read once."""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
        '<w:p><w:r><w:t>第八条 争议解决：因本合同发生的争议，提交上海仲裁委员会仲裁</w:t></w:r>'
        '<w:del w:id="1" w:author="李娜"><w:r><w:delText>，也可向有管辖权的人民法院起诉</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="李娜"><w:r><w:t>，仲裁裁决是终局的</w:t></w:r></w:ins>'
        '<w:r><w:t>。</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>住所</w:t></w:r></w:p></w:tc><w:tc>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>上海市宝山区同济路1000号</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        '<w:p/></w:tc></w:tr></w:tbl>'
        '<w:sectPr/></w:body></w:document>')
    return _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": xml.encode()})


def nest_in_content_controls(docx: bytes, depth: int) -> bytes:
    """The same DOCX with its first paragraph inside ``depth`` nested content controls (w:sdt):
    Word opens a few levels of these; a thousand crash any reader that recurses per level."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                start = body.index(b"<w:p>") if b"<w:p>" in body else body.index(b"<w:p ")
                end = body.index(b"</w:p>", start) + len(b"</w:p>")
                body = (body[:start] + b"<w:sdt><w:sdtContent>" * depth + body[start:end]
                        + b"</w:sdtContent></w:sdt>" * depth + body[end:])
            dst.writestr(item, body)
    return out.getvalue()


def deep_sdt_docx(depth: int = 1000) -> bytes:
    """A clean contract whose first paragraph sits ``depth`` content controls deep."""
    return nest_in_content_controls(clean_docx(), depth)
