"""A dunning case's states and the moves between them: one pure transition table.

The table is the whole workflow; the case service only looks a move up here, applies it, and
writes it to the audit log with the actor, the reason and the evidence. A move that is not in the
table raises ``IllegalMove``: nothing the run, a reply or a clerk does can put a case in a state
the table does not allow.

Some states are *holds* that interrupt the escalation — a pending promise, an active repayment
plan, a dispute, a pause. Entering a hold remembers the state it interrupted (``resume_to``);
leaving it the ordinary way (promise kept, plan finished, dispute resolved, resumed) returns there.
A broken promise or plan does not return: it escalates (docs/dunning.md: "a broken promise
escalates"), and the run sends the next level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseState(StrEnum):
    PRE_DUE = "pre_due"  # a friendly reminder before the due date has gone out
    OVERDUE = "overdue"  # overdue; no reminder yet
    REMINDING = "reminding"  # reminder letters at rising levels (the case's ``level``)
    RECONCILIATION_REQUESTED = "reconciliation_requested"  # a 对账单 awaits the debtor's confirmation
    RECONCILIATION_CONFIRMED = "reconciliation_confirmed"  # the debtor confirmed the balance in writing
    PROMISE_PENDING = "promise_pending"  # the debtor promised to pay by a date: wait for it
    REPAYMENT_PLAN = "repayment_plan"  # instalments agreed (还款协议): follow the schedule
    DISPUTED = "disputed"  # the debtor disputes the debt: automatic dunning stops until a person resolves it
    PAUSED = "paused"  # a clerk paused the case, with a reason
    FINAL_NOTICE = "final_notice"  # the last warning before legal steps has gone out
    LAWYER_LETTER_PENDING = "lawyer_letter_pending"  # a 律师函 draft awaits a lawyer's approval
    LAWYER_LETTER_SENT = "lawyer_letter_sent"
    LEGAL_ACTION = "legal_action"  # suit, arbitration or payment order: the dunning run leaves it alone
    CLOSED_PAID = "closed_paid"
    CLOSED_WRITTEN_OFF = "closed_written_off"
    CLOSED_SETTLED = "closed_settled"


class CaseEvent(StrEnum):
    OPENED_PRE_DUE = "opened_pre_due"
    BECAME_OVERDUE = "became_overdue"
    REMINDER_SENT = "reminder_sent"
    STATEMENT_SENT = "statement_sent"
    STATEMENT_CONFIRMED = "statement_confirmed"
    PROMISE_RECORDED = "promise_recorded"
    PROMISE_KEPT = "promise_kept"
    PROMISE_BROKEN = "promise_broken"
    PLAN_AGREED = "plan_agreed"
    PLAN_COMPLETED = "plan_completed"
    PLAN_BROKEN = "plan_broken"
    DISPUTE_RAISED = "dispute_raised"
    DISPUTE_RESOLVED = "dispute_resolved"
    PAUSED = "paused"
    RESUMED = "resumed"
    FINAL_NOTICE_SENT = "final_notice_sent"
    LAWYER_LETTER_DRAFTED = "lawyer_letter_drafted"
    LAWYER_LETTER_APPROVED = "lawyer_letter_approved"
    LAWYER_LETTER_REJECTED = "lawyer_letter_rejected"
    LEGAL_ACTION_STARTED = "legal_action_started"
    PAID_IN_FULL = "paid_in_full"
    WRITTEN_OFF = "written_off"
    SETTLED = "settled"


S, E = CaseState, CaseEvent

CLOSED = frozenset({S.CLOSED_PAID, S.CLOSED_WRITTEN_OFF, S.CLOSED_SETTLED})
HOLDS = frozenset({S.PROMISE_PENDING, S.REPAYMENT_PLAN, S.DISPUTED, S.PAUSED})
# where the escalation ladder stands; the automatic run acts only on these
ESCALATING = frozenset({S.PRE_DUE, S.OVERDUE, S.REMINDING, S.RECONCILIATION_REQUESTED,
                        S.RECONCILIATION_CONFIRMED, S.FINAL_NOTICE, S.LAWYER_LETTER_SENT})
OPEN = frozenset(CaseState) - CLOSED
# states from which a person or the debtor can put the case on hold
HOLDABLE = ESCALATING | {S.LAWYER_LETTER_PENDING}
# a hold's ordinary end goes back to the state it interrupted
RETURN = None


def _table() -> dict[tuple[CaseState, CaseEvent], CaseState | None]:
    t: dict[tuple[CaseState, CaseEvent], CaseState | None] = {}

    def add(sources: frozenset[CaseState] | set[CaseState], event: CaseEvent, target: CaseState | None) -> None:
        for source in sources:
            t[(source, event)] = target

    add({S.PRE_DUE}, E.BECAME_OVERDUE, S.OVERDUE)
    add({S.PRE_DUE, S.OVERDUE, S.REMINDING, S.RECONCILIATION_REQUESTED, S.RECONCILIATION_CONFIRMED},
        E.REMINDER_SENT, S.REMINDING)
    add({S.PRE_DUE}, E.REMINDER_SENT, S.PRE_DUE)  # a second pre-due reminder (another due date)
    add(ESCALATING, E.STATEMENT_SENT, S.RECONCILIATION_REQUESTED)
    # a statement sent with the case in a later stage does not pull it back down the ladder
    for late in (S.FINAL_NOTICE, S.LAWYER_LETTER_SENT):
        t[(late, E.STATEMENT_SENT)] = late
    add(OPEN - CLOSED - {S.LEGAL_ACTION}, E.STATEMENT_CONFIRMED, S.RECONCILIATION_CONFIRMED)
    for hold in HOLDS | {S.LAWYER_LETTER_PENDING, S.FINAL_NOTICE, S.LAWYER_LETTER_SENT}:
        t[(hold, E.STATEMENT_CONFIRMED)] = hold  # an acknowledgment is recorded; the hold or stage stays
    # a debtor may call with a promise while a clerk has paused the case; a dispute needs its review first
    add(HOLDABLE | {S.PROMISE_PENDING, S.PAUSED}, E.PROMISE_RECORDED, S.PROMISE_PENDING)
    add({S.PROMISE_PENDING}, E.PROMISE_KEPT, RETURN)
    add({S.PROMISE_PENDING}, E.PROMISE_BROKEN, S.REMINDING)
    # a repayment agreement is also how a dispute or a pause commonly ends
    add(HOLDABLE | {S.PROMISE_PENDING, S.PAUSED, S.DISPUTED}, E.PLAN_AGREED, S.REPAYMENT_PLAN)
    add({S.REPAYMENT_PLAN}, E.PLAN_COMPLETED, RETURN)
    add({S.REPAYMENT_PLAN}, E.PLAN_BROKEN, S.REMINDING)
    add(HOLDABLE | {S.PROMISE_PENDING, S.REPAYMENT_PLAN, S.PAUSED}, E.DISPUTE_RAISED, S.DISPUTED)
    add({S.DISPUTED}, E.DISPUTE_RESOLVED, RETURN)
    add(HOLDABLE | {S.PROMISE_PENDING, S.REPAYMENT_PLAN}, E.PAUSED, S.PAUSED)
    add({S.PAUSED}, E.RESUMED, RETURN)
    add({S.OVERDUE, S.REMINDING, S.RECONCILIATION_REQUESTED, S.RECONCILIATION_CONFIRMED},
        E.FINAL_NOTICE_SENT, S.FINAL_NOTICE)
    add({S.OVERDUE, S.REMINDING, S.RECONCILIATION_REQUESTED, S.RECONCILIATION_CONFIRMED, S.FINAL_NOTICE},
        E.LAWYER_LETTER_DRAFTED, S.LAWYER_LETTER_PENDING)
    add({S.LAWYER_LETTER_PENDING}, E.LAWYER_LETTER_APPROVED, S.LAWYER_LETTER_SENT)
    add({S.LAWYER_LETTER_PENDING}, E.LAWYER_LETTER_REJECTED, RETURN)
    add((ESCALATING | HOLDS | {S.LAWYER_LETTER_PENDING}) - {S.PRE_DUE}, E.LEGAL_ACTION_STARTED, S.LEGAL_ACTION)
    add(OPEN, E.PAID_IN_FULL, S.CLOSED_PAID)
    add(OPEN, E.WRITTEN_OFF, S.CLOSED_WRITTEN_OFF)
    add(OPEN, E.SETTLED, S.CLOSED_SETTLED)
    return t


TRANSITIONS = _table()
# entering these from outside remembers the state to come back to
_REMEMBERS = HOLDS | {S.LAWYER_LETTER_PENDING}


class IllegalMove(Exception):
    def __init__(self, state: CaseState, event: CaseEvent) -> None:
        super().__init__(f"{event.value} is not allowed in state {state.value}")
        self.state = state
        self.event = event


@dataclass(frozen=True)
class Move:
    source: CaseState
    event: CaseEvent
    target: CaseState
    resume_to: CaseState | None  # what a hold returns to; None outside holds


def move(state: CaseState, event: CaseEvent, resume_to: CaseState | None = None) -> Move:
    """The move ``event`` makes from ``state``; ``resume_to`` is the case's remembered state."""
    key = (CaseState(state), CaseEvent(event))
    if key not in TRANSITIONS:
        raise IllegalMove(*key)
    target = TRANSITIONS[key]
    if target is RETURN:
        if resume_to is None:
            raise IllegalMove(*key)
        return Move(key[0], key[1], CaseState(resume_to), None)
    if target in _REMEMBERS and key[0] not in _REMEMBERS:
        remembered: CaseState | None = key[0]
    elif target in _REMEMBERS:
        # hold to hold (a promise inside a pause, a dispute during a plan): keep what the first one interrupted
        remembered = CaseState(resume_to) if resume_to is not None else None
    else:
        remembered = None
    return Move(key[0], key[1], target, remembered)


def allowed(state: CaseState) -> list[CaseEvent]:
    """The events that may happen in ``state`` (for the clerk's buttons and the API's 409 message)."""
    return sorted({event for (source, event) in TRANSITIONS if source == state})
