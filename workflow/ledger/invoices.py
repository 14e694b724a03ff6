"""Use cases for invoices and credit notes.

An invoice's ``credited_amount`` moves in the same transaction as the credit note that changes it,
and its outstanding amount (amount − paid − credited) never goes below zero.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import Conflict, FieldProblem, invalid
from workflow.ledger.access import flush_unique, load, require_writer, snapshot
from workflow.ledger.models import Allocation, Attachment, Contract, CreditNote, CreditorEntity, Customer, Invoice
from workflow.ledger.parties import ensure_unique, ensure_unused
from workflow.ledger.responsibility import take_people
from workflow.ledger.schemas import CreditNoteIn, InvoiceIn, InvoicePatch
from workflow.unit_of_work import UnitOfWork


def outstanding(invoice: Invoice) -> Decimal:
    return invoice.amount - invoice.paid_amount - invoice.credited_amount


def _check_parties(s: Session, creditor_id: int, customer_id: int) -> None:
    if s.get(CreditorEntity, creditor_id) is None:
        raise invalid("creditor_id", "unknown", f"无此债权主体：{creditor_id}", f"no such creditor: {creditor_id}")
    if s.get(Customer, customer_id) is None:
        raise invalid("customer_id", "unknown", f"无此客户：{customer_id}", f"no such customer: {customer_id}")


def _check_contract(s: Session, body: InvoiceIn) -> None:
    if body.contract_id is None:
        return
    contract = s.get(Contract, body.contract_id)
    if contract is None:
        raise invalid("contract_id", "unknown", f"无此合同：{body.contract_id}",
                      f"no such contract: {body.contract_id}")
    if contract.customer_id != body.customer_id or contract.creditor_id != body.creditor_id:
        raise invalid("contract_id", "other_parties", "该合同的双方与发票不一致",
                      "the contract is between other parties than the invoice")
    if contract.currency != body.currency:
        raise invalid("currency", "currency_mismatch", f"发票币种须与合同一致（{contract.currency}）",
                      f"the invoice currency must be the contract's ({contract.currency})")


def create_invoice(uow: UnitOfWork, body: InvoiceIn) -> Invoice:
    require_writer(uow.actor)
    s = uow.session
    _check_parties(s, body.creditor_id, body.customer_id)
    _check_contract(s, body)
    ensure_unique(s, Invoice, "number", body.number, scope={"creditor_id": body.creditor_id})
    invoice = Invoice(**take_people(s, "invoice", body.model_dump()), paid_amount=Decimal("0.00"),
                      credited_amount=Decimal("0.00"),
                      written_off=False, created_at=uow.now())
    s.add(invoice)
    flush_unique(s, "number", body.number)
    uow.audit("invoice.create", "invoice", invoice.id, None, snapshot(invoice))
    return invoice


def update_invoice(uow: UnitOfWork, invoice_id: int, body: InvoicePatch) -> Invoice:
    require_writer(uow.actor)
    s = uow.session
    invoice = load(s, Invoice, invoice_id, uow.actor, for_update=True)
    before = snapshot(invoice)
    changes = take_people(s, "invoice", body.changes())
    for field in ("issue_date", "due_date", "amount", "written_off"):
        if field in changes and changes[field] is None:
            raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
    issue = changes.get("issue_date", invoice.issue_date)
    due = changes.get("due_date", invoice.due_date)
    if due < issue:
        field = "due_date" if "due_date" in changes else "issue_date"
        raise invalid(field, "due_before_issue", f"到期日 {due} 早于开票日 {issue}",
                      f"due date {due} is before the issue date {issue}")
    settled = invoice.paid_amount + invoice.credited_amount
    if "amount" in changes and changes["amount"] < settled:
        raise Conflict("金额不能低于已回款和已冲减的合计",
                       "amount cannot be less than what is already paid or credited",
                       [FieldProblem("amount", "below_settled", f"已回款及冲减合计 {settled}",
                                     f"already paid or credited: {settled}")])
    for k, v in changes.items():
        setattr(invoice, k, v)
    s.flush()
    uow.audit("invoice.update", "invoice", invoice.id, before, snapshot(invoice))
    return invoice


def delete_invoice(uow: UnitOfWork, invoice_id: int) -> None:
    """Only an invoice entered by mistake: nothing paid, credited or attached."""
    require_writer(uow.actor)
    s = uow.session
    invoice = load(s, Invoice, invoice_id, uow.actor, for_update=True)
    ensure_unused(s, "发票", "invoice", [
        (select(Allocation.id).where(Allocation.invoice_id == invoice.id), "回款核销/allocations"),
        (select(CreditNote.id).where(CreditNote.invoice_id == invoice.id), "贷项通知/credit notes"),
        (select(Attachment.id).where(Attachment.invoice_id == invoice.id), "附件/files"),
    ])
    before = snapshot(invoice)
    s.delete(invoice)
    uow.audit("invoice.delete", "invoice", invoice_id, before, None)


def create_credit_note(uow: UnitOfWork, body: CreditNoteIn) -> CreditNote:
    require_writer(uow.actor)
    s = uow.session
    _check_parties(s, body.creditor_id, body.customer_id)
    ensure_unique(s, CreditNote, "number", body.number, scope={"creditor_id": body.creditor_id})
    invoice_before = None
    invoice = None
    if body.invoice_id is not None:
        invoice = s.scalar(select(Invoice).where(Invoice.id == body.invoice_id).with_for_update())
        if invoice is None:
            raise invalid("invoice_id", "unknown", f"无此发票：{body.invoice_id}",
                          f"no such invoice: {body.invoice_id}")
        if invoice.customer_id != body.customer_id or invoice.creditor_id != body.creditor_id:
            raise invalid("invoice_id", "other_parties", "该发票的双方与贷项通知不一致",
                          "the invoice is between other parties than the credit note")
        if invoice.currency != body.currency:
            raise invalid("currency", "currency_mismatch", f"币种须与发票一致（{invoice.currency}）",
                          f"the currency must be the invoice's ({invoice.currency})")
        open_amount = outstanding(invoice)
        if body.amount > open_amount:
            raise Conflict("冲减金额超过发票未收余额", "credit exceeds what is outstanding on the invoice",
                           [FieldProblem("amount", "exceeds_outstanding", f"发票未收余额为 {open_amount}",
                                         f"the invoice has {open_amount} outstanding")])
        invoice_before = {"credited_amount": invoice.credited_amount}
        invoice.credited_amount = invoice.credited_amount + body.amount
    note = CreditNote(**body.model_dump(), created_at=uow.now())
    s.add(note)
    s.flush()
    after = snapshot(note)
    if invoice is not None:
        after["invoice"] = {"id": invoice.id, "credited_amount": invoice.credited_amount}
    uow.audit("credit_note.create", "credit_note", note.id,
              {"invoice": invoice_before} if invoice_before else None, after)
    return note
