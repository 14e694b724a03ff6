"""The case page: one dunning case's whole file and what may be done with it.

The file is what ``GET /api/v1/cases/{ref}`` returns (``workflow.cases.casefile.show``), with what the
page needs from the other rooms: the claim (principal, interest, the limitation of each invoice,
from the claim service the API uses), the debtor's replies and the outbox rows' bounces (the mail
room), the payments (the ledger) and the evidence bundles (``Bundles``). Everything that happened is
merged into one timeline in time order. The actions are POST forms (``case_actions.py``) through
the same service calls as the API; only the moves the case's state allows and the actor's role
permits are offered. A refused action shows the page again with the service's message in the
page's language and the form as it was typed. Lawyers see only the cases of the customers assigned
to them: any other case is the 404 page (the service says "not found").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy import select

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.calc.schemas import ClaimQuery
from workflow.cases import casefile, policy
from workflow.cases import service as cases
from workflow.cases.lifecycle import case_by_ref
from workflow.cases.models import DunningAction, DunningPolicy
from workflow.cases.states import CLOSED, CaseState
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import readable
from workflow.errors import DomainError, NotFound
from workflow.evidence.service import describe as describe_bundle
from workflow.evidence.service import may_handle
from workflow.law.limitation import KIND_WORDS
from workflow.ledger.models import Customer, Payment
from workflow.mail import replies
from workflow.mail.inbound import InboundMessage
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import may_read_mail
from workflow.unit_of_work import UnitOfWork
from workflow.web.api.base import core, uow
from workflow.web.ui import case_actions, i18n, labels
from workflow.web.ui.errors import domain_error
from workflow.web.ui.page import actor, page, render

bp = Blueprint("ui_case", __name__)

# who the forms are offered to: the services' own role sets (they check again)
CALLERS = cases.CALL_RECORDERS
TIMELINE_LIMIT = 500

EVENTS = {
    "case.open": lazy_gettext("Case opened"),
    "case.assign": lazy_gettext("Case reassigned"),
    "case.opened_pre_due": lazy_gettext("Opened before the due date"),
    "case.became_overdue": lazy_gettext("Became overdue"),
    "case.reminder_sent": lazy_gettext("Reminder sent"),
    "case.statement_sent": lazy_gettext("Statement sent"),
    "case.statement_confirmed": lazy_gettext("Statement confirmed by the debtor"),
    "case.promise_recorded": lazy_gettext("Promise to pay recorded"),
    "case.promise_kept": lazy_gettext("Promise kept"),
    "case.promise_broken": lazy_gettext("Promise broken"),
    "case.plan_agreed": lazy_gettext("Repayment plan agreed"),
    "case.plan_completed": lazy_gettext("Repayment plan completed"),
    "case.plan_broken": lazy_gettext("Repayment plan broken"),
    "case.dispute_raised": lazy_gettext("Dispute raised"),
    "case.dispute_resolved": lazy_gettext("Dispute resolved"),
    "case.paused": lazy_gettext("Paused"),
    "case.resumed": lazy_gettext("Resumed"),
    "case.final_notice_sent": lazy_gettext("Final notice sent"),
    "case.lawyer_letter_drafted": lazy_gettext("Lawyer's letter drafted for approval"),
    "case.lawyer_letter_approved": lazy_gettext("Lawyer's letter approved"),
    "case.lawyer_letter_rejected": lazy_gettext("Lawyer's letter rejected"),
    "case.legal_action_started": lazy_gettext("Legal action started"),
    "case.paid_in_full": lazy_gettext("Paid in full"),
    "case.written_off": lazy_gettext("Written off"),
    "case.settled": lazy_gettext("Settled"),
}
INTENTS = {
    "promise_to_pay": lazy_gettext("Promise to pay"),
    "paid": lazy_gettext("Says it has paid"),
    "dispute": lazy_gettext("Disputes the debt"),
    "document_request": lazy_gettext("Asks for documents"),
    "installment_request": lazy_gettext("Asks to pay in instalments"),
    "hardship": lazy_gettext("Financial hardship"),
    "statement_confirmed": lazy_gettext("Confirms the statement"),
    "auto_reply": lazy_gettext("Automatic reply"),
    "bounce": lazy_gettext("Delivery failure"),
    "other": lazy_gettext("Other"),
}
MAIL_STATUS = {
    "pending": lazy_gettext("Waiting to be sent"),
    "sending": lazy_gettext("Sending"),
    "sent": lazy_gettext("Email sent"),
    "unknown": lazy_gettext("Delivery unknown"),
    "failed": lazy_gettext("Sending failed"),
    "cancelled": lazy_gettext("Withdrawn before sending"),
}
REPLY_STATUS = {
    "stored": lazy_gettext("Mail received"),
    "processed": lazy_gettext("Processed"),
    "triage": lazy_gettext("Waiting in triage"),
    "duplicate": lazy_gettext("Duplicate"),
    "failed": lazy_gettext("Could not be read"),
}
PROMISE_STATUS = {
    "pending": lazy_gettext("Awaiting payment"),
    "kept": lazy_gettext("Promise kept"),
    "broken": lazy_gettext("Promise broken"),
    "cancelled": lazy_gettext("Promise cancelled"),
}
PLAN_STATUS = {
    "active": lazy_gettext("Plan running"),
    "completed": lazy_gettext("Repayment plan completed"),
    "broken": lazy_gettext("Repayment plan broken"),
    "cancelled": lazy_gettext("Plan cancelled"),
}
DECISION_STATUS = {
    "queued": lazy_gettext("Queued for sending"),
    "awaiting_approval": lazy_gettext("Waiting for approval"),
    "approved": lazy_gettext("Letter approved"),
    "rejected": lazy_gettext("Letter rejected"),
    "blocked": lazy_gettext("Sending blocked"),
}
DECISIONS = {
    "pre_due": lazy_gettext("Pre-due reminder"),
    "level": lazy_gettext("Escalation level"),
    "statement": lazy_gettext("Statement"),
    "statement_chase": lazy_gettext("Statement reminder"),
    "resend": lazy_gettext("Letter sent again"),
    "manual": lazy_gettext("Letter sent by a person"),
}
BUNDLE_STATUS = {
    "queued": lazy_gettext("Waiting to be built"),
    "building": lazy_gettext("Being built"),
    "ready": lazy_gettext("Built"),
    "failed": lazy_gettext("Build failed"),
}
PDF_STATUS = {
    "pending": lazy_gettext("PDF being made"),
    "made": lazy_gettext("PDF ready"),
    "unavailable": lazy_gettext("No PDF on this server"),
    "failed": lazy_gettext("PDF failed"),
    "not_requested": lazy_gettext("No PDF requested"),
}
NOTE_KINDS = {"call": lazy_gettext("Call"), "note": lazy_gettext("Note"), "system": lazy_gettext("System note")}
PROMISE_SOURCES = {
    "call": lazy_gettext("Phone call"), "email": lazy_gettext("Email message"), "letter": lazy_gettext("Letter"),
    "meeting": lazy_gettext("Meeting"), "reply": lazy_gettext("Reply"),
}
# how a state looks beside its text (never colour alone: the badge says it)
TONES = {"disputed": "bad", "legal_action": "bad", "lawyer_letter_pending": "warn", "lawyer_letter_sent": "warn",
         "final_notice": "warn", "paused": "warn", "promise_pending": "ok", "repayment_plan": "ok",
         "closed_paid": "ok", "closed_settled": "ok", "closed_written_off": "bad"}


def label(table: Mapping[str, Any], code: object) -> str:
    key = str(code or "")
    return str(table.get(key, key))


def bilingual(text: object) -> str:
    """Reasons the run and the services store in both languages ("中文 / English"): the page's one."""
    value = str(text or "")
    zh, sep, en = value.partition(" / ")
    if sep and any("\u4e00" <= ch <= "\u9fff" for ch in zh) and not any("\u4e00" <= ch <= "\u9fff" for ch in en):
        return i18n.pick(zh, en)
    return value


def kind_title(kind: str) -> str:
    spec = core().services.templates.catalogue.get(kind)
    return i18n.pick(spec.title_zh, spec.title_en) if spec is not None else kind


# ---- the timeline ----------------------------------------------------------------------------------

@dataclass
class Entry:
    at: datetime  # aware; orders the timeline
    kind: str  # state, letter, email, reply, promise, payment, call, note, decision, plan, bundle
    id: int
    data: dict[str, Any] = field(default_factory=dict)
    day_only: bool = False  # known to the day (a payment's value date), not the minute
    rank: int | None = None  # the order among entries of the same instant (default: by kind)

    @property
    def testid(self) -> str:
        return f"tl-{self.kind}-{self.id}"


def _aware(value: Any, tz: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=tz)
    if isinstance(value, str) and value:
        return _aware(datetime.fromisoformat(value), tz)
    return datetime.min.replace(tzinfo=UTC)


# audit entries that other entries already show (a note's text, a letter sent by hand)
_SHOWN_ELSEWHERE = frozenset({"case.note", "case.document_sent"})
# the order of entries at the same instant: what caused a move comes before the move
_SAME_INSTANT = {"payment": 0, "reply": 1, "letter": 2, "email": 3, "decision": 4, "promise": 5, "plan": 5,
                 "call": 6, "note": 6, "state": 7, "bundle": 8}


def timeline(u: UnitOfWork, file: dict[str, Any], mail: bool, bundles: list[dict[str, Any]]) -> list[Entry]:
    s = u.session
    tz = core().settings.tz
    case_id = file["id"]
    out: list[Entry] = []
    for n, e in enumerate(file["timeline"]):
        if e["action"] in _SHOWN_ELSEWHERE:
            continue
        evidence = e.get("evidence") if isinstance(e.get("evidence"), Mapping) else {}
        out.append(Entry(_aware(e["at"], tz), "state", n + 1, rank=-1 if e["action"] == "case.open" else None, data={
            "title": label(EVENTS, e["action"]), "actor": e["actor"], "reason": bilingual(e.get("reason")),
            "from": labels.case_state(e["from_state"]) if e.get("from_state") else None,
            "to": labels.case_state(e["to_state"]) if e.get("to_state") else None,
            "moved": bool(e.get("from_state") and e.get("to_state") and e["from_state"] != e["to_state"]),
            "note": evidence.get("note") if evidence else None}))
    for d in file["documents"]:
        doc = s.get(GeneratedDocument, d["id"])
        if doc is None or not readable(u, doc):
            continue
        out.append(Entry(_aware(d["made_at"], tz), "letter", d["id"], {
            "title": kind_title(d["kind"]), "language": d["language"], "made_by": d["made_by"],
            "pdf": doc.pdf_sha256 is not None, "pdf_status": label(PDF_STATUS, d["pdf_status"]),
            "draft": d.get("draft")}))
    if mail:
        extra = {row.id: row for row in s.execute(select(
            OutboxMessage.id, OutboxMessage.bounced_at, OutboxMessage.created_at).where(
            OutboxMessage.case_id == case_id))}
        for m in file["emails"]:
            more = extra.get(m["id"])
            out.append(Entry(_aware(m["sent_at"] or (more.created_at if more else None), tz), "email", m["id"], {
                "subject": m["subject"], "status": m["status"], "status_label": label(MAIL_STATUS, m["status"]),
                "recipients": m["recipients"], "sent_at": m["sent_at"], "automated": m["automated"],
                "bounced_at": more.bounced_at if more else None, "error": m["error"],
                "letter": kind_title(m["kind"]), "document_id": m["document_id"]}))
        for row in s.scalars(select(InboundMessage).where(InboundMessage.case_id == case_id)
                             .order_by(InboundMessage.id).limit(TIMELINE_LIMIT)):
            r = replies.describe(s, row)
            confidence = r.get("confidence")
            out.append(Entry(_aware(row.sent_at or row.received_at, tz), "reply", row.id, {
                "from": r["from_address"], "subject": r["subject"], "text": r["reply_text"],
                "intent": label(INTENTS, r["intent"]) if r["intent"] else None,
                "confidence": round(float(confidence) * 100) if isinstance(confidence, int | float) else None,
                "status": label(REPLY_STATUS, r["status"]), "triage": r["status"] == "triage",
                "received_at": r["received_at"]}))
    for p in file["promises"]:
        out.append(Entry(_aware(p["recorded_at"], tz), "promise", p["id"], {
            **p, "status_label": label(PROMISE_STATUS, p["status"]),
            "source_label": label(PROMISE_SOURCES, p["source"])}))
    for plan in file["plans"]:
        out.append(Entry(_aware(plan["created_at"], tz), "plan", plan["id"], {
            **plan, "status_label": label(PLAN_STATUS, plan["status"])}))
    for n in file["notes"]:
        out.append(Entry(_aware(n["created_at"], tz), "call" if n["kind"] == "call" else "note", n["id"], {
            **n, "kind_label": label(NOTE_KINDS, n["kind"])}))
    created: dict[int, datetime] = {row.id: row.created_at for row in s.execute(
        select(DunningAction.id, DunningAction.created_at).where(DunningAction.case_id == case_id))}
    for a in file["actions"]:
        out.append(Entry(_aware(created.get(a["id"]) or a["run_on"], tz), "decision", a["id"], {
            **a, "title": label(DECISIONS, a["action"]), "letter": kind_title(a["kind"]) if a["kind"] else None,
            "status_label": label(DECISION_STATUS, a["status"]), "reason": bilingual(a["reason"])}))
    for pay in s.scalars(select(Payment).where(Payment.creditor_id == file["creditor"]["id"],
                                               Payment.customer_id == file["customer"]["id"])
                         .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(TIMELINE_LIMIT)):
        out.append(Entry(_aware(pay.received_on, tz), "payment", pay.id, {
            "amount": pay.amount, "currency": pay.currency, "reference": pay.bank_reference,
            "payer": pay.payer_name}, day_only=True))
    for b in bundles:
        out.append(Entry(_aware(b["requested_at"], tz), "bundle", b["id"], b))
    out.sort(key=lambda e: (e.at, _SAME_INSTANT.get(e.kind, 9) if e.rank is None else e.rank, e.id))
    return out


# ---- the claim -------------------------------------------------------------------------------------

def claim(u: UnitOfWork, file: dict[str, Any]) -> dict[str, Any]:
    """The claim against this case's creditor, as of today; a claim that cannot be computed (a rate
    not yet published) is said so on the page instead of hiding the case."""
    try:
        data = core().services.claims.claim(u, file["customer"]["id"],
                                            ClaimQuery(creditor_id=file["creditor"]["id"]))
    except DomainError as exc:
        return {"error": exc.message(i18n.page_locale()), "invoices": [], "totals": []}
    rows = []
    for inv in data["invoices"]:
        lim = inv.get("limitation") or {}
        last = lim.get("last_interruption")
        words = KIND_WORDS.get(last["kind"]) if last else None
        rows.append({**inv, "limitation": lim, "interrupted_by": i18n.pick(words[0], words[1]) if words else None,
                     "interrupted_on": last["date"] if last else None,
                     "interruption_note": bilingual(last.get("note")) if last else None})
    warnings = [i18n.pick(w.get("zh", ""), w.get("en", "")) for w in data.get("warnings", [])]
    return {"error": None, "as_of": data["as_of"], "invoices": rows, "totals": data["totals"],
            "warnings": warnings, "complete": data["complete"]}


# ---- what the actor may do ---------------------------------------------------------------------------

def offered(u: UnitOfWork, file: dict[str, Any], who: Actor) -> dict[str, bool]:
    events = set(file["allowed_events"])
    role = who.role
    closed = CaseState(file["state"]) in CLOSED
    worker = role in cases.CASE_WORKERS
    pending = any(a["status"] == "awaiting_approval" for a in file["actions"])
    return {
        "send": worker and not closed,
        "note": role in CALLERS,
        "promise": role in CALLERS and "promise_recorded" in events,
        "pause": worker and "paused" in events,
        "resume": worker and "resumed" in events,
        "dispute": worker and "dispute_raised" in events,
        "resolve": worker and "dispute_resolved" in events,
        "approve": role in cases.APPROVERS and "lawyer_letter_approved" in events and pending,
        "legal_action": role in cases.LEGAL_ACTION_ROLES and "legal_action_started" in events,
        "write_off": role in cases.WRITE_OFF_ROLES and "written_off" in events,
        "settle": worker and "settled" in events,
        "bundle": _may_bundle(u, file),
    }


def _may_bundle(u: UnitOfWork, file: dict[str, Any]) -> bool:
    return may_handle(u, case_by_ref(u, file["ref"]))


def _pending_letter(u: UnitOfWork, file: dict[str, Any]) -> dict[str, Any] | None:
    action = next((a for a in reversed(file["actions"]) if a["status"] == "awaiting_approval"), None)
    if action is None or action["document_id"] is None:
        return None
    doc = u.session.get(GeneratedDocument, action["document_id"])
    if doc is None or not readable(u, doc):
        return None
    return {"document_id": doc.id, "pdf": doc.pdf_sha256 is not None, "pdf_status": label(PDF_STATUS, doc.pdf_status),
            "title": kind_title(doc.kind), "made_at": doc.made_at, "reason": bilingual(action["reason"])}


def _bundles(u: UnitOfWork, file: dict[str, Any], allowed: bool) -> list[dict[str, Any]]:
    if not allowed:
        return []
    return [{**describe_bundle(b, file["ref"]), "status_label": label(BUNDLE_STATUS, b.status)}
            for b in core().services.bundles.of_case(u, file["ref"])[:20]]


def next_kind(u: UnitOfWork, file: dict[str, Any]) -> str:
    """The letter the customer's dunning policy sends next (the form's default): the pre-due reminder
    before the due date, else the first level above the case's that a clerk may send by hand."""
    s = u.session
    try:
        own = policy.customer_settings(s, file["customer"]["id"])
        chosen = s.get(DunningPolicy, own.policy_id) if own is not None and own.policy_id else None
        chosen = chosen or policy.find_default(s)
        ladder = policy.ladder_of(chosen) if chosen is not None else policy.default_ladder()
    except DomainError:  # a stored policy that no longer reads: the first letter, as the form's default
        return "dunning_letter_1"
    if file["state"] == CaseState.PRE_DUE and ladder.pre_due is not None:
        upcoming = [ladder.pre_due.kind]
    else:
        upcoming = [lv.kind for lv in ladder.levels[max(0, int(file["level"])):]]
    upcoming += [lv.kind for lv in reversed(ladder.levels)]  # at the top of the ladder: its last letter again
    return next((k for k in upcoming if k in cases.SENDABLE_KINDS), "dunning_letter_1")


def _person(u: UnitOfWork, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = u.session.get(User, user_id)
    if user is None:
        return None
    return f"{user.display_name} ({user.username})" if user.display_name != user.username else user.username


def context(ref: str, *, printing: bool = False, failed: str | None = None,
            errors: dict[str, str] | None = None, values: Mapping[str, str] | None = None) -> dict[str, Any]:
    u = uow()
    who = actor()
    file = casefile.show(u, ref)
    mail = may_read_mail(u, file["customer"]["id"])
    can = offered(u, file, who)
    row = u.session.get(Customer, file["customer"]["id"])
    bundles = _bundles(u, file, can["bundle"])
    return {
        "c": file, "printing": printing,
        "state_label": labels.case_state(file["state"]), "state_tone": TONES.get(file["state"], ""),
        "resume_label": labels.case_state(file["resume_to"]) if file["resume_to"] else None,
        # the case's own clerk, else the customer's (as the case list counts it)
        "clerk": _person(u, file["assigned_user_id"]),
        "customer_clerk": _person(u, row.assigned_clerk_id) if row is not None else None,
        "lawyer": _person(u, row.assigned_lawyer_id) if row is not None else None,
        "timeline": timeline(u, file, mail, bundles), "claim": claim(u, file), "can": can,
        "pending_letter": _pending_letter(u, file) if can["approve"] or who.role in cases.APPROVERS else None,
        "bundles": bundles,
        "sendable": [(k, kind_title(k)) for k in cases.SENDABLE_KINDS],
        "next_kind": next_kind(u, file) if can["send"] else None,
        "sources": [(k, str(v)) for k, v in PROMISE_SOURCES.items()],
        "failed": failed, "errors": errors or {}, "values": values or {},
        # a refused form no longer offered (the case moved meanwhile) has its message above the forms
        "failed_shown": bool(failed) and can.get("approve" if failed == "reject" else str(failed), False),
        "today": u.today(),
    }


# ---- pages -----------------------------------------------------------------------------------------

@page(bp, "/cases/<ref>")
def case(ref: str) -> ResponseReturnValue:
    return render("ui/case/page.html", **context(ref))


@page(bp, "/cases/<ref>/print")
def print_view(ref: str) -> ResponseReturnValue:
    return render("ui/case/page.html", **context(ref, printing=True))


class Refused(Exception):
    """A service refused a form: the page is shown again with its message, the form as typed."""

    def __init__(self, error: DomainError, ref: str, name: str, values: dict[str, str]) -> None:
        super().__init__(error.message("en"))
        self.error, self.ref, self.name, self.values = error, ref, name, values


@page(bp, "/cases/<ref>/actions/<name>", methods=("POST",))
def act(ref: str, name: str) -> ResponseReturnValue:
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        done = case_actions.perform(name, ref, form)
    except NotFound:
        raise  # a case this person may not see, or no such action: the 404 page
    except DomainError as exc:
        # raised through the unit of work, so nothing the action began is kept
        raise Refused(exc, ref, name, form) from exc
    flash(done, "ok")
    return redirect(url_for("ui_case.case", ref=ref.strip().upper()) + f"#{'bundles' if name == 'bundle' else 'top'}",
                    code=303)


@bp.errorhandler(Refused)
def refused(exc: Refused) -> ResponseReturnValue:
    loc = i18n.page_locale()
    errors = {p.field or "": p.as_dict(loc)["message"] for p in exc.error.problems}
    if not errors:
        errors = {"": exc.error.message(loc)}
    who = actor()
    try:
        with core().unit_of_work(who, read_only=True) as u:
            g.uow = u
            try:
                html = render("ui/case/page.html", **context(exc.ref, failed=exc.name, errors=errors,
                                                             values=exc.values))
            finally:
                g.pop("uow", None)
    except DomainError as again:  # the case itself is not theirs to see
        return domain_error(again)
    return html, exc.error.status


@page(bp, "/cases/<ref>/documents/<int:document_id>/<fmt>", writes=True)
def document(ref: str, document_id: int, fmt: str) -> ResponseReturnValue:
    return case_actions.document_file(ref, document_id, fmt)


@page(bp, "/cases/<ref>/bundles/<int:bundle_id>/<what>", writes=True)
def bundle_file(ref: str, bundle_id: int, what: str) -> ResponseReturnValue:
    return case_actions.bundle_file(ref, bundle_id, what)

