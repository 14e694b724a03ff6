"""Contexts for the letters: the pre-due reminder, the three dunning levels and the lawyer's letter.

Balances are as of a date (``workflow.ledger.balances``: only allocations received and credit notes
issued on or before it count), so a letter dated in the past shows what was owed then, not what is
owed today; which invoices are overdue and by how many days is ``workflow.ledger.status``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from workflow.documents.contexts.parties import (
    contract_ref,
    creditor_block,
    customer_block,
    dispute_block,
    iso,
    load_parties,
    money_str,
    penalty_block,
)
from workflow.errors import invalid
from workflow.ledger.balances import Owed, invoices_owed
from workflow.ledger.models import Contract, Invoice
from workflow.ledger.status import InvoiceStatus, days_overdue, invoice_status

DUNNING_KINDS = ("dunning_letter_1", "dunning_letter_2", "dunning_letter_3")
# how a letter goes out (the templates word each): a demand interrupts limitation once it reaches
# the debtor (民法典 137, 195), so the letter says by which route
DELIVERIES = ("email_and_post", "email", "post", "by_hand")
LETTER_KINDS = ("payment_reminder", *DUNNING_KINDS)


def open_invoices(s: Session, creditor_id: int, customer_id: int, as_of: date) -> list[Owed]:
    """Invoices issued by ``as_of`` with something left to pay on that day, oldest due first."""
    return invoices_owed(s, as_of, Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id)


def invoice_rows(items: list[Owed], as_of: date) -> list[dict[str, Any]]:
    return [{
        "number": item.invoice.number,
        "tax_invoice_no": item.invoice.tax_invoice_no or "",
        "contract_number": item.invoice.contract.number if item.invoice.contract else "",
        "issue_date": iso(item.invoice.issue_date),
        "due_date": iso(item.invoice.due_date),
        "days_overdue": days_overdue(item.invoice.due_date, as_of),
        "days_to_due": max((item.invoice.due_date - as_of).days, 0),
        "amount": money_str(item.invoice.amount),
        "paid": money_str(item.settled),
        "outstanding": money_str(item.outstanding),
        "currency": item.invoice.currency,
    } for item in items]


def currency_totals(items: list[Owed]) -> list[dict[str, Any]]:
    """One line per currency: amounts in different currencies are never added together."""
    sums: dict[str, list[Decimal]] = {}
    for item in items:
        acc = sums.setdefault(item.invoice.currency, [Decimal(0), Decimal(0), Decimal(0)])
        acc[0] += item.invoice.amount
        acc[1] += item.settled
        acc[2] += item.outstanding
    return [{"currency": cur, "amount": money_str(a), "paid": money_str(p), "outstanding": money_str(o)}
            for cur, (a, p, o) in sorted(sums.items())]


def _contracts(items: list[Owed]) -> list[Contract]:
    seen: dict[int, Contract] = {}
    for item in items:
        if item.invoice.contract is not None:
            seen.setdefault(item.invoice.contract.id, item.invoice.contract)
    return list(seen.values())


def _status(item: Owed, as_of: date) -> InvoiceStatus:
    return invoice_status(item.outstanding, item.invoice.written_off, item.invoice.due_date, as_of)


@dataclass(frozen=True)
class PreviousLetter:
    number: str
    sent_on: date


def letter_context(s: Session, kind: str, *, creditor_id: int, customer_id: int, as_of: date, number: str,
                   days_to_pay: int = 10, horizon_days: int = 7, previous: PreviousLetter | None = None,
                   include_receipt: bool = True, letter_date: date | None = None, delivery: str = "email_and_post",
                   tracking_no: str = "") -> dict[str, Any]:
    """A reminder lists invoices falling due within ``horizon_days``; a dunning letter the overdue ones.

    The penalty and forum printed are those of the contract of the invoice due first. ``delivery``
    is one of DELIVERIES; ``tracking_no`` the courier's waybill, when known.
    """
    if kind not in LETTER_KINDS:
        raise invalid("kind", "unknown_kind", f"不是函件类型：{kind}", f"not a letter kind: {kind}")
    if delivery not in DELIVERIES:
        raise invalid("delivery", "unknown_delivery", f"送达方式应为 {' / '.join(DELIVERIES)} 之一",
                      f"delivery must be one of {', '.join(DELIVERIES)}")
    if not 1 <= days_to_pay <= 90:
        raise invalid("days_to_pay", "out_of_range", "付款期限应为 1 至 90 天", "days to pay must be 1 to 90")
    creditor, customer = load_parties(s, creditor_id, customer_id)
    items = open_invoices(s, creditor_id, customer_id, as_of)
    if kind == "payment_reminder":
        items = [i for i in items if _status(i, as_of) is InvoiceStatus.OPEN
                 and i.invoice.due_date <= as_of + timedelta(days=horizon_days)]
    else:
        items = [i for i in items if _status(i, as_of) is InvoiceStatus.OVERDUE]
    if not items:
        what_zh, what_en = ("即将到期", "falling due") if kind == "payment_reminder" else ("逾期", "overdue")
        raise invalid("customer_id", "nothing_to_claim", f"截至 {as_of} 该客户没有{what_zh}的未付发票",
                      f"the customer has no unpaid invoices {what_en} as of {as_of}")
    contracts = _contracts(items)
    lead = items[0].invoice.contract
    return {
        "creditor": creditor_block(creditor),
        "customer": customer_block(s, customer),
        "contracts": [contract_ref(c) for c in contracts],
        "invoices": invoice_rows(items, as_of),
        "totals": currency_totals(items),
        "letter": {
            "number": number, "date": iso(letter_date or as_of), "as_of": iso(as_of),
            "deadline": iso(as_of + timedelta(days=days_to_pay)), "days_to_pay": days_to_pay,
            "max_days_overdue": max(days_overdue(i.invoice.due_date, as_of) for i in items),
            "previous_number": previous.number if previous else "",
            "previous_date": iso(previous.sent_on) if previous else "",
            "include_receipt": include_receipt,
            "delivery": delivery,
            "tracking_no": tracking_no.strip(),
        },
        "penalty": penalty_block(lead),
        "dispute": dispute_block(lead),
    }


@dataclass(frozen=True)
class LawFirm:
    name: str
    name_en: str
    address: str
    address_en: str
    phone: str
    email: str


@dataclass(frozen=True)
class Lawyer:
    name: str
    name_en: str
    licence_no: str
    phone: str
    email: str


def lawyer_letter_context(s: Session, *, creditor_id: int, customer_id: int, as_of: date, number: str,
                          law_firm: LawFirm, lawyer: Lawyer, days_to_pay: int = 7, draft: bool = True,
                          previous: PreviousLetter | None = None, delivery: str = "email_and_post",
                          tracking_no: str = "", penalty_accrued: Decimal | None = None,
                          costs_agreed: bool = False, lawyer_fee: Decimal | None = None) -> dict[str, Any]:
    """The facts come from the ledger; the firm and the lawyer from the caller. It stays marked as a
    draft until the lawyer approves it (律师法 25: the firm issues it, not the client).

    ``penalty_accrued`` is the penalty to ``as_of`` from the law engine (the claim or the interest
    sheet), stated as a figure when given; ``costs_agreed`` says the contract puts the costs of
    recovery on the debtor, and ``lawyer_fee`` what the client has paid the firm. Absent, the letter
    leaves those sentences out."""
    if not lawyer.licence_no.strip():
        raise invalid("lawyer.licence_no", "required", "律师函须写明承办律师执业证号",
                      "a lawyer's letter must give the lawyer's practising licence number")
    for field, amount in (("penalty_accrued", penalty_accrued), ("lawyer_fee", lawyer_fee)):
        if amount is not None and amount < 0:
            raise invalid(field, "negative", "金额不能为负数", "the amount cannot be negative")
    ctx = letter_context(s, "dunning_letter_3", creditor_id=creditor_id, customer_id=customer_id, as_of=as_of,
                         number=number, days_to_pay=days_to_pay, previous=previous, include_receipt=False,
                         delivery=delivery, tracking_no=tracking_no)
    ctx["letter"]["draft"] = draft
    ctx["claim"] = {"currency": ctx["penalty"]["currency"],
                    "penalty_accrued": money_str(penalty_accrued) if penalty_accrued else "",
                    "costs_agreed": costs_agreed,
                    "lawyer_fee": money_str(lawyer_fee) if lawyer_fee and costs_agreed else ""}
    ctx["law_firm"] = asdict(law_firm)
    ctx["lawyer"] = asdict(lawyer)
    return ctx
