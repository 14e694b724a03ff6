"""Cases, what happens in them (notes, promises, repayment plans), dunning policies, the run's
decisions, and the credit-hold webhook's deliveries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, Money, UtcDateTime


class DunningCase(Base):
    """One creditor entity chasing one customer. At most one open case per pair: ``open_slot`` is 1
    while the case is open and NULL once closed, and (creditor, customer, open_slot) is unique —
    NULLs never collide, so closed cases pile up freely while a second open one is refused by the
    database itself, whichever process tries."""

    __tablename__ = "dunning_case"
    __table_args__ = (
        UniqueConstraint("creditor_id", "customer_id", "open_slot", name="uq_case_one_open"),
        CheckConstraint("open_slot IS NULL OR open_slot = 1", name="open_slot_one"),
        Index("ix_case_state", "state"),
        # the desk's case list shows the newest first and pages through them (migration 0010)
        Index("ix_case_opened", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)  # AR-2026-0042
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    # the reminder level reached on the policy's ladder (0: none yet)
    level: Mapped[int] = mapped_column(Integer, default=0)
    # the state a hold (promise, plan, dispute, pause, pending 律师函) interrupted
    resume_to: Mapped[str | None] = mapped_column(String(32))
    open_slot: Mapped[int | None] = mapped_column(Integer, default=1)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_until: Mapped[date | None] = mapped_column(Date)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the business day of the last letter the run sent (the next level counts from the due date,
    # but never fires twice on one day)
    last_action_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseSequence(Base):
    """The last case number handed out per year (AR-<year>-<number>), taken under the write lock."""

    __tablename__ = "case_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseNote(Base):
    """A clerk's call note or remark, or a system note (an unanswered statement, a bounced letter)."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # call, note, system
    body: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Promise(Base):
    """A promise to pay: kept when payments received by its date cover it (with the grace days)."""

    __tablename__ = "promise"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    promised_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(16))  # call, email, letter, meeting, reply
    contact_name: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    # what the customer had paid in this currency when the promise was made: the promise is kept
    # when payments since then reach ``amount``
    paid_before: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, kept, broken, cancelled
    resolved_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RepaymentPlan(Base):
    """Instalments agreed in a 还款协议; each instalment is followed like a promise."""

    __tablename__ = "repayment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("generated_document.id"))
    currency: Mapped[str] = mapped_column(String(3))
    paid_before: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, completed, broken, cancelled
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    instalments: Mapped[list[PlanInstalment]] = relationship(order_by="PlanInstalment.seq")


class PlanInstalment(Base):
    __tablename__ = "plan_instalment"
    __table_args__ = (UniqueConstraint("plan_id", "seq"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("repayment_plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="due")  # due, paid, missed


class DunningPolicy(Base):
    """An escalation ladder. ``levels`` (validated by ``workflow.cases.policy``): a list of
    ``{"offset": working days from the due date (negative: before it), "kind": document kind,
    "channel": "email", "approval": bool, "credit_hold": bool}``."""

    __tablename__ = "dunning_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # a pending promise holds the case until its date plus this many working days
    promise_grace_days: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CustomerDunning(Base):
    """A customer's dunning settings: its own policy (else the default), do-not-dun lives on the
    customer, the reconciliation schedule, and the credit hold's reason."""

    __tablename__ = "customer_dunning"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True, autoincrement=False)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_policy.id"))
    statement_schedule: Mapped[str] = mapped_column(String(16), default="monthly")  # monthly, quarterly, none
    credit_hold_reason: Mapped[str | None] = mapped_column(Text)
    credit_hold_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DunningAction(Base):
    """One thing the run (or a clerk's "send now") decided to do, once: ``key`` names it
    (``level:<case>:<n>``, ``statement:<creditor>:<customer>:<period end>``, ``pre_due:<creditor>:
    <customer>:<due date>``...) and is unique, so a second run of the same day finds it done."""

    __tablename__ = "dunning_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor_entity.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    run_on: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(24))  # pre_due, level, statement, statement_chase, resend
    level: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))  # the document kind
    status: Mapped[str] = mapped_column(String(24))  # queued, awaiting_approval, approved, rejected, blocked
    reason: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("generated_document.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    decided_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ScheduledRun(Base):
    """A periodic job's run for one business day, claimed once across every worker and host."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "run_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))  # dunning_run
    run_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # claimed, done, failed
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WebhookDelivery(Base):
    """A credit-hold change pushed to another system (ERP, order desk), signed with HMAC, retried."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))  # credit_hold.set, credit_hold.released
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
