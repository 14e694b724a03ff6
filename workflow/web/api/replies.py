"""API: ``POST /api/v1/replies/classify`` — the raw bytes of one received message in, what it is and
what it says out (the same JSON as ``dunning reply classify --json``).

The body is the message itself (``Content-Type: message/rfc822`` or ``application/octet-stream``),
not JSON and not a form. Nothing is stored: matching the reply to its case and moving the case is
the inbox's work; this endpoint lets a clerk or an integration ask what a message says.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field

from workflow.accounts.actor import Actor
from workflow.errors import TooLarge, invalid
from workflow.mail.classify import classify
from workflow.mail.mime import MAX_MESSAGE_BYTES, MessageTooLarge
from workflow.web.api.base import core, endpoint, uow

bp = Blueprint("replies", __name__)

CONTENT_TYPES = ["message/rfc822", "application/octet-stream"]


class PromiseOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str | None = Field(description="ISO date, null when the debtor gave no date (\"春节后\")")
    amount: str | None = Field(description="decimal string without separators, null when none was named")


class BounceOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str = Field(description="RFC 3463 status of the first failed recipient; a delay is 4.x.x")
    recipients: list[str]
    statuses: dict[str, str]
    permanent: bool
    invalid_recipients: list[str] = Field(description="addresses bad in themselves (not our sending's fault)")
    our_problem: bool = Field(description="every failure was a refusal of how we send (rate limits, DMARC, spam)")


class AttachmentOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    content_type: str
    size: int
    sha256: str
    too_large: bool


class ReplyOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: str = Field(description="promise_to_pay, paid, dispute, document_request, installment_request, "
                                    "hardship, statement_confirmed, auto_reply, bounce or other")
    confidence: float = Field(ge=0, le=1)
    reply_text: str = Field(description="what the debtor newly wrote: no quoted history, no signature")
    promises: list[PromiseOut]
    promised_date: str | None
    amount: str | None
    currency: str | None
    paid_date: str | None
    reference: str | None
    dispute_reason: str | None = Field(description="quality, quantity, price, not_delivered or other")
    auto_reply: bool
    return_date: str | None
    bounce: BounceOut | None
    case_ref: str | None
    case_ref_source: str | None = Field(description="thread, plus, subject or returned_letter")
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    from_: str = Field(alias="from")
    from_name: str
    subject: str
    date: str | None
    anchor_date: str | None = Field(description="the day relative dates were resolved from (Asia/Shanghai)")
    attachments: list[AttachmentOut]
    quote_found: bool
    cues: dict[str, list[str]]


@endpoint(
    bp, "POST", "/replies/classify",
    summary="Classify one received message (its raw bytes): intent, confidence, new text, promises, payment, "
            "bounce, auto-reply",
    content_types=CONTENT_TYPES, writes=False,
    responses={"200": "What the message is and says", "413": "Message too large",
               "422": "Empty body"},
    response=ReplyOut,
)
def classify_reply(actor: Actor) -> Any:
    limit = min(MAX_MESSAGE_BYTES, core().settings.max_upload_bytes)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("body", limit)
    if not data.strip():
        raise invalid("body", "missing", "请求体应为邮件原文（message/rfc822）",
                      "the body must be the raw message (message/rfc822)")
    try:
        result = classify(data, fallback_day=uow().today())
    except MessageTooLarge as exc:
        raise TooLarge("body", exc.limit) from None
    return result.as_json()
