"""Contexts for the documents that record a balance: the 对账单, the 还款协议, the 利息计算表 of a
calculation (the claim's sheet is ``claim_sheet.claim_sheet_context``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.documents.contexts.letters import invoice_rows, open_invoices
from workflow.documents.contexts.parties import (
    contract_ref,
    creditor_block,
    customer_block,
    dispute_block,
    iso,
    load_parties,
    money_str,
    notices_block,
    penalty_block,
)
from workflow.errors import invalid
from workflow.law.interest import Basis, InterestRequest, InvoiceIn, PaymentIn
from workflow.ledger.models import Allocation, Contract, CreditNote, Invoice, Payment
from workflow.ledger.status import overdue_more_than

# same-day movements: the goods first, then the money, then the corrections
_ORDER = {"invoice": 0, "receipt": 1, "credit_note": 2}


def statement_context(s: Session, *, creditor_id: int, customer_id: int, period_from: date, period_to: date,
                      number: str, issued_on: date, currency: str = "CNY", reply_days: int = 15) -> dict[str, Any]:
    """Opening balance, every invoice, receipt and credit note of the period with a running balance,
    and the closing balance the debtor is asked to confirm.

    Receipts are whole payments (allocated or not): the statement is of the account, not of invoices.
    Written-off invoices are left out. Nothing is said about the penalty (买卖合同解释 18¶3).
    """
    if period_to < period_from:
        raise invalid("period_to", "before_start", "对账期间的结束日早于开始日", "the period ends before it starts")
    creditor, customer = load_parties(s, creditor_id, customer_id)
    lines: list[tuple[date, str, int, str, str, Decimal]] = []  # date, kind, id, number, details, signed amount
    opening = Decimal(0)
    for inv in s.scalars(select(Invoice).where(
            Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id, Invoice.currency == currency,
            Invoice.written_off.is_(False), Invoice.issue_date <= period_to)):
        if inv.issue_date < period_from:
            opening += inv.amount
        else:
            lines.append((inv.issue_date, "invoice", inv.id, inv.number, inv.description or "", inv.amount))
    for pay in s.scalars(select(Payment).where(
            Payment.creditor_id == creditor_id, Payment.customer_id == customer_id, Payment.currency == currency,
            Payment.received_on <= period_to)):
        if pay.received_on < period_from:
            opening -= pay.amount
        else:
            lines.append((pay.received_on, "receipt", pay.id, pay.bank_reference, pay.payer_name or "", -pay.amount))
    for note in s.scalars(select(CreditNote).where(
            CreditNote.creditor_id == creditor_id, CreditNote.customer_id == customer_id,
            CreditNote.currency == currency, CreditNote.issued_on <= period_to)):
        if note.issued_on < period_from:
            opening -= note.amount
        else:
            lines.append((note.issued_on, "credit_note", note.id, note.number, note.reason or "", -note.amount))
    lines.sort(key=lambda line: (line[0], _ORDER[line[1]], line[2]))
    # the contracts the balance arises under, restated on the part the debtor seals
    contracts = list(s.scalars(select(Contract).where(Contract.id.in_(select(Invoice.contract_id).where(
        Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id, Invoice.currency == currency,
        Invoice.written_off.is_(False), Invoice.issue_date <= period_to))).order_by(Contract.signed_on, Contract.id)))
    balance = opening
    rows: list[dict[str, Any]] = [{"date": iso(period_from), "kind": "opening", "number": "", "description": "",
                                   "increase": "", "decrease": "", "balance": money_str(opening)}]
    invoiced = received = credited = Decimal(0)
    for day, kind, _id, ref, details, amount in lines:
        balance += amount
        if kind == "invoice":
            invoiced += amount
        elif kind == "receipt":
            received -= amount
        else:
            credited -= amount
        rows.append({"date": iso(day), "kind": kind, "number": ref, "description": details,
                     "increase": money_str(amount) if amount > 0 else "",
                     "decrease": money_str(-amount) if amount < 0 else "", "balance": money_str(balance)})
    return {"creditor": creditor_block(creditor), "customer": customer_block(s, customer), "lines": rows,
            "contracts": [contract_ref(c) for c in contracts],
            "statement": {
                "number": number, "date": iso(issued_on), "period_from": iso(period_from),
                "period_to": iso(period_to), "reply_by": iso(issued_on + timedelta(days=reply_days)),
                "currency": currency, "opening_balance": money_str(opening),
                "total_invoiced": money_str(invoiced), "total_received": money_str(received),
                "total_credited": money_str(credited), "total_received_and_credited": money_str(received + credited),
                "closing_balance": money_str(balance)}}


@dataclass(frozen=True)
class PlannedInstalment:
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class Guarantor:
    """A third party (丙方) who guarantees the agreement jointly and severally (民法典 688)."""
    name: str
    id_number: str  # a firm's unified social credit code or a person's ID card number
    address: str
    phone: str = ""
    email: str = ""


_NO_GUARANTOR = {"name": "", "id_number": "", "address": "", "phone": "", "email": ""}


def repayment_agreement_context(s: Session, *, creditor_id: int, customer_id: int, as_of: date, number: str,
                                instalments: Sequence[PlannedInstalment], currency: str = "CNY",
                                waive_penalty_on_performance: bool = False, guarantor: Guarantor | None = None,
                                notarize: bool = False) -> dict[str, Any]:
    """The debtor acknowledges every open invoice in ``currency`` as of ``as_of`` (an interruption of
    the limitation period, 时效规定 14) and pays it by the plan, which must add up to the debt.

    Optional: a ``guarantor`` (without one the guarantee clause is left out, never printed empty)
    and ``notarize`` for the clause on a notarised debt instrument with enforcement effect."""
    if guarantor is not None:
        for field in ("name", "id_number", "address"):
            if not getattr(guarantor, field).strip():
                raise invalid(f"guarantor.{field}", "required", "保证人须写明名称、证件号码和送达地址",
                              "a guarantor needs a name, an ID or credit code number and an address for service")
    creditor, customer = load_parties(s, creditor_id, customer_id)
    items = [i for i in open_invoices(s, creditor_id, customer_id, as_of) if i.invoice.currency == currency]
    if not items:
        raise invalid("customer_id", "nothing_to_claim", f"截至 {as_of} 该客户没有 {currency} 未付发票",
                      f"the customer has no unpaid {currency} invoices as of {as_of}")
    if not instalments:
        raise invalid("instalments", "required", "请至少列出一期还款", "give at least one instalment")
    if any(b.due_date <= a.due_date for a, b in pairwise(instalments)):
        raise invalid("instalments", "not_ascending", "各期付款日须逐期递增", "instalment dates must be ascending")
    if instalments[0].due_date <= as_of:
        raise invalid("instalments", "in_the_past", "第一期付款日须晚于欠款确认日",
                      "the first instalment must fall after the acknowledgment date")
    if any(i.amount <= 0 for i in instalments):
        raise invalid("instalments", "not_positive", "每期金额须大于零", "each instalment must be positive")
    debt = sum((i.outstanding for i in items), Decimal(0))
    planned = sum((i.amount for i in instalments), Decimal(0))
    if planned != debt:
        raise invalid("instalments", "does_not_add_up", f"分期合计 {money_str(planned)} 与欠款 {money_str(debt)} 不符",
                      f"the instalments add up to {money_str(planned)}, not the debt of {money_str(debt)}")
    contracts = {i.invoice.contract.id: i.invoice.contract for i in items if i.invoice.contract is not None}
    lead = items[0].invoice.contract
    cred, cust = creditor_block(creditor), customer_block(s, customer)
    return {
        "creditor": cred, "customer": cust, "notices": notices_block(cred, cust, lead),
        "guarantor": {k: v.strip() for k, v in asdict(guarantor).items()} if guarantor else dict(_NO_GUARANTOR),
        "contracts": [contract_ref(c) for c in contracts.values()],
        "invoices": invoice_rows(items, as_of),
        "instalments": [{"number": n, "due_date": iso(i.due_date), "amount": money_str(i.amount)}
                        for n, i in enumerate(instalments, start=1)],
        "agreement": {"number": number, "acknowledged_on": iso(as_of), "currency": currency,
                      "debt_amount": money_str(debt), "waive_penalty_on_performance": waive_penalty_on_performance,
                      "notarize": notarize},
        "penalty": penalty_block(lead), "dispute": dispute_block(lead),
    }


def interest_sheet_context(s: Session, *, creditor_id: int, customer_id: int, result: Mapping[str, Any],
                           prepared_on: date, currency: str = "CNY", day_count: int = 365,
                           invoice_numbers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """From the law engine's result (``InterestResult.as_json()``): one row per segment, one per invoice.

    ``invoice_numbers`` maps the ids the calculation used to the numbers printed; by default the
    ids are the invoice numbers.
    """
    names = invoice_numbers or {}
    invoices = [{**inv, "number": names.get(str(inv["id"]), str(inv["id"]))} for inv in result["invoices"]]
    return _sheet(s, creditor_id, customer_id, invoices, prepared_on=prepared_on, currency=currency,
                  as_of=result["as_of"], method_zh=result["method"]["zh"], method_en=result["method"]["en"],
                  day_count=day_count, accrued=Decimal(result["interest_accrued"]),
                  paid=Decimal(result["interest_paid"]))


def _sheet(s: Session, creditor_id: int, customer_id: int, invoices: Sequence[Mapping[str, Any]], *,
           prepared_on: date, currency: str, as_of: str, method_zh: str, method_en: str, day_count: int,
           accrued: Decimal, paid: Decimal) -> dict[str, Any]:
    creditor, customer = load_parties(s, creditor_id, customer_id)
    rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    total_principal = total_interest = Decimal(0)
    for inv in invoices:
        for seg in inv["segments"]:
            rows.append({"invoice_number": inv["number"], "start": seg["from"], "end": seg["to"],
                         "days": seg["days"], "principal": seg["principal"], "annual_rate": seg["annual_rate"],
                         "interest": seg["interest"]})
        principal, interest = Decimal(inv["principal_outstanding"]), Decimal(inv["interest_outstanding"])
        total_principal += principal
        total_interest += interest
        summary.append({"number": inv["number"], "due_date": inv["due_date"], "principal": money_str(principal),
                        "interest": money_str(interest), "total": money_str(principal + interest),
                        "amount": inv["amount"], "credited": "0.00", "computed": True, "claimed": True,
                        "note_zh": "", "note_en": ""})
    # the calculator's sheet: one request, computed whole (a refusal refuses it all), no receipts of its own
    return {"creditor": creditor_block(creditor), "customer": customer_block(s, customer), "rows": rows,
            "invoices": summary, "missing": [], "payments": [], "running": [], "warnings": [], "sheet": {
                "incomplete": False, "allocation": "interest_first", "received": "0.00", "unapplied": "0.00",
                "as_of": as_of, "prepared_on": iso(prepared_on), "currency": currency,
                "method_zh": method_zh, "method_en": method_en, "day_count": day_count,
                "interest_accrued": money_str(accrued), "interest_paid": money_str(paid),
                "total_principal": money_str(total_principal), "total_interest": money_str(total_interest),
                "total": money_str(total_principal + total_interest)}}


def interest_request(s: Session, *, creditor_id: int, customer_id: int, as_of: date, basis: Basis,
                     currency: str = "CNY") -> InterestRequest:
    """The law engine's input from the ledger: every invoice that was overdue for a time by
    ``as_of`` (still unpaid, or paid after its due date: the delay bears interest too), ids being the
    invoice numbers, and the allocations received by ``as_of``, each naming its invoice. A credit
    note corrects the price, so interest runs on the amount less the credit notes issued by ``as_of``."""
    invoices: list[InvoiceIn] = []
    payments: list[PaymentIn] = []
    for inv in s.scalars(select(Invoice).where(
            Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id, Invoice.currency == currency,
            Invoice.written_off.is_(False), overdue_more_than(0, Invoice.due_date, as_of),
    ).order_by(Invoice.due_date, Invoice.id)):
        credited = sum((n.amount for n in s.scalars(select(CreditNote).where(
            CreditNote.invoice_id == inv.id, CreditNote.issued_on <= as_of))), Decimal(0))
        allocations = list(s.scalars(select(Allocation).where(
            Allocation.invoice_id == inv.id, Allocation.received_on <= as_of).order_by(Allocation.received_on)))
        paid = sum((a.amount for a in allocations), Decimal(0))
        settled_on_time = paid + credited >= inv.amount and all(a.received_on <= inv.due_date for a in allocations)
        if settled_on_time:
            continue
        invoices.append(InvoiceIn(inv.number, inv.amount - credited, inv.due_date))
        payments += [PaymentIn(a.received_on, a.amount, inv.number) for a in allocations]
    if not invoices:
        raise invalid("customer_id", "nothing_to_claim", f"截至 {as_of} 该客户没有逾期付款的 {currency} 发票",
                      f"the customer has no {currency} invoices paid late or still overdue as of {as_of}")
    payments.sort(key=lambda p: p.date)
    return InterestRequest(as_of=as_of, basis=basis, invoices=invoices, payments=payments)
