"""Opening a case and moving it: the only code that changes a case's state.

Every move is looked up in the pure table (``states.move``), applied to the locked row and written
to the audit log in the caller's unit of work with the actor, the reason and the evidence that
caused it (a payment, a reply, a clerk's note, a run's decision). Clerk actions, the dunning run
and reply handling all come through here, so the audit log is the case's complete history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from workflow.cases.models import CaseSequence, DunningCase
from workflow.cases.states import CLOSED, CaseEvent, CaseState, IllegalMove, Move, allowed, move
from workflow.errors import Conflict, NotFound
from workflow.ledger.models import CreditorEntity, Customer
from workflow.unit_of_work import UnitOfWork

REF_PREFIX = "AR"


def next_ref(uow: UnitOfWork, year: int) -> str:
    """``AR-<year>-<nnnn>``: numbers are taken with one upsert, so two writers never share one."""
    s = uow.session
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(CaseSequence).values(year=year, last=1).on_conflict_do_update(
        index_elements=[CaseSequence.year], set_={"last": CaseSequence.last + 1})
    number = int(s.execute(upsert.returning(CaseSequence.last)).scalar_one())
    return f"{REF_PREFIX}-{year}-{number:04d}"


def open_case_of(uow: UnitOfWork, creditor_id: int, customer_id: int) -> DunningCase | None:
    return uow.session.scalar(select(DunningCase).where(
        DunningCase.creditor_id == creditor_id, DunningCase.customer_id == customer_id,
        DunningCase.open_slot == 1))


def open_case(uow: UnitOfWork, creditor_id: int, customer_id: int, *, state: CaseState = CaseState.OVERDUE,
              reason: str, evidence: Mapping[str, Any] | None = None,
              currency: str = "CNY") -> tuple[DunningCase, bool]:
    """The open case of (creditor, customer), opened now if there is none; ``True`` when opened.

    The database allows one open case per pair; a concurrent opener that loses the race finds the
    winner's case instead of failing. A new case is assigned to the customer's collection clerk,
    else to its salesperson (ledger/responsibility.py)."""
    s = uow.session
    existing = open_case_of(uow, creditor_id, customer_id)
    if existing is not None:
        return existing, False
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFound("客户", "customer", customer_id)
    if s.get(CreditorEntity, creditor_id) is None:
        raise NotFound("债权人", "creditor", creditor_id)
    if state not in (CaseState.OVERDUE, CaseState.PRE_DUE):
        raise ValueError(f"a case opens as overdue or pre_due, not {state}")
    now = uow.now()
    case = DunningCase(ref=next_ref(uow, uow.today().year), creditor_id=creditor_id, customer_id=customer_id,
                       state=state.value, level=0, resume_to=None, open_slot=1, currency=currency,
                       opened_at=now, opened_by=uow.actor.username, updated_at=now,
                       assigned_user_id=customer.assigned_clerk_id or customer.salesperson_id)
    try:
        with s.begin_nested():
            s.add(case)
            s.flush()
    except IntegrityError:
        winner = open_case_of(uow, creditor_id, customer_id)
        if winner is None:
            raise
        return winner, False
    uow.audit("case.open", "dunning_case", case.id, None,
              {"ref": case.ref, "creditor_id": creditor_id, "customer_id": customer_id, "state": case.state,
               "assigned_user_id": case.assigned_user_id, "reason": reason, "evidence": dict(evidence or {})})
    return case, True


def lock_case(uow: UnitOfWork, case_id: int) -> DunningCase:
    case = uow.session.get(DunningCase, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise NotFound("案件", "case", case_id)
    return case


def case_by_ref(uow: UnitOfWork, ref: str) -> DunningCase:
    case = uow.session.scalar(select(DunningCase).where(DunningCase.ref == ref.strip().upper()))
    if case is None:
        raise NotFound("案件", "case", ref)
    return case


def apply(uow: UnitOfWork, case: DunningCase, event: CaseEvent, *, reason: str,
          evidence: Mapping[str, Any] | None = None, **changes: Any) -> Move:
    """Move ``case`` by ``event`` and audit it; ``changes`` are further columns set by the same move
    (a level reached, a pause's end date). An illegal move is a 409 naming what is allowed."""
    try:
        m = move(CaseState(case.state), event, CaseState(case.resume_to) if case.resume_to else None)
    except IllegalMove as exc:
        options = ", ".join(e.value for e in allowed(exc.state)) or "-"
        raise Conflict(f"案件 {case.ref} 处于「{exc.state.value}」状态，"
                       f"不能执行「{exc.event.value}」（可执行：{options}）",
                       f"case {case.ref} is {exc.state.value}: {exc.event.value} is not allowed (allowed: {options})"
                       ) from exc
    before = {"state": case.state, "level": case.level, "resume_to": case.resume_to,
              **{k: _plain(getattr(case, k)) for k in changes}}
    case.state = m.target.value
    case.resume_to = m.resume_to.value if m.resume_to else None
    for key, value in changes.items():
        setattr(case, key, value)
    if m.target not in (CaseState.PAUSED,) and "paused_until" not in changes:
        case.paused_until = None
    if m.target in CLOSED:
        case.open_slot = None
        case.closed_at = uow.now()
    case.updated_at = uow.now()
    uow.session.flush()
    after = {"state": case.state, "level": case.level, "resume_to": case.resume_to,
             **{k: _plain(getattr(case, k)) for k in changes}}
    uow.audit(f"case.{event.value}", "dunning_case", case.id, before,
              {**after, "ref": case.ref, "reason": reason, "evidence": dict(evidence or {})})
    return m


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value
