"""The transition table, read as a table: every state reachable, closed states final, holds that
return where they came from, and illegal moves refused."""

from __future__ import annotations

from collections import deque

import pytest

from workflow.cases.states import (
    CLOSED,
    HOLDS,
    OPEN,
    TRANSITIONS,
    CaseEvent,
    CaseState,
    IllegalMove,
    allowed,
    move,
)

S, E = CaseState, CaseEvent
STARTS = (S.PRE_DUE, S.OVERDUE)  # a case opens in one of these


def reachable() -> set[CaseState]:
    """Every state a case can get to from its opening states, following the table (holds return
    to the state remembered on entering them)."""
    seen: set[tuple[CaseState, CaseState | None]] = set()
    todo = deque((s, None) for s in STARTS)
    while todo:
        state, resume = todo.popleft()
        if (state, resume) in seen:
            continue
        seen.add((state, resume))
        for event in allowed(state):
            try:
                m = move(state, event, resume)
            except IllegalMove:
                continue
            todo.append((m.target, m.resume_to))
    return {s for s, _ in seen}


def test_every_state_is_reachable_from_an_opening_state() -> None:
    assert reachable() == set(CaseState)


@pytest.mark.parametrize("state", sorted(CLOSED))
def test_closed_states_have_no_exits(state: CaseState) -> None:
    assert allowed(state) == []
    for event in CaseEvent:
        with pytest.raises(IllegalMove):
            move(state, event, S.REMINDING)


@pytest.mark.parametrize("state", sorted(OPEN))
def test_every_open_state_can_close_every_way(state: CaseState) -> None:
    for event, target in ((E.PAID_IN_FULL, S.CLOSED_PAID), (E.WRITTEN_OFF, S.CLOSED_WRITTEN_OFF),
                          (E.SETTLED, S.CLOSED_SETTLED)):
        assert move(state, event, S.REMINDING).target is target


@pytest.mark.parametrize(("enter", "leave", "hold"), [
    (E.PROMISE_RECORDED, E.PROMISE_KEPT, S.PROMISE_PENDING),
    (E.PLAN_AGREED, E.PLAN_COMPLETED, S.REPAYMENT_PLAN),
    (E.DISPUTE_RAISED, E.DISPUTE_RESOLVED, S.DISPUTED),
    (E.PAUSED, E.RESUMED, S.PAUSED),
])
@pytest.mark.parametrize("origin", [S.OVERDUE, S.REMINDING, S.FINAL_NOTICE, S.RECONCILIATION_REQUESTED,
                                    S.LAWYER_LETTER_SENT])
def test_a_hold_returns_where_it_came_from(enter: CaseEvent, leave: CaseEvent, hold: CaseState,
                                           origin: CaseState) -> None:
    into = move(origin, enter)
    assert into.target is hold and into.resume_to is origin
    back = move(into.target, leave, into.resume_to)
    assert back.target is origin and back.resume_to is None


def test_a_hold_inside_a_hold_returns_to_the_first_interrupted_state() -> None:
    promise = move(S.REMINDING, E.PROMISE_RECORDED)
    dispute = move(promise.target, E.DISPUTE_RAISED, promise.resume_to)
    assert (dispute.target, dispute.resume_to) == (S.DISPUTED, S.REMINDING)
    assert move(dispute.target, E.DISPUTE_RESOLVED, dispute.resume_to).target is S.REMINDING


@pytest.mark.parametrize(("event", "hold"), [(E.PROMISE_BROKEN, S.PROMISE_PENDING),
                                            (E.PLAN_BROKEN, S.REPAYMENT_PLAN)])
def test_a_broken_promise_or_plan_escalates_instead_of_returning(event: CaseEvent, hold: CaseState) -> None:
    assert move(hold, event, S.FINAL_NOTICE).target is S.REMINDING


@pytest.mark.parametrize(("state", "event"), [
    (S.PRE_DUE, E.LEGAL_ACTION_STARTED),
    (S.OVERDUE, E.PROMISE_KEPT),
    (S.REMINDING, E.LAWYER_LETTER_APPROVED),
    (S.DISPUTED, E.REMINDER_SENT),
    (S.PAUSED, E.FINAL_NOTICE_SENT),
    (S.LEGAL_ACTION, E.REMINDER_SENT),
    (S.LEGAL_ACTION, E.PAUSED),
])
def test_illegal_moves_raise(state: CaseState, event: CaseEvent) -> None:
    assert event not in allowed(state)
    with pytest.raises(IllegalMove):
        move(state, event, S.REMINDING)


def test_a_return_without_a_remembered_state_is_refused() -> None:
    with pytest.raises(IllegalMove):
        move(S.PAUSED, E.RESUMED, None)


def test_holds_are_the_waiting_states() -> None:
    assert {S.PROMISE_PENDING, S.REPAYMENT_PLAN, S.DISPUTED, S.PAUSED} == HOLDS
    # nothing but a hold's own end, another hold, legal action or closing leaves a hold
    for hold in HOLDS:
        targets = {TRANSITIONS[(hold, e)] for e in allowed(hold)}
        assert targets - HOLDS - CLOSED - {S.LEGAL_ACTION, S.REMINDING, S.RECONCILIATION_CONFIRMED, None} == set()


def test_a_promise_made_while_paused_returns_to_the_ladder_where_the_pause_found_it() -> None:
    from workflow.cases.states import CaseEvent, CaseState, move

    paused = move(CaseState.REMINDING, CaseEvent.PAUSED)
    promised = move(paused.target, CaseEvent.PROMISE_RECORDED, paused.resume_to)
    kept = move(promised.target, CaseEvent.PROMISE_KEPT, promised.resume_to)
    assert (paused.target, promised.target, kept.target) == (CaseState.PAUSED, CaseState.PROMISE_PENDING,
                                                             CaseState.REMINDING)
    # a repayment plan can end a dispute
    disputed = move(CaseState.FINAL_NOTICE, CaseEvent.DISPUTE_RAISED)
    plan = move(disputed.target, CaseEvent.PLAN_AGREED, disputed.resume_to)
    assert (plan.target, plan.resume_to) == (CaseState.REPAYMENT_PLAN, CaseState.FINAL_NOTICE)
