"""Triage: the replies the machine was unsure of (low confidence, unmatched, unclear, incomplete, or
a case that could not move that way), one at a time, what was read beside what was written.

The queue, one reply and the clerk's decision are the inbox's own service calls, as the API's
``GET /api/v1/replies/triage``, ``GET /api/v1/replies/{id}`` and ``POST /api/v1/replies/{id}/confirm``
make them (``workflow.mail.replies.Inbox``: ``triage``, ``show``, ``confirm``; the corrections checked
by ``corrections_of``). Confirming moves the case in the same unit of work and keeps the decision for
the accuracy report; a refused confirmation (the case cannot move that way, an unknown case) rolls
back and shows the reply again with what the clerk typed. Keys: j/k next and previous reply, c
confirm, 1–9 and 0 pick an intent, o open the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from workflow.errors import DomainError, invalid
from workflow.ledger.models import Customer
from workflow.mail import mime
from workflow.mail.inbound import InboundMessage
from workflow.mail.replies import INTENTS, Inbox, corrections_of
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n
from workflow.web.ui.money import case_url, customer_url
from workflow.web.ui.page import STAFF, Refused, nav_item, page, render

bp = Blueprint("ui_triage", __name__)
nav_item("Triage", "ui_triage.triage", roles=STAFF, order=25)

PER_PAGE = 50
ORIGINAL_LIMIT = 20_000  # characters of the original shown; the .eml download has every byte
WAITING = ("triage", "failed")

INTENT_LABELS = {
    "promise_to_pay": lazy_gettext("Promise to pay"),
    "paid": lazy_gettext("Says it has paid"),
    "dispute": lazy_gettext("Dispute"),
    "document_request": lazy_gettext("Asks for documents"),
    "installment_request": lazy_gettext("Asks for instalments"),
    "hardship": lazy_gettext("Hardship"),
    "statement_confirmed": lazy_gettext("Statement confirmed"),
    "auto_reply": lazy_gettext("Automatic reply"),
    "bounce": lazy_gettext("Bounce"),
    "other": lazy_gettext("Other (nothing to do)"),
}
# one key each: 1–9, and 0 for the tenth
INTENT_KEYS = {intent: str((n + 1) % 10) for n, intent in enumerate(INTENTS)}
REASONS = {
    "low_confidence": lazy_gettext("Low confidence"),
    "unmatched": lazy_gettext("No case found"),
    "unclear": lazy_gettext("Unclear"),
    "incomplete": lazy_gettext("Incomplete (e.g. a promise without a date)"),
    "cannot_move": lazy_gettext("The case cannot move that way"),
    "failed": lazy_gettext("Processing failed"),
}
MATCHED_BY = {
    "in_reply_to": lazy_gettext("Reply to our letter"),
    "references": lazy_gettext("Thread of our letter"),
    "plus_address": lazy_gettext("Sent to the case's address"),
    "subject_ref": lazy_gettext("Case number in the subject"),
    "sender_address": lazy_gettext("Sender is a contact of the customer"),
    "sender_domain": lazy_gettext("Sender's company domain"),
    "clerk": lazy_gettext("Chosen by a clerk"),
}
DISPUTE_REASONS = {
    "quality": lazy_gettext("Quality"),
    "quantity": lazy_gettext("Quantity"),
    "price": lazy_gettext("Price"),
    "not_delivered": lazy_gettext("Not delivered"),
    "other": lazy_gettext("Other"),
}
FIELDS = ("case_ref", "promised_date", "amount", "currency", "paid_date", "dispute_reason")


def intent_label(code: str | None) -> str:
    return str(INTENT_LABELS.get(code or "", code or "—"))


def _inbox() -> Inbox:
    return core().services.inbox


def _original(reply: dict[str, Any]) -> dict[str, Any]:
    """The message as the debtor sent it, decoded (charsets, HTML), quotes and signature kept; and
    what the classifier read beyond what the service's summary carries."""
    row = uow().session.get(InboundMessage, reply["id"])
    cls = dict(row.classification or {}) if row is not None else {}
    try:
        decoded = mime.parse(core().files.get(reply["sha256"]))
    except Exception:  # an unreadable message is in triage for exactly that reason: show what we can
        return {"text": "", "to": [], "from_name": "", "attachments": [], "cls": cls, "unreadable": True}
    text = decoded.text
    return {"text": text[:ORIGINAL_LIMIT], "cut": len(text) > ORIGINAL_LIMIT, "to": decoded.to,
            "from_name": decoded.from_name, "attachments": decoded.attachments, "cls": cls, "unreadable": False}


def _view(reply_id: int | None, *, errors: dict[str, str] | None = None,
          typed: dict[str, str] | None = None) -> str:
    try:
        page_no = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page_no = 1
    queue = _inbox().triage(uow(), page=page_no, per_page=PER_PAGE)
    items: list[dict[str, Any]] = queue["items"]
    current: dict[str, Any] | None = None
    if reply_id is not None:
        current = next((i for i in items if i["id"] == reply_id), None) or _inbox().show(uow(), reply_id)
    elif items:
        current = items[0]
    position = next((n for n, i in enumerate(items) if current and i["id"] == current["id"]), None)
    pages = max(1, -(-int(queue["total"]) // PER_PAGE))

    def at(n: int) -> str | None:
        if 0 <= n < len(items):
            return url_for("ui_triage.triage", id=items[n]["id"], page=page_no)
        if n >= len(items) and page_no < pages:
            return url_for("ui_triage.triage", page=page_no + 1)
        if n < 0 and page_no > 1:
            return url_for("ui_triage.triage", page=page_no - 1)
        return None

    context: dict[str, Any] = {"queue": items, "total": queue["total"], "page_no": page_no, "pages": pages,
                               "current": current, "errors": errors or {}, "typed": typed or {}}
    if current is not None:
        customer = (uow().session.get(Customer, current["customer_id"])
                    if current.get("customer_id") is not None else None)
        context.update(
            original=_original(current), waiting=current["status"] in WAITING, customer=customer,
            customer_link=customer_url(customer.id) if customer else None,
            case_link=case_url(current["case_id"], current["case_ref"]) if current.get("case_id") else None,
            next_url=at(position + 1) if position is not None else at(0),
            prev_url=at(position - 1) if position is not None else None,
            reason=str(REASONS.get(current["triage_reason"] or current["status"], current["triage_reason"] or "")),
            matched_by=str(MATCHED_BY.get(current["matched_by"] or "", current["matched_by"] or "")),
            eml_url=f"/api/v1/replies/{current['id']}/eml")
    return render("ui/triage/index.html", intents=[(i, intent_label(i), INTENT_KEYS[i]) for i in INTENTS],
                  intent_label=intent_label, reasons=REASONS, dispute_reasons=DISPUTE_REASONS, **context)


@page(bp, "/triage", roles=STAFF)
def triage() -> ResponseReturnValue:
    raw = request.args.get("id", "").strip()
    reply_id = int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None
    return _view(reply_id)


def _day(typed: dict[str, str], name: str) -> date | None:
    raw = typed.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "bad_date", "日期格式应为 2026-11-30", "a date such as 2026-11-30") from None


@page(bp, "/triage/poll", methods=("POST",), roles=STAFF)
def poll() -> ResponseReturnValue:
    """Read the mailbox now rather than at the next minute's sweep: the same job the schedule
    queues (one at a time, by its job id), queued once this request's unit of work has committed,
    since the inbox opens units of work of its own."""
    jobs = core().jobs
    uow().after_commit(lambda: jobs.enqueue("inbox", "poll_inbox", job_id="poll_inbox"))
    flash(_("The mailbox is being read; new replies that need a clerk appear here."), "ok")
    return redirect(url_for("ui_triage.triage"), code=303)


@page(bp, "/triage/<int:reply_id>/confirm", methods=("POST",), roles=STAFF)
def confirm(reply_id: int) -> ResponseReturnValue:
    """Without an intent: the machine's reading confirmed. With one (a button 1–9, 0) and any fields
    filled in: the reading corrected. Then the case moves, as ``POST /api/v1/replies/{id}/confirm``."""
    typed = {name: request.form.get(name, "").strip()[:1000] for name in FIELDS}
    intent = request.form.get("intent", "").strip() or None
    try:
        fields = corrections_of(intent=intent, case_ref=typed["case_ref"] or None,
                                promised_date=_day(typed, "promised_date"), amount=typed["amount"] or None,
                                currency=typed["currency"] or None, paid_date=_day(typed, "paid_date"),
                                dispute_reason=typed["dispute_reason"] or None)
        row = _inbox().confirm(uow(), reply_id, fields)
    except DomainError as exc:
        loc = i18n.page_locale()
        errors = {"": exc.message(loc)}
        errors.update({p.field: p.message(loc) for p in exc.problems})
        raise Refused((_view(reply_id, errors=errors, typed=typed), exc.status)) from None
    ref = row.case_id and _inbox().show(uow(), row.id).get("case_ref")
    if ref:
        flash(_("Reply #%(id)s: %(intent)s, case %(ref)s acted on.", id=row.id, intent=intent_label(row.intent),
                ref=ref), "ok")
    else:
        flash(_("Reply #%(id)s: %(intent)s.", id=row.id, intent=intent_label(row.intent)), "ok")
    return redirect(url_for("ui_triage.triage"), code=303)
