"""A letter or statement for a customer, built from the ledger and generated in one call.

``POST /api/v1/customers/{id}/documents`` and ``dunning render KIND --customer ID`` come here: the
context is read from the ledger as of a date (the letters, the 律师函 and the 对账单 of
``workflow.documents.contexts``), optionally narrowed to some of the invoices, and for the final
催款函 and the 律师函 it carries the penalty accrued under each invoice's contract to that date, from
the claim (``ClaimService.claim``, passed in as ``claim``: the documents room does not import the
claim room, which builds on it). Reading, rendering, the document's record and the audit entries
share the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.accounts.models import Role
from workflow.documents.contexts.letters import (
    LETTER_KINDS,
    LawFirm,
    Lawyer,
    PreviousLetter,
    lawyer_letter_context,
    letter_context,
)
from workflow.documents.contexts.parties import money_str
from workflow.documents.contexts.records import statement_context
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DOCUMENT_MAKERS, DocumentService
from workflow.errors import NotFound, invalid
from workflow.ledger.access import can_see_customer
from workflow.ledger.models import Customer, Invoice
from workflow.unit_of_work import UnitOfWork

LEDGER_KINDS = (*LETTER_KINDS, "lawyer_letter", "statement")
# the letters that state the penalty accrued so far: the last warning and the lawyer's letter
WITH_ACCRUED = frozenset({"dunning_letter_3", "lawyer_letter"})

# (uow, customer id, as of, creditor id) → the claim as ``ClaimService.claim`` answers it
ClaimReader = Callable[[UnitOfWork, int, date, int], Mapping[str, Any]]


@dataclass(frozen=True)
class LedgerDocument:
    kind: str
    language: str = "zh"
    as_of: date | None = None  # today by default
    creditor_id: int | None = None  # needed only when the customer owes more than one of our companies
    invoices: Sequence[str] = ()  # invoice numbers; empty: every invoice the letter would list
    number: str = ""  # the letter's reference; by default the date and the customer's code
    pdf: bool = True
    days_to_pay: int | None = None
    delivery: str = "email_and_post"
    tracking_no: str = ""
    previous: PreviousLetter | None = None
    # the lawyer's letter
    law_firm: LawFirm | None = None
    lawyer: Lawyer | None = None
    draft: bool = True
    costs_agreed: bool = False
    lawyer_fee: Decimal | None = None
    # the statement
    period_from: date | None = None
    currency: str = "CNY"
    # the dunning case the document belongs to (set by the run and the case actions)
    case_id: int | None = None


def generate_from_ledger(uow: UnitOfWork, documents: DocumentService, claim: ClaimReader, customer_id: int,
                         req: LedgerDocument) -> GeneratedDocument:
    if req.kind not in LEDGER_KINDS:
        raise invalid("kind", "not_from_ledger",
                      f"不能从台账生成此类文书：{req.kind}（可选：{'、'.join(LEDGER_KINDS)}）",
                      f"this kind is not made from the ledger: {req.kind} (one of: {', '.join(LEDGER_KINDS)})")
    # a lawyer may draft (or, being the lawyer, finalise) the 律师函 for the customers assigned to them
    makers = DOCUMENT_MAKERS | ({Role.LAWYER} if req.kind == "lawyer_letter" else set())
    uow.require(makers, "无权生成文书", "You may not generate documents")
    s = uow.session
    customer = s.get(Customer, customer_id)
    if customer is None or not can_see_customer(s, uow.actor, customer_id):
        raise NotFound("客户", "customer", customer_id)
    as_of = req.as_of or uow.today()
    if as_of > uow.today():
        raise invalid("as_of", "in_the_future", "截止日不能晚于今天", "as_of cannot be after today")
    creditor_id = req.creditor_id or _only_creditor(uow, customer_id)
    number = req.number.strip() or f"{customer.code}-{as_of:%Y%m%d}"
    if req.kind == "statement":
        ctx = statement_context(s, creditor_id=creditor_id, customer_id=customer_id,
                                period_from=req.period_from or date(as_of.year, 1, 1), period_to=as_of,
                                number=number, issued_on=uow.today(), currency=req.currency)
    else:
        ctx = _letter(uow, claim, customer_id, creditor_id, as_of, number, req)
    doc = documents.generate(uow, req.kind, req.language, ctx, req.pdf, customer_id=customer_id,
                             case_id=req.case_id)
    uow.audit("document.from_ledger", "generated_document", doc.id, None, {
        "customer_id": customer_id, "creditor_id": creditor_id, "kind": req.kind, "as_of": as_of.isoformat(),
        "invoices": [r["number"] for r in ctx.get("invoices", [])],
        "penalty_accrued": (ctx.get("claim") or {}).get("penalty_accrued")})
    return doc


def _only_creditor(uow: UnitOfWork, customer_id: int) -> int:
    ids = list(uow.session.scalars(select(Invoice.creditor_id).where(Invoice.customer_id == customer_id).distinct()))
    if len(ids) == 1:
        return int(ids[0])
    if not ids:
        raise invalid("customer_id", "nothing_to_claim", "该客户没有发票", "the customer has no invoices")
    raise invalid("creditor_id", "required", "该客户与我方多个公司有往来，请指明债权人（creditor_id）",
                  "the customer deals with more than one of our companies: name the creditor (creditor_id)")


def _letter(uow: UnitOfWork, claim: ClaimReader, customer_id: int, creditor_id: int, as_of: date, number: str,
            req: LedgerDocument) -> dict[str, Any]:
    s = uow.session
    common: dict[str, Any] = {"creditor_id": creditor_id, "customer_id": customer_id, "as_of": as_of,
                              "number": number, "previous": req.previous, "delivery": req.delivery,
                              "tracking_no": req.tracking_no}
    if req.days_to_pay is not None:
        common["days_to_pay"] = req.days_to_pay
    if req.kind == "lawyer_letter":
        if req.law_firm is None or req.lawyer is None:
            raise invalid("law_firm" if req.law_firm is None else "lawyer", "required",
                          "律师函须写明律师事务所和承办律师", "a lawyer's letter needs the law firm and the lawyer")
        ctx = lawyer_letter_context(s, law_firm=req.law_firm, lawyer=req.lawyer, draft=req.draft,
                                    costs_agreed=req.costs_agreed, lawyer_fee=req.lawyer_fee, **common)
    else:
        ctx = letter_context(s, req.kind, **common)
    if req.invoices:
        _select(ctx, req.invoices)
    if req.kind in WITH_ACCRUED:
        accrued = _accrued(claim(uow, customer_id, as_of, creditor_id), ctx)
        block = ctx.setdefault("claim", {"currency": ctx["penalty"]["currency"], "costs_agreed": False,
                                         "lawyer_fee": ""})
        block["penalty_accrued"] = "" if accrued is None else money_str(accrued)
    return ctx


def _select(ctx: dict[str, Any], wanted: Sequence[str]) -> None:
    """Only the invoices asked for; the totals, the oldest delay and the contracts follow them."""
    listed = {r["number"] for r in ctx["invoices"]}
    unknown = [n for n in wanted if n not in listed]
    if unknown:
        raise invalid("invoices", "not_in_letter",
                      f"这些发票不在本函可列范围内（不存在、已付清或未到期）：{'、'.join(unknown)}",
                      f"these invoices cannot be in this letter (unknown, paid or not yet due): {', '.join(unknown)}")
    rows = [r for r in ctx["invoices"] if r["number"] in set(wanted)]
    ctx["invoices"] = rows
    sums: dict[str, list[Decimal]] = {}
    for r in rows:
        acc = sums.setdefault(r["currency"], [Decimal(0)] * 3)
        for i, key in enumerate(("amount", "paid", "outstanding")):
            acc[i] += Decimal(r[key])
    ctx["totals"] = [{"currency": cur, "amount": money_str(a), "paid": money_str(p), "outstanding": money_str(o)}
                     for cur, (a, p, o) in sorted(sums.items())]
    ctx["letter"]["max_days_overdue"] = max(r["days_overdue"] for r in rows)
    used = {r["contract_number"] for r in rows}
    ctx["contracts"] = [c for c in ctx["contracts"] if c["number"] in used]


def _accrued(claim: Mapping[str, Any], ctx: Mapping[str, Any]) -> Decimal | None:
    """The penalty (or statutory interest) still owed on the letter's invoices in the penalty's
    currency, each under its own contract; None when the law engine could not compute one of them
    (a rate it does not know): the letter then states no figure rather than a wrong one."""
    numbers = {r["number"] for r in ctx["invoices"]}
    currency = ctx["penalty"]["currency"]
    total = Decimal(0)
    for inv in claim["invoices"]:
        if inv["number"] not in numbers or inv["currency"] != currency:
            continue
        if inv.get("interest_refused") or inv.get("interest_outstanding") is None:
            return None
        total += Decimal(inv["interest_outstanding"])
    return total
