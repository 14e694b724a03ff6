"""A customer's claim as of a date: for each overdue invoice, principal and late interest under
the contract's own penalty clause (or the statutory rule where it has none), the limitation
status with the event that last interrupted it, and totals per currency.

Until cases exist the claim is per customer; the only interruptions the ledger can show are part
payments (时效规定 14). The result is plain data (strings, lists, dicts) that the documents room
renders as the 利息计算表 (``ClaimService.sheet``: the claim read, the document made and their
audit entries in the caller's one unit of work).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.calc.schemas import ClaimQuery
from workflow.calc.service import LawData, refusals_as_422
from workflow.claim.sheet import ClaimSheetIn, claim_sheet
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import NotFound
from workflow.law.interest import Basis, InterestRequest, InvoiceIn, PaymentIn, calculate, fen_str
from workflow.law.limitation import Interruption, LimitationRequest, compute_limitation
from workflow.law.rates import RateTable
from workflow.law.refusals import LawRefusal
from workflow.law.words import rmb_upper
from workflow.law.workdays import WorkCalendar
from workflow.ledger.models import Allocation, Contract, CreditNote, Customer, Invoice, Payment
from workflow.unit_of_work import UnitOfWork

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Terms:
    basis: Basis
    cap: str | None
    source: str  # "contract" | "statutory"


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


def _cap_fen(cap: str | None, principal: Decimal) -> int | None:
    if not cap:
        return None
    if cap.endswith("%"):
        return int((principal * Decimal(cap[:-1]) / 100).quantize(CENT) * 100)
    return int(Decimal(cap) * 100)


class ClaimService:
    def __init__(self, law: LawData, documents: DocumentService) -> None:
        self.law = law
        self.documents = documents

    def claim(self, uow: UnitOfWork, customer_id: int, query: ClaimQuery) -> dict[str, Any]:
        """The claim as of ``query.as_of`` (today by default); lawyers see only their customers'."""
        as_of = query.as_of or uow.today()
        s = uow.session
        actor = uow.actor
        customer = s.get(Customer, customer_id)
        if customer is None or (actor.is_lawyer and customer.assigned_lawyer_id != actor.user_id):
            raise NotFound("客户", "customer", customer_id)
        invoices = list(s.scalars(
            select(Invoice).where(Invoice.customer_id == customer_id, Invoice.due_date < as_of,
                                  Invoice.written_off.is_(False)).order_by(Invoice.due_date, Invoice.id)))
        ids = [i.id for i in invoices]
        allocs = s.execute(
            select(Allocation, Payment.bank_reference).join(Payment, Payment.id == Allocation.payment_id)
            .where(Allocation.invoice_id.in_(ids), Allocation.received_on <= as_of)
            .order_by(Allocation.received_on, Allocation.id)).all()
        credits = list(s.scalars(select(CreditNote).where(CreditNote.customer_id == customer_id,
                                                          CreditNote.issued_on <= as_of)))
        loose = list(s.scalars(select(Payment).where(Payment.customer_id == customer_id,
                                                      Payment.unallocated_amount > Decimal("0.00"),
                                                      Payment.received_on <= as_of)))
        contracts = {i.id: i.contract for i in invoices}
        return _build(customer, invoices, allocs, credits, loose, contracts, as_of, query,
                      self.law.calendar(s), self.law.rate_table(s))

    def sheet(self, uow: UnitOfWork, customer_id: int, body: ClaimSheetIn) -> GeneratedDocument:
        """The 利息计算表 of the claim, stored as a document (its PDF follows the commit)."""
        return claim_sheet(uow, self.documents, self.claim(uow, customer_id, body), body)


def _build(customer: Customer, invoices: list[Invoice], allocs: Any, credits: list[CreditNote],
           loose: list[Payment], contracts: dict[int, Contract | None], as_of: date, query: ClaimQuery,
           calendar: WorkCalendar, rates: RateTable) -> dict[str, Any]:
    # credit notes reduce the debt itself, so they lower the principal from the due date on;
    # a note that names no invoice goes to the invoices due first (the safer, smaller claim)
    principal = {i.id: i.amount for i in invoices}
    credited: dict[int, Decimal] = defaultdict(Decimal)
    for cn in credits:
        targets = [i for i in invoices if i.id == cn.invoice_id] if cn.invoice_id else \
            [i for i in invoices if i.currency == cn.currency]
        rest = cn.amount
        for inv in targets:
            take = min(rest, principal[inv.id])
            principal[inv.id] -= take
            credited[inv.id] += take
            rest -= take
    live = [i for i in invoices if principal[i.id] > 0]
    by_invoice: dict[int, list[tuple[Allocation, str]]] = defaultdict(list)
    for alloc, ref in allocs:
        by_invoice[alloc.invoice_id].append((alloc, ref))
    groups: dict[tuple[str, Terms], list[Invoice]] = defaultdict(list)
    for inv in live:
        groups[(inv.currency, terms_of(contracts[inv.id], query))].append(inv)
    rows: list[dict[str, Any]] = []
    methods: list[dict[str, Any]] = []
    warnings: list[dict[str, str]] = []
    loose_used: set[int] = set()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"principal": 0, "interest": 0})
    for (currency, terms), group in groups.items():
        group, refused = _computable(group, terms, as_of, rates, principal, by_invoice, query.carry_forward)
        for inv, refusal in refused:
            row = _refused_row(inv, contracts[inv.id], terms, principal[inv.id], credited[inv.id],
                               by_invoice[inv.id], as_of, refusal, calendar)
            totals[currency]["principal"] += int(Decimal(row["principal_outstanding"]) * 100)
            rows.append(row)
            warnings.append({"zh": f"发票 {inv.number} 的利息未计算：{refusal.zh}",
                             "en": f"interest on invoice {inv.number} was not computed: {refusal.en}"})
        if not group:
            continue
        payments = [PaymentIn(a.received_on, a.amount, str(a.invoice_id)) for i in group for a, _ in by_invoice[i.id]]
        # unallocated money of the customer: to the group holding the invoice due first (民法典 560)
        for p in loose:
            if p.currency == currency and p.id not in loose_used:
                loose_used.add(p.id)
                payments.append(PaymentIn(p.received_on, p.unallocated_amount, None))
        req = InterestRequest(as_of=as_of, basis=terms.basis, payments=payments, carry_forward=query.carry_forward,
                              invoices=[InvoiceIn(str(i.id), principal[i.id], i.due_date) for i in group])
        with refusals_as_422():
            result = calculate(req, rates).as_json()
        methods.append({"currency": currency, "source": terms.source, "invoices": [i.number for i in group],
                        **result["method"]})
        warnings.extend(result["warnings"])
        for inv, out in zip(group, result["invoices"], strict=True):
            accrued = Decimal(out["interest_accrued"])
            cap = _cap_fen(terms.cap, principal[inv.id])
            capped = cap is not None and int(accrued * 100) > cap
            if capped:
                assert cap is not None
                accrued = Decimal(cap) / 100
            outstanding = max(Decimal(0), accrued - Decimal(out["interest_paid"]))
            lim = _limitation(inv, by_invoice[inv.id], calendar, as_of)
            contract = contracts[inv.id]
            row = {
                "invoice_id": str(inv.id), "creditor_id": str(inv.creditor_id), "number": inv.number,
                "currency": currency,
                "contract": contract.number if contract is not None else None,
                "amount": fen_str(int(inv.amount * 100)), "credited": fen_str(int(credited[inv.id] * 100)),
                "due_date": inv.due_date.isoformat(), "basis": terms.source, "cap": terms.cap, "cap_applied": capped,
                "principal_outstanding": out["principal_outstanding"], "interest_accrued": fen_str(int(accrued * 100)),
                "interest_paid": out["interest_paid"], "interest_outstanding": fen_str(int(outstanding * 100)),
                "payments": out["payments"], "segments": out["segments"], "limitation": lim,
            }
            if row["principal_outstanding"] == "0.00" and row["interest_outstanding"] == "0.00":
                continue
            totals[currency]["principal"] += int(Decimal(out["principal_outstanding"]) * 100)
            totals[currency]["interest"] += int(outstanding * 100)
            rows.append(row)
    return {
        "customer": {"id": str(customer.id), "code": customer.code, "legal_name": customer.legal_name,
                     "credit_code": customer.credit_code},
        "as_of": as_of.isoformat(),
        # true when the interest of some invoice could not be computed (a rate not yet published):
        # those invoices are listed with their principal and the reason, and left out of the interest
        "complete": not any(r.get("interest_refused") for r in rows),
        "invoices": rows,
        "totals": [_total(c, t) for c, t in sorted(totals.items())],
        "methods": methods,
        "warnings": warnings,
    }


def _total(currency: str, t: dict[str, int]) -> dict[str, str]:
    total = t["principal"] + t["interest"]
    out = {"currency": currency, "principal_outstanding": fen_str(t["principal"]),
           "interest_outstanding": fen_str(t["interest"]), "total": fen_str(total)}
    if currency == "CNY":
        out["total_words"] = rmb_upper(Decimal(total) / 100)
    return out


def _limitation(inv: Invoice, allocs: list[tuple[Allocation, str]], calendar: Any, as_of: date) -> dict[str, Any]:
    events = [Interruption(a.received_on, "part_payment", f"银行流水 / bank ref {ref}") for a, ref in allocs]
    with refusals_as_422(f"invoice {inv.number}"):
        result = compute_limitation(LimitationRequest(inv.due_date, events, as_of=as_of), calendar)
    return result.as_json()


def _computable(group: list[Invoice], terms: Terms, as_of: date, rates: Any, principal: dict[int, Decimal],
                by_invoice: dict[int, list[tuple[Allocation, str]]], carry_forward: bool = False
                ) -> tuple[list[Invoice], list[tuple[Invoice, LawRefusal]]]:
    """Split off the invoices whose interest the engine refuses to compute (e.g. the statutory rate
    for a breach after the last published LPR quote), so one recent invoice does not sink the claim
    on all the others. The group is tried whole first; only on a refusal is each invoice tried alone."""
    def request(invoices: list[Invoice]) -> InterestRequest:
        return InterestRequest(
            as_of=as_of, basis=terms.basis, carry_forward=carry_forward,
            payments=[PaymentIn(a.received_on, a.amount, str(i.id)) for i in invoices for a, _ in by_invoice[i.id]],
            invoices=[InvoiceIn(str(i.id), principal[i.id], i.due_date) for i in invoices])

    try:
        calculate(request(group), rates)
        return group, []
    except LawRefusal:
        pass
    ok: list[Invoice] = []
    refused: list[tuple[Invoice, LawRefusal]] = []
    for inv in group:
        try:
            calculate(request([inv]), rates)
        except LawRefusal as exc:
            refused.append((inv, exc))
        else:
            ok.append(inv)
    return ok, refused


def _refused_row(inv: Invoice, contract: Contract | None, terms: Terms, principal: Decimal, credited: Decimal,
                 allocs: list[tuple[Allocation, str]], as_of: date, refusal: LawRefusal,
                 calendar: Any) -> dict[str, Any]:
    # without the interest there is no 561 split of the payments: the ledger's principal view is shown
    paid = sum((a.amount for a, _ in allocs), Decimal(0))
    outstanding = max(Decimal(0), principal - paid)
    return {
        "invoice_id": str(inv.id), "creditor_id": str(inv.creditor_id), "number": inv.number,
        "currency": inv.currency, "contract": contract.number if contract is not None else None,
        "amount": fen_str(int(inv.amount * 100)), "credited": fen_str(int(credited * 100)),
        "due_date": inv.due_date.isoformat(), "basis": terms.source, "cap": terms.cap, "cap_applied": False,
        "principal_outstanding": fen_str(int(outstanding * 100)),
        "interest_accrued": None, "interest_paid": None, "interest_outstanding": None,
        "interest_refused": {"field": "as_of", "code": refusal.code, "zh": refusal.zh, "en": refusal.en},
        "payments": [{"date": a.received_on.isoformat(), "amount": fen_str(int(a.amount * 100))} for a, _ in allocs],
        "segments": [], "limitation": _limitation(inv, allocs, calendar, as_of),
    }

