"""The daily dunning run: decide, for every open receivable, the one thing to do today, and do it.

1. Prepare (one unit of work): seed the default policy if there is none, settle the promises and
   plan instalments that fell due (``workflow.cases.promises.review``), and close the cases whose
   customer owes nothing more to that creditor (PAID_IN_FULL).
2. Decide (read only, set-based): ONE grouped query over the invoices gives, per (creditor,
   customer, currency), the oldest overdue due date, what is owed and the next due date, joined with
   the customer's open case, do-not-dun flag and dunning settings. Per customer, batch by batch, a
   few more set-based lookups (actions already taken, the contact counts, signed statements) and
   pure rules pick at most one automated message: the next escalation level, else the periodic
   对账单 (or its one chase), else the pre-due reminder. Invoices are never loaded one by one.
3. Execute (one unit of work per customer, so one bad customer does not undo the others): open the
   case when something is overdue, make the document from the ledger, queue its email in the
   outbox, move the case, set the credit hold, and record the action under its unique key. The key
   (``level:<case>:<n>``, ``pre_due:<creditor>:<customer>:<due date>``, ``statement:<creditor>:
   <customer>:<period end>``...) makes a second run of the same day find the work done. A failure
   (no contact email, no law firm for a 律师函, a letter the check refuses) is recorded as a
   ``blocked`` action with its reason, retried on a later day, and the run goes on.

``run(actor, as_of)`` is that day's scheduled run at its scheduled time (``run_hour`` in the
business time zone): the letters it queues may leave from then on (or now, if later), inside the
contact hours. The run opens its own units of work (one per customer), so it is called with the
actor, not inside another unit of work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import and_, case, func, select, true, union_all
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.calc.service import LawData
from workflow.cases import lifecycle, promises
from workflow.cases.contact import (
    ContactSettings,
    RunCalendar,
    calendar_warning,
    cap_reached,
    cap_reason,
    contacts_by_customer,
    send_not_before,
)
from workflow.cases.models import CaseNote, CustomerDunning, DunningAction, DunningCase, Promise
from workflow.cases.policy import Ladder, Level, ladders
from workflow.cases.states import CLOSED, ESCALATING, CaseEvent, CaseState
from workflow.db import cents_to_decimal
from workflow.documents.contexts.ledger import ClaimReader, LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LawFirm, Lawyer
from workflow.documents.service import DocumentService
from workflow.errors import DomainError, invalid
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Attachment, Contact, Contract, Customer, Invoice
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OpenUnitOfWork = Callable[..., AbstractContextManager[UnitOfWork]]
# ``CaseService.set_credit_hold``: the hold, its audit entry and the signed webhook to other systems
SetCreditHold = Callable[[UnitOfWork, int, str, Mapping[str, Any] | None], bool]
BATCH = 1000  # customers decided together (one set of look-ups per batch)
STATEMENT_REPLY_DAYS = 10  # working days a 对账单 waits for its signed slip before the chase, and after it
PRIORITY = {"level": 0, "statement": 1, "statement_chase": 1, "pre_due": 2}
EVENTS = {"dunning_letter_1": CaseEvent.REMINDER_SENT, "dunning_letter_2": CaseEvent.REMINDER_SENT,
          "dunning_letter_3": CaseEvent.FINAL_NOTICE_SENT, "statement": CaseEvent.STATEMENT_SENT,
          "lawyer_letter": CaseEvent.LAWYER_LETTER_DRAFTED}
SCHEDULE_ZH = {"monthly": "月度", "quarterly": "季度"}
HOLD_REASONS = {
    CaseState.DISPUTED: ("有争议：自动催收暂停，待人工处理",
                         "disputed: automatic dunning stops until a person resolves the dispute"),
    CaseState.PAUSED: ("已由文员暂停", "paused by a clerk"),
    CaseState.REPAYMENT_PLAN: ("还款计划执行中", "repayment plan active"),
    CaseState.LAWYER_LETTER_PENDING: ("律师函待审批", "lawyer's letter awaiting approval"),
    CaseState.LEGAL_ACTION: ("已进入诉讼/仲裁程序", "legal action under way"),
}


class OutboxPort(Protocol):
    def queue(self, uow: UnitOfWork, *, customer_id: int, case_id: int | None, document_id: int | None,
              kind: str, language: str, automated: bool, contact_on: date,
              not_before: datetime | None = None) -> OutboxMessage: ...


@dataclass(slots=True)
class Group:
    """One (creditor, customer) as the decision pass sees it (its currencies merged)."""

    creditor_id: int
    customer_id: int
    customer_name: str
    do_not_dun: bool
    policy_id: int | None
    schedule: str
    oldest_overdue: date | None = None
    next_due: date | None = None
    outstanding: dict[str, int] = field(default_factory=dict)  # currency → fen
    statement_owed: dict[str, dict[str, int]] = field(default_factory=dict)  # schedule → currency → fen
    case_id: int | None = None
    case_ref: str | None = None
    case_state: str | None = None
    case_level: int = 0
    last_action_on: date | None = None
    promised_on: date | None = None
    broken_on: date | None = None


@dataclass(slots=True)
class Decision:
    creditor_id: int
    customer_id: int
    customer: str
    action: str  # level, statement, statement_chase, pre_due, statement_note, none
    outcome: str  # send, draft, note, wait, skip; after execution: queued, awaiting_approval, noted, blocked, done
    reason: str  # in English (logs, tests); ``reason_zh`` in Chinese; records keep both
    reason_zh: str = ""
    case_ref: str | None = None
    level: int | None = None
    kind: str | None = None
    key: str | None = None
    trigger: date | None = None
    period_end: date | None = None
    period_start: date | None = None
    currency: str | None = None
    open_case: bool = False  # something is overdue and the case must be opened (or marked overdue)
    outbox_id: int | None = None
    document_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("trigger", "period_end", "period_start"):
            if out[k] is not None:
                out[k] = out[k].isoformat()
        return out

    def because(self, outcome: str, why: tuple[str, str], *, before: bool = False) -> None:
        """Set the outcome and its reason; ``before``: put this reason ahead of the one there."""
        zh, en = why
        if before:
            zh, en = f"{zh}；{self.reason_zh}", f"{en}; {self.reason}"
        self.outcome, self.reason_zh, self.reason = outcome, zh, en

    def reason_in(self, locale: str) -> str:
        return self.reason if locale.startswith("en") else (self.reason_zh or self.reason)

    @property
    def both_reasons(self) -> str:
        """Both languages, as records and audit entries keep them."""
        return self.reason if not self.reason_zh or self.reason_zh == self.reason else \
            f"{self.reason_zh} / {self.reason}"


@dataclass
class RunReport:
    as_of: date
    dry_run: bool
    working_day: bool
    provisional_calendar: bool
    warnings: list[dict[str, str]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # refs of the cases closed as paid
    promises_reviewed: int = 0
    groups: int = 0
    customers: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for d in self.decisions:
            out[d.outcome] += 1
        return dict(sorted(out.items()))

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "working_day": self.working_day,
                "provisional_calendar": self.provisional_calendar, "warnings": self.warnings,
                "groups": self.groups, "customers": self.customers, "closed": self.closed,
                "promises_reviewed": self.promises_reviewed, "counts": self.counts(),
                "decisions": [d.as_json() for d in self.decisions]}


# ---- periods -----------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def period_end(as_of: date, schedule: str) -> date:
    """The last month (or quarter) end before ``as_of``: the period the next 对账单 covers."""
    first_of_month = as_of.replace(day=1)
    if schedule == "quarterly":
        first_of_month = first_of_month.replace(month=(first_of_month.month - 1) // 3 * 3 + 1)
    return first_of_month - timedelta(days=1)


@lru_cache(maxsize=64)
def period_start(end: date, schedule: str) -> date:
    if schedule == "quarterly":
        return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1)
    return end.replace(day=1)


@lru_cache(maxsize=4096)
def _iso(d: date) -> str:
    return d.isoformat()


def level_key(case_id: int, n: int) -> str:
    return f"level:{case_id}:{n}"


def pre_due_key(creditor_id: int, customer_id: int, due: date) -> str:
    return f"pre_due:{creditor_id}:{customer_id}:{_iso(due)}"


def statement_key(action: str, creditor_id: int, customer_id: int, end: date) -> str:
    return f"{action}:{creditor_id}:{customer_id}:{_iso(end)}"


# ---- the decision pass: one grouped query ------------------------------------------------------

def grouped_receivables(s: Session, as_of: date) -> Iterator[Group]:
    """Every (creditor, customer) still owed something, in customer order: one grouped query over
    the invoices (an index-only scan of ``ix_invoice_aging``) joined with the case and settings."""
    bal = balance_fen()
    month_end, quarter_end = period_end(as_of, "monthly"), period_end(as_of, "quarterly")
    g = (select(Invoice.customer_id.label("customer_id"), Invoice.currency.label("currency"),
                Invoice.creditor_id.label("creditor_id"),
                func.min(case((Invoice.due_date < as_of, Invoice.due_date))).label("oldest"),
                func.min(case((Invoice.due_date >= as_of, Invoice.due_date))).label("next_due"),
                func.sum(bal).label("owed"),
                func.sum(case((Invoice.issue_date <= month_end, bal), else_=0)).label("owed_month"),
                func.sum(case((Invoice.issue_date <= quarter_end, bal), else_=0)).label("owed_quarter"))
         .where(Invoice.written_off.is_not(true()), Invoice.issue_date <= as_of, bal > 0)
         .group_by(Invoice.customer_id, Invoice.currency, Invoice.creditor_id)).subquery("owed")
    # per case: the pending promise's date, and when a promise was last broken
    p = (select(Promise.case_id.label("case_id"),
                func.max(case((Promise.status == "pending", Promise.promised_on))).label("promised"),
                func.max(case((Promise.status == "broken", Promise.resolved_on))).label("broken"))
         .where(Promise.status.in_(("pending", "broken"))).group_by(Promise.case_id)).subquery("promises")
    q = (select(g.c.customer_id, g.c.creditor_id, g.c.currency, g.c.oldest, g.c.next_due, g.c.owed,
                g.c.owed_month, g.c.owed_quarter, Customer.legal_name, Customer.do_not_dun,
                CustomerDunning.policy_id, CustomerDunning.statement_schedule,
                DunningCase.id, DunningCase.ref, DunningCase.state, DunningCase.level, DunningCase.last_action_on,
                p.c.promised, p.c.broken)
         .select_from(g)
         .join(Customer, Customer.id == g.c.customer_id)
         .outerjoin(CustomerDunning, CustomerDunning.customer_id == g.c.customer_id)
         .outerjoin(DunningCase, and_(DunningCase.creditor_id == g.c.creditor_id,
                                      DunningCase.customer_id == g.c.customer_id, DunningCase.open_slot == 1))
         .outerjoin(p, p.c.case_id == DunningCase.id)
         .order_by(g.c.customer_id, g.c.creditor_id, g.c.currency))
    current: Group | None = None
    for row in s.execute(q):
        (customer_id, creditor_id, currency, oldest, next_due, owed, owed_month, owed_quarter, name, dnd,
         policy_id, schedule, case_id, ref, state, level, last_on, promised_on, broken_on) = row
        if current is None or (current.customer_id, current.creditor_id) != (customer_id, creditor_id):
            if current is not None:
                yield current
            current = Group(int(creditor_id), int(customer_id), str(name), bool(dnd), policy_id,
                            schedule or "monthly", case_id=case_id, case_ref=ref, case_state=state,
                            case_level=int(level or 0), last_action_on=_date(last_on),
                            promised_on=_date(promised_on), broken_on=_date(broken_on))
        oldest_d, next_d = _date(oldest), _date(next_due)
        if oldest_d is not None and (current.oldest_overdue is None or oldest_d < current.oldest_overdue):
            current.oldest_overdue = oldest_d
        if next_d is not None and (current.next_due is None or next_d < current.next_due):
            current.next_due = next_d
        current.outstanding[str(currency)] = int(owed)
        current.statement_owed.setdefault("monthly", {})[str(currency)] = int(owed_month or 0)
        current.statement_owed.setdefault("quarterly", {})[str(currency)] = int(owed_quarter or 0)
    if current is not None:
        yield current


def _date(value: Any) -> date | None:
    """Aggregates over date columns come back as text from SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _batches(groups: Iterable[Group], size: int) -> Iterator[list[list[Group]]]:
    """Groups in batches of ``size`` customers, each customer's groups together."""
    batch: list[list[Group]] = []
    for g in groups:
        if batch and batch[-1][0].customer_id == g.customer_id:
            batch[-1].append(g)
            continue
        if len(batch) >= size:
            yield batch
            batch = []
        batch.append([g])
    if batch:
        yield batch


@dataclass(frozen=True)
class Known:
    """What the batch's set-based look-ups found."""

    actions: Mapping[str, tuple[str, date, str | None]]  # key → (status, run_on, reason)
    contacts: Mapping[int, tuple[int, int]]  # customer → (today, last 7 days)
    signed: Mapping[int, date]  # customer → latest signed statement


def look_up(s: Session, customers: Sequence[Sequence[Group]], keys: Iterable[str], as_of: date) -> Known:
    """The batch's customers are consecutive ids: each look-up is one range scan, not a long IN list."""
    ids = [gs[0].customer_id for gs in customers]
    lo, hi = min(ids), max(ids)
    wanted = set(keys)
    actions: dict[str, tuple[str, date, str | None]] = {}
    for key, status, run_on, reason in s.execute(
            select(DunningAction.key, DunningAction.status, DunningAction.run_on, DunningAction.reason)
            .where(DunningAction.customer_id >= lo, DunningAction.customer_id <= hi)):
        if key in wanted:
            actions[key] = (status, run_on, reason)
    signed_on = func.coalesce(Attachment.signed_on, func.date(Attachment.uploaded_at))
    via_invoice = (select(Invoice.customer_id.label("customer_id"), signed_on.label("on"))
                   .join(Invoice, Invoice.id == Attachment.invoice_id)
                   .where(Attachment.kind == "signed_statement", Invoice.customer_id >= lo, Invoice.customer_id <= hi))
    via_contract = (select(Contract.customer_id.label("customer_id"), signed_on.label("on"))
                    .join(Contract, Contract.id == Attachment.contract_id)
                    .where(Attachment.kind == "signed_statement", Contract.customer_id >= lo,
                           Contract.customer_id <= hi))
    both = union_all(via_invoice, via_contract).subquery()
    signed = {int(cid): d for cid, on in s.execute(
        select(both.c.customer_id, func.max(both.c.on)).group_by(both.c.customer_id))
        if (d := _date(on)) is not None}
    return Known(actions, contacts_by_customer(s, ids, as_of), signed)


# ---- the rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    calendar: RunCalendar
    settings: ContactSettings
    ladders: Mapping[int, Ladder]
    default: Ladder

    def ladder(self, g: Group) -> Ladder:
        return self.ladders.get(g.policy_id, self.default) if g.policy_id is not None else self.default


def candidate_keys(rules: Rules, g: Group, as_of: date) -> list[str]:
    keys = []
    if g.case_id is not None:
        keys.append(level_key(g.case_id, g.case_level + 1))
    if g.next_due is not None:
        keys.append(pre_due_key(g.creditor_id, g.customer_id, g.next_due))
    if g.schedule != "none":
        end = period_end(as_of, g.schedule)
        keys += [statement_key(a, g.creditor_id, g.customer_id, end)
                 for a in ("statement", "statement_chase", "statement_note")]
    return keys


def _taken(known: Known, key: str, as_of: date) -> tuple[str, date, str | None] | None:
    """The action already recorded under ``key``; a blocked one from an earlier day is retried."""
    found = known.actions.get(key)
    if found is not None and found[0] == "blocked" and found[1] < as_of:
        return None
    return found


def hold_reason(rules: Rules, g: Group) -> tuple[str, str] | None:
    if g.case_state is None:
        return None
    state = CaseState(g.case_state)
    if state is CaseState.PROMISE_PENDING:
        if g.promised_on is None:
            return "承诺付款中", "promise pending"
        until = rules.calendar.add_working_days(g.promised_on, rules.ladder(g).promise_grace_days)
        return (f"承诺付款中：等待至 {until.isoformat()}（承诺日 {g.promised_on.isoformat()} 加宽限期）",
                f"promise pending: waiting until {until.isoformat()} (promised {g.promised_on.isoformat()} + grace)")
    if state in HOLD_REASONS:
        return HOLD_REASONS[state]
    if state not in ESCALATING:
        return f"案件状态为 {state.value}", f"case is {state.value}"
    return None


def decide_group(rules: Rules, g: Group, known: Known, as_of: date) -> tuple[list[Decision], list[Decision]]:
    """(messages this group could send today, other decisions: notes, waits, reasons)."""
    def make(why: tuple[str, str], **changes: Any) -> Decision:
        return Decision(creditor_id=g.creditor_id, customer_id=g.customer_id, customer=g.customer_name,
                        case_ref=g.case_ref, reason_zh=why[0], reason=why[1], **changes)

    overdue = g.oldest_overdue is not None
    opens = overdue and (g.case_id is None or g.case_state == CaseState.PRE_DUE.value)
    if g.do_not_dun:
        return [], [make(("已设为不催收", "do-not-dun"), action="none", outcome="skip", open_case=opens)]
    held = hold_reason(rules, g)
    if held is not None:
        return [], [make(held, action="none", outcome="skip")]
    ladder = rules.ladder(g)
    cal = rules.calendar
    messages: list[Decision] = []
    others: list[Decision] = []
    # the escalation ladder: the next level only, once its trigger date has come
    if overdue and g.oldest_overdue is not None:
        n = g.case_level + 1
        lvl = ladder.level(n)
        if lvl is not None:
            trigger = cal.add_working_days(g.oldest_overdue, lvl.offset)
            # a promise broken since the last letter escalates now (docs/dunning.md); the run settles
            # promises before it sends, so a letter of the same day already answered the break
            broke = g.broken_on is not None and (g.last_action_on is None or g.broken_on > g.last_action_on)
            key = level_key(g.case_id, n) if g.case_id is not None else None
            taken = _taken(known, key, as_of) if key else None
            if taken is not None:
                others.append(make((f"第 {n} 级已于 {taken[1]} {taken[0]}",
                                    f"level {n} already {taken[0]} on {taken[1]}"),
                                   action="level", outcome="skip", level=n, kind=lvl.kind, key=key, trigger=trigger))
            elif trigger <= as_of or broke:
                if broke and trigger > as_of:
                    why = ("承诺未兑现：升级催收", "promise broken: escalates")
                else:
                    why = (f"第 {n} 级自 {trigger.isoformat()} 起到期", f"level {n} due since {trigger.isoformat()}")
                messages.append(make(why, action="level", outcome="draft" if lvl.approval else "send",
                                     level=n, kind=lvl.kind, key=key, trigger=trigger, open_case=opens))
            else:
                others.append(make((f"第 {n} 级于 {trigger.isoformat()} 到期",
                                    f"level {n} due on {trigger.isoformat()}"),
                                   action="none", outcome="wait", level=n, kind=lvl.kind, trigger=trigger,
                                   open_case=opens))
        elif opens:
            others.append(make(("已逾期：立案", "overdue: case opened"), action="none", outcome="wait",
                               open_case=True))
    # the periodic 对账单, its one chase, then a note on the case
    if g.schedule != "none":
        end = period_end(as_of, g.schedule)
        owed = g.statement_owed.get(g.schedule, {})
        currency = "CNY" if owed.get("CNY", 0) > 0 else next((c for c, v in sorted(owed.items()) if v > 0), None)
        first_day = cal.roll_forward(end + timedelta(days=1))
        sent = _taken(known, statement_key("statement", g.creditor_id, g.customer_id, end), as_of)
        if currency is not None and as_of >= first_day and sent is None:
            messages.append(make(action="statement", outcome="send", kind="statement",
                                     key=statement_key("statement", g.creditor_id, g.customer_id, end),
                                     trigger=first_day, period_end=end, currency=currency,
                                     period_start=period_start(end, g.schedule),
                                     why=(f"{SCHEDULE_ZH.get(g.schedule, g.schedule)}对账单（截至 {end.isoformat()}）",
                                          f"{g.schedule} statement for the period ending {end.isoformat()}")))
        elif sent is not None and sent[0] == "queued":
            answered = known.signed.get(g.customer_id)
            replied = answered is not None and answered >= sent[1]
            chase_key = statement_key("statement_chase", g.creditor_id, g.customer_id, end)
            chased = _taken(known, chase_key, as_of)
            if not replied and chased is None \
                    and as_of >= cal.add_working_days(sent[1], STATEMENT_REPLY_DAYS):
                messages.append(make(action="statement_chase", outcome="send", kind="statement",
                                         key=chase_key, period_end=end, currency=currency or "CNY",
                                         period_start=period_start(end, g.schedule),
                                         why=(f"{sent[1].isoformat()} 的对账单未获回复：催一次",
                                              f"statement of {sent[1].isoformat()} unanswered: chased once")))
            elif not replied and chased is not None and chased[0] == "queued":
                note_key = statement_key("statement_note", g.creditor_id, g.customer_id, end)
                if _taken(known, note_key, as_of) is None \
                        and as_of >= cal.add_working_days(chased[1], STATEMENT_REPLY_DAYS):
                    others.append(make((f"{sent[1].isoformat()} 的对账单经 {chased[1].isoformat()} 催告后仍未回复",
                                        f"statement of {sent[1].isoformat()} still unanswered after the chase of "
                                        f"{chased[1].isoformat()}"),
                                       action="statement_note", outcome="note", key=note_key, period_end=end))
    # the friendly reminder before the next due date
    if ladder.pre_due is not None and g.next_due is not None:
        trigger = cal.add_working_days(g.next_due, ladder.pre_due.offset)
        key = pre_due_key(g.creditor_id, g.customer_id, g.next_due)
        if trigger <= as_of < g.next_due and _taken(known, key, as_of) is None:
            messages.append(make(action="pre_due", outcome="send", kind=ladder.pre_due.kind, key=key,
                                     trigger=trigger, why=(f"发票将于 {g.next_due.isoformat()} 到期",
                                                           f"invoice due {g.next_due.isoformat()}")))
    return messages, others


def decide_customer(rules: Rules, groups: Sequence[Group], known: Known, as_of: date) -> list[Decision]:
    """At most one automated message per customer and day, across its creditors: the highest
    priority (an escalation level, then a statement, then a pre-due reminder), oldest first."""
    messages: list[Decision] = []
    out: list[Decision] = []
    for g in groups:
        m, o = decide_group(rules, g, known, as_of)
        messages += m
        out += o
    if not messages:
        return out
    messages.sort(key=lambda d: (PRIORITY[d.action], d.trigger or date.max, d.creditor_id))
    first, rest = messages[0], messages[1:]
    sends = first.outcome == "send"
    capped = cap_reason(*known.contacts.get(first.customer_id, (0, 0)), rules.settings) if sends else None
    if capped is not None:
        first.because("wait", capped, before=True)
    for d in rest:
        d.because("wait", ("每个客户每天最多一封", "one message per customer and day"), before=True)
    return [first, *rest, *out]


# ---- the service -------------------------------------------------------------------------------

class DunningRun:
    def __init__(self, law: LawData, documents: DocumentService, outbox: Callable[[], OutboxPort], claims: ClaimReader,
                 set_credit_hold: SetCreditHold, unit_of_work: OpenUnitOfWork, settings: ContactSettings,
                 run_hour: int, batch: int = BATCH) -> None:
        self.law = law
        self.set_credit_hold = set_credit_hold
        self.documents = documents
        self.outbox = outbox
        self.claims = claims
        self._unit_of_work = unit_of_work
        self.settings = settings
        self.run_hour = run_hour
        self.batch = batch

    # -- the whole run --------------------------------------------------------------------------
    def run(self, actor: Actor, as_of: date | None = None, *, dry_run: bool = False) -> RunReport:
        with self._unit_of_work(actor, read_only=True) as uow:
            today = uow.today()
            loaded = self.law.calendar(uow.session)
        as_of = as_of or today
        if as_of > today:
            raise invalid("as_of", "in_the_future", "运行日期不能晚于今天", "the run date cannot be after today")
        cal = RunCalendar(loaded)
        working = cal.is_working_day(as_of)
        warning = calendar_warning(loaded, as_of)
        report = RunReport(as_of, dry_run, working, cal.is_provisional(as_of),
                           [warning] if warning is not None else [])
        if not dry_run:
            self._prepare(actor, as_of, report)
        if not working:
            log.info("dunning run %s: not a working day (%s), no contact", as_of, cal.rest_day_name(as_of))
            return report
        with self._unit_of_work(actor, read_only=True) as uow:
            by_id, default = ladders(uow)
            groups = list(grouped_receivables(uow.session, as_of))
        rules = Rules(cal, self.settings, by_id, default)
        report.groups = len(groups)
        for customers in _batches(groups, self.batch):
            report.customers += len(customers)
            with self._unit_of_work(actor, read_only=True) as uow:
                keys = [k for gs in customers for g in gs for k in candidate_keys(rules, g, as_of)]
                known = look_up(uow.session, customers, keys, as_of)
            for gs in customers:
                decisions = decide_customer(rules, gs, known, as_of)
                if not dry_run and any(d.outcome in ("send", "draft", "note") or d.open_case for d in decisions):
                    self._execute(actor, rules, gs, decisions, as_of)
                report.decisions += decisions
        if cal.provisional_used:
            # the administrators' warning is in the report (and GET /status); this is the run's own log
            log.info("dunning run %s used the provisional calendar for %s", as_of, sorted(cal.provisional_used))
        return report

    # -- 1. prepare -----------------------------------------------------------------------------
    def _prepare(self, actor: Actor, as_of: date, report: RunReport) -> None:
        with self._unit_of_work(actor) as uow:
            ladders(uow)  # seeds the default policy on first use
            report.promises_reviewed = len(promises.review(uow, as_of))
            owing = select(Invoice.id).where(Invoice.creditor_id == DunningCase.creditor_id,
                                             Invoice.customer_id == DunningCase.customer_id,
                                             balance_fen() > 0).exists()
            for case_id in list(uow.session.scalars(select(DunningCase.id).where(
                    DunningCase.open_slot == 1, ~owing).order_by(DunningCase.id))):
                c = lifecycle.lock_case(uow, case_id)
                if CaseState(c.state) in CLOSED:
                    continue
                lifecycle.apply(uow, c, CaseEvent.PAID_IN_FULL, reason="欠款已清 / nothing owed any more",
                                evidence={"run_on": as_of.isoformat()})
                report.closed.append(c.ref)

    # -- 3. execute one customer ------------------------------------------------------------------
    def _execute(self, actor: Actor, rules: Rules, groups: Sequence[Group], decisions: list[Decision],
                 as_of: date) -> None:
        chosen = next((d for d in decisions if d.outcome in ("send", "draft")), None)
        try:
            with self._unit_of_work(actor) as uow:
                s = uow.session
                s.get(Customer, groups[0].customer_id, with_for_update=True)  # one run per customer at a time
                cases = self._open_cases(uow, groups, decisions, as_of)
                for d in decisions:
                    if d.outcome == "note":
                        self._note(uow, d, cases.get(d.creditor_id), as_of)
                if chosen is not None:
                    self._act(uow, rules, chosen, cases.get(chosen.creditor_id), groups, as_of)
        except Exception as exc:  # one customer's failure is recorded, the run goes on
            reason = _why(exc, as_of, groups[0].customer_id)
            if chosen is None:
                for d in decisions:
                    d.because("blocked", reason)
                return
            log.info("dunning run %s: %s blocked for customer %s: %s", as_of, chosen.action, chosen.customer_id,
                     reason[1])
            chosen.because("blocked", reason)
            self._blocked(actor, groups, decisions, chosen, as_of)

    def _blocked(self, actor: Actor, groups: Sequence[Group], decisions: list[Decision], chosen: Decision,
                 as_of: date) -> None:
        """The failed action, recorded in a unit of work of its own (the case still opens)."""
        try:
            with self._unit_of_work(actor) as uow:
                uow.session.get(Customer, groups[0].customer_id, with_for_update=True)
                c = self._open_cases(uow, groups, decisions, as_of).get(chosen.creditor_id)
                if chosen.action == "level":
                    chosen.key = level_key(c.id, chosen.level or 0) if c is not None else None
                if chosen.key is not None:
                    chosen.document_id = chosen.outbox_id = None
                    self._record(uow, chosen, c, as_of, "blocked")
        except Exception as exc:
            zh, en = _why(exc, as_of, chosen.customer_id)
            chosen.reason_zh += f"；未能记录：{zh}"
            chosen.reason += f"; not recorded: {en}"

    def _open_cases(self, uow: UnitOfWork, groups: Sequence[Group], decisions: Sequence[Decision],
                    as_of: date) -> dict[int, DunningCase]:
        out: dict[int, DunningCase] = {}
        opening = {d.creditor_id for d in decisions if d.open_case}
        for g in groups:
            c = lifecycle.open_case_of(uow, g.creditor_id, g.customer_id)
            if g.creditor_id in opening and g.oldest_overdue is not None:
                evidence = {"oldest_due": g.oldest_overdue.isoformat(), "run_on": as_of.isoformat(),
                            "outstanding": {k: str(cents_to_decimal(v)) for k, v in g.outstanding.items()}}
                if c is None:
                    c, _opened = lifecycle.open_case(uow, g.creditor_id, g.customer_id, state=CaseState.OVERDUE,
                                                     reason="发票逾期 / an invoice is overdue", evidence=evidence,
                                                     currency=next(iter(sorted(g.outstanding)), "CNY"))
                elif c.state == CaseState.PRE_DUE.value:
                    c = lifecycle.lock_case(uow, c.id)
                    lifecycle.apply(uow, c, CaseEvent.BECAME_OVERDUE, reason="发票逾期 / an invoice is overdue",
                                    evidence=evidence)
                for d in decisions:
                    if d.creditor_id == g.creditor_id:
                        d.case_ref = c.ref
            if c is not None:
                out[g.creditor_id] = c
        return out

    def _note(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, as_of: date) -> None:
        if c is not None:
            uow.session.add(CaseNote(case_id=c.id, kind="system", body=f"对账单未获确认：{d.both_reasons}",
                                     contact_name=None, author=uow.actor.username, created_at=uow.now()))
        self._record(uow, d, c, as_of, "noted")
        d.outcome = "noted"

    def _act(self, uow: UnitOfWork, rules: Rules, d: Decision, c: DunningCase | None,
             groups: Sequence[Group], as_of: date) -> None:
        s = uow.session
        if d.action == "level":
            if c is None:
                raise invalid("case", "no_case", "没有未结案件", "no open case")
            c = lifecycle.lock_case(uow, c.id)
            d.key = level_key(c.id, d.level or 0)
            if (d.level or 0) != c.level + 1:
                d.because("done", (f"案件已在第 {c.level} 级", f"the case is at level {c.level} already"))
                return
        assert d.key is not None
        existing = s.scalar(select(DunningAction).where(DunningAction.key == d.key))
        if existing is not None and not (existing.status == "blocked" and existing.run_on < as_of):
            d.because("done", (f"已于 {existing.run_on.isoformat()} {existing.status}",
                               f"already {existing.status} on {existing.run_on.isoformat()}"))
            return
        if d.outcome == "send":
            capped = cap_reached(s, d.customer_id, as_of, rules.settings)
            if capped is not None:
                d.because("wait", capped)
                return
            _require_contact(s, d.customer_id)
        group = next(g for g in groups if g.creditor_id == d.creditor_id)
        ladder = rules.ladder(group)
        lvl = ladder.level(d.level) if d.level is not None else None
        req = self._document(uow, d, c, lvl, as_of)
        doc = generate_from_ledger(uow, self.documents, self.claims, d.customer_id, req)
        d.document_id = doc.id
        event = EVENTS.get(d.kind or "") if d.action in ("level", "statement") else None
        if c is not None and event is not None and CaseState(c.state) not in CLOSED:
            c = lifecycle.lock_case(uow, c.id)
            changes: dict[str, Any] = {"last_action_on": as_of}
            if d.action == "level":
                changes["level"] = d.level
            elif CaseState(c.state) not in ESCALATING:
                event = None
            if event is not None:
                lifecycle.apply(uow, c, event, reason=d.both_reasons, evidence={"action": d.key, "document_id": doc.id},
                                **changes)
        if d.outcome == "draft":
            self._record(uow, d, c, as_of, "awaiting_approval")
            d.outcome = "awaiting_approval"
        else:
            language = _language(s, d.customer_id)
            msg = self.outbox().queue(uow, customer_id=d.customer_id, case_id=c.id if c is not None else None,
                                    document_id=doc.id, kind=d.kind or "notice", language=language, automated=True,
                                    contact_on=as_of,
                                    not_before=send_not_before(as_of, uow.now(), self.run_hour, self.settings,
                                                               rules.calendar))
            d.outbox_id = msg.id
            self._record(uow, d, c, as_of, "queued")
            d.outcome = "queued"
        if lvl is not None and lvl.credit_hold:
            self.set_credit_hold(uow, d.customer_id, f"dunning level {d.level} ({lvl.kind}) reached",
                             {"case": c.ref if c is not None else None, "action": d.key})

    def _document(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, lvl: Level | None,
                  as_of: date) -> LedgerDocument:
        common: dict[str, Any] = {"kind": d.kind or "", "language": _language(uow.session, d.customer_id),
                                  "as_of": as_of, "creditor_id": d.creditor_id,
                                  "case_id": c.id if c is not None else None, "delivery": "email"}
        if d.kind == "statement" and d.period_end is not None:
            return LedgerDocument(**{**common, "as_of": d.period_end, "period_from": d.period_start,
                                     "currency": d.currency or "CNY"})
        if d.kind == "lawyer_letter":
            if lvl is None or lvl.law_firm is None or lvl.lawyer is None:
                raise invalid("law_firm", "not_configured",
                              "未配置律师事务所：请在催收策略的律师函级别中填写律师事务所和律师",
                              "no law firm configured: name the law firm and the lawyer on the policy's "
                              "lawyer_letter level")
            firm, lawyer = dict(lvl.law_firm), dict(lvl.lawyer)
            assigned = _assigned_lawyer(uow.session, d.customer_id)
            if assigned is not None:
                lawyer["name"] = assigned
            return LedgerDocument(**common, draft=True, law_firm=LawFirm(
                name=firm["name"], name_en=firm.get("name_en", ""), address=firm["address"],
                address_en=firm.get("address_en", ""), phone=firm["phone"], email=firm["email"]),
                lawyer=Lawyer(name=lawyer["name"], name_en=lawyer.get("name_en", ""),
                              licence_no=lawyer["licence_no"], phone=lawyer.get("phone", ""),
                              email=lawyer.get("email", "")))
        return LedgerDocument(**common)

    def _record(self, uow: UnitOfWork, d: Decision, c: DunningCase | None, as_of: date, status: str) -> None:
        s = uow.session
        assert d.key is not None
        row = s.scalar(select(DunningAction).where(DunningAction.key == d.key).with_for_update())
        if row is None:
            row = DunningAction(key=d.key, creditor_id=d.creditor_id, customer_id=d.customer_id,
                                decided_by=uow.actor.username, created_at=uow.now())
            s.add(row)
        row.case_id = c.id if c is not None else None
        row.run_on, row.action, row.level, row.kind = as_of, d.action, d.level, d.kind or ""
        row.status, row.reason = status, d.both_reasons
        row.document_id, row.outbox_id = d.document_id, d.outbox_id
        s.flush()
        uow.audit(f"dunning.{status}", "dunning_action", row.id, None,
                  {"key": d.key, "action": d.action, "level": d.level, "kind": d.kind, "reason": d.both_reasons,
                   "case": c.ref if c is not None else None, "document_id": d.document_id,
                   "outbox_id": d.outbox_id, "run_on": as_of.isoformat()})


def _why(exc: Exception, as_of: date, customer_id: int) -> tuple[str, str]:
    if isinstance(exc, DomainError):
        return exc.one_line("zh_CN"), exc.one_line("en")
    log.exception("dunning run %s: customer %s failed", as_of, customer_id)
    return f"内部错误：{type(exc).__name__}", f"internal error: {type(exc).__name__}"


def _require_contact(s: Session, customer_id: int) -> None:
    has = s.scalar(select(func.count()).select_from(Contact).where(
        Contact.customer_id == customer_id, Contact.receives_dunning.is_(True), Contact.email.is_not(None),
        Contact.email != "", Contact.email_invalid_since.is_(None)))
    if not has:
        raise invalid("contacts", "no_contact_email", "客户没有可接收催收邮件的联系人邮箱",
                      "no contact email: the customer has no designated contact with a working email address")


def _language(s: Session, customer_id: int) -> str:
    langs = set(s.scalars(select(Contact.language).where(Contact.customer_id == customer_id,
                                                         Contact.receives_dunning.is_(True))))
    return "en" if langs and all(str(x).startswith("en") for x in langs) else "zh"


def _assigned_lawyer(s: Session, customer_id: int) -> str | None:
    name = s.scalar(select(User.display_name).join(Customer, Customer.assigned_lawyer_id == User.id)
                    .where(Customer.id == customer_id))
    return str(name) if name else None
