"""API resources: received replies — the triage queue, one reply, its exact bytes, a clerk's
confirmation or correction (then the case moves), and what clerks said about the machine's readings.

``POST /replies/classify`` (reading a message without storing it) lives in ``replies.py``; this
module is the inbox: messages that arrived, were stored and processed (docs/inbox.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.mail.replies import INTENTS, Inbox, corrections_of
from workflow.web.api.base import (
    ALL_ROLES,
    STAFF,
    WRITERS,
    PageQuery,
    StrictModel,
    core,
    endpoint,
    file_response,
    session,
    uow,
)
from workflow.web.api.responses import OpenOut, Out, Paged

bp = Blueprint("inbox", __name__)

ONE = {"inbound_id": "integer"}
Intent = Literal[INTENTS]  # type: ignore[valid-type]


class PromiseOut(Out):
    date: str | None
    amount: str | None


class ReplyOut(Out):
    id: int
    status: Literal["stored", "processed", "triage", "failed", "duplicate"]
    triage_reason: str | None = Field(description="low_confidence, unmatched, unclear, incomplete, cannot_move")
    received_at: datetime
    mailbox: str
    message_id: str | None
    from_address: str | None
    subject: str | None
    sent_at: datetime | None
    intent: str | None
    confidence: float | str | None
    reply_text: str = Field(description="what the debtor newly wrote (quoted history and signature removed)")
    promises: list[PromiseOut]
    paid_date: str | None
    amount: str | None
    currency: str | None
    dispute_reason: str | None
    case_id: int | None
    case_ref: str | None
    customer_id: int | None
    matched_by: str | None = Field(description="in_reply_to, references, plus_address, subject_ref, "
                                               "sender_address, sender_domain, clerk")
    outbox_id: int | None = Field(description="our letter it answers, or that bounced")
    duplicate_of: int | None
    outcome: dict[str, Any] | None = Field(description="what processing did to the case")
    error: str | None
    sha256: str
    size: int
    processed_at: datetime | None


class DecisionOut(Out):
    intent: str
    machine_intent: str | None
    corrected: bool
    corrections: dict[str, Any]
    decided_by: str
    decided_at: datetime


class ReplyDetail(ReplyOut):
    decisions: list[DecisionOut]


class TriagePage(Paged):
    items: list[ReplyOut]


class AccuracyOut(OpenOut):
    decisions: int
    confirmed: int
    by_intent: dict[str, Any]


class ConfirmIn(StrictModel):
    intent: Intent | None = Field(None, description="the right intent, when the machine read it wrong")
    case_ref: str | None = Field(None, max_length=20, description="the case it belongs to, e.g. AR-2026-0042")
    promised_date: date | None = None
    amount: Decimal | None = Field(None, gt=0, max_digits=15, decimal_places=2)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")
    paid_date: date | None = None
    dispute_reason: str | None = Field(None, max_length=1000)


def _inbox() -> Inbox:
    return core().services.inbox


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _reply(data: dict[str, Any]) -> dict[str, Any]:
    out = _plain(data)
    for key in ("paid_date", "amount", "currency", "dispute_reason"):  # the classifier's JSON, as text
        if out.get(key) is not None:
            out[key] = str(out[key])
    out["promises"] = [{"date": None if p.get("date") is None else str(p["date"]),
                        "amount": None if p.get("amount") is None else str(p["amount"])} for p in out["promises"]]
    return dict(out)


@endpoint(bp, "GET", "/replies/triage",
          summary="Replies waiting for a clerk (unsure, unmatched, not possible to act on)",
          roles=STAFF, query=PageQuery, response=TriagePage)
def triage(actor: Actor, query: PageQuery) -> Any:
    data = _inbox().triage(uow(), page=query.page, per_page=query.per_page)
    data["items"] = [_reply(r) for r in data["items"]]
    return data


@endpoint(bp, "GET", "/replies/accuracy", summary="What clerks confirmed and corrected, per intent the machine read",
          roles=STAFF, response=AccuracyOut)
def accuracy(actor: Actor) -> Any:
    return _inbox().accuracy(uow())


@endpoint(bp, "GET", "/replies/{inbound_id}", summary="One received message: what was read, its case, what was done",
          roles=ALL_ROLES, path_params=ONE, responses={"200": "OK", "403": "Not a reply of this lawyer's customers",
                                                       "404": "No such message"}, response=ReplyDetail)
def show_reply(actor: Actor, inbound_id: int) -> Any:
    data = _inbox().show(uow(), inbound_id)
    decisions = data.pop("decisions")
    return {**_reply(data), "decisions": _plain(decisions)}


@endpoint(bp, "GET", "/replies/{inbound_id}/eml", summary="The exact bytes received, as message/rfc822 (audit-logged)",
          roles=ALL_ROLES, path_params=ONE, writes=True, response_types=["message/rfc822"],
          responses={"200": "The message", "403": "Not a reply of this lawyer's customers",
                     "404": "No such message"})
def download_reply(actor: Actor, inbound_id: int) -> Any:
    row, data = _inbox().raw(uow(), inbound_id)
    return file_response(data, "message/rfc822", f"reply-{row.id}.eml")


@endpoint(bp, "POST", "/replies/{inbound_id}/confirm",
          summary="Confirm or correct a reply waiting in triage; then its case moves (the decision is kept)",
          roles=WRITERS, path_params=ONE, body=ConfirmIn,
          responses={"200": "Confirmed and acted on", "404": "No such message", "409": "Not waiting for a clerk, "
                     "or the case cannot move that way", "422": "A correction is not valid"},
          response=ReplyDetail)
def confirm_reply(actor: Actor, inbound_id: int, body: ConfirmIn) -> Any:
    fields = corrections_of(intent=body.intent, case_ref=body.case_ref, promised_date=body.promised_date,
                            amount=body.amount, currency=body.currency, paid_date=body.paid_date,
                            dispute_reason=body.dispute_reason)
    row = _inbox().confirm(uow(), inbound_id, fields)
    session().flush()
    data = _inbox().show(uow(), row.id)
    decisions = data.pop("decisions")
    return {**_reply(data), "decisions": _plain(decisions)}
