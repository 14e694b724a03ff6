"""Use cases for the parties: our creditor entities, the customers who owe us, their contacts.

Each function is one unit of work: it validates against the database, writes, and records an
audit entry with before/after in the same transaction, or changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role, User
from workflow.core import Core
from workflow.errors import Conflict, FieldProblem, NotFound, TooLarge, invalid
from workflow.ledger.access import load, require_writer, snapshot
from workflow.ledger.attachments import sniff
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
from workflow.ledger.schemas import ContactIn, ContactPatch, CreditorIn, CreditorPatch, CustomerIn, CustomerPatch


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

def create_creditor(core: Core, actor: Actor, body: CreditorIn) -> CreditorEntity:
    require_writer(actor)
    with core.db.session() as s:
        ensure_unique(s, CreditorEntity, "code", body.code)
        ensure_unique(s, CreditorEntity, "credit_code", body.credit_code)
        data = body.model_dump()
        data["letterhead"] = data["letterhead"] or {}
        creditor = CreditorEntity(**data, created_at=core.clock.now())
        s.add(creditor)
        s.flush()
        core.audit.record(s, actor, "creditor.create", "creditor", str(creditor.id), None, snapshot(creditor))
        return creditor


def update_creditor(core: Core, actor: Actor, creditor_id: int, body: CreditorPatch) -> CreditorEntity:
    require_writer(actor)
    with core.db.session() as s:
        creditor = load(s, CreditorEntity, creditor_id, actor, for_update=True)
        before = snapshot(creditor)
        changes = body.changes()
        for field in ("code", "credit_code"):
            if field in changes:
                ensure_unique(s, CreditorEntity, field, changes[field], exclude_id=creditor.id)
        for field in ("code", "legal_name", "credit_code", "address", "bank_name", "bank_account"):
            if field in changes and changes[field] is None:
                raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
        if "letterhead" in changes:
            changes["letterhead"] = changes["letterhead"] or {}
        for k, v in changes.items():
            setattr(creditor, k, v)
        s.flush()
        core.audit.record(s, actor, "creditor.update", "creditor", str(creditor.id), before, snapshot(creditor))
        return creditor


SEAL_MAX_BYTES = 2 * 1024 * 1024


def seal_limit(core: Core) -> int:
    return min(SEAL_MAX_BYTES, core.settings.max_upload_bytes)


def set_creditor_seal(core: Core, actor: Actor, creditor_id: int, data: bytes) -> CreditorEntity:
    """The company seal image printed on letters: a PNG (transparent background) or a JPEG, at most
    2 MiB. The bytes go to the content-addressed store; the entity keeps their SHA-256."""
    require_writer(actor)
    limit = seal_limit(core)
    if len(data) > limit:
        raise TooLarge("file", limit)
    if sniff(data) not in ("image/png", "image/jpeg"):
        raise invalid("file", "forbidden_type", "公章图片只接受 PNG 或 JPEG", "the seal must be a PNG or JPEG image")
    key = core.files.put(data)
    with core.db.session() as s:
        creditor = load(s, CreditorEntity, creditor_id, actor, for_update=True)
        before = snapshot(creditor)
        creditor.seal_sha256 = key
        s.flush()
        core.audit.record(s, actor, "creditor.seal", "creditor", str(creditor.id), before, snapshot(creditor))
        return creditor


def creditor_seal(core: Core, actor: Actor, creditor_id: int) -> tuple[bytes, str]:
    with core.db.session() as s:
        creditor = load(s, CreditorEntity, creditor_id, actor)
        if creditor.seal_sha256 is None:
            raise NotFound("公章图片", "seal image", creditor_id)
        key = creditor.seal_sha256
        core.audit.record(s, actor, "creditor.seal.download", "creditor", str(creditor.id))
    data = core.files.get(key)
    return data, sniff(data) or "application/octet-stream"


def delete_creditor(core: Core, actor: Actor, creditor_id: int) -> None:
    require_writer(actor)
    with core.db.session() as s:
        creditor = load(s, CreditorEntity, creditor_id, actor, for_update=True)
        ensure_unused(s, "债权主体", "creditor", [
            (select(Contract.id).where(Contract.creditor_id == creditor.id), "合同/contracts"),
            (select(Invoice.id).where(Invoice.creditor_id == creditor.id), "发票/invoices"),
            (select(Payment.id).where(Payment.creditor_id == creditor.id), "回款/payments"),
        ])
        before = snapshot(creditor)
        s.delete(creditor)
        core.audit.record(s, actor, "creditor.delete", "creditor", str(creditor_id), before, None)


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


def create_customer(core: Core, actor: Actor, body: CustomerIn) -> Customer:
    require_writer(actor)
    _check_credit_code(body.kind, body.credit_code)
    with core.db.session() as s:
        ensure_unique(s, Customer, "code", body.code)
        ensure_unique(s, Customer, "credit_code", body.credit_code)
        _check_assignees(s, body.model_dump())
        data = body.model_dump(exclude={"contacts"})
        customer = Customer(**data, created_at=core.clock.now())
        s.add(customer)
        s.flush()
        contacts = [_add_contact(s, customer.id, c, f"contacts.{i}") for i, c in enumerate(body.contacts)]
        after = snapshot(customer) | {"contacts": [snapshot(c) for c in contacts]}
        core.audit.record(s, actor, "customer.create", "customer", str(customer.id), None, after)
        return customer


def update_customer(core: Core, actor: Actor, customer_id: int, body: CustomerPatch) -> Customer:
    require_writer(actor)
    with core.db.session() as s:
        customer = load(s, Customer, customer_id, actor, for_update=True)
        before = snapshot(customer)
        changes = body.changes()
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
        core.audit.record(s, actor, "customer.update", "customer", str(customer.id), before, snapshot(customer))
        return customer


def delete_customer(core: Core, actor: Actor, customer_id: int) -> None:
    """Only a customer entered by mistake: anything with contracts, invoices or payments stays."""
    require_writer(actor)
    with core.db.session() as s:
        customer = load(s, Customer, customer_id, actor, for_update=True)
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
        core.audit.record(s, actor, "customer.delete", "customer", str(customer_id), before, None)


# ---- contacts --------------------------------------------------------------------------------

def _load_contact(s: Session, actor: Actor, customer_id: int, contact_id: int) -> Contact:
    load(s, Customer, customer_id, actor)
    contact = s.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise NotFound("联系人", "contact", contact_id)
    return contact


def add_contact(core: Core, actor: Actor, customer_id: int, body: ContactIn) -> Contact:
    require_writer(actor)
    with core.db.session() as s:
        load(s, Customer, customer_id, actor, for_update=True)
        contact = _add_contact(s, customer_id, body, "name")
        core.audit.record(s, actor, "contact.create", "contact", str(contact.id), None, snapshot(contact))
        return contact


def update_contact(core: Core, actor: Actor, customer_id: int, contact_id: int, body: ContactPatch) -> Contact:
    require_writer(actor)
    with core.db.session() as s:
        contact = _load_contact(s, actor, customer_id, contact_id)
        before = snapshot(contact)
        changes = body.changes()
        for field in ("name", "role", "language", "is_notice_address"):
            if field in changes and changes[field] is None:
                raise invalid(field, "required", "此项不能清空", "this field cannot be cleared")
        for k, v in changes.items():
            setattr(contact, k, v)
        s.flush()
        core.audit.record(s, actor, "contact.update", "contact", str(contact.id), before, snapshot(contact))
        return contact


def delete_contact(core: Core, actor: Actor, customer_id: int, contact_id: int) -> None:
    require_writer(actor)
    with core.db.session() as s:
        contact = _load_contact(s, actor, customer_id, contact_id)
        before = snapshot(contact)
        s.delete(contact)
        core.audit.record(s, actor, "contact.delete", "contact", str(contact_id), before, None)
