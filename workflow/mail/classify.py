"""One received message → what it is and what it says: the pipeline behind ``dunning reply classify``
and ``POST /api/v1/replies/classify``.

decode (``mime``) → delivery report? (``reports``) → auto-reply? → new text only (``quotes``) →
intent and facts (``intent``). The result is a plain dataclass whose ``as_json()`` is the one
JSON shape the CLI and the API print, and which a later step can store beside the message bytes and
act on (match to a case, move it): dates ISO, amounts decimal strings without separators, absent
values null.

Pure: bytes in, a Classification out. The day relative dates count from is the message's Date in
Asia/Shanghai; only a message without a readable Date needs the caller's ``fallback_day``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from workflow.amounts import plain
from workflow.mail.intent import Promise, understand
from workflow.mail.mime import SHANGHAI, Decoded, parse
from workflow.mail.quotes import strip_reply
from workflow.mail.reports import Bounce, detect_auto_reply, detect_bounce, is_feedback_report

CASE_REF = re.compile(r"AR-\d{4}-\d{4,6}", re.IGNORECASE)
_PLUS_REF = re.compile(r"\+(AR-\d{4}-\d{4,6})@", re.IGNORECASE)
_ID_REF = re.compile(r"<(AR-\d{4}-\d{4,6})\.[^<>@\s]+@[^<>\s]+>", re.IGNORECASE)


@dataclass
class Classification:
    intent: str
    confidence: float
    reply_text: str
    promises: list[Promise] = field(default_factory=list)
    promised_date: date | None = None
    amount: Decimal | None = None
    currency: str | None = None
    paid_date: date | None = None
    reference: str | None = None
    dispute_reason: str | None = None
    auto_reply: bool = False
    return_date: date | None = None
    bounce: Bounce | None = None
    case_ref: str | None = None
    case_ref_source: str | None = None  # thread, plus, subject, returned_letter
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    sent_at: str | None = None
    anchor: date | None = None
    attachments: list[dict[str, object]] = field(default_factory=list)
    quote_found: bool = False
    cues: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "reply_text": self.reply_text,
            "promises": [p.as_json() for p in self.promises],
            "promised_date": _iso(self.promised_date),
            "amount": plain(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "paid_date": _iso(self.paid_date),
            "reference": self.reference,
            "dispute_reason": self.dispute_reason,
            "auto_reply": self.auto_reply,
            "return_date": _iso(self.return_date),
            "bounce": self.bounce.as_json() if self.bounce is not None else None,
            "case_ref": self.case_ref,
            "case_ref_source": self.case_ref_source,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "from": self.sender,
            "from_name": self.sender_name,
            "subject": self.subject,
            "date": self.sent_at,
            "anchor_date": _iso(self.anchor),
            "attachments": self.attachments,
            "quote_found": self.quote_found,
            "cues": self.cues,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def case_ref_of(d: Decoded, raw: bytes | None = None) -> tuple[str | None, str | None]:
    """The case a message belongs to and how it was found: our Message-IDs in its thread, then the
    plus address it was sent to, then the reference in its subject, then (bounces) the returned letter."""
    for mid in [*d.in_reply_to, *reversed(d.references)]:
        m = _ID_REF.fullmatch(mid)
        if m:
            return m.group(1).upper(), "thread"
    recipients = " ".join([*d.to, *d.all("delivered-to"), *d.all("x-original-to"), *d.all("envelope-to")])
    m = _PLUS_REF.search(recipients)
    if m:
        return m.group(1).upper(), "plus"
    m = CASE_REF.search(d.subject)
    if m:
        return m.group(0).upper(), "subject"
    if raw is not None:
        m = _ID_REF.search(raw[:2_000_000].decode("ascii", "replace"))
        if m:
            return m.group(1).upper(), "returned_letter"
    return None, None


def classify(raw: bytes, *, fallback_day: date) -> Classification:
    """Classify one message. Raises ``mime.MessageTooLarge`` over the size cap; nothing else."""
    d = parse(raw)
    anchor = d.date.astimezone(SHANGHAI).date() if d.date is not None else fallback_day
    ref, ref_source = case_ref_of(d)
    out = Classification(
        intent="other", confidence=0.5, reply_text="", message_id=d.message_id, in_reply_to=d.in_reply_to,
        references=d.references, sender=d.from_address, sender_name=d.from_name, subject=d.subject,
        sent_at=d.date.isoformat() if d.date else None, anchor=anchor,
        attachments=[a.as_json() for a in d.attachments], case_ref=ref, case_ref_source=ref_source,
    )
    if is_feedback_report(d):
        out.confidence = 0.9  # a complaint report: nothing a debtor said
        return out
    bounce = detect_bounce(d)
    if bounce is not None and bounce.delivered_only:
        out.confidence = 0.9  # a report that the letter arrived: nothing a debtor said
        return out
    if bounce is not None:
        out.intent, out.bounce = "bounce", bounce
        out.confidence = 0.99 if bounce.source == "dsn" and bounce.recipients else (
            0.9 if bounce.recipients else 0.8)
        if ref is None:
            out.case_ref, out.case_ref_source = case_ref_of(d, raw)
        return out
    stripped = strip_reply(d.text)
    out.reply_text = stripped.text
    out.quote_found = stripped.quote_found
    auto = detect_auto_reply(d, anchor)
    if auto is not None:
        out.intent, out.auto_reply, out.return_date = "auto_reply", True, auto.return_date
        out.confidence = 0.97 if auto.reason != "subject" else 0.9
        return out
    u = understand(stripped.text, anchor)
    out.intent, out.confidence, out.cues = u.intent, u.confidence, u.cues
    out.promises, out.promised_date, out.amount = u.promises, u.promised_date, u.amount
    out.currency = u.currency if out.amount is not None or out.promises else None
    out.paid_date, out.reference, out.dispute_reason = u.paid_date, u.reference, u.dispute_reason
    return out
