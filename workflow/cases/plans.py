"""Repayment plans: the instalments of a 还款协议, each followed like a promise.

Agreeing a plan makes the agreement itself (the debtor acknowledges the whole open balance in the
currency and pays it by the schedule: an interruption of limitation, 时效规定 14) and puts the case
on hold in REPAYMENT_PLAN. The review (``review``, called by ``promises.review``) counts the
payments received since the plan was agreed: an instalment is paid once they cover it and every
earlier one; one still uncovered after its due date plus the grace days breaks the plan and the
case escalates; all covered completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from workflow.cases.lifecycle import apply
from workflow.cases.models import CaseNote, DunningCase, PlanInstalment, RepaymentPlan
from workflow.cases.states import CaseEvent, CaseState
from workflow.documents.contexts.records import PlannedInstalment, repayment_agreement_context
from workflow.documents.service import DocumentService
from workflow.errors import invalid
from workflow.unit_of_work import UnitOfWork

MAX_INSTALMENTS = 120


def describe(plan: RepaymentPlan) -> dict[str, Any]:
    return {"id": plan.id, "currency": plan.currency, "status": plan.status, "document_id": plan.document_id,
            "paid_before": str(plan.paid_before), "created_by": plan.created_by, "created_at": plan.created_at,
            "instalments": [{"seq": i.seq, "due_on": i.due_on, "amount": str(i.amount), "status": i.status}
                             for i in plan.instalments]}


def agree(uow: UnitOfWork, documents: DocumentService, case: DunningCase,
          instalments: Sequence[tuple[date, Decimal]], *, currency: str, language: str = "zh", number: str = "",
          waive_penalty_on_performance: bool = False, pdf: bool = True) -> RepaymentPlan:
    """The plan and its 还款协议 for the locked ``case``; the instalments must add up to what the
    customer owes the creditor in ``currency`` today (the agreement's context checks it)."""
    from workflow.cases.service import paid_total  # the service imports this module

    s = uow.session
    if not instalments:
        raise invalid("instalments", "required", "请至少列出一期还款", "give at least one instalment")
    if len(instalments) > MAX_INSTALMENTS:
        raise invalid("instalments", "too_many", f"最多 {MAX_INSTALMENTS} 期", f"at most {MAX_INSTALMENTS} instalments")
    for n, (_, amount) in enumerate(instalments):
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise invalid(f"instalments.{n}.amount", "not_positive", "每期金额须大于零，最多两位小数",
                          "each instalment must be positive, with at most two decimal places")
    if language not in ("zh", "en"):
        raise invalid("language", "unknown_language", "应为 zh 或 en", "must be zh or en")
    today = uow.today()
    ctx = repayment_agreement_context(
        s, creditor_id=case.creditor_id, customer_id=case.customer_id, as_of=today,
        number=number.strip() or f"{case.ref}-HK-{today:%Y%m%d}",
        instalments=[PlannedInstalment(d, a) for d, a in instalments], currency=currency,
        waive_penalty_on_performance=waive_penalty_on_performance)
    doc = documents.generate(uow, "repayment_agreement", language, ctx, pdf, customer_id=case.customer_id,
                             case_id=case.id)
    for old in s.scalars(select(RepaymentPlan).where(RepaymentPlan.case_id == case.id,
                                                     RepaymentPlan.status == "active")):
        old.status = "cancelled"
    plan = RepaymentPlan(case_id=case.id, document_id=doc.id, currency=currency,
                         paid_before=paid_total(s, case.creditor_id, case.customer_id, currency), status="active",
                         created_by=uow.actor.username, created_at=uow.now())
    s.add(plan)
    s.flush()
    for seq, (due_on, amount) in enumerate(instalments, start=1):
        s.add(PlanInstalment(plan_id=plan.id, seq=seq, due_on=due_on, amount=amount, status="due"))
    s.flush()
    s.refresh(plan)
    apply(uow, case, CaseEvent.PLAN_AGREED, reason=f"还款协议 {ctx['agreement']['number']}（{len(instalments)} 期）",
          evidence={"plan_id": plan.id, "document_id": doc.id, "currency": currency,
                    "debt": ctx["agreement"]["debt_amount"], "by": uow.actor.username,
                    "instalments": [[d.isoformat(), str(a)] for d, a in instalments]})
    return plan


def review_plan(uow: UnitOfWork, plan: RepaymentPlan, case: DunningCase, paid_since: Decimal, as_of: date,
                grace_end: Callable[[date], date]) -> str | None:
    """Settle ``plan`` against ``paid_since`` (payments since it was agreed); the outcome when it
    ended ("completed", "broken") or None while it runs. ``grace_end(d)`` is the last day an
    instalment due on ``d`` may still be paid."""
    covered = Decimal(0)
    missed: PlanInstalment | None = None
    for inst in plan.instalments:
        covered += inst.amount
        if paid_since >= covered:
            inst.status = "paid"
        elif grace_end(inst.due_on) < as_of:
            inst.status = "missed"
            missed = missed or inst
    if all(i.status == "paid" for i in plan.instalments):
        plan.status = "completed"
        if case.state == CaseState.REPAYMENT_PLAN.value:
            apply(uow, case, CaseEvent.PLAN_COMPLETED, reason="还款计划已履行完毕 / every instalment is paid",
                  evidence={"plan_id": plan.id, "paid_since": str(paid_since), "as_of": as_of.isoformat()})
        return "completed"
    if missed is not None:
        plan.status = "broken"
        if case.state == CaseState.REPAYMENT_PLAN.value:
            apply(uow, case, CaseEvent.PLAN_BROKEN,
                  reason=f"第 {missed.seq} 期（{missed.due_on}）未按期支付 / instalment {missed.seq} missed",
                  evidence={"plan_id": plan.id, "instalment": missed.seq, "due_on": missed.due_on.isoformat(),
                            "paid_since": str(paid_since), "as_of": as_of.isoformat()})
        uow.session.add(CaseNote(
            case_id=case.id, kind="system", author=uow.actor.username, created_at=uow.now(),
            body=f"还款计划未履行：第 {missed.seq} 期 {plan.currency} {missed.amount}（{missed.due_on} 到期）未付 / "
                 f"repayment plan broken: instalment {missed.seq} of {plan.currency} {missed.amount} due "
                 f"{missed.due_on} is unpaid"))
        return "broken"
    return None
