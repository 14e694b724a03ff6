"""API resources of the ledger's money: invoices, credit notes, payments and their allocation.

Registered on the ``ledger`` blueprint. A payment's response says how it was allocated:
``explicit`` (as the payer said), ``automatic`` (民法典 560: the invoice due first) or ``none``.
"""

from __future__ import annotations

from typing import Any

from workflow.accounts.actor import Actor
from workflow.ledger import invoices, payments, queries
from workflow.ledger.access import load
from workflow.ledger.models import Allocation, CreditNote, Invoice, Payment
from workflow.ledger.schemas import (
    AllocateIn,
    CreditNoteIn,
    CreditNoteQuery,
    InvoiceIn,
    InvoicePatch,
    InvoiceQuery,
    PaymentIn,
    PaymentQuery,
)
from workflow.ledger.status import invoice_status, status_days_overdue
from workflow.web.api.base import WRITERS, core, endpoint, session, uow
from workflow.web.api.ledger import CREATED, DELETED, bp, columns, page_of, plain
from workflow.web.api.responses import (
    CreditNoteOut,
    CreditNotePage,
    InvoiceOut,
    InvoicePage,
    PaymentAllocated,
    PaymentOut,
    PaymentPage,
)

INVOICE = {"invoice_id": "integer"}
PAYMENT = {"payment_id": "integer"}


def invoice_json(i: Invoice) -> dict[str, Any]:
    out = columns(i, "id", "creditor_id", "customer_id", "contract_id", "number", "issue_date", "due_date",
                  "amount", "currency", "tax_invoice_no", "delivery_note_ref", "delivery_date", "description",
                  "written_off", "paid_amount", "credited_amount", "salesperson_id", "collector_id", "created_at")
    open_amount = invoices.outstanding(i)
    today = uow().today()
    state = invoice_status(open_amount, i.written_off, i.due_date, today)
    out["outstanding"] = plain(open_amount)
    out["status"] = state.value
    out["days_overdue"] = status_days_overdue(state, i.due_date, today)
    return out


def credit_note_json(c: CreditNote) -> dict[str, Any]:
    return columns(c, "id", "creditor_id", "customer_id", "invoice_id", "number", "issued_on", "amount", "currency",
                   "reason", "created_at")


def allocation_json(a: Allocation) -> dict[str, Any]:
    return columns(a, "id", "invoice_id", "amount", "received_on", "automatic")


def payment_json(p: Payment, allocs: list[Allocation]) -> dict[str, Any]:
    out = columns(p, "id", "creditor_id", "customer_id", "received_on", "amount", "currency", "payer_name",
                  "bank_reference", "unallocated_amount", "created_at")
    out["allocations"] = [allocation_json(a) for a in allocs]
    return out


def allocated_json(result: payments.Allocated) -> dict[str, Any]:
    allocs = queries.allocations_of(session(), [result.payment.id])[result.payment.id]
    out = payment_json(result.payment, allocs)
    out["allocation_mode"] = result.mode
    out["allocated_now"] = [allocation_json(a) for a in result.allocations]
    return out


# ---- invoices --------------------------------------------------------------------------------

@endpoint(bp, "GET", "/invoices", summary="List invoices", query=InvoiceQuery, response=InvoicePage)
def list_invoices(actor: Actor, query: InvoiceQuery) -> Any:
    return page_of(queries.invoices(actor, query, core().clock.today()), query, invoice_json)


@endpoint(bp, "GET", "/invoices/{invoice_id}", summary="One invoice", path_params=INVOICE, response=InvoiceOut)
def get_invoice(actor: Actor, invoice_id: int) -> Any:
    return invoice_json(load(session(), Invoice, invoice_id, actor))


@endpoint(bp, "POST", "/invoices", summary="Create an invoice", roles=WRITERS, body=InvoiceIn,
          responses={"201": "Created", "409": "Number already used by this creditor"}, response=InvoiceOut)
def create_invoice(actor: Actor, body: InvoiceIn) -> Any:
    return invoice_json(invoices.create_invoice(uow(), body)), 201


@endpoint(bp, "PATCH", "/invoices/{invoice_id}", summary="Change an invoice (dates, amount, references, "
          "write-off)", roles=WRITERS, body=InvoicePatch, path_params=INVOICE, response=InvoiceOut)
def update_invoice(actor: Actor, body: InvoicePatch, invoice_id: int) -> Any:
    return invoice_json(invoices.update_invoice(uow(), invoice_id, body))


@endpoint(bp, "DELETE", "/invoices/{invoice_id}", summary="Delete an invoice with nothing paid, credited or "
          "attached", roles=WRITERS, path_params=INVOICE, responses=DELETED)
def delete_invoice(actor: Actor, invoice_id: int) -> Any:
    invoices.delete_invoice(uow(), invoice_id)
    return "", 204


# ---- credit notes ----------------------------------------------------------------------------

@endpoint(bp, "GET", "/credit-notes", summary="List credit notes", query=CreditNoteQuery, response=CreditNotePage)
def list_credit_notes(actor: Actor, query: CreditNoteQuery) -> Any:
    return page_of(queries.credit_notes(actor, query), query, credit_note_json)


@endpoint(bp, "GET", "/credit-notes/{credit_note_id}", summary="One credit note",
          path_params={"credit_note_id": "integer"}, response=CreditNoteOut)
def get_credit_note(actor: Actor, credit_note_id: int) -> Any:
    return credit_note_json(load(session(), CreditNote, credit_note_id, actor))


@endpoint(bp, "POST", "/credit-notes", summary="Issue a credit note (reduces the invoice's outstanding amount)",
          roles=WRITERS, body=CreditNoteIn, responses=CREATED, response=CreditNoteOut)
def create_credit_note(actor: Actor, body: CreditNoteIn) -> Any:
    return credit_note_json(invoices.create_credit_note(uow(), body)), 201


# ---- payments --------------------------------------------------------------------------------

@endpoint(bp, "GET", "/payments", summary="List payments (unallocated=true: cash not yet allocated)",
          query=PaymentQuery, response=PaymentPage)
def list_payments(actor: Actor, query: PaymentQuery) -> Any:
    out = page_of(queries.payments(actor, query), query, lambda p: p)
    allocs = queries.allocations_of(session(), [p.id for p in out["items"]])
    out["items"] = [payment_json(p, allocs[p.id]) for p in out["items"]]
    return out


@endpoint(bp, "GET", "/payments/{payment_id}", summary="One payment with its allocations", path_params=PAYMENT,
          response=PaymentOut)
def get_payment(actor: Actor, payment_id: int) -> Any:
    p = load(session(), Payment, payment_id, actor)
    return payment_json(p, queries.allocations_of(session(), [p.id])[p.id])


@endpoint(bp, "POST", "/payments", summary="Record a payment; allocations as given, or by due date "
          "(民法典 560) when omitted, or none when []", roles=WRITERS, body=PaymentIn,
          responses={"201": "Created", "409": "Over-allocation or duplicate bank reference"}, response=PaymentAllocated)
def create_payment(actor: Actor, body: PaymentIn) -> Any:
    return allocated_json(payments.record_payment(uow(), body, core().settings.payment_future_days)), 201


@endpoint(bp, "POST", "/payments/{payment_id}/allocations", summary="Allocate a payment's unallocated cash",
          roles=WRITERS, body=AllocateIn, path_params=PAYMENT, response=PaymentAllocated)
def allocate_payment(actor: Actor, body: AllocateIn, payment_id: int) -> Any:
    return allocated_json(payments.allocate_payment(uow(), payment_id, body.allocations))


@endpoint(bp, "DELETE", "/payments/{payment_id}/allocations/{allocation_id}",
          summary="Undo one allocation: the cash becomes unallocated again", roles=WRITERS,
          path_params={"payment_id": "integer", "allocation_id": "integer"}, response=PaymentOut)
def remove_allocation(actor: Actor, payment_id: int, allocation_id: int) -> Any:
    p = payments.remove_allocation(uow(), payment_id, allocation_id)
    return payment_json(p, queries.allocations_of(session(), [p.id])[p.id])
