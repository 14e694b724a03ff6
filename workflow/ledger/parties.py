"""Use cases for the parties: our creditor entities, the customers who owe us, their contacts.

Each use case runs in the caller's unit of work: it validates against the database, writes, and
records an audit entry with before/after in the same transaction, or changes nothing. The seal
image is a file: ``attachments.Attachments`` keeps it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role, User
from workflow.errors import Conflict, FieldProblem, NotFound, invalid
from workflow.ledger.access import load, require_writer, snapshot
from workflow.ledger.models import (
    Contact,
    Contract,
    CreditNote,
    CreditorEntity,
    Customer,
    CustomerKind,
    Invoice,
    Payment,
)
from workflow.ledger.responsibility import take_people
from workflow.ledger.schemas import ContactIn, ContactPatch, CreditorIn, CreditorPatch, CustomerIn, CustomerPatch
from workflow.unit_of_work import UnitOfWork


def ensure_unique(s: Session, model: type[Any], field: str, value: object, *, exclude_id: int | None = None,
                  scope: dict[str, object] | None = None) -> None:
    """409 naming ``field`` when another record already has ``value``."""
    if value is None:
        return
    stmt = select(model.id).where(getattr(model, field) == value)
    for col, v in (scope or {}).items():
        stmt = stmt.where(getattr(model, col) == v)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if s.scalar(stmt.limit(1)) is not None:
        raise Conflict(f"已存在相同的 {field}：{value}", f"{field} already exists: {value}",
                       [FieldProblem(field, "duplicate", f"已被占用：{value}", f"already taken: {value}")])


def ensure_unused(s: Session, what_zh: str, what_en: str, checks: list[tuple[Any, str]]) -> None:
    """Refuse to delete a record that other records still point to (409)."""
    for stmt, name in checks:
        if s.scalar(select(exists(stmt))):
            raise Conflict(f"{what_zh}仍有关联的{name}，不能删除", f"the {what_en} still has {name}: cannot delete")


# ---- creditors -------------------------------------------------------------------------------

def create_creditor(uow: UnitOfWork, body: CreditorIn) -> CreditorEntity:
    require_writer(uow.actor)
    s = uow.session
    ensure_unique(s, CreditorEntity, "code", body.code)
    ensure_unique(s, CreditorEntity, "credit_code", body.credit_code)
    data = body.model_dump()
    data["letterhead"] = data["letterhead"] or {}
    creditor = CreditorEntity(**data, created_at=uow.now())
    s.add(creditor)
    s.flush()
    uow.audit("creditor.create", "creditor", creditor.id, None, snapshot(creditor))
    return creditor


# what a debtor pays into: printed on every letter, so changing it is an administrator's decision
BANK_FIELDS = ("bank_name", "bank_account", "bank_account_name")


def update_creditor(uow: UnitOfWork, creditor_id: int, body: CreditorPatch) -> CreditorEntity:
    require_writer(uow.actor)
    s = uow.session
    creditor = load(s, CreditorEntity, creditor_id, uow.actor, for_update=True)
    before = snapshot(creditor)
    changes = body.changes()
    for field in ("code", "credit_code"):
        if field in changes:
            ensure_unique(s, CreditorEntity, field, changes[field], exclude_id=creditor.id)
    for field in ("code", "legal_name", "credit_code", "address", "bank_name", "bank_account"):
        if field in changes and changes[field] is None:
            raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
    bank_before = {f: getattr(creditor, f) for f in BANK_FIELDS}
    bank_after = bank_before | {f: changes[f] for f in BANK_FIELDS if f in changes}
    if bank_after != bank_before:
        # a form that sends the unchanged account back is not a change: only a new value needs an admin
        uow.require_admin("仅管理员可修改收款银行账户", "Only an administrator may change the bank account")
    if "letterhead" in changes:
        changes["letterhead"] = changes["letterhead"] or {}
    for k, v in changes.items():
        setattr(creditor, k, v)
    s.flush()
    uow.audit("creditor.update", "creditor", creditor.id, before, snapshot(creditor))
    if bank_after != bank_before:
        # its own entry, so a review of who redirected payments finds every change at once
        uow.audit("creditor.bank_account", "creditor", creditor.id, bank_before, bank_after)
    return creditor


def delete_creditor(uow: UnitOfWork, creditor_id: int) -> None:
    require_writer(uow.actor)
    s = uow.session
    creditor = load(s, CreditorEntity, creditor_id, uow.actor, for_update=True)
    ensure_unused(s, "债权主体", "creditor", [
        (select(Contract.id).where(Contract.creditor_id == creditor.id), "合同/contracts"),
        (select(Invoice.id).where(Invoice.creditor_id == creditor.id), "发票/invoices"),
        (select(Payment.id).where(Payment.creditor_id == creditor.id), "回款/payments"),
    ])
    before = snapshot(creditor)
    s.delete(creditor)
    uow.audit("creditor.delete", "creditor", creditor_id, before, None)


# ---- customers -------------------------------------------------------------------------------

def _check_assignees(s: Session, changes: dict[str, Any]) -> None:
    wanted = {"assigned_clerk_id": {Role.CLERK, Role.LEGAL, Role.ADMIN}, "assigned_lawyer_id": {Role.LAWYER}}
    for field, roles in wanted.items():
        user_id = changes.get(field)
        if user_id is None:
            continue
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise invalid(field, "unknown_user", f"无此用户：{user_id}", f"no such active user: {user_id}")
        if user.role not in roles:
            names = "、".join(sorted(roles))
            raise invalid(field, "wrong_role", f"该用户的角色是 {user.role}，应为 {names}",
                          f"this user is a {user.role}; expected {', '.join(sorted(roles))}")


def _check_credit_code(kind: str, credit_code: str | None) -> None:
    # foreign firms have no PRC credit code; every PRC firm and 个体工商户 has one
    if credit_code is None and kind != CustomerKind.FOREIGN:
        raise invalid("credit_code", "required", "境内企业须填写统一社会信用代码",
                      "a PRC customer needs its unified social credit code")


def _add_contact(s: Session, customer_id: int, body: ContactIn, field: str) -> Contact:
    duplicate = select(Contact.id).where(Contact.customer_id == customer_id, Contact.name == body.name,
                                         Contact.email == body.email)
    if s.scalar(duplicate) is not None:
        raise Conflict("该联系人已存在", "this contact already exists",
                       [FieldProblem(field, "duplicate", "同名同邮箱的联系人已存在",
                                     "a contact with this name and email already exists")])
    contact = Contact(customer_id=customer_id, **body.model_dump())
    s.add(contact)
    s.flush()
    return contact


def create_customer(uow: UnitOfWork, body: CustomerIn) -> Customer:
    require_writer(uow.actor)
    _check_credit_code(body.kind, body.credit_code)
    s = uow.session
    ensure_unique(s, Customer, "code", body.code)
    ensure_unique(s, Customer, "credit_code", body.credit_code)
    data = take_people(s, "customer", body.model_dump(exclude={"contacts"}))
    _check_assignees(s, data)
    customer = Customer(**data, created_at=uow.now())
    s.add(customer)
    s.flush()
    contacts = [_add_contact(s, customer.id, c, f"contacts.{i}") for i, c in enumerate(body.contacts)]
    after = snapshot(customer) | {"contacts": [snapshot(c) for c in contacts]}
    uow.audit("customer.create", "customer", customer.id, None, after)
    return customer


def update_customer(uow: UnitOfWork, customer_id: int, body: CustomerPatch) -> Customer:
    require_writer(uow.actor)
    s = uow.session
    customer = load(s, Customer, customer_id, uow.actor, for_update=True)
    before = snapshot(customer)
    changes = take_people(s, "customer", body.changes())
    for field in ("code", "legal_name", "kind", "credit_limit_currency", "credit_hold", "do_not_dun"):
        if field in changes and changes[field] is None:
            raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
    _check_credit_code(changes.get("kind", customer.kind), changes.get("credit_code", customer.credit_code))
    for field in ("code", "credit_code"):
        if field in changes:
            ensure_unique(s, Customer, field, changes[field], exclude_id=customer.id)
    _check_assignees(s, changes)
    for k, v in changes.items():
        setattr(customer, k, v)
    s.flush()
    uow.audit("customer.update", "customer", customer.id, before, snapshot(customer))
    return customer


def delete_customer(uow: UnitOfWork, customer_id: int) -> None:
    """Only a customer entered by mistake: anything with contracts, invoices or payments stays."""
    require_writer(uow.actor)
    s = uow.session
    customer = load(s, Customer, customer_id, uow.actor, for_update=True)
    ensure_unused(s, "客户", "customer", [
        (select(Contract.id).where(Contract.customer_id == customer.id), "合同/contracts"),
        (select(Invoice.id).where(Invoice.customer_id == customer.id), "发票/invoices"),
        (select(Payment.id).where(Payment.customer_id == customer.id), "回款/payments"),
        (select(CreditNote.id).where(CreditNote.customer_id == customer.id), "贷项通知/credit notes"),
    ])
    contacts = list(s.scalars(select(Contact).where(Contact.customer_id == customer.id)))
    before = snapshot(customer) | {"contacts": [snapshot(c) for c in contacts]}
    for c in contacts:
        s.delete(c)
    s.delete(customer)
    uow.audit("customer.delete", "customer", customer_id, before, None)


# ---- contacts --------------------------------------------------------------------------------

def _load_contact(s: Session, actor: Actor, customer_id: int, contact_id: int) -> Contact:
    load(s, Customer, customer_id, actor)
    contact = s.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise NotFound("联系人", "contact", contact_id)
    return contact


def add_contact(uow: UnitOfWork, customer_id: int, body: ContactIn) -> Contact:
    require_writer(uow.actor)
    s = uow.session
    load(s, Customer, customer_id, uow.actor, for_update=True)
    contact = _add_contact(s, customer_id, body, "name")
    uow.audit("contact.create", "contact", contact.id, None, snapshot(contact))
    return contact


def update_contact(uow: UnitOfWork, customer_id: int, contact_id: int, body: ContactPatch) -> Contact:
    require_writer(uow.actor)
    s = uow.session
    contact = _load_contact(s, uow.actor, customer_id, contact_id)
    before = snapshot(contact)
    changes = body.changes()
    for field in ("name", "role", "language", "is_notice_address"):
        if field in changes and changes[field] is None:
            raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
    for k, v in changes.items():
        setattr(contact, k, v)
    s.flush()
    uow.audit("contact.update", "contact", contact.id, before, snapshot(contact))
    return contact


def delete_contact(uow: UnitOfWork, customer_id: int, contact_id: int) -> None:
    require_writer(uow.actor)
    s = uow.session
    contact = _load_contact(s, uow.actor, customer_id, contact_id)
    before = snapshot(contact)
    s.delete(contact)
    uow.audit("contact.delete", "contact", contact_id, before, None)
