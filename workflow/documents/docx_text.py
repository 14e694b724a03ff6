"""The plain text of a contract for the clause linter: from an uploaded .docx or .txt, or from a
stored ledger contract (its .docx attachment when it has one, else its structured clauses).

Uploads are untrusted. A .docx is a zip: only ``word/document.xml`` is inflated, within a size and
compression-ratio budget enforced while inflating (headers may lie), and parsed by
``documents.package`` with defusedxml, so a DTD or entity declaration is refused instead of
expanded and elements nested deeper than ``MAX_XML_DEPTH`` are refused before the tree is built.
The walk over the tree keeps its own stack rather than recursing. Paragraphs and table cells come
out in document order, one per line, so numbered articles and address tables stay recognisable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from sqlalchemy import select

from workflow.documents.package import read_xml_member
from workflow.errors import FieldProblem, ValidationFailed
from workflow.filestore import FileStore
from workflow.law.rates import RateTable
from workflow.law.refusals import LawRefusal
from workflow.ledger.access import load
from workflow.ledger.models import Attachment, Contract
from workflow.unit_of_work import UnitOfWork

MAX_XML_BYTES = 16 * 1024 * 1024  # a 300-page contract's document.xml is a few MiB
MAX_TEXT_CHARS = 400_000
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _bad(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def _paragraph(p: Element) -> str:
    parts: list[str] = []
    for el in p.iter():
        if el.tag == _W + "t" and el.text:
            parts.append(el.text)
        elif el.tag == _W + "tab":
            parts.append("\t")
        elif el.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


# A work item: an element whose lines go to a list (a table cell's own list, or the document's).
_Item = tuple[Element, list[str]]


def _children(parent: Element, lines: list[str]) -> Iterator[_Item]:
    for child in parent:
        yield child, lines


def _table(tbl: Element, lines: list[str]) -> Iterator[_Item]:
    """A table row is one line, its cells joined by " | "; a cell's own lines are joined by spaces.
    Each cell is handed back to the walk, which has read it by the time this resumes."""
    for row in tbl.findall(_W + "tr"):
        cells: list[str] = []
        for tc in row.findall(_W + "tc"):
            cell: list[str] = []
            yield tc, cell
            cells.append(" ".join(t for t in cell if t.strip()))
        lines.append(" | ".join(c for c in cells if c))


def _lines(body: Element) -> list[str]:
    """Lines in reading order; content controls, custom XML and smart tags wrap paragraphs and are
    looked through. One explicit stack instead of recursion, whatever the nesting."""
    out: list[str] = []
    stack: list[Iterator[_Item]] = [_children(body, out)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        el, lines = item
        if el.tag == _W + "p":
            lines.append(_paragraph(el))
        elif el.tag == _W + "tbl":
            stack.append(_table(el, lines))
        elif el.tag != _W + "sectPr":
            stack.append(_children(el, lines))
    return out


def docx_text(data: bytes, field: str = "file") -> str:
    root = read_xml_member(data, "word/document.xml", MAX_XML_BYTES, field)
    if root is None:
        raise _bad(field, "not_docx", "压缩包中没有 word/document.xml，不是 Word 文档",
                   "no word/document.xml in the archive: not a Word document")
    body = root.find(_W + "body")
    if body is None:
        raise _bad(field, "not_docx", "DOCX 没有正文", "the DOCX has no document body")
    return _limit("\n".join(line for line in _lines(body) if line.strip()), field)


def txt_text(data: bytes, field: str = "file") -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return _limit(text, field)
    raise _bad(field, "encoding", "无法识别文本编码：请另存为 UTF-8 或 GB18030 编码的 .txt",
               "cannot decode the text: save it as UTF-8 or GB18030 .txt")


def _limit(text: str, field: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise _bad(field, "too_long", f"合同文本过长（超过 {MAX_TEXT_CHARS} 字）",
                   f"the contract text is too long (over {MAX_TEXT_CHARS} characters)")
    if not text.strip():
        raise _bad(field, "empty", "文件中没有可读取的文字", "the file contains no readable text")
    return text


def upload_text(filename: str, data: bytes, field: str = "file") -> str:
    """Text of an uploaded contract, chosen by extension; .doc and PDFs are refused with advice."""
    name = filename.lower().strip()
    if name.endswith(".docx"):
        return docx_text(data, field)
    if name.endswith(".txt"):
        return txt_text(data, field)
    if name.endswith((".doc", ".wps", ".pdf")):
        raise _bad(field, "unsupported_type", "只支持 .docx 和 .txt：请在 Word/WPS 中另存为 .docx 后再上传",
                   "only .docx and .txt are supported: save the file as .docx in Word/WPS first")
    raise _bad(field, "unsupported_type", "只支持 .docx 和 .txt 文件", "only .docx and .txt files are supported")


@dataclass(frozen=True)
class StoredContractText:
    text: str
    source: str  # "attachment" or "clauses"
    context: dict[str, str]  # places for 民事诉讼法 35 known from the ledger
    attachment_id: int | None = None


def _clauses_text(c: Contract) -> str:
    lines = [f"{c.title or '合同'}（编号：{c.number}）",
             f"卖方：{c.creditor.legal_name}", f"住所：{c.creditor.address}",
             f"买方：{c.customer.legal_name}"]
    if c.customer.registered_address:
        lines.append(f"住所：{c.customer.registered_address}")
    if c.signed_place:
        lines.append(f"签订地点：{c.signed_place}")
    pay = c.payment_terms or {}
    trigger = {"invoice_date": "开票之日", "delivery": "交货之日", "acceptance": "验收合格之日"}
    if pay.get("kind") == "days_after":
        lines.append(f"第一条 付款：买方应于{trigger.get(str(pay.get('trigger')), '约定事件发生之日')}起"
                     f"{pay.get('days')}日内支付货款。")
    elif pay.get("kind") == "instalments":
        parts = [f"于{i.get('due_date')}前支付人民币{i.get('amount')}元" for i in pay.get("schedule", [])]
        lines.append("第一条 付款：买方应分期付款：" + "；".join(parts) + "。")
    pen = c.penalty or {}
    if pen.get("kind") == "daily_rate":
        lines.append(f"第二条 逾期付款：买方逾期付款的，每日按逾期金额的{_pct(pen.get('rate'))}支付违约金。")
    elif pen.get("kind") == "annual_rate":
        lines.append(f"第二条 逾期付款：买方逾期付款的，按逾期金额年利率{_pct(pen.get('rate'))}支付违约金。")
    elif pen.get("kind") == "lpr_multiple":
        lines.append(f"第二条 逾期付款：买方逾期付款的，按逾期金额以一年期LPR的{pen.get('multiple')}倍支付违约金。")
    dispute = c.dispute or {}
    if dispute.get("kind") == "court":
        lines.append(f"第三条 争议解决：因本合同发生的争议，由{dispute.get('place')}有管辖权的人民法院管辖。")
    elif dispute.get("kind") == "arbitration":
        lines.append(f"第三条 争议解决：因本合同发生的争议，提交{dispute.get('commission')}仲裁。")
    for n in c.notice_addresses or []:
        who = "卖方" if n.get("party") == "creditor" else "买方"
        where = "，".join(str(v) for v in (n.get("address"), n.get("email")) if v)
        lines.append(f"第四条 通知：{who}确认以下送达地址及电子邮箱用于通知和文书送达：{where}。")
    return "\n".join(lines)


def _pct(raw: object) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return f"{(Decimal(str(raw)) * 100).normalize():f}%"
    except (InvalidOperation, ValueError):
        return str(raw)


def stored_contract_text(uow: UnitOfWork, files: FileStore, contract_id: int) -> StoredContractText:
    """A ledger contract as text: the newest .docx attachment, else its structured clauses. An
    attachment that cannot be read is a 422 for this contract that names the attachment."""
    s = uow.session
    c = load(s, Contract, contract_id, uow.actor)
    context = {"seller_place": c.creditor.address}
    if c.customer.registered_address:
        context["buyer_place"] = c.customer.registered_address
    if c.signed_place:
        context["signing_place"] = c.signed_place
    # the buyer's size decides whether a pay-when-paid clause is void (法释〔2024〕11号)
    context["buyer_kind"] = c.customer.kind
    attachment = s.scalar(
        select(Attachment).where(Attachment.contract_id == c.id, Attachment.filename.ilike("%.docx"))
        .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc()).limit(1))
    if attachment is not None:
        try:
            text = docx_text(files.get(attachment.sha256), field="contract_id")
        except ValidationFailed as exc:
            raise ValidationFailed(
                [FieldProblem(p.field, p.code, f"合同附件「{attachment.filename}」（#{attachment.id}）无法读取：{p.zh}",
                              f"the contract's attachment \"{attachment.filename}\" (#{attachment.id}) cannot be "
                              f"read: {p.en}") for p in exc.problems],
                extra={"attachment_id": attachment.id}) from None
        return StoredContractText(text, "attachment", context, attachment.id)
    return StoredContractText(_clauses_text(c), "clauses", context)


def linter_lpr_1y(rates: RateTable, today: date, explicit: Decimal | None = None) -> tuple[Decimal, str]:
    """The one-year LPR the linter compares penalties with, and where it came from: the caller's own
    figure (e.g. the LPR when the contract was signed), else the quote in force ``today`` in the
    effective rate table (shipped quotes plus the administrator's additions). When today lies past
    the last known quote, the last quote is used and named: the linter only grades a clause against
    a multiple of the LPR, so a quote a few months old changes nothing a signer would do, whereas the
    interest calculators, whose figures go to court, refuse instead."""
    if explicit is not None:
        return explicit, "request"
    try:
        quote = rates.quote_on("lpr", today, field="lpr_1y")
    except LawRefusal as exc:
        last = rates.last_lpr
        if exc.code != "lpr_missing" or last is None or last.effective > today:
            raise _bad("lpr_1y", exc.code, f"{exc.zh}；或在请求中提供 lpr_1y（如 0.0300）",
                       f"{exc.en}; or pass lpr_1y (e.g. 0.0300) with the request") from exc
        return last.rate_1y.scaleb(-2), f"LPR {last.effective.isoformat()} (latest known quote)"
    return quote.rate_1y.scaleb(-2), f"LPR {quote.effective.isoformat()}"
