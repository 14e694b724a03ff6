"""A customer's claim as of a date: every invoice of the period with its principal and late interest
under its contract's own penalty clause (or the statutory rule where it has none), every receipt and
how it was applied, the limitation status with the evidence that last interrupted it, and totals.

Receipts are applied per creditor entity and currency (``workflow.claim.engine``): cash one of our
companies received never pays another company's invoice. For each of those books the claim shows that
receipts = applied to interest + applied to principal + unapplied, to the fen, so anyone can check
from outside that nothing was dropped.

Interruptions of the limitation come from the ledger (part payments, 时效规定 14), from signed
statements and receipts uploaded as attachments (``kind`` signed_statement / signed_receipt with
their ``signed_on``: an acknowledgment of the debt), and from a suit the query names (民法典 195,
restarting when the proceedings end). The result is plain data that the documents room renders as
the 利息计算表 (``ClaimService.sheet``: the claim read, the document made and their audit entries in
the caller's one unit of work).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.calc.schemas import ClaimQuery
from workflow.calc.service import LawData, refusals_as_422
from workflow.claim.engine import (
    Book,
    ClaimInvoice,
    Receipt,
    Terms,
    apply_receipts,
    cap_fen,
    interest_accrued,
    segments_json,
)
from workflow.claim.evidence import Demand, Evidence, delivered_demands, signed_acknowledgments
from workflow.claim.sheet import ClaimSheetIn, claim_sheet
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import NotFound, invalid
from workflow.law.interest import Basis, fen_str
from workflow.law.limitation import Interruption, LimitationRequest, compute_limitation
from workflow.law.rates import RateTable
from workflow.law.words import rmb_upper
from workflow.law.workdays import WorkCalendar
from workflow.ledger.access import can_see_customer
from workflow.ledger.models import Allocation, Contract, CreditNote, Customer, Invoice, Payment
from workflow.unit_of_work import UnitOfWork

__all__ = ["ClaimService", "Terms", "terms_of"]


def terms_of(contract: Contract | None, query: ClaimQuery) -> Terms:
    p = contract.penalty if contract is not None else None
    kind = (p or {}).get("kind")
    if p and kind in ("daily_rate", "annual_rate"):
        return Terms(Basis(kind, rate=Decimal(str(p["rate"]))), p.get("cap"), "contract")
    if p and kind == "lpr_multiple":
        markup = Decimal(str(p["multiple"])) - 1
        return Terms(Basis("lpr", markup=markup, mode="fixed"), p.get("cap"), "contract")
    # no clause, or {"kind": "none"}: 买卖合同解释 18¶4
    return Terms(Basis("statutory", markup=query.statutory_markup, mode=query.statutory_mode), None, "statutory")


class ClaimService:
    def __init__(self, law: LawData, documents: DocumentService) -> None:
        self.law = law
        self.documents = documents

    def claim(self, uow: UnitOfWork, customer_id: int, query: ClaimQuery) -> dict[str, Any]:
        """The claim as of ``query.as_of`` (today by default); lawyers see only their customers'."""
        as_of = query.as_of or uow.today()
        if query.proceedings_ended_on is not None and (query.suit_filed_on is None
                                                       or query.proceedings_ended_on < query.suit_filed_on):
            raise invalid("proceedings_ended_on", "before_suit", "程序终结日须与起诉日一并填写，且不得早于起诉日",
                          "proceedings_ended_on needs suit_filed_on and cannot be before it")
        s = uow.session
        actor = uow.actor
        customer = s.get(Customer, customer_id)
        if customer is None or not can_see_customer(s, actor, customer_id):
            raise NotFound("客户", "customer", customer_id)
        inv_q = select(Invoice).where(Invoice.customer_id == customer_id, Invoice.issue_date <= as_of)
        pay_q = select(Payment).where(Payment.customer_id == customer_id, Payment.received_on <= as_of)
        cn_q = select(CreditNote).where(CreditNote.customer_id == customer_id, CreditNote.issued_on <= as_of)
        if query.creditor_id is not None:
            inv_q = inv_q.where(Invoice.creditor_id == query.creditor_id)
            pay_q = pay_q.where(Payment.creditor_id == query.creditor_id)
            cn_q = cn_q.where(CreditNote.creditor_id == query.creditor_id)
        invoices = list(s.scalars(inv_q.order_by(Invoice.due_date, Invoice.id)))
        payments = list(s.scalars(pay_q.order_by(Payment.received_on, Payment.id)))
        allocations = list(s.scalars(select(Allocation).where(
            Allocation.payment_id.in_([p.id for p in payments])).order_by(Allocation.id)))
        credits = list(s.scalars(cn_q.order_by(CreditNote.issued_on, CreditNote.id)))
        evidence: list[Evidence | Demand] = [*signed_acknowledgments(s, customer_id, as_of),
                                             *delivered_demands(s, customer_id, as_of, uow.clock.tz)]
        return _build(customer, invoices, payments, allocations, credits, evidence, as_of, query,
                      self.law.calendar(s), self.law.rate_table(s))

    def sheet(self, uow: UnitOfWork, customer_id: int, body: ClaimSheetIn) -> GeneratedDocument:
        """The 利息计算表 of the claim, stored as a document (its PDF follows the commit)."""
        return claim_sheet(uow, self.documents, self.claim(uow, customer_id, body), body)


def _credited(invoices: list[Invoice], credits: list[CreditNote]) -> dict[int, Decimal]:
    # credit notes reduce the debt itself, so they lower the principal from the due date on; a note
    # that names no invoice goes to its creditor's invoices due first (the safer, smaller claim)
    credited: dict[int, Decimal] = defaultdict(Decimal)
    for cn in credits:
        targets = [i for i in invoices if i.id == cn.invoice_id] if cn.invoice_id else \
            [i for i in invoices if i.currency == cn.currency and i.creditor_id == cn.creditor_id]
        rest = cn.amount
        for inv in targets:
            take = min(rest, inv.amount - credited[inv.id])
            credited[inv.id] += take
            rest -= take
    return credited


def _build(customer: Customer, invoices: list[Invoice], payments: list[Payment], allocations: list[Allocation],
           credits: list[CreditNote], evidence: list[Evidence | Demand], as_of: date, query: ClaimQuery,
           calendar: WorkCalendar, rates: RateTable) -> dict[str, Any]:
    credited = _credited(invoices, credits)
    designated: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for a in allocations:
        if not a.automatic:  # the payer's own designation; automatic ones were the ledger's 560
            designated[a.payment_id].append((a.invoice_id, a.amount))
    books: dict[tuple[int, str], tuple[list[Invoice], list[Payment]]] = defaultdict(lambda: ([], []))
    for inv in invoices:
        books[(inv.creditor_id, inv.currency)][0].append(inv)
    for p in payments:
        books[(p.creditor_id, p.currency)][1].append(p)
    rows: list[dict[str, Any]] = []
    receipts_out: list[dict[str, Any]] = []
    reconciliation: list[dict[str, Any]] = []
    methods: list[dict[str, Any]] = []
    warnings: list[dict[str, str]] = []
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"principal": 0, "interest": 0})
    for (creditor_id, currency), (book_invoices, book_payments) in sorted(books.items()):
        claim_invoices = [ClaimInvoice(i.id, i.number, i.due_date, i.amount, credited[i.id],
                                       terms_of(i.contract, query), i.contract.number if i.contract else None)
                          for i in book_invoices]
        receipts = [Receipt(p.id, p.received_on, p.amount, p.bank_reference, tuple(designated[p.id]))
                    for p in book_payments]
        with refusals_as_422():
            book = apply_receipts(claim_invoices, receipts, as_of, rates,
                                  query.allocation, query.carry_forward)
        for m in book.methods:
            methods.append({"currency": currency, "creditor_id": str(creditor_id), **m})
        warnings.extend(w for w in book.warnings if w not in warnings)
        by_number = {ci.id: ci for ci in claim_invoices}
        for inv in book_invoices:
            row = _row(inv, by_number[inv.id], book, evidence, query, calendar, as_of)
            rows.append(row)
            if row["claimed"]:
                totals[currency]["principal"] += int(Decimal(row["principal_outstanding"]) * 100)
                if row["interest_outstanding"] is not None:
                    totals[currency]["interest"] += int(Decimal(row["interest_outstanding"]) * 100)
            if row["interest_refused"] is not None:
                r = row["interest_refused"]
                warnings.append({"zh": f"发票 {inv.number} 的利息未计算：{r['zh']}",
                                 "en": f"interest on invoice {inv.number} was not computed: {r['en']}"})
        rec = _receipts(book, book_payments, by_number, warnings)
        receipts_out.extend(rec)
        reconciliation.append(_reconcile(creditor_id, currency, rec))
    return {
        "customer": {"id": str(customer.id), "code": customer.code, "legal_name": customer.legal_name,
                     "credit_code": customer.credit_code},
        "as_of": as_of.isoformat(),
        "creditor_id": None if query.creditor_id is None else str(query.creditor_id),
        "allocation": query.allocation,
        # false when the interest of some invoice could not be computed (a rate not yet published):
        # that invoice is listed with its principal and the reason, and its interest is missing
        "complete": not any(r["interest_refused"] for r in rows),
        "invoices": rows,
        "receipts": receipts_out,
        "reconciliation": reconciliation,
        "totals": [_total(c, t) for c, t in sorted(totals.items())],
        "methods": methods,
        "warnings": warnings,
    }


def _row(inv: Invoice, ci: ClaimInvoice, book: Book, evidence: list[Evidence | Demand], query: ClaimQuery,
         calendar: WorkCalendar, as_of: date) -> dict[str, Any]:
    st = book.states[inv.id]
    refusal = book.refused.get(inv.id)
    applied = [a for a in book.applied if a.invoice_id == inv.id]
    overdue = inv.due_date < as_of
    accrued = None if refusal else interest_accrued(st)
    outstanding = None if accrued is None else accrued - st.paid_interest
    cap = cap_fen(ci.terms.cap, ci.principal)
    settled = st.principal == 0 and (outstanding or 0) == 0 and refusal is None
    row: dict[str, Any] = {
        "invoice_id": str(inv.id), "creditor_id": str(inv.creditor_id), "number": inv.number,
        "currency": inv.currency, "contract": ci.contract,
        "amount": fen_str(int(inv.amount * 100)), "credited": fen_str(int(ci.credited * 100)),
        "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
        "overdue": overdue, "written_off": inv.written_off, "settled": settled,
        # what goes into the totals: overdue, not written off, something still owed
        "claimed": overdue and not inv.written_off and not settled,
        "basis": ci.terms.source, "cap": ci.terms.cap, "cap_amount": None if cap is None else fen_str(cap),
        "cap_applied": cap is not None and refusal is None and st.accrued > cap,
        "principal_outstanding": fen_str(st.principal),
        "interest_before_cap": None if refusal else fen_str(st.accrued),
        "interest_accrued": None if accrued is None else fen_str(accrued),
        "interest_paid": None if refusal else fen_str(st.paid_interest),
        "interest_outstanding": None if outstanding is None else fen_str(outstanding),
        "interest_refused": None if refusal is None else {"field": "as_of", "code": refusal.code, "zh": refusal.zh,
                                                          "en": refusal.en},
        "payments": [{"date": a.receipt.date.isoformat(), "reference": a.receipt.reference,
                      "to_interest": fen_str(a.to_interest), "to_principal": fen_str(a.to_principal),
                      "designated": a.designated} for a in applied],
        "segments": [] if refusal else segments_json(st),
        "rate_now": _rate_now(st) if refusal is None and overdue else None,
        "limitation": _limitation(inv, applied, evidence, query, calendar, as_of),
    }
    return row


def _rate_now(st: Any) -> dict[str, Any] | None:
    """The rate of the last segment: what runs on 'until actual payment' (计至实际清偿之日止)."""
    if not st.segments:
        return None
    piece = st.segments[-1][3]
    zh, en = st.schedule.notes[piece]
    return {"annual_rate": str(st.schedule.rates[piece]), "zh": zh, "en": en}


def _receipts(book: Book, payments: list[Payment], invoices: dict[int, ClaimInvoice],
              warnings: list[dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for p in payments:
        parts = [a for a in book.applied if a.receipt.id == p.id]
        unapplied = book.unapplied.get(p.id, 0)
        out.append({
            "payment_id": str(p.id), "creditor_id": str(p.creditor_id), "currency": p.currency,
            "date": p.received_on.isoformat(), "reference": p.bank_reference, "amount": fen_str(int(p.amount * 100)),
            "applied": [{"invoice": invoices[a.invoice_id].number, "to_interest": fen_str(a.to_interest),
                         "to_principal": fen_str(a.to_principal), "designated": a.designated} for a in parts],
            "unapplied": fen_str(unapplied),
        })
        if unapplied:
            warnings.append({"zh": f"收款 {p.bank_reference}（{p.received_on.isoformat()}）中 {fen_str(unapplied)} "
                                   "元无可抵充的债务，列为未抵充款项：应退还或另行说明",
                             "en": f"{fen_str(unapplied)} of receipt {p.bank_reference} ({p.received_on.isoformat()}) "
                                   "had no debt to pay and is listed as unapplied: refund it or explain it"})
    return out


def _reconcile(creditor_id: int, currency: str, receipts: list[dict[str, Any]]) -> dict[str, str]:
    def fen(v: str) -> int:
        return int(Decimal(v) * 100)
    received = sum(fen(r["amount"]) for r in receipts)
    to_i = sum(fen(a["to_interest"]) for r in receipts for a in r["applied"])
    to_p = sum(fen(a["to_principal"]) for r in receipts for a in r["applied"])
    unapplied = sum(fen(r["unapplied"]) for r in receipts)
    # by construction; a difference would be a bug that must not reach a court
    assert received == to_i + to_p + unapplied, (received, to_i, to_p, unapplied)
    return {"creditor_id": str(creditor_id), "currency": currency, "received": fen_str(received),
            "to_interest": fen_str(to_i), "to_principal": fen_str(to_p), "unapplied": fen_str(unapplied)}


def _total(currency: str, t: dict[str, int]) -> dict[str, str]:
    total = t["principal"] + t["interest"]
    out = {"currency": currency, "principal_outstanding": fen_str(t["principal"]),
           "interest_outstanding": fen_str(t["interest"]), "total": fen_str(total)}
    if currency == "CNY":
        out["total_words"] = rmb_upper(Decimal(total) / 100)
    return out


def _limitation(inv: Invoice, applied: list[Any], evidence: list[Evidence | Demand], query: ClaimQuery,
                calendar: WorkCalendar, as_of: date) -> dict[str, Any]:
    events = [Interruption(a.receipt.date, "part_payment", f"银行流水 / bank ref {a.receipt.reference}")
              for a in applied]
    events += [Interruption(e.signed_on, "acknowledgment", e.note) for e in evidence
               if isinstance(e, Evidence) and e.covers(inv)]
    events += [Interruption(e.sent_on, "demand", e.note) for e in evidence if isinstance(e, Demand) and e.covers(inv)]
    if query.suit_filed_on is not None and query.suit_filed_on <= as_of:
        ended = query.proceedings_ended_on
        events.append(Interruption(query.suit_filed_on, "suit", "起诉 / suit filed",
                                   ended if ended is not None and ended <= as_of else None))
    with refusals_as_422(f"invoice {inv.number}"):
        result = compute_limitation(LimitationRequest(inv.due_date, events, as_of=as_of), calendar)
    return result.as_json()
