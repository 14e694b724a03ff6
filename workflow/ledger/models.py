"""The ledger's tables: who owes us what, under which contract, and what has been paid."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, Money, UtcDateTime


class CustomerKind(StrEnum):
    PRIVATE_SMALL = "private_small"  # 民营中小企业
    PRIVATE_LARGE = "private_large"  # 大型民营企业
    STATE_OWNED = "state_owned"  # 国有企业
    FOREIGN = "foreign"  # 外资 / 境外企业
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户


class ContactRole(StrEnum):
    FINANCE = "finance"
    PURCHASING = "purchasing"
    LEGAL_REPRESENTATIVE = "legal_representative"
    ORIGINAL_CONTACT = "original_contact"


class CreditorEntity(Base):
    """One of our own companies (a group may have several)."""

    __tablename__ = "creditor_entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    legal_name_en: Mapped[str | None] = mapped_column(String(300))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str | None] = mapped_column(String(400))
    bank_name: Mapped[str] = mapped_column(String(200))
    bank_account: Mapped[str] = mapped_column(String(64))
    bank_account_name: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    # free-form letterhead data for documents: website, fax, postcode, English tagline...
    letterhead: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seal_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Customer(Base):
    """A debtor."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the customer number in the clerk's accounting system: the natural key for imports
    code: Mapped[str] = mapped_column(String(32), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200), index=True)
    legal_name_en: Mapped[str | None] = mapped_column(String(300))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # none for foreign firms
    registered_address: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(24))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_limit_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    credit_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_dun: Mapped[bool] = mapped_column(Boolean, default=False)
    # the collection clerk (催收员): new cases go to them
    assigned_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the salesperson (业务员) who sold on credit and answers for collecting (ledger/responsibility.py)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_lawyer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", order_by="Contact.id")


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("customer_id", "name", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(24))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    # the contract's agreed address for notices and service (makes delivery provable)
    is_notice_address: Mapped[bool] = mapped_column(Boolean, default=False)
    # dunning letters go only to the debtor's designated business contacts (docs/dunning.md)
    receives_dunning: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # set when mail to the address bounced permanently: nothing more is sent there until a clerk fixes it
    email_invalid_since: Mapped[datetime | None] = mapped_column(UtcDateTime)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("creditor_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_place: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total: Mapped[Decimal | None] = mapped_column(Money)
    # Structured clauses (validated by workflow.ledger.contract_terms):
    #   payment_terms: {"kind": "days_after", "trigger": "invoice_date"|"delivery"|"acceptance", "days": 30}
    #                  | {"kind": "instalments", "schedule": [{"due_date": "2026-01-31", "amount": "1000.00"}]}
    #   penalty:       {"kind": "daily_rate"|"annual_rate", "rate": "0.0005", "cap": "10%"|null}
    #                  | {"kind": "lpr_multiple", "multiple": "1.5"} | {"kind": "none"}
    #   dispute:       {"kind": "court", "place": "上海市浦东新区"} | {"kind": "arbitration", "commission": "..."}
    #   notice_addresses: [{"party": "creditor"|"customer", "email": "...", "address": "..."}]
    payment_terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    penalty: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    dispute: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notice_addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # overrides of the customer's salesperson and collection clerk for this contract's invoices
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    creditor: Mapped[CreditorEntity] = relationship()
    customer: Mapped[Customer] = relationship()


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("creditor_id", "number"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        # the last line of defence against over-allocation, whatever code path wrote the totals
        CheckConstraint("paid_amount >= 0 AND credited_amount >= 0 AND paid_amount + credited_amount <= amount",
                        name="not_overpaid"),
        # the invoice list's order (GET /invoices sorts by due date and pages) and due-date windows (kpi.py)
        Index("ix_invoice_due", "due_date"),
        # covering index for the aging report: one index-only scan, no table lookups (ledger/aging.py).
        # Its customer_id prefix also serves the per-customer lookups (letters, claims, allocation, the
        # customer FK), which is why there is no separate (customer_id, due_date) index to slow imports.
        Index("ix_invoice_aging", "customer_id", "currency", "due_date", "issue_date", "written_off", "amount",
              "paid_amount", "credited_amount", "creditor_id"),
        # the few invoices naming their own salesperson or collector (ledger/collectors.py, access.py):
        # partial, so the many that name no one cost the index nothing
        Index("ix_invoice_salesperson", "salesperson_id", sqlite_where=text("salesperson_id IS NOT NULL"),
              postgresql_where=text("salesperson_id IS NOT NULL")),
        Index("ix_invoice_collector", "collector_id", sqlite_where=text("collector_id IS NOT NULL"),
              postgresql_where=text("collector_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    tax_invoice_no: Mapped[str | None] = mapped_column(String(64))  # 发票号码
    delivery_note_ref: Mapped[str | None] = mapped_column(String(64))
    delivery_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(String(300))
    written_off: Mapped[bool] = mapped_column(Boolean, default=False)
    # Denormalised running totals, maintained in the same transaction as the allocation or credit
    # note that changes them, so the aging report is one scan instead of a join per invoice.
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    credited_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # overrides of the contract's (else the customer's) salesperson and collection clerk
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    customer: Mapped[Customer] = relationship()
    contract: Mapped[Contract | None] = relationship()


class CreditNote(Base):
    __tablename__ = "credit_note"
    __table_args__ = (UniqueConstraint("creditor_id", "number"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("creditor_id", "bank_reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unallocated_amount >= 0 AND unallocated_amount <= amount", name="unallocated_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    bank_reference: Mapped[str] = mapped_column(String(64))  # 银行流水号: the natural key
    # what is not yet allocated to any invoice stays visible here
    unallocated_amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    allocations: Mapped[list[Allocation]] = relationship(back_populates="payment")


class Allocation(Base):
    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_allocation_invoice", "invoice_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    # copied from the payment so "paid as of a date" needs no join
    received_on: Mapped[date] = mapped_column(Date)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)  # by 民法典 560, not named by the payer

    payment: Mapped[Payment] = relationship(back_populates="allocations")


class Attachment(Base):
    """An uploaded file (signed contract scan, invoice image...), bytes in the file store."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # "signed_statement" (对账单) / "signed_receipt" (回执) signed or sealed by the debtor on ``signed_on``:
    # an acknowledgment of the debt that interrupts the limitation (时效规定 14); anything else "other"
    kind: Mapped[str] = mapped_column(String(32), default="other", server_default="other")
    signed_on: Mapped[date | None] = mapped_column(Date)
