"""Evidence that interrupts the limitation besides the ledger's own payments: signed 对账单 and 回执
uploaded as attachments (the debtor's acknowledgment of the debt, 时效规定 14).

A statement attached to a contract acknowledges the invoices of that contract issued by its signing
date; one attached to an invoice, that invoice. Each names its file, so the sheet and the claim show
what a court would be shown. A delivered demand letter (时效规定 8) will be another source here once
letters are sent from the product; ``Interruption.kind`` already has ``demand`` for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflow.ledger.models import Attachment, Contract, Invoice

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
