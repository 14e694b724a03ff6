"""Invoices and payments: the lists clerks filter, sort and export, an invoice's page (what is paid,
credited and still owed, its payments and the cases it is in) and a payment's page (how it was
allocated, and allocating what is left).

The lists are the API's queries (``workflow.ledger.queries``: visibility by ``access.scoped``, the
status rule of ``ledger.status``) with the desk's extra filters added in SQL; the pages load through
``access.load`` (another lawyer's or salesperson's invoice is the 404 page), and allocation goes
through ``ledger.payments`` like ``POST /api/v1/payments/{id}/allocations``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, Select, or_, select
from werkzeug.routing import BuildError

from workflow.cases.models import DunningCase
from workflow.errors import DomainError, invalid
from workflow.ledger import payments, queries
from workflow.ledger.access import load
from workflow.ledger.aging import BUCKETS, bucket_of
from workflow.ledger.balances import balance_fen
from workflow.ledger.invoices import outstanding
from workflow.ledger.models import Allocation, Contract, CreditNote, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.schemas import AllocationIn, InvoiceQuery, PaymentQuery
from workflow.ledger.status import InvoiceStatus, invoice_status, status_days_overdue, status_in_sql
from workflow.web.api.base import uow
from workflow.web.ui import format as fmt
from workflow.web.ui import i18n, listing
from workflow.web.ui.listing import Column
from workflow.web.ui.page import STAFF, Refused, actor, nav_item, page, render

bp = Blueprint("ui_money", __name__)
nav_item("Invoices", "ui_money.invoices", order=30)
nav_item("Payments", "ui_money.payments", order=31)

MAX_AMOUNT = Decimal("1e13")
CENT = Decimal("0.01")

STATUS_LABELS = {
    InvoiceStatus.OPEN.value: lazy_gettext("Not yet due"),
    InvoiceStatus.OVERDUE.value: lazy_gettext("Past due"),
    InvoiceStatus.PAID.value: lazy_gettext("Paid"),
    InvoiceStatus.WRITTEN_OFF.value: lazy_gettext("Written off"),
}
# the list's status filter: "open" is everything still being collected, as in the API
STATUS_FILTERS = {
    "open": (lazy_gettext("Outstanding"), frozenset({InvoiceStatus.OPEN, InvoiceStatus.OVERDUE})),
    "overdue": (lazy_gettext("Past due"), frozenset({InvoiceStatus.OVERDUE})),
    "paid": (lazy_gettext("Paid"), frozenset({InvoiceStatus.PAID})),
    "written_off": (lazy_gettext("Written off"), frozenset({InvoiceStatus.WRITTEN_OFF})),
}
BADGES = {"overdue": "bad", "paid": "ok", "written_off": "warn", "open": ""}
CASE_STATES = {
    "pre_due": lazy_gettext("Reminded before due"),
    "overdue": lazy_gettext("Overdue, no reminder yet"),
    "reminding": lazy_gettext("Reminding"),
    "reconciliation_requested": lazy_gettext("Statement sent"),
    "reconciliation_confirmed": lazy_gettext("Statement confirmed"),
    "promise_pending": lazy_gettext("Promised to pay"),
    "repayment_plan": lazy_gettext("Repayment plan"),
    "disputed": lazy_gettext("Disputed"),
    "paused": lazy_gettext("Paused"),
    "final_notice": lazy_gettext("Final notice"),
    "lawyer_letter_pending": lazy_gettext("Lawyer's letter awaiting approval"),
    "lawyer_letter_sent": lazy_gettext("Lawyer's letter sent"),
    "legal_action": lazy_gettext("Legal action"),
    "closed_paid": lazy_gettext("Closed: paid"),
    "closed_written_off": lazy_gettext("Closed: written off"),
    "closed_settled": lazy_gettext("Closed: settled"),
}


def case_state(code: str) -> str:
    return str(CASE_STATES.get(code, code))
OWING = frozenset({InvoiceStatus.OPEN, InvoiceStatus.OVERDUE})


# ---- links to other areas' pages ---------------------------------------------------------------

def link(*candidates: tuple[str, dict[str, Any]]) -> str | None:
    """The URL of the first of another area's pages that is there: the desk's areas land one by
    one, and a link to a page that is not (yet) there would be a link to a 404."""
    for endpoint, args in candidates:
        try:
            return url_for(endpoint, **args)
        except BuildError:
            continue
    return None


def case_url(case_id: int, ref: str) -> str | None:
    return link(("ui_case.case", {"ref": ref}), ("ui_case.case", {"case_id": case_id}),
                ("ui_cases.case", {"ref": ref}), ("ui_cases.case", {"case_id": case_id}))


def customer_url(customer_id: int) -> str | None:
    return link(("ui_customers.customer", {"customer_id": customer_id}))


def contract_url(contract_id: int) -> str | None:
    return link(("ui_contracts.contract", {"contract_id": contract_id}))


# ---- filters from the query string: a bad value is a 422 naming the field, never a 500 ----------

def _text(name: str, limit: int = 64) -> str:
    return request.args.get(name, "").strip()[:limit]


def _amount(name: str) -> Decimal | None:
    raw = _text(name, 40).replace(",", "").replace("，", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT:
        raise invalid(name, "bad_amount", "金额应为不小于 0 的数字，如 12,500.00",
                      "an amount of 0 or more, such as 12,500.00")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _day(name: str) -> date | None:
    raw = _text(name, 20)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "bad_date", "日期格式应为 2026-11-30", "a date such as 2026-11-30") from None


def _count(name: str) -> int | None:
    raw = _text(name, 10)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 100_000:
        raise invalid(name, "bad_number", "应为 0 到 100000 之间的整数", "a whole number from 0 to 100000")
    return int(raw)


def _id(name: str) -> int | None:
    raw = _text(name, 12)
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise invalid(name, "bad_id", "编号无效", "not a valid id")
    return int(raw)


def _currency() -> str | None:
    raw = _text("currency", 8).upper()
    if not raw:
        return None
    if len(raw) != 3 or not raw.isalpha() or not raw.isascii():
        raise invalid("currency", "bad_currency", "币种为三位字母代码，如 CNY",
                      "a three-letter currency code, such as CNY")
    return raw


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _customer_matches(text: str) -> ColumnElement[bool]:
    pattern = _like(text)
    return or_(Customer.code.ilike(pattern, escape="\\"), Customer.legal_name.ilike(pattern, escape="\\"),
               Customer.legal_name_en.ilike(pattern, escape="\\"))


def _days_between(lo: int | None, hi: int | None, today: date) -> list[ColumnElement[bool]]:
    """Owing invoices at least ``lo`` and at most ``hi`` days overdue: days overdue is today − due
    date, so the bounds are due dates (SQL never subtracts dates, ``ledger.status``)."""
    conds: list[ColumnElement[bool]] = [
        status_in_sql(OWING, balance_fen(), Invoice.written_off, Invoice.due_date, today)]
    if lo is not None:
        conds.append(Invoice.due_date <= today - timedelta(days=lo))
    if hi is not None:
        conds.append(Invoice.due_date >= today - timedelta(days=hi))
    return conds


# ---- invoices ----------------------------------------------------------------------------------

def _status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def _bucket_label(key: str | None) -> str:
    found = next((b for b in BUCKETS if b.key == key), None)
    return "" if found is None else i18n.pick(found.zh, found.en)


def invoice_row(inv: Invoice, customer_code: str, customer_name: str, today: date) -> dict[str, Any]:
    owed = outstanding(inv)
    state = invoice_status(owed, inv.written_off, inv.due_date, today)
    days = status_days_overdue(state, inv.due_date, today)
    owing = state in OWING
    return {
        "id": inv.id, "number": inv.number, "customer_id": inv.customer_id, "customer_code": customer_code,
        "customer": customer_name, "contract_id": inv.contract_id, "issue_date": inv.issue_date,
        "due_date": inv.due_date, "currency": inv.currency, "amount": inv.amount, "paid": inv.paid_amount,
        "credited": inv.credited_amount, "outstanding": owed, "status": state.value,
        "status_label": _status_label(state.value), "days_overdue": days,
        "bucket": _bucket_label(bucket_of((today - inv.due_date).days)) if owing else "",
        "tax_invoice_no": inv.tax_invoice_no, "written_off": inv.written_off,
    }


INVOICE_COLUMNS = (
    Column("number", "Invoice no.", Invoice.number),
    Column("customer", "Customer", Customer.legal_name),
    Column("issue_date", "Issue date", Invoice.issue_date, kind="date"),
    Column("due_date", "Due date", Invoice.due_date, kind="date"),
    Column("currency", "Currency", Invoice.currency),
    Column("amount", "Amount", Invoice.amount, kind="money"),
    Column("paid", "Paid", Invoice.paid_amount, kind="money"),
    Column("credited", "Credited", Invoice.credited_amount, kind="money"),
    Column("outstanding", "Outstanding", balance_fen(), kind="money"),
    Column("days_overdue", "Days overdue", kind="number"),
    Column("bucket", "Aging", value=lambda r: r["bucket"]),
    Column("status", "Status", value=lambda r: r["status_label"]),
)


def _invoice_query(today: date) -> tuple[Select[Any], dict[str, Any]]:
    """The API's invoice query for this actor, with the desk's filters added; and the filters as
    the form shows them again."""
    status = _text("status", 20)
    if status and status not in STATUS_FILTERS:
        raise invalid("status", "bad_status", "状态应为：未结清、逾期、已结清或已核销",
                      "status must be outstanding, overdue, paid or written off")
    bucket = _text("bucket", 20)
    if bucket and bucket not in {b.key for b in BUCKETS}:
        raise invalid("bucket", "bad_bucket", "账龄区间无效", "not an aging bucket")
    customer_id, currency = _id("customer_id"), _currency()
    due_from, due_to = _day("due_from"), _day("due_to")
    amount_min, amount_max = _amount("amount_min"), _amount("amount_max")
    days_min, days_max = _count("days_min"), _count("days_max")
    customer, number = _text("customer"), _text("number")
    # the API's filters, its visibility and its status rule (due_after/due_before are strict)
    q = InvoiceQuery(customer_id=customer_id, currency=currency,
                     status=status if status in ("open", "overdue", "paid") else None,
                     due_after=due_from - timedelta(days=1) if due_from else None,
                     due_before=due_to + timedelta(days=1) if due_to else None)
    stmt = (queries.invoices(actor(), q, today).order_by(None)
            .join(Customer, Customer.id == Invoice.customer_id)
            .add_columns(Customer.code, Customer.legal_name))
    if status == "written_off":
        stmt = stmt.where(status_in_sql(STATUS_FILTERS[status][1], balance_fen(), Invoice.written_off,
                                        Invoice.due_date, today))
    if customer:
        stmt = stmt.where(_customer_matches(customer))
    if number:
        stmt = stmt.where(or_(Invoice.number.ilike(_like(number), escape="\\"),
                              Invoice.tax_invoice_no.ilike(_like(number), escape="\\")))
    if amount_min is not None:
        stmt = stmt.where(Invoice.amount >= amount_min)
    if amount_max is not None:
        stmt = stmt.where(Invoice.amount <= amount_max)
    if bucket:
        b = next(b for b in BUCKETS if b.key == bucket)
        if b.min_days is None:  # not yet due
            stmt = stmt.where(*_days_between(None, None, today), Invoice.due_date >= today)
        else:
            stmt = stmt.where(*_days_between(b.min_days, b.max_days, today))
    if days_min is not None or days_max is not None:
        stmt = stmt.where(*_days_between(days_min, days_max, today))
    shown = {"status": status, "bucket": bucket, "customer_id": customer_id, "currency": currency or "",
             "due_from": due_from, "due_to": due_to, "amount_min": request.args.get("amount_min", ""),
             "amount_max": request.args.get("amount_max", ""), "days_min": days_min, "days_max": days_max,
             "customer": customer, "number": number}
    return stmt, shown


@page(bp, "/invoices", writes=listing.wants_export)
def invoices() -> ResponseReturnValue:
    today = uow().today()
    stmt, shown = _invoice_query(today)
    state = listing.list_state(INVOICE_COLUMNS, "due_date", default_desc=False)

    def convert(row: Any) -> dict[str, Any]:
        inv, code, name = row
        return invoice_row(inv, code, name, today)

    if listing.wants_export():
        rows = listing.export_rows(uow().session, stmt, INVOICE_COLUMNS, state, tiebreak=Invoice.id,
                                   convert=convert)
        uow().audit("export", "invoice", "list", None, {"filters": request.args.to_dict(), "rows": len(rows)})
        return listing.xlsx_response(_("invoices") + f"-{today.isoformat()}.xlsx", INVOICE_COLUMNS, rows,
                                     sheet=_("Invoices"))
    result = listing.paginate(uow().session, stmt, INVOICE_COLUMNS, state, tiebreak=Invoice.id, convert=convert)
    return render("ui/money/invoices.html", page=result, f=shown, statuses=STATUS_FILTERS,
                  buckets=[(b.key, i18n.pick(b.zh, b.en)) for b in BUCKETS], badges=BADGES,
                  customer_url=customer_url)


@page(bp, "/invoices/<int:invoice_id>")
def invoice(invoice_id: int) -> ResponseReturnValue:
    s, today = uow().session, uow().today()
    inv = load(s, Invoice, invoice_id, actor())
    customer = s.get(Customer, inv.customer_id)
    assert customer is not None  # a foreign key
    creditor = s.get(CreditorEntity, inv.creditor_id)
    contract = s.get(Contract, inv.contract_id) if inv.contract_id else None
    row = invoice_row(inv, customer.code, customer.legal_name, today)
    allocations = s.execute(
        select(Allocation, Payment).join(Payment, Payment.id == Allocation.payment_id)
        .where(Allocation.invoice_id == inv.id).order_by(Allocation.received_on, Allocation.id)).all()
    credit_notes = list(s.scalars(select(CreditNote).where(CreditNote.invoice_id == inv.id)
                                  .order_by(CreditNote.issued_on, CreditNote.id)))
    # a case is one creditor chasing one customer: the invoice is in that pair's cases
    cases = [{"case": c, "url": case_url(c.id, c.ref)} for c in s.scalars(
        select(DunningCase).where(DunningCase.creditor_id == inv.creditor_id,
                                  DunningCase.customer_id == inv.customer_id)
        .order_by(DunningCase.opened_at.desc(), DunningCase.id.desc()))]
    return render("ui/money/invoice.html", inv=inv, row=row, customer=customer, creditor=creditor,
                  contract=contract, allocations=allocations, credit_notes=credit_notes, cases=cases,
                  badges=BADGES, customer_url=customer_url(customer.id), case_state=case_state,
                  contract_url=contract_url(contract.id) if contract else None)


# ---- payments ----------------------------------------------------------------------------------

PAYMENT_COLUMNS = (
    Column("received_on", "Received on", Payment.received_on, kind="date"),
    Column("bank_reference", "Bank reference", Payment.bank_reference),
    Column("customer", "Customer", Customer.legal_name),
    Column("payer_name", "Payer", Payment.payer_name),
    Column("currency", "Currency", Payment.currency),
    Column("amount", "Amount", Payment.amount, kind="money"),
    Column("allocated", "Allocated", Payment.amount - Payment.unallocated_amount, kind="money"),
    Column("unallocated", "Unallocated", Payment.unallocated_amount, kind="money"),
)


def payment_row(p: Payment, customer_code: str, customer_name: str) -> dict[str, Any]:
    return {"id": p.id, "received_on": p.received_on, "bank_reference": p.bank_reference,
            "customer_id": p.customer_id, "customer_code": customer_code, "customer": customer_name,
            "payer_name": p.payer_name or "", "currency": p.currency, "amount": p.amount,
            "allocated": p.amount - p.unallocated_amount, "unallocated": p.unallocated_amount}


def _payment_query() -> tuple[Select[Any], dict[str, Any]]:
    allocation = _text("allocation", 12)
    if allocation and allocation not in ("open", "done"):
        raise invalid("allocation", "bad_allocation", "核销状态应为：未核销完 或 已核销完",
                      "allocation must be open or done")
    customer_id, currency = _id("customer_id"), _currency()
    received_from, received_to = _day("received_from"), _day("received_to")
    amount_min, amount_max = _amount("amount_min"), _amount("amount_max")
    customer, reference = _text("customer"), _text("reference")
    q = PaymentQuery(customer_id=customer_id, currency=currency, received_from=received_from,
                     received_to=received_to, unallocated={"open": True, "done": False}.get(allocation))
    stmt = (queries.payments(actor(), q).order_by(None)
            .join(Customer, Customer.id == Payment.customer_id)
            .add_columns(Customer.code, Customer.legal_name))
    if customer:
        stmt = stmt.where(_customer_matches(customer))
    if reference:
        stmt = stmt.where(or_(Payment.bank_reference.ilike(_like(reference), escape="\\"),
                              Payment.payer_name.ilike(_like(reference), escape="\\")))
    if amount_min is not None:
        stmt = stmt.where(Payment.amount >= amount_min)
    if amount_max is not None:
        stmt = stmt.where(Payment.amount <= amount_max)
    shown = {"allocation": allocation, "customer_id": customer_id, "currency": currency or "",
             "received_from": received_from, "received_to": received_to,
             "amount_min": request.args.get("amount_min", ""), "amount_max": request.args.get("amount_max", ""),
             "customer": customer, "reference": reference}
    return stmt, shown


@page(bp, "/payments", writes=listing.wants_export, endpoint="payments")
def payments_list() -> ResponseReturnValue:
    stmt, shown = _payment_query()
    state = listing.list_state(PAYMENT_COLUMNS, "received_on")

    def convert(row: Any) -> dict[str, Any]:
        p, code, name = row
        return payment_row(p, code, name)

    if listing.wants_export():
        rows = listing.export_rows(uow().session, stmt, PAYMENT_COLUMNS, state, tiebreak=Payment.id,
                                   convert=convert)
        uow().audit("export", "payment", "list", None, {"filters": request.args.to_dict(), "rows": len(rows)})
        return listing.xlsx_response(_("payments") + f"-{uow().today().isoformat()}.xlsx", PAYMENT_COLUMNS,
                                     rows, sheet=_("Payments"))
    result = listing.paginate(uow().session, stmt, PAYMENT_COLUMNS, state, tiebreak=Payment.id, convert=convert)
    return render("ui/money/payments.html", page=result, f=shown, customer_url=customer_url)


def _payment_page(payment_id: int, *, errors: dict[str, str] | None = None,
                  typed: dict[str, str] | None = None) -> str:
    s, today = uow().session, uow().today()
    p = load(s, Payment, payment_id, actor())
    customer = s.get(Customer, p.customer_id)
    assert customer is not None  # a foreign key
    creditor = s.get(CreditorEntity, p.creditor_id)
    allocations = s.execute(
        select(Allocation, Invoice).join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.payment_id == p.id).order_by(Allocation.id)).all()
    # what the unallocated cash could still go to: this pair's open invoices in the payment's currency
    candidates: list[dict[str, Any]] = []
    if p.unallocated_amount > 0 and actor().can_write_ledger():
        for inv in s.scalars(select(Invoice).where(
                Invoice.customer_id == p.customer_id, Invoice.creditor_id == p.creditor_id,
                Invoice.currency == p.currency, Invoice.written_off.is_(False), balance_fen() > 0)
                .order_by(Invoice.due_date, Invoice.id).limit(200)):
            candidates.append(invoice_row(inv, customer.code, customer.legal_name, today))
    return render("ui/money/payment.html", p=p, row=payment_row(p, customer.code, customer.legal_name),
                  customer=customer, creditor=creditor, allocations=allocations, candidates=candidates,
                  errors=errors or {}, typed=typed or {}, customer_url=customer_url(customer.id))


@page(bp, "/payments/<int:payment_id>")
def payment(payment_id: int) -> ResponseReturnValue:
    return _payment_page(payment_id)


def _refused(payment_id: int, exc: DomainError, typed: dict[str, str]) -> Refused:
    loc = i18n.page_locale()
    errors = {"": exc.message(loc)}
    for p in exc.problems:
        # the service names the API's fields (allocations.0.amount); the form has one line
        name = p.field.rsplit(".", 1)[-1] if p.field.startswith("allocations.") else p.field
        errors[{"allocations": "amount"}.get(name, name)] = p.message(loc)
    return Refused((_payment_page(payment_id, errors=errors, typed=typed), exc.status))


@page(bp, "/payments/<int:payment_id>/allocate", methods=("POST",), roles=STAFF)
def allocate(payment_id: int) -> ResponseReturnValue:
    """By due date (民法典 560) when no invoice is named, else the amount to the invoice named."""
    typed = {"invoice_id": request.form.get("invoice_id", "")[:12], "amount": request.form.get("amount", "")[:40]}
    try:
        if request.form.get("mode") == "by_due_date":
            lines: list[AllocationIn] | None = None
        else:
            lines = [_allocation_line(typed)]
        result = payments.allocate_payment(uow(), payment_id, lines)
    except DomainError as exc:
        raise _refused(payment_id, exc, typed) from None
    total = sum((a.amount for a in result.allocations), Decimal("0.00"))
    if result.allocations:
        flash(_("Allocated %(amount)s to %(n)s invoice(s).", amount=fmt.money(total), n=len(result.allocations)),
              "ok")
    else:
        flash(_("Nothing was allocated: no open invoice of this customer in this currency."), "error")
    return redirect(url_for("ui_money.payment", payment_id=payment_id), code=303)


def _allocation_line(typed: dict[str, str]) -> AllocationIn:
    raw_id, raw_amount = typed["invoice_id"].strip(), typed["amount"].strip().replace(",", "")
    if not raw_id.isdigit() or not 0 < int(raw_id) < 2**31:
        raise invalid("invoice_id", "missing", "请选择发票", "choose an invoice")
    try:
        amount = Decimal(raw_amount)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT or amount != amount.quantize(CENT):
        raise invalid("amount", "bad_amount", "金额须为正数，最多两位小数",
                      "a positive amount with at most two decimals")
    return AllocationIn(invoice_id=int(raw_id), amount=amount)


@page(bp, "/payments/<int:payment_id>/allocations/<int:allocation_id>/undo", methods=("POST",), roles=STAFF)
def undo_allocation(payment_id: int, allocation_id: int) -> ResponseReturnValue:
    try:
        payments.remove_allocation(uow(), payment_id, allocation_id)
    except DomainError as exc:
        raise _refused(payment_id, exc, {}) from None
    flash(_("The allocation was undone; the amount is unallocated cash again."), "ok")
    return redirect(url_for("ui_money.payment", payment_id=payment_id), code=303)


__all__ = ["bp", "case_state", "case_url", "customer_url", "link"]
