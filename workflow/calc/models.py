"""Calendar years and rate quotes added by the administrator, on top of the shipped data.

A row for a year or quote that the shipped data already has replaces it: that is how a correction
(a notice amended, a reported quote verified) reaches the calculators without a release.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, DecimalText, UtcDateTime


class CalendarYearRow(Base):
    __tablename__ = "law_calendar_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    # CalendarYear.as_json(): {"year", "source", "holidays": {date: name}, "workdays": {date: name}}
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RateQuoteRow(Base):
    __tablename__ = "law_rate_quote"
    __table_args__ = (UniqueConstraint("kind", "effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "lpr" | "pboc_benchmark"
    effective: Mapped[date] = mapped_column(Date)
    rate_1y: Mapped[Decimal] = mapped_column(DecimalText)  # percent, as published
    rate_5y: Mapped[Decimal | None] = mapped_column(DecimalText)
    source: Mapped[str] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
