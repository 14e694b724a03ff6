"""Collecting a case's evidence: what the records prove, as items in the order a court reads them.

The groups follow what the claim has to prove (证据规定 19: each item's name, source and 证明目的):
the contract; the invoices and deliveries; the debtor's confirmation of the balance; every demand
that reached the debtor (民法典 195: each interrupts the limitation); the debtor's replies; the
payments; the promises; and the calculation with the limitation summary.

``collect`` writes the default items into ``evidence_item`` and keeps what people decided: an item
excluded stays excluded; a name, purpose or position edited stays as written (``edited``); only
the files behind an item follow the records (a signed scan uploaded later replaces the generated
contract). Lists made from the ledger (invoices, payments, promises, limitation) are stored as UTF-8
text in the file store, built only from the records, so the same records give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflow.accounts.models import Role
from workflow.cases.models import DunningCase, Promise
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.contexts.claim_sheet import claim_sheet_context
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import DomainError, NotFound
from workflow.evidence.models import GROUP_ORDER, EvidenceItem, Group
from workflow.evidence.spec import DOCX, EML, JPEG, PDF, PNG, TEXT, TIFF
from workflow.filestore import FileStore
from workflow.ledger.models import Attachment, Contract, CreditorEntity, Customer, Invoice, Payment
from workflow.mail.inbound import InboundMessage, InboundStatus
from workflow.mail.mime import parse
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork

# (customer_id, as_of, creditor_id) → the claim as ``ClaimService.claim`` returns it
ClaimReader = Callable[[UnitOfWork, int, date, int], Mapping[str, Any]]

LETTER_KINDS = ("payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter")
SIGNED_KINDS = ("signed_statement", "signed_receipt")
SHEET_MAKERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
NOT_EVIDENCE_INTENTS = ("auto_reply", "bounce")

GROUP_TITLES: dict[str, tuple[str, str]] = {
    Group.CONTRACT: ("合同", "Contract"),
    Group.INVOICES: ("发票及送货单", "Invoices and delivery notes"),
    Group.STATEMENTS: ("对账单及债务人确认", "Statements and the debtor's confirmation"),
    Group.LETTERS: ("催款函件及送达凭证", "Demands and proof of delivery"),
    Group.REPLIES: ("债务人回复", "The debtor's replies"),
    Group.PAYMENTS: ("回款记录", "Payments received"),
    Group.PROMISES: ("还款承诺及还款协议", "Promises and repayment agreements"),
    Group.CALCULATION: ("利息计算及诉讼时效", "Interest calculation and limitation"),
}

# 证明目的 by what the item is: Chinese, and English for a case conducted in English
PURPOSES: dict[str, tuple[str, str]] = {
    "contract": ("证明双方存在买卖合同关系及付款期限、违约责任约定",
                 "The parties' sales contract, its payment terms and its penalty clause"),
    "invoices": ("证明我方已履行交货义务、开具发票，货款金额及到期日",
                 "We delivered and invoiced; the amounts and due dates of the price"),
    "statement": ("证明我方向债务人发送对账单，列明欠款金额",
                  "We sent the debtor a statement of the balance owed"),
    "confirmation": ("证明债务人确认欠款金额（诉讼时效中断）",
                     "The debtor confirmed the balance owed (interrupting the limitation period)"),
    "letter": ("证明我方多次催收，催款函已送达债务人，诉讼时效中断",
               "We demanded payment and the demand reached the debtor (interrupting the limitation period)"),
    "reply": ("证明债务人收到催款并作出回复", "The debtor received our demand and answered it"),
    "reply:promise_to_pay": ("证明债务人承认欠款并承诺付款（诉讼时效中断）",
                             "The debtor acknowledged the debt and promised to pay (interrupting the limitation "
                             "period)"),
    "reply:installment_request": ("证明债务人承认欠款并请求分期付款（诉讼时效中断）",
                                  "The debtor acknowledged the debt and asked to pay in instalments (interrupting "
                                  "the limitation period)"),
    "reply:hardship": ("证明债务人承认欠款并请求延期付款（诉讼时效中断）",
                       "The debtor acknowledged the debt and asked for more time (interrupting the limitation "
                       "period)"),
    "reply:paid": ("证明债务人主张的付款情况", "What the debtor says it paid"),
    "reply:dispute": ("证明债务人提出异议的内容及时间", "What the debtor disputed, and when"),
    "reply:document_request": ("证明债务人收到催款并索取单据",
                               "The debtor received our demand and asked for documents"),
    "payments": ("证明债务人部分付款，尚欠余额（诉讼时效中断）",
                 "The debtor paid part, and the balance still owed (part payment interrupts the limitation period)"),
    "agreement": ("证明债务人承认欠款并约定还款计划（诉讼时效中断）",
                  "The debtor acknowledged the debt and agreed a repayment plan (interrupting the limitation period)"),
    "promises": ("证明债务人多次承诺还款（诉讼时效中断）",
                 "The debtor promised payment (interrupting the limitation period)"),
    "sheet": ("证明违约金/利息的计算方法及金额",
              "How the late-payment interest or penalty is calculated, and its amount"),
    "limitation": ("证明诉讼时效未届满", "The limitation period has not expired"),
}


@dataclass(frozen=True)
class Sources:
    """What collecting needs besides the database: the file store, the claim, and the documents
    service that makes the case's 利息计算表 when it has none."""

    files: FileStore
    claim: ClaimReader
    documents: DocumentService | None = None


@dataclass(frozen=True)
class Default:
    """One item as the case's records give it."""

    group: str
    kind: str
    ref: str
    name: str
    source: str
    purpose: str
    files: tuple[dict[str, str], ...]


class _Ctx:
    def __init__(self, uow: UnitOfWork, case: DunningCase, sources: Sources, language: str) -> None:
        self.uow = uow
        self.s: Session = uow.session
        self.case = case
        self.sources = sources
        self.en = language == "en"

    def t(self, zh: str, en: str) -> str:
        return en if self.en else zh

    def purpose(self, key: str) -> str:
        zh, en = PURPOSES[key]
        return self.t(zh, en)

    def text_file(self, filename: str, lines: Iterable[str]) -> dict[str, str]:
        data = ("\n".join(lines) + "\n").encode("utf-8")
        return {"sha256": self.sources.files.put(data), "filename": filename, "content_type": TEXT}

    def day(self, value: Any) -> str:
        return value.astimezone(self.uow.clock.tz).date().isoformat() if value is not None else "—"


def case_language(s: Session, case: DunningCase) -> str:
    """The case's language is that of our last letter on it (English cases are conducted in English)."""
    last = s.scalar(select(OutboxMessage.language).where(OutboxMessage.case_id == case.id)
                    .order_by(OutboxMessage.id.desc()).limit(1))
    return "en" if last == "en" else "zh"


def document_file(doc: GeneratedDocument) -> dict[str, str]:
    """The PDF when it is made, else the DOCX (the assembler converts it)."""
    spec = CATALOGUE.get(doc.kind)
    title = spec.title_zh if spec is not None and doc.language == "zh" else (
        spec.title_en.replace(" ", "_") if spec is not None else doc.kind)
    if doc.pdf_sha256:
        return {"sha256": doc.pdf_sha256, "filename": f"{title}-{doc.id}.pdf", "content_type": PDF}
    return {"sha256": doc.docx_sha256, "filename": f"{title}-{doc.id}.docx", "content_type": DOCX}


def _title(ctx: _Ctx, kind: str) -> str:
    spec = CATALOGUE.get(kind)
    return kind if spec is None else ctx.t(spec.title_zh, spec.title_en)


def _attachment_file(att: Attachment) -> dict[str, str]:
    return {"sha256": att.sha256, "filename": att.filename, "content_type": att.content_type}


def _case_documents(ctx: _Ctx, kinds: Sequence[str]) -> list[GeneratedDocument]:
    """The case's documents of these kinds, and the customer's ones made before cases named them."""
    c = ctx.case
    return list(ctx.s.scalars(select(GeneratedDocument).where(
        GeneratedDocument.kind.in_(kinds),
        or_(GeneratedDocument.case_id == c.id,
            (GeneratedDocument.case_id.is_(None)) & (GeneratedDocument.customer_id == c.customer_id)),
    ).order_by(GeneratedDocument.id)))


def _sent(ctx: _Ctx, document_id: int | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.raw_sha256.is_not(None),
                                       OutboxMessage.bounced_at.is_(None))
    if document_id is not None:
        stmt = stmt.where(OutboxMessage.document_id == document_id)
    else:
        stmt = stmt.where(OutboxMessage.case_id == ctx.case.id)
    return list(ctx.s.scalars(stmt.order_by(OutboxMessage.id)))


def _eml(row: OutboxMessage) -> dict[str, str]:
    return {"sha256": row.raw_sha256 or "", "filename": f"outbox-{row.id}.eml", "content_type": EML}


# ---- the groups ----------------------------------------------------------------------------------

def _contracts(ctx: _Ctx, contracts: list[Contract]) -> list[Default]:
    out = []
    generated = _case_documents(ctx, ("sales_contract",))
    for con in contracts:
        scans = list(ctx.s.scalars(select(Attachment).where(Attachment.contract_id == con.id)
                                   .order_by(Attachment.id)))
        name = ctx.t(f"买卖合同（编号 {con.number}）", f"Sales contract No. {con.number}")
        if scans:
            files = tuple(_attachment_file(a) for a in scans)
            source = ctx.t("双方签署的合同原件扫描件", "Scan of the contract as signed by both parties")
        else:
            doc = next((d for d in reversed(generated)
                        if ((d.context or {}).get("contract") or {}).get("number") == con.number), None)
            if doc is not None:
                files = (document_file(doc),)
                source = ctx.t(f"我方制作的合同文本（文书 {doc.id}）",
                               f"The contract text we drew up (document {doc.id})")
            else:
                files = (ctx.text_file(f"contract-{con.id}.txt", _contract_lines(ctx, con)),)
                source = ctx.t("合同台账记录（未上传签署件）",
                               "The contract as recorded in our ledger (no signed scan)")
        out.append(Default(Group.CONTRACT, "contract", f"contract:{con.id}", name, source,
                           ctx.purpose("contract"), files))
    return out


def _contract_lines(ctx: _Ctx, con: Contract) -> list[str]:
    return [
        ctx.t(f"合同编号：{con.number}", f"Contract No.: {con.number}"),
        ctx.t(f"合同名称：{con.title or '—'}", f"Title: {con.title or '—'}"),
        ctx.t(f"卖方：{con.creditor.legal_name}", f"Seller: {con.creditor.legal_name_en or con.creditor.legal_name}"),
        ctx.t(f"买方：{con.customer.legal_name}", f"Buyer: {con.customer.legal_name_en or con.customer.legal_name}"),
        ctx.t(f"签订日期：{con.signed_on.isoformat() if con.signed_on else '—'}",
              f"Signed on: {con.signed_on.isoformat() if con.signed_on else '—'}"),
        ctx.t(f"签订地点：{con.signed_place or '—'}", f"Signed at: {con.signed_place or '—'}"),
        ctx.t(f"合同金额：{con.currency} {con.total if con.total is not None else '—'}",
              f"Contract total: {con.currency} {con.total if con.total is not None else '—'}"),
        ctx.t(f"付款条款：{_plain(con.payment_terms)}", f"Payment terms: {_plain(con.payment_terms)}"),
        ctx.t(f"违约责任：{_plain(con.penalty)}", f"Penalty: {_plain(con.penalty)}"),
        ctx.t(f"争议解决：{_plain(con.dispute)}", f"Disputes: {_plain(con.dispute)}"),
    ]


def _plain(value: Any) -> str:
    """A clause's structured record as one line, keys sorted so the bytes never depend on JSON order."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, Mapping):
        return "；".join(f"{k}={_plain(value[k])}" for k in sorted(value))
    if isinstance(value, list):
        return "，".join(_plain(v) for v in value)
    return str(value)


def _invoices(ctx: _Ctx, invoices: list[Invoice]) -> list[Default]:
    out: list[Default] = []
    bare: list[Invoice] = []
    for inv in invoices:
        uploads = list(ctx.s.scalars(select(Attachment).where(
            Attachment.invoice_id == inv.id, Attachment.kind.not_in(SIGNED_KINDS)).order_by(Attachment.id)))
        if not uploads:
            bare.append(inv)
            continue
        out.append(Default(
            Group.INVOICES, "invoice", f"invoice:{inv.id}",
            ctx.t(f"发票 {inv.number} 及送货单", f"Invoice {inv.number} and delivery note"),
            ctx.t("发票及签收送货单扫描件", "Scans of the invoice and the signed delivery note"),
            ctx.purpose("invoices"), tuple(_attachment_file(a) for a in uploads)))
    if bare:
        header = ctx.t("发票号\t税票号\t开票日\t到期日\t币种\t金额\t已付\t红冲\t送货单\t送货日",
                       "Invoice\tTax invoice\tIssued\tDue\tCurrency\tAmount\tPaid\tCredited\tDelivery note\tDelivered")
        lines = [header] + ["\t".join([
            i.number, i.tax_invoice_no or "—", i.issue_date.isoformat(), i.due_date.isoformat(), i.currency,
            format(i.amount, "f"), format(i.paid_amount, "f"), format(i.credited_amount, "f"),
            i.delivery_note_ref or "—", i.delivery_date.isoformat() if i.delivery_date else "—"]) for i in bare]
        out.append(Default(
            Group.INVOICES, "invoice_list", "invoices",
            ctx.t("发票及送货清单", "List of invoices and deliveries"),
            ctx.t("我方应收账款台账", "Our receivables ledger"), ctx.purpose("invoices"),
            (ctx.text_file("invoices.txt", lines),)))
    return out


def _statements(ctx: _Ctx, invoices: list[Invoice]) -> list[Default]:
    out: list[Default] = []
    for doc in _case_documents(ctx, ("statement",)):
        mails = _sent(ctx, doc.id)
        files = (document_file(doc), *(_eml(m) for m in mails))
        sent = "、".join(ctx.day(m.sent_at) for m in mails)
        out.append(Default(
            Group.STATEMENTS, "statement", f"document:{doc.id}",
            ctx.t(f"往来对账单（{ctx.day(doc.made_at)}）", f"Statement of account ({ctx.day(doc.made_at)})"),
            ctx.t(f"我方制作并以电子邮件发送（{sent}）" if mails else "我方制作",
                  f"Drawn up by us and emailed ({sent})" if mails else "Drawn up by us"),
            ctx.purpose("statement"), files))
    # one signed copy is kept against each invoice it covers: one item per copy
    signed = list(ctx.s.scalars(select(Attachment).where(
        Attachment.invoice_id.in_([i.id for i in invoices]), Attachment.kind.in_(SIGNED_KINDS))
        .order_by(Attachment.id))) if invoices else []
    seen: set[str] = set()
    for att in signed:
        if att.sha256 in seen:
            continue
        seen.add(att.sha256)
        on = att.signed_on.isoformat() if att.signed_on else "—"
        receipt = att.kind == "signed_receipt"
        out.append(Default(
            Group.STATEMENTS, att.kind, f"attachment:{att.id}",
            ctx.t(f"债务人签收的回执（{on}）" if receipt else f"债务人签章确认的对账单（{on}）",
                  f"Receipt signed by the debtor ({on})" if receipt else f"Statement confirmed by the debtor ({on})"),
            ctx.t(f"债务人签署后交回（{att.filename}）", f"Returned signed by the debtor ({att.filename})"),
            ctx.purpose("confirmation"), (_attachment_file(att),)))
    for row in _replies(ctx, ("statement_confirmed",)):
        out.append(_reply_default(ctx, row, Group.STATEMENTS, ctx.purpose("confirmation")))
    return out


def _letters(ctx: _Ctx) -> list[Default]:
    out = []
    for m in _sent(ctx):
        if m.kind == "statement":
            continue
        doc = ctx.s.get(GeneratedDocument, m.document_id) if m.document_id is not None else None
        files = ((document_file(doc),) if doc is not None else ()) + (_eml(m),)
        title = _title(ctx, m.kind)
        to = ", ".join(m.recipients)
        out.append(Default(
            Group.LETTERS, "letter", f"outbox:{m.id}",
            ctx.t(f"{title}及发送邮件（{ctx.day(m.sent_at)}）",
                  f"{title} and the email that sent it ({ctx.day(m.sent_at)})"),
            ctx.t(f"电子邮件发送至 {to}，邮件服务器已接收：{m.smtp_reply or '—'}",
                  f"Emailed to {to}; accepted by the mail server: {m.smtp_reply or '—'}"),
            ctx.purpose("letter"), files))
    return out


def _replies(ctx: _Ctx, intents: Sequence[str] | None = None, *, exclude: Sequence[str] = ()
             ) -> list[InboundMessage]:
    stmt = select(InboundMessage).where(InboundMessage.case_id == ctx.case.id,
                                        InboundMessage.status != InboundStatus.DUPLICATE.value)
    if intents is not None:
        stmt = stmt.where(InboundMessage.intent.in_(intents))
    else:
        stmt = stmt.where(or_(InboundMessage.intent.is_(None), InboundMessage.intent.not_in(exclude)))
    return list(ctx.s.scalars(stmt.order_by(InboundMessage.id)))


def _reply_default(ctx: _Ctx, row: InboundMessage, group: str, purpose: str) -> Default:
    attachments = [str(a.get("name") or "") for a in (row.classification or {}).get("attachments") or []
                   if isinstance(a, Mapping)]
    listed = (ctx.t(f"；附件：{'、'.join(attachments)}", f"; attachments: {', '.join(attachments)}")
              if attachments else "")
    when = ctx.day(row.sent_at or row.received_at)
    return Default(
        group, "reply", f"inbound:{row.id}",
        ctx.t(f"债务人回复邮件（{when}）：{row.subject or '无主题'}",
              f"The debtor's email of {when}: {row.subject or '(no subject)'}"),
        ctx.t(f"{row.from_address or '—'} 发送的电子邮件原件{listed}",
              f"Original email from {row.from_address or '—'}{listed}"),
        purpose, ({"sha256": row.sha256, "filename": f"reply-{row.id}.eml", "content_type": EML},
                  *_reply_attachments(ctx, row)))


# what a reply may carry that a court reads as a page of its own: a remittance slip, a signed
# statement's scan; anything else stays listed on the email's page and inside the .eml
PAGE_TYPES = {"application/pdf": PDF, "image/jpeg": JPEG, "image/jpg": JPEG, "image/png": PNG,
              "image/tiff": TIFF, DOCX: DOCX}


def _reply_attachments(ctx: _Ctx, row: InboundMessage) -> list[dict[str, str]]:
    """The reply's attachments as files of the item, after the email itself: the bytes are taken
    from the stored .eml (the same SHA-256 the email page lists) and kept in the file store."""
    try:
        decoded = parse(ctx.sources.files.get(row.sha256))
    except (KeyError, OSError, ValueError):
        return []  # the .eml itself is still the item's first file; pre-flight reports it if missing
    out = []
    for att in decoded.attachments:
        kind = PAGE_TYPES.get(att.content_type.lower())
        if kind is None or att.too_large or not att.data:
            continue
        out.append({"sha256": ctx.sources.files.put(att.data), "filename": att.name, "content_type": kind})
    return out


def _reply_items(ctx: _Ctx) -> list[Default]:
    out = []
    for row in _replies(ctx, exclude=(*NOT_EVIDENCE_INTENTS, "statement_confirmed")):
        key = f"reply:{row.intent}"
        out.append(_reply_default(ctx, row, Group.REPLIES, ctx.purpose(key if key in PURPOSES else "reply")))
    return out


def _payments(ctx: _Ctx) -> list[Default]:
    c = ctx.case
    rows = list(ctx.s.scalars(select(Payment).where(Payment.customer_id == c.customer_id,
                                                    Payment.creditor_id == c.creditor_id)
                              .order_by(Payment.received_on, Payment.id)))
    if not rows:
        return []
    lines = [ctx.t("收款日期\t币种\t金额\t付款人\t银行流水号", "Received\tCurrency\tAmount\tPayer\tBank reference")]
    lines += ["\t".join([p.received_on.isoformat(), p.currency, format(p.amount, "f"), p.payer_name or "—",
                         p.bank_reference]) for p in rows]
    return [Default(Group.PAYMENTS, "payments", "payments", ctx.t("回款明细", "Payments received"),
                    ctx.t("我方银行收款记录", "Our bank's records of receipts"), ctx.purpose("payments"),
                    (ctx.text_file("payments.txt", lines),))]


def _promises(ctx: _Ctx) -> list[Default]:
    out = []
    for doc in _case_documents(ctx, ("repayment_agreement",)):
        out.append(Default(Group.PROMISES, "agreement", f"document:{doc.id}",
                           ctx.t(f"还款协议（{ctx.day(doc.made_at)}）",
                                 f"Repayment agreement ({ctx.day(doc.made_at)})"),
                           ctx.t(f"双方签订（文书 {doc.id}）", f"Agreed by the parties (document {doc.id})"),
                           ctx.purpose("agreement"), (document_file(doc),)))
    rows = list(ctx.s.scalars(select(Promise).where(Promise.case_id == ctx.case.id)
                              .order_by(Promise.promised_on, Promise.id)))
    if rows:
        lines = [ctx.t("承诺付款日\t币种\t金额\t方式\t承诺人\t结果",
                       "Promised for\tCurrency\tAmount\tBy\tWho\tOutcome")]
        lines += ["\t".join([p.promised_on.isoformat(), p.currency, format(p.amount, "f"), p.source,
                             p.contact_name or "—", p.status]) for p in rows]
        out.append(Default(Group.PROMISES, "promises", "promises",
                           ctx.t("债务人还款承诺记录", "The debtor's promises to pay"),
                           ctx.t("我方催收记录（电话、邮件、面谈）",
                                 "Our collection records (calls, emails, meetings)"),
                           ctx.purpose("promises"), (ctx.text_file("promises.txt", lines),)))
    return out


def _calculation(ctx: _Ctx) -> list[Default]:
    out = []
    sheet = _sheet(ctx)
    name = ctx.t("利息计算表", "Interest calculation")
    if sheet is not None:
        out.append(Default(Group.CALCULATION, "interest_sheet", "claim_sheet", name,
                           ctx.t(f"我方依合同及法律计算（文书 {sheet.id}）",
                                 f"Calculated by us under the contract and the law (document {sheet.id})"),
                           ctx.purpose("sheet"), (document_file(sheet),)))
    else:
        out.append(Default(Group.CALCULATION, "interest_sheet", "claim_sheet", name,
                           ctx.t("尚未生成（需文员或法务生成）", "Not made yet (a clerk or the legal team makes it)"),
                           ctx.purpose("sheet"), ()))
    out.append(Default(Group.CALCULATION, "limitation", "limitation", ctx.t("诉讼时效说明", "Limitation summary"),
                       ctx.t("依民法典第188、195条计算", "Computed under Civil Code arts. 188 and 195"),
                       ctx.purpose("limitation"), (ctx.text_file("limitation.txt", _limitation_lines(ctx)),)))
    return out


def _sheet(ctx: _Ctx) -> GeneratedDocument | None:
    """The case's latest 利息计算表, or one made now (by someone who may make documents)."""
    found = _case_documents(ctx, ("interest_sheet",))
    if found:
        return found[-1]
    documents = ctx.sources.documents
    if documents is None or ctx.uow.actor.role not in SHEET_MAKERS:
        return None
    c = ctx.case
    try:
        claim = ctx.sources.claim(ctx.uow, c.customer_id, ctx.uow.today(), c.creditor_id)
        context = claim_sheet_context(ctx.s, claim=dict(claim), creditor_id=c.creditor_id, currency=c.currency,
                                      prepared_on=ctx.uow.today())
        # made as the case's, so the next collection finds it instead of making another
        return documents.generate(ctx.uow, "interest_sheet", "en" if ctx.en else "zh", context,
                                  customer_id=c.customer_id, case_id=c.id)
    except DomainError:  # rates not loaded for the period, no template: the item says the sheet is missing
        return None


def _limitation_lines(ctx: _Ctx) -> list[str]:
    c = ctx.case
    as_of = ctx.uow.today()
    try:
        claim = ctx.sources.claim(ctx.uow, c.customer_id, as_of, c.creditor_id)
    except DomainError as exc:
        return [ctx.t(f"截至 {as_of.isoformat()} 无法计算：{exc.zh}", f"Cannot be computed as of {as_of.isoformat()}: "
                      f"{exc.en}")]
    lines = [ctx.t(f"计算日：{as_of.isoformat()}", f"As of: {as_of.isoformat()}"),
             ctx.t("发票号\t到期日\t时效起算日\t时效届满日\t最后中断事由",
                   "Invoice\tDue\tStarts\tExpires\tLast interruption")]
    for row in claim.get("invoices", []):
        if not row.get("claimed"):
            continue
        lim = row.get("limitation") or {}
        last = lim.get("last_interruption")
        last_text = f"{last['date']} {last['kind']} {last.get('note') or ''}".strip() if last else "—"
        provisional = ctx.t("（暂定）", " (provisional)") if lim.get("provisional") else ""
        expires = str(lim.get("expires_on", "—")) + provisional
        lines.append("\t".join([str(row["number"]), str(row["due_date"]), str(lim.get("starts_on", "—")),
                                expires, last_text]))
    return lines


def defaults(uow: UnitOfWork, case: DunningCase, sources: Sources) -> list[Default]:
    """The case's default items, in order."""
    ctx = _Ctx(uow, case, sources, case_language(uow.session, case))
    s = uow.session
    contracts = list(s.scalars(select(Contract).where(Contract.customer_id == case.customer_id,
                                                      Contract.creditor_id == case.creditor_id)
                               .order_by(Contract.id)))
    invoices = list(s.scalars(select(Invoice).where(Invoice.customer_id == case.customer_id,
                                                    Invoice.creditor_id == case.creditor_id)
                              .order_by(Invoice.due_date, Invoice.id)))
    return [*_contracts(ctx, contracts), *_invoices(ctx, invoices), *_statements(ctx, invoices), *_letters(ctx),
            *_reply_items(ctx), *_payments(ctx), *_promises(ctx), *_calculation(ctx)]


def ordered(s: Session, case_id: int) -> list[EvidenceItem]:
    return list(s.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case_id)
                          .order_by(EvidenceItem.position, EvidenceItem.id)))


def collect(uow: UnitOfWork, case_id: int, sources: Sources) -> list[EvidenceItem]:
    """Sync the case's default items into the table (keeping people's edits and exclusions) and
    return all its items in order. Items of records that are gone are dropped, unless a person
    edited them or uploaded them."""
    s = uow.session
    # one collection of a case at a time: two would both add the same new items
    case = s.get(DunningCase, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise NotFound("案件", "case", case_id)
    now = uow.now()
    found = defaults(uow, case, sources)
    current = ordered(s, case_id)
    by_ref = {i.ref: i for i in current}
    wanted = {d.ref for d in found}
    for item in current:
        if item.ref not in wanted and item.kind != "upload" and not item.edited:
            s.delete(item)
    order = [i for i in current if i.ref in wanted or i.kind == "upload" or i.edited]
    for d in found:
        files = [dict(f) for f in d.files]
        known = by_ref.get(d.ref)
        if known is not None:
            _refresh(known, d, files, now)
            continue
        item = EvidenceItem(case_id=case_id, position=0, group=d.group, kind=d.kind, ref=d.ref, name=d.name,
                            source=d.source, purpose=d.purpose, included=True, files=files, edited=False,
                            created_at=now, updated_at=now)
        s.add(item)
        order.insert(_slot(order, d.group), item)
    renumber(order, now)
    s.flush()
    return order


def _refresh(item: EvidenceItem, d: Default, files: list[dict[str, str]], now: Any) -> None:
    """The files follow the records; the name and purpose too, until a person edits them."""
    if item.files != files or item.group != d.group or item.kind != d.kind or item.source != d.source:
        item.files, item.group, item.kind, item.source, item.updated_at = files, d.group, d.kind, d.source, now
    if not item.edited and (item.name != d.name or item.purpose != d.purpose):
        item.name, item.purpose, item.updated_at = d.name, d.purpose, now


def _slot(order: list[EvidenceItem], group: str) -> int:
    """After the last item of its group, else before the first item of a later group."""
    rank = GROUP_ORDER.index(Group(group))
    same = [n for n, i in enumerate(order) if i.group == group]
    if same:
        return same[-1] + 1
    later = [n for n, i in enumerate(order) if i.group in GROUP_ORDER and GROUP_ORDER.index(Group(i.group)) > rank]
    return later[0] if later else len(order)


def renumber(order: list[EvidenceItem], now: Any) -> None:
    for n, item in enumerate(order, start=1):
        if item.position != n:
            item.position = n
            if item.id is not None:
                item.updated_at = now


def creditor_and_debtor(s: Session, case: DunningCase) -> tuple[CreditorEntity, Customer]:
    creditor = s.get(CreditorEntity, case.creditor_id)
    customer = s.get(Customer, case.customer_id)
    assert creditor is not None and customer is not None  # foreign keys
    return creditor, customer
