"""API resources: dunning cases (the case file and the clerk's actions), a customer's credit status,
and the credit-hold webhook's delivery log.

Every action is a POST on the case (``/cases/{ref}/pause``...), one unit of work, audited through the
case's lifecycle; a move the case's state does not allow is a 409 naming the moves it does allow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import false, func, select

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases import casefile, holds, plans
from workflow.cases import service as cases
from workflow.cases.models import DunningCase
from workflow.cases.service import APPROVERS, LEGAL_ACTION_ROLES, SENDABLE_KINDS, WRITE_OFF_ROLES, CaseService
from workflow.cases.states import CaseState
from workflow.db import cents_to_decimal
from workflow.ledger.access import load
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import CreditorEntity, Customer, Invoice
from workflow.web.api.base import ADMINS, WRITERS, StrictModel, core, endpoint, session, uow
from workflow.web.api.responses import Currency, Money, Out

bp = Blueprint("cases", __name__)

REF = {"ref": "string"}
CUSTOMER = {"customer_id": "integer"}
Text = Field(min_length=1, max_length=4000)
Evidence = Field(None, max_length=4000, description="what the action rests on: a call, an email, a document")


def jsonable(value: Any) -> Any:
    """Money as exact strings, dates as ISO text, all the way down."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _service() -> CaseService:
    return core().services.cases


# ---- responses -----------------------------------------------------------------------------------

class PartyRef(Out):
    id: int
    code: str
    name: str


class CustomerRef(PartyRef):
    credit_hold: bool


class CaseOut(Out):
    ref: str = Field(description="AR-<year>-<number>")
    id: int
    state: str
    level: int
    resume_to: str | None
    customer: CustomerRef
    creditor: PartyRef
    currency: Currency
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    paused_until: date | None
    hold_reason: str | None
    assigned_user_id: int | None
    last_action_on: date | None
    updated_at: datetime


class CasePage(Out):
    items: list[CaseOut]
    total: int
    page: int
    per_page: int


class OpenedOut(CaseOut):
    opened: bool = Field(description="false: the pair already had an open case, which is returned")


class OutstandingOut(Out):
    currency: Currency
    outstanding: Money


class CaseFile(CaseOut):
    allowed_events: list[str]
    open_balance: list[OutstandingOut]
    open_invoices: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    timeline: list[dict[str, Any]] = Field(description="the case's audit entries, oldest first")


class NoteOut(Out):
    id: int
    kind: str
    body: str
    contact_name: str | None
    author: str
    created_at: datetime


class CasePromiseOut(Out):
    id: int
    promised_on: date
    amount: Money
    currency: Currency
    source: str
    contact_name: str | None
    note: str | None
    paid_before: Money
    status: str
    resolved_on: date | None
    recorded_by: str
    recorded_at: datetime


class InstalmentOut(Out):
    seq: int
    due_on: date
    amount: Money
    status: str


class PlanOut(Out):
    id: int
    currency: Currency
    status: str
    document_id: int | None
    paid_before: Money
    created_by: str
    created_at: datetime
    instalments: list[InstalmentOut]


class CaseActionOut(Out):
    id: int
    case_ref: str
    state: str
    kind: str
    status: str
    document_id: int | None
    outbox_id: int | None
    resolved_by: str | None


class CreditStatusOut(Out):
    customer_id: int
    credit_hold: bool
    reason: str | None
    since: datetime | None
    open_balance: list[OutstandingOut]
    credit_limit: Money | None
    credit_limit_currency: Currency
    over_limit: bool


class DeliveryOut(Out):
    id: int
    event: str
    customer_id: int
    url: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(Out):
    items: list[DeliveryOut]
    total: int
    page: int
    per_page: int


# ---- requests ------------------------------------------------------------------------------------

class CaseQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal[tuple(s.value for s in CaseState)] | None = None  # type: ignore[valid-type]
    customer_id: int | None = Field(None, ge=1, le=2**31 - 1)
    creditor_id: int | None = Field(None, ge=1, le=2**31 - 1)
    assigned_user_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: Literal["open", "closed"] | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=500)


class OpenCaseIn(StrictModel):
    creditor_id: int = Field(ge=1, le=2**31 - 1)
    customer_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Text
    evidence: str | None = Evidence


class NoteIn(StrictModel):
    body: str = Text
    kind: Literal["call", "note"] = "call"
    contact_name: str | None = Field(None, max_length=100)


class PromiseIn(StrictModel):
    promised_on: date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    source: Literal["call", "email", "letter", "meeting", "reply"] = "call"
    contact_name: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=4000)


class ReasonIn(StrictModel):
    reason: str = Text
    evidence: str | None = Evidence


class AssignIn(StrictModel):
    user: str = Field(min_length=1, max_length=200,
                      description="who takes the case: login name, employee number (工号) or display name")
    reason: str = Text


class PauseIn(ReasonIn):
    until: date | None = Field(None, description="the pause ends by itself after this day (optional)")


class ApproveIn(StrictModel):
    reason: str = Field("", max_length=4000)


class RejectIn(StrictModel):
    reason: str = Text


class SendIn(StrictModel):
    kind: Literal[SENDABLE_KINDS] = Field(  # type: ignore[valid-type]
        description="payment_reminder, dunning_letter_1..3 or statement (a lawyer's letter goes through approval)")
    language: Literal["zh", "en"] = "zh"


class InstalmentIn(StrictModel):
    due_on: date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


class PlanIn(StrictModel):
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=120)
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    language: Literal["zh", "en"] = "zh"
    number: str = Field("", max_length=64)
    waive_penalty_on_performance: bool = False
    pdf: bool = True


class CreditHoldIn(StrictModel):
    hold: bool
    reason: str = Field(min_length=1, max_length=2000)


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "delivered", "failed"] | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=500)


# ---- the case file -------------------------------------------------------------------------------

def _case_out(case: DunningCase) -> dict[str, Any]:
    s = session()
    customer, creditor = s.get(Customer, case.customer_id), s.get(CreditorEntity, case.creditor_id)
    assert customer is not None and creditor is not None
    return jsonable(casefile.summary(case, customer, creditor))  # type: ignore[no-any-return]


@endpoint(bp, "GET", "/cases", summary="Dunning cases (a lawyer sees those of the customers assigned to them)",
          query=CaseQuery, response=CasePage)
def list_cases(actor: Actor, query: CaseQuery) -> Any:
    f = casefile.CaseFilter(state=query.state, customer_id=query.customer_id, creditor_id=query.creditor_id,
                         assigned_user_id=query.assigned_user_id, status=query.status, page=query.page,
                         per_page=query.per_page)
    return jsonable(casefile.list_cases(uow(), f))


@endpoint(bp, "GET", "/cases/{ref}", summary="A case's file: balance, promises, plan, notes, letters, emails, "
          "the run's decisions and the timeline", path_params=REF, response=CaseFile)
def get_case(actor: Actor, ref: str) -> Any:
    return jsonable(casefile.show(uow(), ref))


@endpoint(bp, "POST", "/cases", summary="Open a case by hand (or find the pair's open case)", roles=WRITERS,
          body=OpenCaseIn, responses={"201": "Opened", "200": "Already open", "404": "No such customer or creditor",
                                      "422": "Nothing owed"},
          response={"201": OpenedOut, "200": OpenedOut})
def open_case(actor: Actor, body: OpenCaseIn) -> Any:
    case, opened = cases.open_case_by_hand(uow(), body.creditor_id, body.customer_id, body.reason, body.evidence)
    return {**_case_out(case), "opened": opened}, 201 if opened else 200


@endpoint(bp, "POST", "/cases/{ref}/notes", summary="Record a call note or remark", roles=cases.CALL_RECORDERS,
          path_params=REF, body=NoteIn, responses={"201": "Recorded"}, response=NoteOut)
def add_note(actor: Actor, ref: str, body: NoteIn) -> Any:
    n = cases.add_note(uow(), ref, body.body, kind=body.kind, contact_name=body.contact_name)
    return jsonable({"id": n.id, "kind": n.kind, "body": n.body, "contact_name": n.contact_name,
                     "author": n.author, "created_at": n.created_at}), 201


@endpoint(bp, "POST", "/cases/{ref}/promises", summary="Record a promise to pay (the case waits for it)",
          roles=cases.CALL_RECORDERS, path_params=REF, body=PromiseIn,
          responses={"201": "Recorded", "409": "Not in this state"},
          response=CasePromiseOut)
def add_promise(actor: Actor, ref: str, body: PromiseIn) -> Any:
    p = cases.record_promise(uow(), ref, promised_on=body.promised_on, amount=body.amount, currency=body.currency,
                             source=body.source, contact_name=body.contact_name, note=body.note)
    return jsonable(casefile.describe_promise(p)), 201


def _action(path: str, summary: str, body: type[BaseModel],
            roles: frozenset[Role]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return endpoint(bp, "POST", f"/cases/{{ref}}/{path}", summary=summary, roles=roles, path_params=REF, body=body,
                    responses={"200": "Done", "409": "Not allowed in the case's state"}, response=CaseOut)


@_action("pause", "Pause the case, with a reason (and optionally until a day)", PauseIn, WRITERS)
def pause(actor: Actor, ref: str, body: PauseIn) -> Any:
    return _case_out(cases.pause(uow(), ref, body.reason, body.until, body.evidence))


@_action("resume", "Resume a paused case", ReasonIn, WRITERS)
def resume(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.resume(uow(), ref, body.reason, body.evidence))


@_action("dispute", "Mark the debt disputed: automatic dunning stops", ReasonIn, WRITERS)
def dispute(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.dispute(uow(), ref, body.reason, body.evidence))


@_action("resolve", "Resolve the dispute: the case goes back to where it was", ReasonIn, WRITERS)
def resolve(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.resolve(uow(), ref, body.reason, body.evidence))


@_action("write-off", "Write the debt off (legal or admin): the case closes, its invoices are bad debt",
         ReasonIn, WRITE_OFF_ROLES)
def write_off(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.write_off(uow(), ref, body.reason, body.evidence))


@_action("settle", "Close the case as settled", ReasonIn, WRITERS)
def settle(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.settle(uow(), ref, body.reason, body.evidence))


@_action("assign", "Give the case to another person (audited: who, when, from whom, to whom, why)", AssignIn,
         WRITERS)
def assign(actor: Actor, ref: str, body: AssignIn) -> Any:
    return _case_out(cases.assign(uow(), ref, body.user, body.reason))


@_action("legal-action", "Start legal action (suit, arbitration, payment order)", ReasonIn, LEGAL_ACTION_ROLES)
def legal_action(actor: Actor, ref: str, body: ReasonIn) -> Any:
    return _case_out(cases.start_legal_action(uow(), ref, body.reason, body.evidence))


def _action_out(action: Any) -> dict[str, Any]:
    case = session().get(DunningCase, action.case_id)
    assert case is not None
    return {"id": action.id, "case_ref": case.ref, "state": case.state, "kind": action.kind, "status": action.status,
            "document_id": action.document_id, "outbox_id": action.outbox_id, "resolved_by": action.resolved_by}


@endpoint(bp, "POST", "/cases/{ref}/lawyer-letter/approve", roles=APPROVERS, path_params=REF, body=ApproveIn,
          summary="Approve the pending lawyer's letter (a lawyer or legal): the final letter is made and queued",
          responses={"200": "Approved and queued", "409": "No letter awaits approval"}, response=CaseActionOut)
def approve_lawyer_letter(actor: Actor, ref: str, body: ApproveIn) -> Any:
    return _action_out(_service().approve_lawyer_letter(uow(), ref, body.reason))


@endpoint(bp, "POST", "/cases/{ref}/lawyer-letter/reject", roles=APPROVERS, path_params=REF, body=RejectIn,
          summary="Reject the pending lawyer's letter, with the reason",
          responses={"200": "Rejected", "409": "No letter awaits approval"}, response=CaseActionOut)
def reject_lawyer_letter(actor: Actor, ref: str, body: RejectIn) -> Any:
    return _action_out(_service().reject_lawyer_letter(uow(), ref, body.reason))


@endpoint(bp, "POST", "/cases/{ref}/send", roles=WRITERS, path_params=REF, body=SendIn,
          summary="Send a letter now: made from the ledger for the case, checked and queued (by hand, not automated)",
          responses={"201": "Queued", "409": "Closed case", "422": "Nothing to claim, letter check failed"},
          response=CaseActionOut)
def send(actor: Actor, ref: str, body: SendIn) -> Any:
    return _action_out(_service().send_document(uow(), ref, body.kind, body.language)), 201


@endpoint(bp, "POST", "/cases/{ref}/plans", roles=WRITERS, path_params=REF, body=PlanIn,
          summary="Agree a repayment plan: the 还款协议 is made and the case follows its instalments",
          responses={"201": "Agreed", "409": "Not in this state", "422": "Instalments do not add up"},
          response=PlanOut)
def agree_plan(actor: Actor, ref: str, body: PlanIn) -> Any:
    plan = _service().agree_plan(uow(), ref, [(i.due_on, i.amount) for i in body.instalments],
                                 currency=body.currency, language=body.language, number=body.number,
                                 waive_penalty_on_performance=body.waive_penalty_on_performance, pdf=body.pdf)
    return jsonable(plans.describe(plan)), 201


# ---- credit hold ---------------------------------------------------------------------------------

def _credit_status(customer_id: int) -> Any:
    s = session()
    customer = load(s, Customer, customer_id, uow().actor)
    owed = balance_fen()
    rows = s.execute(select(Invoice.currency, func.sum(owed)).where(
        Invoice.customer_id == customer_id, Invoice.written_off == false(), owed > 0)
        .group_by(Invoice.currency).order_by(Invoice.currency)).all()
    balance = {cur: cents_to_decimal(fen) for cur, fen in rows}
    reason, since = holds.hold_of(uow(), customer_id)
    limit = customer.credit_limit
    over = limit is not None and balance.get(customer.credit_limit_currency, Decimal(0)) > limit
    return jsonable({"customer_id": customer.id, "credit_hold": customer.credit_hold, "reason": reason,
                     "since": since, "open_balance": [{"currency": c, "outstanding": a} for c, a in balance.items()],
                     "credit_limit": limit, "credit_limit_currency": customer.credit_limit_currency,
                     "over_limit": over})


@endpoint(bp, "GET", "/customers/{customer_id}/credit-status", path_params=CUSTOMER, response=CreditStatusOut,
          summary="Whether supply to the customer is on hold, why and since when; its open balance and limit")
def credit_status(actor: Actor, customer_id: int) -> Any:
    return _credit_status(customer_id)


@endpoint(bp, "POST", "/customers/{customer_id}/credit-hold", path_params=CUSTOMER, body=CreditHoldIn,
          roles=WRITERS, response=CreditStatusOut,
          summary="Set or release the customer's credit hold by hand (pushed to the configured webhook)")
def set_credit_hold(actor: Actor, customer_id: int, body: CreditHoldIn) -> Any:
    if body.hold:
        _service().set_credit_hold(uow(), customer_id, body.reason, {"by": actor.username, "entry": "api"})
    else:
        _service().release_credit_hold(uow(), customer_id, body.reason)
    return _credit_status(customer_id)


@endpoint(bp, "GET", "/webhooks/deliveries", roles=ADMINS, query=DeliveryQuery, response=DeliveryPage,
          summary="The credit-hold webhook's delivery log (admin)")
def deliveries(actor: Actor, query: DeliveryQuery) -> Any:
    return jsonable(holds.delivery_log(uow(), query.page, query.per_page, query.status))

