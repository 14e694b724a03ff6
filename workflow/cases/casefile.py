"""What a case shows: the list of cases a user may see, and a case's whole file — the customer, the
balance it chases, the open invoices, promises, the plan, notes, documents, emails, the run's
decisions and the timeline from the audit log. The same file serves the API, the CLI and the desk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from workflow.audit.models import AuditEntry
from workflow.cases import plans
from workflow.cases.models import CaseNote, DunningAction, DunningCase, Promise, RepaymentPlan
from workflow.cases.service import open_balance, open_invoices, visible_case
from workflow.cases.states import CLOSED, OPEN, CaseState, allowed
from workflow.documents.models import GeneratedDocument
from workflow.errors import invalid
from workflow.ledger.access import scoped
from workflow.ledger.models import CreditorEntity, Customer, Invoice
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    customer_id: int | None = None
    creditor_id: int | None = None
    assigned_user_id: int | None = None
    status: str | None = None  # open, closed
    page: int = 1
    per_page: int = 50


def list_cases(uow: UnitOfWork, f: CaseFilter) -> dict[str, Any]:
    s = uow.session
    conds: list[ColumnElement[bool]] = []
    if f.state:
        if f.state not in {st.value for st in CaseState}:
            raise invalid("state", "unknown_state", f"未知状态：{f.state}",
                          f"unknown state: {f.state} (one of: {', '.join(st.value for st in CaseState)})")
        conds.append(DunningCase.state == f.state)
    if f.customer_id is not None:
        conds.append(DunningCase.customer_id == f.customer_id)
    if f.creditor_id is not None:
        conds.append(DunningCase.creditor_id == f.creditor_id)
    if f.assigned_user_id is not None:
        # the case's own clerk, else the customer's
        who = f.assigned_user_id
        conds.append(or_(DunningCase.assigned_user_id == who,
                         and_(DunningCase.assigned_user_id.is_(None), Customer.assigned_clerk_id == who)))
    if f.status == "open":
        conds.append(DunningCase.state.in_([st.value for st in OPEN]))
    elif f.status == "closed":
        conds.append(DunningCase.state.in_([st.value for st in CLOSED]))
    elif f.status is not None:
        raise invalid("status", "unknown_status", "应为 open 或 closed", "must be open or closed")
    stmt: Select[Any] = scoped(select(DunningCase, Customer, CreditorEntity)  # type: ignore[arg-type]
                  .join(Customer, Customer.id == DunningCase.customer_id)
                  .join(CreditorEntity, CreditorEntity.id == DunningCase.creditor_id).where(*conds),
                  uow.actor, DunningCase.customer_id)
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.execute(stmt.order_by(DunningCase.id.desc()).limit(f.per_page)
                     .offset((f.page - 1) * f.per_page)).all()
    return {"items": [summary(c, cu, cr) for c, cu, cr in rows], "total": total, "page": f.page,
            "per_page": f.per_page}


def summary(case: DunningCase, customer: Customer, creditor: CreditorEntity) -> dict[str, Any]:
    return {
        "ref": case.ref, "id": case.id, "state": case.state, "level": case.level, "resume_to": case.resume_to,
        "customer": {"id": customer.id, "code": customer.code, "name": customer.legal_name,
                     "credit_hold": customer.credit_hold},
        "creditor": {"id": creditor.id, "code": creditor.code, "name": creditor.legal_name},
        "currency": case.currency, "opened_at": case.opened_at, "opened_by": case.opened_by,
        "closed_at": case.closed_at, "paused_until": case.paused_until, "hold_reason": case.hold_reason,
        "assigned_user_id": case.assigned_user_id, "last_action_on": case.last_action_on,
        "updated_at": case.updated_at,
    }


def show(uow: UnitOfWork, ref: str) -> dict[str, Any]:
    """The case's whole file (see the module's docstring)."""
    s = uow.session
    case = visible_case(uow, ref)
    customer, creditor = s.get(Customer, case.customer_id), s.get(CreditorEntity, case.creditor_id)
    assert customer is not None and creditor is not None
    out = summary(case, customer, creditor)
    out["allowed_events"] = [e.value for e in allowed(CaseState(case.state))]
    out["open_balance"] = [{"currency": cur, "outstanding": str(amount)}
                           for cur, amount in sorted(open_balance(s, case.creditor_id, case.customer_id).items())]
    out["open_invoices"] = [
        {"id": inv.id, "number": inv.number, "due_date": inv.due_date, "currency": inv.currency,
         "amount": str(inv.amount), "outstanding": str(inv.amount - inv.paid_amount - inv.credited_amount)}
        for inv in s.scalars(open_invoices(s, case).order_by(Invoice.due_date, Invoice.id).limit(500))]
    out["promises"] = [describe_promise(p) for p in s.scalars(
        select(Promise).where(Promise.case_id == case.id).order_by(Promise.id))]
    out["plans"] = [plans.describe(p) for p in s.scalars(
        select(RepaymentPlan).where(RepaymentPlan.case_id == case.id).order_by(RepaymentPlan.id))]
    out["notes"] = [{"id": n.id, "kind": n.kind, "body": n.body, "contact_name": n.contact_name,
                     "author": n.author, "created_at": n.created_at}
                    for n in s.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))]
    out["documents"] = [{"id": d.id, "kind": d.kind, "language": d.language, "made_by": d.made_by,
                         "made_at": d.made_at, "pdf_status": d.pdf_status,
                         "draft": _is_draft(d)}
                        for d in s.scalars(select(GeneratedDocument).where(GeneratedDocument.case_id == case.id)
                                           .order_by(GeneratedDocument.id))]
    out["emails"] = [{"id": m.id, "kind": m.kind, "status": m.status, "automated": m.automated,
                      "subject": m.subject, "recipients": list(m.recipients), "contact_on": m.contact_on,
                      "sent_at": m.sent_at, "document_id": m.document_id, "error": m.error}
                     for m in s.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                        .order_by(OutboxMessage.id))]
    out["actions"] = [{"id": a.id, "key": a.key, "run_on": a.run_on, "action": a.action, "level": a.level,
                       "kind": a.kind, "status": a.status, "reason": a.reason, "document_id": a.document_id,
                       "outbox_id": a.outbox_id, "decided_by": a.decided_by, "resolved_by": a.resolved_by,
                       "resolved_at": a.resolved_at}
                      for a in s.scalars(select(DunningAction).where(DunningAction.case_id == case.id)
                                         .order_by(DunningAction.id))]
    out["timeline"] = [_timeline_entry(e) for e in s.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "dunning_case", AuditEntry.entity_id == str(case.id))
        .order_by(AuditEntry.id))]
    return out


def _is_draft(doc: GeneratedDocument) -> bool | None:
    letter = doc.context.get("letter") if isinstance(doc.context, Mapping) else None
    draft = letter.get("draft") if isinstance(letter, Mapping) else None
    return draft if isinstance(draft, bool) else None


def _timeline_entry(e: AuditEntry) -> dict[str, Any]:
    after = e.after if isinstance(e.after, Mapping) else {}
    before = e.before if isinstance(e.before, Mapping) else {}
    return {"at": e.at, "actor": e.actor, "action": e.action, "from_state": before.get("state"),
            "to_state": after.get("state"), "reason": after.get("reason"), "evidence": after.get("evidence")}


def describe_promise(p: Promise) -> dict[str, Any]:
    return {"id": p.id, "promised_on": p.promised_on, "amount": str(p.amount), "currency": p.currency,
            "source": p.source, "contact_name": p.contact_name, "note": p.note, "paid_before": str(p.paid_before),
            "status": p.status, "resolved_on": p.resolved_on, "recorded_by": p.recorded_by,
            "recorded_at": p.recorded_at}
