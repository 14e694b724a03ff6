"""Who may see which ledger records, and loading a record or saying "not found".

A lawyer sees only the customers assigned to them, and everything that hangs off those customers
(contracts, invoices, credit notes, payments, files). A salesperson (role ``sales``) likewise sees only
their own customers: those whose salesperson they are, or one of whose contracts or invoices names
them as salesperson or collector (ledger/responsibility.py). Everything else is "not found" to them,
never "forbidden": a 403 would tell them the record exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Select, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.errors import Conflict, FieldProblem, Forbidden, NotFound
from workflow.ledger.models import (
    Contract,
    CreditNote,
    CreditorEntity,
    Customer,
    Invoice,
    Payment,
)

T = TypeVar("T")

NAMES: dict[type[Any], tuple[str, str]] = {
    CreditorEntity: ("债权主体", "creditor"),
    Customer: ("客户", "customer"),
    Contract: ("合同", "contract"),
    Invoice: ("发票", "invoice"),
    CreditNote: ("红字发票/贷项通知", "credit note"),
    Payment: ("回款", "payment"),
}


def is_restricted(actor: Actor) -> bool:
    """A lawyer or a salesperson: sees only their own customers."""
    return actor.is_lawyer or actor.role is Role.SALES


def sales_customers(user_id: int | None) -> CompoundSelect[Any]:
    """The ids of the customers a salesperson answers for: named on the customer, or on one of its
    contracts or invoices (as salesperson or collector)."""
    return (select(Customer.id).where(Customer.salesperson_id == user_id)
            .union(select(Contract.customer_id).where(or_(Contract.salesperson_id == user_id,
                                                          Contract.collector_id == user_id)),
                   select(Invoice.customer_id).where(or_(Invoice.salesperson_id == user_id,
                                                         Invoice.collector_id == user_id))))


def scoped(stmt: Select[Any], actor: Actor, customer_id_col: Any) -> Select[Any]:
    """Restrict a query to what ``actor`` may see; ``customer_id_col`` links the rows to a customer."""
    if actor.role is Role.SALES:
        return stmt.where(customer_id_col.in_(sales_customers(actor.user_id)))
    if not actor.is_lawyer:
        return stmt
    if customer_id_col is Customer.id:
        return stmt.where(Customer.assigned_lawyer_id == actor.user_id)
    mine = select(Customer.id).where(Customer.assigned_lawyer_id == actor.user_id)
    return stmt.where(customer_id_col.in_(mine))


def can_see_customer(s: Session, actor: Actor, customer_id: int) -> bool:
    if actor.role is Role.SALES:
        uid = actor.user_id
        if uid is None:
            return False
        return (s.scalar(select(Customer.id).where(Customer.id == customer_id, Customer.salesperson_id == uid))
                or s.scalar(select(Contract.id).where(Contract.customer_id == customer_id, or_(
                    Contract.salesperson_id == uid, Contract.collector_id == uid)).limit(1))
                or s.scalar(select(Invoice.id).where(Invoice.customer_id == customer_id, or_(
                    Invoice.salesperson_id == uid, Invoice.collector_id == uid)).limit(1))) is not None
    if not actor.is_lawyer:
        return True
    lawyer = s.scalar(select(Customer.assigned_lawyer_id).where(Customer.id == customer_id))
    return lawyer is not None and lawyer == actor.user_id


def load(s: Session, model: type[T], ident: int, actor: Actor, *, for_update: bool = False) -> T:
    """The record, or NotFound also when a lawyer may not see it."""
    zh, en = NAMES.get(model, ("记录", "record"))
    stmt = select(model).where(model.id == ident)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    obj = s.scalar(stmt)
    if obj is None:
        raise NotFound(zh, en, ident)
    customer_id = obj.id if isinstance(obj, Customer) else getattr(obj, "customer_id", None)
    if customer_id is not None and not can_see_customer(s, actor, customer_id):
        raise NotFound(zh, en, ident)
    return obj


def require_writer(actor: Actor) -> None:
    """Services check too, so the CLI and jobs cannot bypass the API's role check."""
    if not actor.can_write_ledger():
        raise Forbidden("无权修改台账", "You may not change the ledger")


def flush_unique(s: Session, field: str, value: object) -> None:
    """Flush, turning a unique-key race lost to a concurrent writer into the same 409 as the pre-check."""
    try:
        s.flush()
    except IntegrityError as exc:
        raise Conflict(f"已存在相同的 {field}：{value}", f"{field} already exists: {value}",
                       [FieldProblem(field, "duplicate", f"已被占用：{value}", f"already taken: {value}")]) from exc


def snapshot(obj: object) -> dict[str, Any]:
    """The record's columns, for the audit log's before/after."""
    mapper = inspect(type(obj))
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}
