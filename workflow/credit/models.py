"""Credit: each customer's daily rating (with the figures and reasons behind it), the open orders other
systems report for the exposure, warning signs raised on a customer, and credit-hold recommendations
waiting for a person (docs/credit.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, Money, UtcDateTime


class CustomerRating(Base):
    """One customer's rating on one day: recomputing a day replaces that day's row."""

    __tablename__ = "customer_rating"
    __table_args__ = (
        UniqueConstraint("customer_id", "as_of"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        # the list by grade and the latest rating per customer
        Index("ix_customer_rating_day_grade", "as_of", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (customer_id, as_of) is unique: that index serves a customer's history too
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    as_of: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))  # A, B, C, D
    # [{"figure", "value", "points", "zh", "en"}]: what cost the points
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # the figures the rules read (workflow.credit.rating.Figures), as JSON
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExposureOrder(Base):
    """An order another system (ERP, order desk) has taken on credit and not yet invoiced: it counts
    against the credit limit while open or shipped-but-not-invoiced, not once cancelled."""

    __tablename__ = "customer_exposure_order"
    __table_args__ = (
        UniqueConstraint("source", "external_ref"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))  # the reporting system, e.g. "erp"
    external_ref: Mapped[str] = mapped_column(String(64))  # its order number
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # open, shipped, cancelled
    ordered_on: Mapped[date | None] = mapped_column(Date)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reported_by: Mapped[str] = mapped_column(String(64))


class CustomerFlag(Base):
    """A warning sign on a customer, with its evidence; one open flag per customer and kind."""

    __tablename__ = "customer_flag"
    __table_args__ = (
        # ``open_slot`` is 1 while the flag stands and NULL once cleared (as dunning_case's)
        UniqueConstraint("customer_id", "kind", "open_slot", name="uq_customer_flag_open"),
        CheckConstraint("open_slot IS NULL OR open_slot = 1", name="open_slot_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # order_spike, payments_slipping, contact_change_after_dispute
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    open_slot: Mapped[int | None] = mapped_column(Integer, default=1)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(64))
    clear_note: Mapped[str | None] = mapped_column(Text)


class CreditRecommendation(Base):
    """A credit hold recommended by the rating (over the limit, or grade D), for a person to confirm
    (the hold is then set and pushed by ``workflow.cases.holds``) or dismiss. Never a hold by itself."""

    __tablename__ = "credit_recommendation"
    __table_args__ = (Index("ix_credit_recommendation_status", "status", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(16))  # over_limit, grade_d
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, confirmed, dismissed
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
