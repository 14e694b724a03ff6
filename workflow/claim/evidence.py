"""Evidence that interrupts the limitation besides the ledger's own payments: signed 对账单 and 回执
uploaded as attachments (the debtor's acknowledgment of the debt, 时效规定 14), and demand letters
the product sent by email (时效规定 8).

A statement attached to a contract acknowledges the invoices of that contract issued by its signing
date; one attached to an invoice, that invoice. Each names its file, so the sheet and the claim show
what a court would be shown.

A demand counts from the day the mail server accepted it (民法典 137: a data message takes effect when
it enters the recipient's system; the stored message and the server's reply prove it), for the
invoices the letter lists, and only while no delivery report says it bounced. A reminder sent
before the due date demands nothing yet and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflow.cases.models import DunningCase
from workflow.documents.models import GeneratedDocument
from workflow.ledger.models import Attachment, Contract, Invoice
from workflow.mail.models import OutboxMessage, OutboxStatus

SIGNED_KINDS = {"signed_statement": ("签章对账单", "signed statement"),
                "signed_receipt": ("签收回执", "signed receipt")}


@dataclass(frozen=True)
class Evidence:
    signed_on: date
    kind: str
    filename: str
    attachment_id: int
    contract_id: int | None
    invoice_id: int | None

    def covers(self, inv: Invoice) -> bool:
        if self.invoice_id is not None:
            return inv.id == self.invoice_id
        return inv.contract_id is not None and inv.contract_id == self.contract_id and inv.issue_date <= self.signed_on

    @property
    def note(self) -> str:
        zh, en = SIGNED_KINDS[self.kind]
        return f"{zh} / {en}: {self.filename} (附件 / attachment {self.attachment_id})"


def signed_acknowledgments(s: Session, customer_id: int, as_of: date) -> list[Evidence]:
    contracts = select(Contract.id).where(Contract.customer_id == customer_id)
    invoices = select(Invoice.id).where(Invoice.customer_id == customer_id)
    rows = s.scalars(select(Attachment).where(
        Attachment.kind.in_(SIGNED_KINDS), Attachment.signed_on.is_not(None), Attachment.signed_on <= as_of,
        or_(Attachment.contract_id.in_(contracts), Attachment.invoice_id.in_(invoices))).order_by(Attachment.id))
    return [Evidence(a.signed_on, a.kind, a.filename, a.id, a.contract_id, a.invoice_id)
            for a in rows if a.signed_on is not None]


# the letters that demand payment of an overdue debt
DEMAND_KINDS = frozenset({"dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter"})


@dataclass(frozen=True)
class Demand:
    sent_on: date
    kind: str
    message_id: str
    smtp_reply: str
    raw_sha256: str
    outbox_id: int
    creditor_id: int | None
    invoice_numbers: frozenset[str]

    def covers(self, inv: Invoice) -> bool:
        return inv.number in self.invoice_numbers and self.creditor_id in (None, inv.creditor_id)

    @property
    def note(self) -> str:
        return (f"催告邮件 / demand by email {self.message_id}，服务器回复 / server reply "
                f"\u201c{self.smtp_reply[:80]}\u201d，SHA-256 {self.raw_sha256[:16]}… (发件 / outbox {self.outbox_id})")


def delivered_demands(s: Session, customer_id: int, as_of: date, tz: ZoneInfo) -> list[Demand]:
    rows = s.execute(
        select(OutboxMessage, GeneratedDocument.context, DunningCase.creditor_id)
        .join(GeneratedDocument, GeneratedDocument.id == OutboxMessage.document_id)
        .outerjoin(DunningCase, DunningCase.id == OutboxMessage.case_id)
        .where(OutboxMessage.customer_id == customer_id, OutboxMessage.status == OutboxStatus.SENT.value,
               OutboxMessage.kind.in_(DEMAND_KINDS), OutboxMessage.bounced_at.is_(None),
               OutboxMessage.sent_at.is_not(None))
        .order_by(OutboxMessage.id))
    out: list[Demand] = []
    for msg, context, creditor_id in rows:
        if msg.sent_at is None or msg.raw_sha256 is None:
            continue
        sent_on = msg.sent_at.astimezone(tz).date()
        if sent_on > as_of:
            continue
        listed = context.get("invoices", []) if isinstance(context, dict) else []
        numbers = frozenset(str(r.get("number")) for r in listed if isinstance(r, dict) and r.get("number"))
        out.append(Demand(sent_on, msg.kind, msg.message_id, msg.smtp_reply or "", msg.raw_sha256, msg.id,
                          creditor_id, numbers))
    return out
