"""What a clerk does with a case, and what a case shows.

Every action is one use case in the caller's unit of work: it locks the case, moves it through
``lifecycle.apply`` (so the audit log names the actor, the reason and the evidence) and writes its
own rows (a note, a promise, invoices written off) in the same transaction. What a case shows (the
list and the whole case file) is ``casefile.py``. A lawyer sees only the cases of customers assigned
to them, and anyone else's case is "not found" to them.

Actions that need ports (the document service, the claim, the outbox, the webhook) live on
``CaseService``, built once in ``workflow.services``; the rest are plain functions of the unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from workflow.accounts.models import Role, User
from workflow.cases import holds, plans
from workflow.cases.lifecycle import apply, case_by_ref, lock_case, open_case
from workflow.cases.models import CaseNote, DunningAction, DunningCase, Promise, RepaymentPlan
from workflow.cases.outbox_port import OutboxPort
from workflow.cases.states import CLOSED, CaseEvent, CaseState
from workflow.db import cents_to_decimal
from workflow.documents.contexts.ledger import ClaimReader, LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LETTER_KINDS, LawFirm, Lawyer
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import Conflict, NotFound, invalid
from workflow.ledger.access import can_see_customer
from workflow.ledger.balances import balance_fen, in_fen
from workflow.ledger.models import CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.responsibility import resolve_person
from workflow.unit_of_work import UnitOfWork

# who may act on a case (the ledger's writers); a lawyer reads the cases assigned to them
CASE_WORKERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
# a salesperson may also record their calls and the promises they obtain, on their own customers' cases
CALL_RECORDERS = CASE_WORKERS | {Role.SALES}
# who may hold a case
ASSIGNEES = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN, Role.SALES})
# writing a debt off gives money up: not a clerk's decision alone
WRITE_OFF_ROLES = frozenset({Role.LEGAL, Role.ADMIN})
LEGAL_ACTION_ROLES = frozenset({Role.LEGAL, Role.LAWYER, Role.ADMIN})
# a 律师函 is the law firm's letter (律师法 25): a lawyer or the legal team signs it off
APPROVERS = frozenset({Role.LAWYER, Role.LEGAL})
# what "send a document now" may send: the 律师函 goes only through its approval
SENDABLE_KINDS = (*LETTER_KINDS, "statement")
PROMISE_SOURCES = ("call", "email", "letter", "meeting", "reply")
NOTE_KINDS = ("call", "note")
MAX_TEXT = 4000
REF_SHAPE = re.compile(r"[A-Za-z]{1,8}-\d{4}-\d{1,9}")


# ---- money the case is about -------------------------------------------------------------------

def open_balance(s: Session, creditor_id: int, customer_id: int) -> dict[str, Decimal]:
    """What the customer owes this creditor today per currency: invoices not written off, less
    everything paid or credited (the ledger's maintained balances)."""
    owed = balance_fen()
    rows = s.execute(
        select(Invoice.currency, func.sum(owed)).where(
            Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id,
            Invoice.written_off == false(), owed > 0).group_by(Invoice.currency)).all()
    return {cur: cents_to_decimal(fen) for cur, fen in rows if fen}


def paid_total(s: Session, creditor_id: int, customer_id: int, currency: str) -> Decimal:
    """Every payment the customer has made to this creditor in ``currency`` (a promise or plan
    counts what arrives after it was made: this total less the one stored with it)."""
    fen = s.scalar(select(func.coalesce(func.sum(in_fen(Payment.amount)), 0)).where(
        Payment.creditor_id == creditor_id, Payment.customer_id == customer_id, Payment.currency == currency))
    return cents_to_decimal(fen or 0)


def open_invoices(s: Session, case: DunningCase) -> Select[Any]:
    return select(Invoice).where(Invoice.creditor_id == case.creditor_id, Invoice.customer_id == case.customer_id,
                                 Invoice.written_off == false(), balance_fen() > 0)


# ---- finding a case ------------------------------------------------------------------------------

def visible_case(uow: UnitOfWork, ref: str, *, for_update: bool = False) -> DunningCase:
    """The case by its reference, locked for a write; "not found" to a lawyer not assigned to it."""
    if not REF_SHAPE.fullmatch(ref.strip()):  # no lookup for what cannot be a reference (a NUL byte...)
        raise NotFound("案件", "case", ref[:40])
    case = case_by_ref(uow, ref)
    if not can_see_customer(uow.session, uow.actor, case.customer_id):
        raise NotFound("案件", "case", ref)
    return lock_case(uow, case.id) if for_update else case


def _worker_case(uow: UnitOfWork, ref: str, roles: frozenset[Role] = CASE_WORKERS) -> DunningCase:
    uow.require(roles, "无权处理此案件", "You may not act on this case")
    return visible_case(uow, ref, for_update=True)


def _text(field: str, value: str | None, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, "required", "请填写此项", "this field is required")
    if len(text) > MAX_TEXT:
        raise invalid(field, "too_long", f"最多 {MAX_TEXT} 个字符", f"at most {MAX_TEXT} characters")
    return text


def _clerk_evidence(uow: UnitOfWork, evidence: str | None, **more: Any) -> dict[str, Any]:
    """A clerk's action is its own evidence: who did it, and what they cite (a call, an email...)."""
    out: dict[str, Any] = {"by": uow.actor.username, "role": uow.actor.role.value}
    if evidence and evidence.strip():
        out["note"] = _text("evidence", evidence)
    out.update(more)
    return out


# ---- clerk actions -------------------------------------------------------------------------------

def open_case_by_hand(uow: UnitOfWork, creditor_id: int, customer_id: int, reason: str,
                      evidence: str | None = None) -> tuple[DunningCase, bool]:
    """A clerk opens the case of (creditor, customer), or finds the one already open. It opens as
    overdue when an open invoice is past due, else as pre-due; a customer who owes this creditor
    nothing has no case to open."""
    uow.require(CASE_WORKERS, "无权开立案件", "You may not open a case")
    s = uow.session
    if s.get(Customer, customer_id) is None or not can_see_customer(s, uow.actor, customer_id):
        raise NotFound("客户", "customer", customer_id)
    if s.get(CreditorEntity, creditor_id) is None:
        raise NotFound("债权人", "creditor", creditor_id)
    reason = _text("reason", reason)
    owed = balance_fen()
    first = s.execute(select(Invoice.due_date, Invoice.currency).where(
        Invoice.creditor_id == creditor_id, Invoice.customer_id == customer_id, Invoice.written_off == false(),
        owed > 0).order_by(Invoice.due_date, Invoice.id).limit(1)).first()
    if first is None:
        raise invalid("customer_id", "nothing_owed", "该客户对此债权人没有未付发票，无需立案",
                      "the customer owes this creditor nothing: there is no case to open")
    state = CaseState.OVERDUE if first.due_date < uow.today() else CaseState.PRE_DUE
    return open_case(uow, creditor_id, customer_id, state=state, reason=reason,
                     evidence=_clerk_evidence(uow, evidence, entry="by_hand"), currency=first.currency)


def add_note(uow: UnitOfWork, ref: str, body: str, *, kind: str = "call",
             contact_name: str | None = None) -> CaseNote:
    case = _worker_case(uow, ref, CALL_RECORDERS)
    if kind not in NOTE_KINDS:
        raise invalid("kind", "unknown_kind", "应为 call 或 note", "must be call or note")
    note = CaseNote(case_id=case.id, kind=kind, body=_text("body", body),
                    contact_name=_text("contact_name", contact_name, required=False) or None,
                    author=uow.actor.username, created_at=uow.now())
    uow.session.add(note)
    uow.session.flush()
    uow.audit("case.note", "dunning_case", case.id, None,
              {"ref": case.ref, "note_id": note.id, "kind": kind, "state": case.state})
    return note


def record_promise(uow: UnitOfWork, ref: str, *, promised_on: date, amount: Decimal, currency: str,
                   source: str, contact_name: str | None = None, note: str | None = None) -> Promise:
    """The debtor promised to pay ``amount`` by ``promised_on``: the case waits for it (docs/dunning.md:
    record every promise — date, amount, who — and follow it up the day it falls due). A new promise
    replaces one still pending."""
    case = _worker_case(uow, ref, CALL_RECORDERS)
    s = uow.session
    if promised_on < uow.today():
        raise invalid("promised_on", "in_the_past", "承诺付款日不能早于今天",
                      "the promised date cannot be before today")
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise invalid("amount", "not_positive", "承诺金额须大于零", "the promised amount must be positive")
    if amount != amount.quantize(Decimal("0.01")):
        raise invalid("amount", "too_precise", "金额最多两位小数", "at most two decimal places")
    if source not in PROMISE_SOURCES:
        raise invalid("source", "unknown_source", f"来源应为 {' / '.join(PROMISE_SOURCES)} 之一",
                      f"source must be one of {', '.join(PROMISE_SOURCES)}")
    owed = open_balance(s, case.creditor_id, case.customer_id)
    if currency not in owed:
        raise invalid("currency", "nothing_owed", f"该客户没有 {currency} 欠款",
                      f"the customer owes nothing in {currency}")
    for old in s.scalars(select(Promise).where(Promise.case_id == case.id, Promise.status == "pending")):
        old.status = "cancelled"
        old.resolved_on = uow.today()
    promise = Promise(case_id=case.id, promised_on=promised_on, amount=amount, currency=currency, source=source,
                      contact_name=_text("contact_name", contact_name, required=False) or None,
                      note=_text("note", note, required=False) or None,
                      paid_before=paid_total(s, case.creditor_id, case.customer_id, currency),
                      status="pending", recorded_by=uow.actor.username, recorded_at=uow.now())
    s.add(promise)
    s.flush()
    apply(uow, case, CaseEvent.PROMISE_RECORDED, reason=f"承诺 {promised_on} 前付 {currency} {amount}",
          evidence=_clerk_evidence(uow, note, promise_id=promise.id, source=source, contact=promise.contact_name,
                                   promised_on=promised_on.isoformat(), amount=str(amount), currency=currency))
    return promise


def assign(uow: UnitOfWork, ref: str, user: str, reason: str) -> DunningCase:
    """Give the case to another person (named by login name, employee number or display name: a
    clerk, legal, an administrator or a salesperson). The audit log keeps who did it, when, from whom
    and to whom, and why; a new case goes to the customer's collection clerk, else its salesperson
    (``lifecycle.open_case``)."""
    case = _worker_case(uow, ref)
    reason = _text("reason", reason)
    s = uow.session
    to = resolve_person(s, "user", user, ASSIGNEES)
    if to == case.assigned_user_id:
        return case
    before = case.assigned_user_id
    case.assigned_user_id = to
    case.updated_at = uow.now()
    s.flush()
    uow.audit("case.assign", "dunning_case", case.id, {"assigned_user_id": before, "assigned_to": _login(s, before)},
              {"assigned_user_id": to, "assigned_to": _login(s, to), "ref": case.ref, "reason": reason})
    return case


def _login(s: Session, user_id: int | None) -> str | None:
    user = s.get(User, user_id) if user_id is not None else None
    return user.username if user is not None else None


def pause(uow: UnitOfWork, ref: str, reason: str, until: date | None = None,
          evidence: str | None = None) -> DunningCase:
    case = _worker_case(uow, ref)
    if until is not None and until <= uow.today():
        raise invalid("until", "not_future", "暂停截止日须晚于今天", "the pause must end after today")
    reason = _text("reason", reason)
    apply(uow, case, CaseEvent.PAUSED, reason=reason, evidence=_clerk_evidence(uow, evidence),
          paused_until=until, hold_reason=reason)
    return case


def resume(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    case = _worker_case(uow, ref)
    apply(uow, case, CaseEvent.RESUMED, reason=_text("reason", reason), evidence=_clerk_evidence(uow, evidence),
          hold_reason=None)
    return case


def dispute(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    """The debtor disputes the debt: automatic dunning stops until a person resolves it (docs/dunning.md)."""
    case = _worker_case(uow, ref)
    reason = _text("reason", reason)
    apply(uow, case, CaseEvent.DISPUTE_RAISED, reason=reason, evidence=_clerk_evidence(uow, evidence),
          hold_reason=reason)
    return case


def resolve(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    case = _worker_case(uow, ref)
    apply(uow, case, CaseEvent.DISPUTE_RESOLVED, reason=_text("reason", reason),
          evidence=_clerk_evidence(uow, evidence), hold_reason=None)
    return case


def write_off(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    """Give the debt up: the case closes and its open invoices are marked written off (bad debt,
    no longer a receivable), each change in the audit log."""
    case = _worker_case(uow, ref, WRITE_OFF_ROLES)
    reason = _text("reason", reason)
    numbers: list[str] = []
    for inv in uow.session.scalars(open_invoices(uow.session, case).with_for_update().order_by(Invoice.id)):
        inv.written_off = True
        numbers.append(inv.number)
        uow.audit("invoice.write_off", "invoice", inv.id, {"written_off": False},
                  {"written_off": True, "case": case.ref, "reason": reason})
    apply(uow, case, CaseEvent.WRITTEN_OFF, reason=reason, evidence=_clerk_evidence(uow, evidence, invoices=numbers))
    _cancel_pending(uow, case)
    return case


def settle(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    case = _worker_case(uow, ref)
    apply(uow, case, CaseEvent.SETTLED, reason=_text("reason", reason), evidence=_clerk_evidence(uow, evidence))
    _cancel_pending(uow, case)
    return case


def start_legal_action(uow: UnitOfWork, ref: str, reason: str, evidence: str | None = None) -> DunningCase:
    """Suit, arbitration or a payment order: the run leaves the case alone from here."""
    case = _worker_case(uow, ref, LEGAL_ACTION_ROLES)
    apply(uow, case, CaseEvent.LEGAL_ACTION_STARTED, reason=_text("reason", reason),
          evidence=_clerk_evidence(uow, evidence))
    return case


def close_if_settled(uow: UnitOfWork, case: DunningCase, evidence: Mapping[str, Any] | None = None) -> bool:
    """Close the case as paid when the customer owes its creditor nothing any more (every invoice
    paid, credited or written off); ``True`` when it closed. The run calls it for every open case it
    looks at; a payment's recording may too."""
    if CaseState(case.state) in CLOSED:
        return False
    if open_balance(uow.session, case.creditor_id, case.customer_id):
        return False
    case = lock_case(uow, case.id)
    if CaseState(case.state) in CLOSED:
        return False
    apply(uow, case, CaseEvent.PAID_IN_FULL, reason="欠款已全部结清 / the balance is settled in full",
          evidence=dict(evidence or {"balance": "0"}))
    _cancel_pending(uow, case)
    return True


def _cancel_pending(uow: UnitOfWork, case: DunningCase) -> None:
    """A closed case waits for nothing: its pending promises and active plans end with it."""
    s = uow.session
    for p in s.scalars(select(Promise).where(Promise.case_id == case.id, Promise.status == "pending")):
        p.status, p.resolved_on = "cancelled", uow.today()
    for plan in s.scalars(select(RepaymentPlan).where(RepaymentPlan.case_id == case.id,
                                                      RepaymentPlan.status == "active")):
        plan.status = "cancelled"


def pending_lawyer_letter(uow: UnitOfWork, case: DunningCase) -> DunningAction:
    action = uow.session.scalar(select(DunningAction).where(
        DunningAction.case_id == case.id, DunningAction.status == "awaiting_approval")
        .order_by(DunningAction.id.desc()).limit(1).with_for_update())
    if action is None or action.document_id is None:
        raise Conflict(f"案件 {case.ref} 没有待审批的律师函",
                       f"case {case.ref} has no lawyer's letter awaiting approval")
    return action


def _approver_name(uow: UnitOfWork) -> str:
    if uow.actor.user_id is not None:
        user = uow.session.get(User, uow.actor.user_id)
        if user is not None:
            return user.display_name
    return uow.actor.username


# ---- the service with ports ----------------------------------------------------------------------

class CaseService:
    """The case actions that make documents, queue emails or push webhooks."""

    def __init__(self, documents: DocumentService, claim: ClaimReader, outbox: Callable[[], OutboxPort],
                 webhook: holds.Webhook | None) -> None:
        self.documents = documents
        self.claim = claim
        # a getter: the outbox is built beside this service in the composition root
        self._outbox = outbox
        self.webhook = webhook

    @property
    def outbox(self) -> OutboxPort:
        return self._outbox()

    def send_document(self, uow: UnitOfWork, ref: str, kind: str, language: str = "zh") -> DunningAction:
        """A clerk sends a letter now: made from the ledger for the case, checked and queued like the
        run's, but sent by a person (not counted against the automated contact caps of docs/dunning.md,
        which limit what the machine sends; the decision is logged as the run's are)."""
        case = _worker_case(uow, ref)
        if CaseState(case.state) in CLOSED:
            raise Conflict(f"案件 {case.ref} 已结案，不能再发函", f"case {case.ref} is closed: nothing more is sent")
        if kind not in SENDABLE_KINDS:
            raise invalid("kind", "not_sendable", f"可发送：{'、'.join(SENDABLE_KINDS)}（律师函须经审批）",
                          f"one of: {', '.join(SENDABLE_KINDS)} (a lawyer's letter goes through approval)")
        if language not in ("zh", "en"):
            raise invalid("language", "unknown_language", "应为 zh 或 en", "must be zh or en")
        doc = generate_from_ledger(uow, self.documents, self.claim, case.customer_id, LedgerDocument(
            kind=kind, language=language, creditor_id=case.creditor_id, case_id=case.id, currency=case.currency))
        message = self.outbox.queue(uow, customer_id=case.customer_id, case_id=case.id, document_id=doc.id,
                                    kind=kind, language=language, automated=False, contact_on=uow.today())
        action = DunningAction(
            key=f"manual:{case.id}:{doc.id}", case_id=case.id, creditor_id=case.creditor_id,
            customer_id=case.customer_id, run_on=uow.today(), action="manual", level=None, kind=kind,
            status="queued", reason=f"clerk {uow.actor.username} sent it by hand", document_id=doc.id,
            outbox_id=message.id, decided_by=uow.actor.username, created_at=uow.now())
        uow.session.add(action)
        uow.session.flush()
        uow.audit("case.document_sent", "dunning_case", case.id, None,
                  {"ref": case.ref, "state": case.state, "kind": kind, "language": language, "document_id": doc.id,
                   "outbox_id": message.id, "automated": False, "action_id": action.id,
                   "reason": "sent by hand", "evidence": _clerk_evidence(uow, None)})
        return action

    def approve_lawyer_letter(self, uow: UnitOfWork, ref: str, reason: str = "") -> DunningAction:
        """The lawyer (or the legal team) approves the pending 律师函: the final letter is made from the
        ledger as of today with the firm and lawyer of the draft, without the DRAFT mark, signed off
        by the approver's name, and queued to be sent."""
        case = _worker_case(uow, ref, APPROVERS)
        action = pending_lawyer_letter(uow, case)
        draft = uow.session.get(GeneratedDocument, action.document_id)
        assert draft is not None
        ctx = draft.context if isinstance(draft.context, Mapping) else {}
        try:
            firm, lawyer = LawFirm(**ctx["law_firm"]), Lawyer(**ctx["lawyer"])
        except (KeyError, TypeError) as exc:
            raise Conflict("草稿律师函缺少律师事务所或律师信息，请驳回后重新起草",
                           "the draft names no law firm or lawyer: reject it and draft it again") from exc
        raw_letter = ctx.get("letter")
        letter: Mapping[str, Any] = raw_letter if isinstance(raw_letter, Mapping) else {}
        approver = _approver_name(uow)
        final = generate_from_ledger(uow, self.documents, self.claim, case.customer_id, LedgerDocument(
            kind="lawyer_letter", language=draft.language, creditor_id=case.creditor_id,
            number=str(letter.get("number") or ""), law_firm=firm, lawyer=lawyer, draft=False, case_id=case.id))
        apply(uow, case, CaseEvent.LAWYER_LETTER_APPROVED,
              reason=_text("reason", reason, required=False) or f"approved by {approver}",
              evidence={"action_id": action.id, "draft_document_id": draft.id, "document_id": final.id,
                        "approved_by": approver, "approved_by_user": uow.actor.username,
                        "role": uow.actor.role.value}, last_action_on=uow.today())
        message = self.outbox.queue(uow, customer_id=case.customer_id, case_id=case.id, document_id=final.id,
                                    kind="lawyer_letter", language=draft.language, automated=False,
                                    contact_on=uow.today())
        action.status = "approved"
        action.resolved_by = uow.actor.username
        action.resolved_at = uow.now()
        action.document_id = final.id
        action.outbox_id = message.id
        uow.session.flush()
        return action

    def reject_lawyer_letter(self, uow: UnitOfWork, ref: str, reason: str) -> DunningAction:
        case = _worker_case(uow, ref, APPROVERS)
        action = pending_lawyer_letter(uow, case)
        reason = _text("reason", reason)
        apply(uow, case, CaseEvent.LAWYER_LETTER_REJECTED, reason=reason,
              evidence={"action_id": action.id, "draft_document_id": action.document_id,
                        "rejected_by": _approver_name(uow), "rejected_by_user": uow.actor.username})
        action.status = "rejected"
        action.resolved_by = uow.actor.username
        action.resolved_at = uow.now()
        action.reason = reason
        uow.session.flush()
        return action

    def agree_plan(self, uow: UnitOfWork, ref: str, instalments: Sequence[tuple[date, Decimal]], *,
                   currency: str, language: str = "zh", number: str = "",
                   waive_penalty_on_performance: bool = False, pdf: bool = True) -> RepaymentPlan:
        case = _worker_case(uow, ref)
        return plans.agree(uow, self.documents, case, instalments, currency=currency, language=language,
                           number=number, waive_penalty_on_performance=waive_penalty_on_performance, pdf=pdf)

    def set_credit_hold(self, uow: UnitOfWork, customer_id: int, reason: str,
                        evidence: Mapping[str, Any] | None = None) -> bool:
        return holds.set_credit_hold(uow, customer_id, reason, evidence, webhook=self.webhook)

    def release_credit_hold(self, uow: UnitOfWork, customer_id: int, reason: str) -> bool:
        return holds.release_credit_hold(uow, customer_id, reason, webhook=self.webhook)
