"""Small, realistic DOCX templates made with python-docx, for tests and the benchmark when the
shipped templates are not there. Tags are docxtpl's: ``{{ }}`` values and ``{%tr for %}`` rows."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def docx_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def simple(*paragraphs: str) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    return docx_bytes(doc)


def _table(doc: Any, loop: str, headers: list[str], cells: list[str]) -> None:
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def dunning_letter() -> bytes:
    """催款函 with an invoice table, the total in figures and in 大写, and a page-footer tag."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    doc.sections[0].header.paragraphs[0].text = "{{ creditor.name }}"
    doc.add_heading("催 款 函", level=1)
    doc.add_paragraph("致：{{ debtor.name }}（统一社会信用代码：{{ debtor.credit_code }}）")
    doc.add_paragraph("根据贵我双方于{{ contract.signed_on|date_zh }}签订的《{{ contract.title }}》"
                      "（合同编号：{{ contract.number }}），截至{{ as_of|date_zh }}，贵司尚有下列款项逾期未付：")
    _table(doc, "inv in invoices", ["发票号码", "开票日期", "到期日", "金额", "已付", "未付"],
           ["{{ inv.number }}", "{{ inv.issued_on|date_zh }}", "{{ inv.due_on|date_zh }}",
            "{{ inv.amount|money }}", "{{ inv.paid|money }}", "{{ inv.outstanding|money }}"])
    doc.add_paragraph("合计未付：{{ total|money }}（大写：{{ total|rmb_upper }}）。")
    doc.add_paragraph("请于{{ deadline|date_zh }}前付至：{{ creditor.bank }}，账号 {{ creditor.account }}。"
                      "逾期利息按年利率{{ rate|percent }}计算。")
    doc.add_paragraph("{{ creditor.name }}（盖章）")
    doc.add_paragraph("{{ as_of|date_zh }}")
    return docx_bytes(doc)


def statement() -> bytes:
    """对账单 with one row per ledger line and the debtor's confirmation part."""
    doc = Document()
    doc.add_heading("对 账 单", level=1)
    doc.add_paragraph("客户：{{ debtor.name }}    对账期间：{{ period.start|date_zh }}至{{ period.end|date_zh }}")
    doc.add_paragraph("期初余额：{{ opening|money }}")
    _table(doc, "line in lines", ["日期", "摘要", "单据号", "借方", "贷方", "余额"],
           ["{{ line.date|date_zh }}", "{{ line.memo }}", "{{ line.ref }}", "{{ line.debit|money }}",
            "{{ line.credit|money }}", "{{ line.balance|money }}"])
    doc.add_paragraph("期末余额：{{ closing|money }}（大写：{{ closing|rmb_upper }}）")
    doc.add_paragraph("贵司确认截至{{ period.end|date_zh }}尚欠我司货款人民币{{ closing|money }}元。")
    doc.add_paragraph("核对无误（盖章）：________    日期：________")
    return docx_bytes(doc)


def letter_context(rows: int = 20) -> dict[str, Any]:
    invoices = []
    total = 0
    for i in range(rows):
        cents = 1_234_567 + i * 98_765
        total += cents
        invoices.append({"number": f"{44031234 + i:08d}", "issued_on": f"2026-0{1 + i % 9}-1{i % 9}",
                         "due_on": f"2026-0{1 + i % 9}-2{i % 9}", "amount": yuan(cents),
                         "paid": "0.00", "outstanding": yuan(cents)})
    return {
        "creditor": {"name": "上海宝钢包装股份有限公司", "bank": "中国工商银行上海市宝山支行",
                     "account": "1001 2345 6789 0123 456"},
        "debtor": {"name": "深圳市华星光电技术有限公司 & 堃镕<分公司>", "credit_code": "91440300708461136T"},
        "contract": {"title": "钢材买卖合同", "number": "BG-2026-0317", "signed_on": "2026-03-17"},
        "invoices": invoices, "total": yuan(total), "as_of": "2026-11-26",
        "deadline": "2026-12-10", "rate": "0.0345",
    }


def statement_context(rows: int = 200) -> dict[str, Any]:
    lines = []
    balance = 50_000_00
    for i in range(rows):
        debit = 12_345_67 + i * 1_11 if i % 3 else 0
        credit = 0 if i % 3 else 20_000_00
        balance += debit - credit
        lines.append({"date": f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}", "memo": "销售商品" if i % 3 else "收款",
                      "ref": f"SO-2026-{i:05d}", "debit": yuan(debit),
                      "credit": yuan(credit), "balance": yuan(balance)})
    return {"debtor": {"name": "深圳市华星光电技术有限公司"}, "period": {"start": "2026-01-01", "end": "2026-10-31"},
            "opening": "50000.00", "lines": lines, "closing": yuan(balance)}
