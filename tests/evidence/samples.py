"""Synthetic originals for bundle tests and the benchmark: PDFs, scans, emails with Chinese content."""

from __future__ import annotations

import io
from datetime import date
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from PIL import Image, ImageDraw
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from workflow.evidence import pages
from workflow.evidence.spec import BundleSpec, ItemSpec, SourceFile

CREDITOR = "上海华东机电设备有限公司"
DEBTOR = "深圳市华星光电技术有限公司"


def pdf_doc(title: str, count: int, *, landscape: bool = False) -> bytes:
    """A text PDF of ``count`` pages (a contract, an invoice list)."""
    pages.font()
    buf = io.BytesIO()
    size = (A4[1], A4[0]) if landscape else A4
    c = Canvas(buf, pagesize=size, invariant=1)
    for n in range(1, count + 1):
        c.setFont(pages.FONT, 14)
        c.drawString(72, size[1] - 90, f"{title}（第{n}部分）")
        c.setFont(pages.FONT, 10)
        for line in range(30):
            c.drawString(72, size[1] - 120 - line * 16, f"{CREDITOR}与{DEBTOR}  第{line + 1}条  货款结算条款。")
        c.showPage()
    c.save()
    return buf.getvalue()


def scan(text: str, *, fmt: str = "JPEG", size: tuple[int, int] = (620, 877), quality: int = 60) -> bytes:
    """A grey 'scan' of a signed delivery note (75 dpi A4 keeps the benchmark light)."""
    img = Image.new("L", size, 235)
    draw = ImageDraw.Draw(img)
    for y in range(60, size[1] - 60, 24):
        draw.line((50, y, size[0] - 50, y), fill=120, width=1)
    draw.rectangle((size[0] - 200, size[1] - 180, size[0] - 60, size[1] - 60), outline=40, width=4)
    draw.text((60, 30), text.encode("ascii", "replace").decode(), fill=0)
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=quality)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def tiff_pages(count: int) -> bytes:
    frames = [Image.open(io.BytesIO(scan(f"receipt {n}", fmt="PNG"))) for n in range(count)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mima2026", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


MESSAGE_ID = "<20260312101502.7788@hdjd.com.cn>"


def email(attachment: bytes, *, number: int = 1) -> bytes:
    msg = MIMEMultipart(boundary="=_dunning_sample_boundary")
    msg["From"] = f"{Header('上海华东机电 财务部', 'gbk').encode()} <ar@hdjd.com.cn>"
    msg["To"] = f"{Header('华星光电 应付账款', 'gbk').encode()} <ap@csot.example.cn>"
    msg["Cc"] = "legal@hdjd.com.cn"
    msg["Date"] = "Thu, 12 Mar 2026 10:15:02 +0800"
    msg["Subject"] = Header(f"催款函（第{number}次）：HD-2025-118 号发票货款", "gbk").encode()
    msg["Message-ID"] = MESSAGE_ID if number == 1 else f"<20260312101502.{number}@hdjd.com.cn>"
    msg.attach(MIMEText(f"{DEBTOR}：\n\n贵司尚欠我司货款人民币128,450.00元，请于2026年3月31日前付清。\n\n"
                        f"{CREDITOR}\n财务部", "plain", "gbk"))
    part = MIMEApplication(attachment, "pdf")
    part.add_header("Content-Disposition", "attachment", filename="催款函.pdf")
    msg.attach(part)
    return msg.as_bytes()


def item(number: int, group: str, group_title: str, name: str, files: tuple[SourceFile, ...],
         purpose: str = "证明双方存在买卖合同关系及货款金额", problem: str | None = None) -> ItemSpec:
    return ItemSpec(number=number, group=group, group_title=group_title, name=name, source="原告提供",
                    purpose=purpose, files=files, problem=problem)


def bundle(items: tuple[ItemSpec, ...]) -> BundleSpec:
    return BundleSpec(case_ref="AR-2026-0007", title="买卖合同纠纷", parties={"creditor": CREDITOR, "debtor": DEBTOR},
                      claim_amount="128450.00", currency="CNY", submitter="张丽（法务部）",
                      submitted_on=date(2026, 3, 20), items=items)


def rotated_pdf(rotate: int) -> bytes:
    """A portrait page displayed turned by ``rotate`` degrees (/Rotate), as scanners often write."""
    from pypdf import PdfReader

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(pdf_doc("回执", 1))).pages[0])
    writer.pages[0].rotate(rotate)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
