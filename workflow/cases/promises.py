"""Following promises and repayment plans up against the money that came in.

docs/dunning.md: record every promise and follow it up the day it falls due; a broken promise
escalates. ``review`` runs first in the daily run (and may be run by hand): for every pending promise
it counts what the customer has paid this creditor in the promise's currency since it was made.

- covered (even before the date) → kept: PROMISE_KEPT, and the case goes back to where it was;
- not covered once the promised date plus the policy's grace (working days) has passed → broken:
  PROMISE_BROKEN (the case escalates to reminding at its current level, so the run sends the next
  one) and a note on the case for the clerk.

Example (grace 2 working days): a promise for Friday 2026-11-27 may still be paid on Monday 30
November and Tuesday 1 December; the review of Wednesday 2 December breaks it.

Plans are reviewed the same way, instalment by instalment (``workflow.cases.plans``), and a pause
given an end day ends by itself once that day has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from workflow.calc.service import LawData
from workflow.cases import plans
from workflow.cases.lifecycle import apply, lock_case
from workflow.cases.models import CaseNote, CustomerDunning, DunningCase, DunningPolicy, Promise, RepaymentPlan
from workflow.cases.states import CLOSED, CaseEvent, CaseState
from workflow.law.workdays import WorkCalendar, provisional_year
from workflow.unit_of_work import UnitOfWork

# as the policy table's default: a promise may be paid up to two working days late
DEFAULT_GRACE_DAYS = 2


@dataclass(frozen=True)
class PromiseOutcome:
    case_id: int
    case_ref: str
    what: str  # promise, plan
    item_id: int
    outcome: str  # kept, broken (promise); completed, broken (plan)
    paid_since: Decimal


def grace_days(s: Session, customer_id: int) -> int:
    """The grace of the customer's own policy, else of the default policy, else the product's."""
    own = s.scalar(select(DunningPolicy.promise_grace_days)
                   .join(CustomerDunning, CustomerDunning.policy_id == DunningPolicy.id)
                   .where(CustomerDunning.customer_id == customer_id))
    if own is not None:
        return int(own)
    default = s.scalar(select(DunningPolicy.promise_grace_days).where(DunningPolicy.is_default == true()).limit(1))
    return int(default) if default is not None else DEFAULT_GRACE_DAYS


class GraceCalendar:
    """Working-day arithmetic for the run's timing: a year whose holiday notice is not loaded yet
    uses the provisional year (docs/dunning.md), since following up a promise must go on."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    @classmethod
    def of(cls, s: Session) -> GraceCalendar:
        return cls(LawData().calendar(s))

    def end(self, due: date, days: int) -> date:
        """The last day a payment due on ``due`` counts as on time: ``days`` working days later."""
        needed = [y for y in range(due.year, due.year + 2) if not self.calendar.is_loaded(y)]
        if needed:
            self.calendar = WorkCalendar.of([*self.calendar.years.values(), *map(provisional_year, needed)])
        return self.calendar.add_working_days(due, days)


def review(uow: UnitOfWork, as_of: date) -> list[PromiseOutcome]:
    """Settle every pending promise and active plan that ``as_of`` decides (see the module)."""
    from workflow.cases.service import paid_total  # the service imports this module's neighbours

    s = uow.session
    cal = GraceCalendar.of(s)
    grace: dict[int, int] = {}
    outcomes: list[PromiseOutcome] = []

    def grace_of(customer_id: int) -> int:
        if customer_id not in grace:
            grace[customer_id] = grace_days(s, customer_id)
        return grace[customer_id]

    pending = s.execute(select(Promise.id, Promise.case_id).where(Promise.status == "pending")
                        .order_by(Promise.case_id, Promise.id)).all()
    for promise_id, case_id in pending:
        case = lock_case(uow, case_id)
        promise = s.get(Promise, promise_id, with_for_update=True, populate_existing=True)
        if promise is None or promise.status != "pending":
            continue
        if CaseState(case.state) in CLOSED:
            promise.status, promise.resolved_on = "cancelled", as_of
            continue
        paid_since = paid_total(s, case.creditor_id, case.customer_id, promise.currency) - promise.paid_before
        if paid_since >= promise.amount:
            promise.status, promise.resolved_on = "kept", as_of
            if case.state == CaseState.PROMISE_PENDING.value:
                apply(uow, case, CaseEvent.PROMISE_KEPT,
                      reason=f"承诺已兑现 / promise kept: {promise.currency} {paid_since} received",
                      evidence=_evidence(promise, paid_since, as_of), hold_reason=None)
            outcomes.append(PromiseOutcome(case.id, case.ref, "promise", promise.id, "kept", paid_since))
        elif cal.end(promise.promised_on, grace_of(case.customer_id)) < as_of:
            promise.status, promise.resolved_on = "broken", as_of
            if case.state == CaseState.PROMISE_PENDING.value:
                apply(uow, case, CaseEvent.PROMISE_BROKEN,
                      reason=f"承诺未兑现 / promise broken: {promise.currency} {promise.amount} due "
                             f"{promise.promised_on}, {paid_since} received",
                      evidence=_evidence(promise, paid_since, as_of), hold_reason=None)
            s.add(CaseNote(case_id=case.id, kind="system", author=uow.actor.username, created_at=uow.now(),
                           body=f"承诺未兑现：{promise.promised_on} 应付 {promise.currency} {promise.amount}，"
                                f"已收 {paid_since} / promise broken: {promise.currency} {promise.amount} "
                                f"promised for {promise.promised_on}, {paid_since} received"))
            outcomes.append(PromiseOutcome(case.id, case.ref, "promise", promise.id, "broken", paid_since))
    s.flush()
    active = s.execute(select(RepaymentPlan.id, RepaymentPlan.case_id).where(RepaymentPlan.status == "active")
                       .order_by(RepaymentPlan.case_id, RepaymentPlan.id)).all()
    for plan_id, case_id in active:
        case = lock_case(uow, case_id)
        plan = s.get(RepaymentPlan, plan_id, with_for_update=True, populate_existing=True)
        if plan is None or plan.status != "active":
            continue
        if CaseState(case.state) in CLOSED:
            plan.status = "cancelled"
            continue
        paid_since = paid_total(s, case.creditor_id, case.customer_id, plan.currency) - plan.paid_before
        outcome = plans.review_plan(uow, plan, case, paid_since, as_of,
                                    partial(_grace_end, cal, grace_of(case.customer_id)))
        if outcome is not None:
            outcomes.append(PromiseOutcome(case.id, case.ref, "plan", plan.id, outcome, paid_since))
    s.flush()
    resume_ended_pauses(uow, as_of)
    return outcomes


def resume_ended_pauses(uow: UnitOfWork, as_of: date) -> int:
    """A pause given an end day ends by itself the day after it: the case goes back to where it was
    (run with the review, so the same day's run picks the case up again). How many resumed."""
    s = uow.session
    ended = list(s.scalars(select(DunningCase.id).where(
        DunningCase.state == CaseState.PAUSED.value, DunningCase.paused_until.is_not(None),
        DunningCase.paused_until < as_of).order_by(DunningCase.id)))
    for case_id in ended:
        case = lock_case(uow, case_id)
        if case.state != CaseState.PAUSED.value or case.paused_until is None or case.paused_until >= as_of:
            continue
        apply(uow, case, CaseEvent.RESUMED, reason=f"暂停至 {case.paused_until} 已结束 / the pause ended "
                                                   f"on {case.paused_until}",
              evidence={"paused_until": case.paused_until.isoformat(), "as_of": as_of.isoformat()},
              hold_reason=None)
    return len(ended)


def _grace_end(cal: GraceCalendar, days: int, due: date) -> date:
    return cal.end(due, days)


def _evidence(promise: Promise, paid_since: Decimal, as_of: date) -> dict[str, str | int]:
    return {"promise_id": promise.id, "promised_on": promise.promised_on.isoformat(), "amount": str(promise.amount),
            "currency": promise.currency, "paid_since": str(paid_since), "as_of": as_of.isoformat()}
