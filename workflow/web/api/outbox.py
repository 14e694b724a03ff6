"""API resources: the outbox — every email, its attempts, the server's reply and the exact bytes sent.

The bytes are the proof that a demand was made (民法典 137, 195; docs/dunning.md): ``GET /outbox/{id}/eml`` returns
them exactly as they went to the server, checked against the stored SHA-256, and the download is
audit-logged like a document's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint
from pydantic import ConfigDict, Field
from sqlalchemy import select

from workflow.accounts.actor import Actor
from workflow.errors import NotFound
from workflow.ids import Id
from workflow.ledger.access import scoped
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import Outbox, attempts_of, describe, describe_attempts, require_mail_reader
from workflow.web.api.base import ALL_ROLES, WRITERS, PageQuery, core, endpoint, file_response, paginate, session, uow
from workflow.web.api.responses import Out, Paged

bp = Blueprint("outbox", __name__)

MSG = {"outbox_id": "integer"}
Status = Literal["pending", "sending", "sent", "unknown", "failed", "cancelled"]


class OutboxQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = Field(None, description="only messages in this state")
    case: Id | None = Field(None, description="only the messages of this case (its id)")
    customer: Id | None = Field(None, description="only the messages to this customer (its id)")


class OutboxAttemptOut(Out):
    attempt: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None = Field(description="sent, temporary, throttled, permanent, ambiguous, recovered")
    reply: str | None


class OutboxOut(Out):
    id: int
    case_id: int | None
    customer_id: int | None = Field(description="none for an internal notice to one of our users")
    user_id: int | None = Field(None, description="the user an internal notice goes to")
    document_id: int | None
    kind: str
    language: str
    automated: bool
    contact_on: date
    message_id: str
    sender: str
    reply_to: str
    recipients: list[str]
    cc: list[str]
    subject: str
    status: Status
    attempts: int
    next_attempt_at: datetime
    raw_sha256: str | None = Field(description="SHA-256 of the exact bytes sent (GET …/eml)")
    raw_size: int | None
    smtp_reply: str | None = Field(description="the server's final answer, e.g. 250 2.0.0 Ok: queued as …")
    transport: str | None
    sent_at: datetime | None
    error: str | None
    created_by: str
    created_at: datetime


class OutboxDetail(OutboxOut):
    body_text: str
    attempt_log: list[OutboxAttemptOut]


class OutboxPage(Paged):
    items: list[OutboxOut]


def _outbox() -> Outbox:
    return core().services.outbox


def _get(outbox_id: int) -> OutboxMessage:
    row = session().get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFound("邮件", "outbox message", outbox_id)
    require_mail_reader(uow(), row.customer_id)  # staff; a lawyer, their customers' mail only
    return row


def _detail(row: OutboxMessage) -> dict[str, Any]:
    return {**describe(row), "body_text": row.body_text,
            "attempt_log": describe_attempts(attempts_of(session(), row.id))}


@endpoint(bp, "GET", "/outbox", summary="Outgoing mail, newest first (filter by status, case, customer)",
          roles=ALL_ROLES, query=OutboxQuery, response=OutboxPage)
def list_outbox(actor: Actor, query: OutboxQuery) -> Any:
    # a lawyer sees the mail of the customers assigned to them, nothing else
    stmt = scoped(select(OutboxMessage), actor, OutboxMessage.customer_id).order_by(OutboxMessage.id.desc())
    if query.status is not None:
        stmt = stmt.where(OutboxMessage.status == query.status)
    if query.case is not None:
        stmt = stmt.where(OutboxMessage.case_id == query.case)
    if query.customer is not None:
        stmt = stmt.where(OutboxMessage.customer_id == query.customer)
    return paginate(session(), stmt, query, describe)


@endpoint(bp, "GET", "/outbox/{outbox_id}", summary="One message: recipients, body, the server's reply, attempts",
          roles=ALL_ROLES, path_params=MSG, responses={"200": "OK", "403": "Not mail of this lawyer's customers",
                                                       "404": "No such message"}, response=OutboxDetail)
def show_outbox(actor: Actor, outbox_id: int) -> Any:
    return _detail(_get(outbox_id))


@endpoint(bp, "GET", "/outbox/{outbox_id}/eml", summary="The exact bytes sent, as message/rfc822 (audit-logged)",
          roles=ALL_ROLES, path_params=MSG, writes=True, response_types=["message/rfc822"],
          responses={"200": "The message", "403": "Not mail of this lawyer's customers",
                     "404": "No such message, or not composed yet"})
def download_eml(actor: Actor, outbox_id: int) -> Any:
    row, data = _outbox().raw(uow(), outbox_id)
    return file_response(data, "message/rfc822", f"outbox-{row.id}.eml")


@endpoint(bp, "POST", "/outbox/{outbox_id}/retry", summary="Send a failed or unknown message again (same bytes)",
          roles=WRITERS, path_params=MSG, responses={"200": "Queued again", "404": "No such message",
                                                     "409": "Not failed or unknown"}, response=OutboxDetail)
def retry_outbox(actor: Actor, outbox_id: int) -> Any:
    return _detail(_outbox().retry(uow(), outbox_id))


@endpoint(bp, "POST", "/outbox/{outbox_id}/cancel", summary="Withdraw a message not sent yet",
          roles=WRITERS, path_params=MSG, responses={"200": "Cancelled", "404": "No such message",
                                                     "409": "Not pending"}, response=OutboxDetail)
def cancel_outbox(actor: Actor, outbox_id: int) -> Any:
    return _detail(_outbox().cancel(uow(), outbox_id))

