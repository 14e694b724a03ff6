"""Collection KPIs managers ask for (docs/reports.md), per currency, over the period ending on a date.

The period is the ``period_days`` days ending on ``as_of`` (both ends: as_of − period_days + 1 … as_of).
Every figure is a handful of set-based aggregates; the formulas travel with the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from workflow.db import cents_to_decimal
from workflow.ledger.balances import in_fen, owed_by
from workflow.ledger.models import Allocation, CreditNote, Invoice

FORMULAS: dict[str, dict[str, str]] = {
    "dso": {
        "zh": "应收账款周转天数 DSO = 期末应收余额 ÷ 期内净销售额 × 期间天数",
        "en": "DSO = receivables at period end ÷ net sales in the period × days in the period",
    },
    "on_time_collection_rate": {
        "zh": "回款及时率 = 期内到期发票在到期日当天或之前收回的金额 ÷ 期内到期发票金额（扣除红字冲销）",
        "en": "on-time collection rate = amount of invoices due in the period collected on or before their "
        "due date ÷ amount of invoices due in the period (net of credit notes)",
    },
    "bad_debt_rate": {
        "zh": "坏账率 = 已核销坏账余额 ÷（期末应收余额 + 已核销坏账余额）",
        "en": "bad-debt rate = written-off balance ÷ (receivables at period end + written-off balance)",
    },
    "receivables_turnover": {
        "zh": "应收账款周转率 = 期内净销售额 ÷ 平均应收余额（期初与期末余额的平均数）",
        "en": "receivables turnover = net sales in the period ÷ average receivables (mean of start and end balances)",
    },
    "average_collection_period": {
        "zh": "平均回款周期 = 期内收款按金额加权的（收款日 − 开票日）天数",
        "en": "average collection period = days from issue to receipt, weighted by amount, over cash "
        "allocated in the period",
    },
    "net_sales": {
        "zh": "净销售额 = 期内开票金额 − 期内红字冲销金额",
        "en": "net sales = invoiced in the period − credit notes issued in the period",
    },
}

ZERO = Decimal("0.00")


def _ratio(num: Decimal, den: Decimal, scale: Decimal = Decimal(1), places: str = "0.01") -> Decimal | None:
    if den <= 0:
        return None
    return (num / den * scale).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def dso_days(receivables_end: Decimal, net_sales: Decimal, period_days: int) -> Decimal | None:
    """DSO as ``FORMULAS["dso"]`` says, to a tenth of a day; none without net sales (the collector
    KPIs, ledger/collectors.py, use the same)."""
    return _ratio(receivables_end, net_sales, Decimal(period_days), "0.1")


@dataclass
class CurrencyKpis:
    currency: str
    net_sales: Decimal = ZERO
    receivables_start: Decimal = ZERO
    receivables_end: Decimal = ZERO
    written_off: Decimal = ZERO
    due_in_period: Decimal = ZERO
    collected_on_time: Decimal = ZERO
    collected_in_period: Decimal = ZERO
    weighted_days_fen: int = 0
    collected_fen: int = 0
    period_days: int = 365
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        avg_ar = (self.receivables_start + self.receivables_end) / 2
        dso = dso_days(self.receivables_end, self.net_sales, self.period_days)
        turnover = _ratio(self.net_sales, avg_ar, places="0.01")
        on_time = _ratio(self.collected_on_time, self.due_in_period, Decimal(100))
        bad = _ratio(self.written_off, self.receivables_end + self.written_off, Decimal(100))
        acp = (
            (Decimal(self.weighted_days_fen) / Decimal(self.collected_fen)).quantize(Decimal("0.1"))
            if self.collected_fen
            else None
        )

        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "currency": self.currency,
            "dso_days": s(dso),
            "on_time_collection_rate_percent": s(on_time),
            "bad_debt_rate_percent": s(bad),
            "receivables_turnover": s(turnover),
            "average_collection_period_days": s(acp),
            "inputs": {
                "net_sales": str(self.net_sales),
                "receivables_start": str(self.receivables_start),
                "receivables_end": str(self.receivables_end),
                "written_off": str(self.written_off),
                "due_in_period": str(self.due_in_period),
                "collected_on_time": str(self.collected_on_time),
                "collected_in_period": str(self.collected_in_period),
            },
        }


def _days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def kpis(session: Session, as_of: date, period_days: int = 365, *, creditor_id: int | None = None) -> dict[str, Any]:
    start = as_of - timedelta(days=period_days)  # the day before the period's first day
    out: dict[str, CurrencyKpis] = {}

    def get(cur: str) -> CurrencyKpis:
        return out.setdefault(cur, CurrencyKpis(cur, period_days=period_days))

    def own(model: Any) -> list[ColumnElement[bool]]:
        return [] if creditor_id is None else [model.creditor_id == creditor_id]

    sales = (
        select(Invoice.currency, func.sum(in_fen(Invoice.amount)))
        .where(Invoice.issue_date > start, Invoice.issue_date <= as_of, *own(Invoice))
        .group_by(Invoice.currency)
    )
    for cur, fen in session.execute(sales):
        get(cur).net_sales += cents_to_decimal(fen)
    credits = (
        select(CreditNote.currency, func.sum(in_fen(CreditNote.amount)))
        .where(CreditNote.issued_on > start, CreditNote.issued_on <= as_of, *own(CreditNote))
        .group_by(CreditNote.currency)
    )
    for cur, fen in session.execute(credits):
        get(cur).net_sales -= cents_to_decimal(fen)

    # receivables and bad debt from the one definition of "owed on a date" the aging report uses
    for when, attr in ((start, "receivables_start"), (as_of, "receivables_end")):
        owed = owed_by(session, when, (Invoice.currency,), where=own(Invoice))
        for (cur,), sums in owed.groups.items():
            k = get(cur)
            setattr(k, attr, cents_to_decimal(sums.receivable))
            if when == as_of:
                k.written_off = cents_to_decimal(sums.written_off)

    due_window = [Invoice.due_date > start, Invoice.due_date <= as_of, Invoice.issue_date <= as_of, *own(Invoice)]
    stmt = select(Invoice.currency, func.sum(in_fen(Invoice.amount))).where(*due_window).group_by(Invoice.currency)
    for cur, fen in session.execute(stmt):
        get(cur).due_in_period += cents_to_decimal(fen)
    stmt = (
        select(Invoice.currency, func.sum(in_fen(CreditNote.amount)))
        .join(CreditNote, CreditNote.invoice_id == Invoice.id)
        .where(*due_window, CreditNote.issued_on <= as_of)
        .group_by(Invoice.currency)
    )
    for cur, fen in session.execute(stmt):
        get(cur).due_in_period -= cents_to_decimal(fen)
    stmt = (
        select(Invoice.currency, func.sum(in_fen(Allocation.amount)))
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .where(*due_window, Allocation.received_on <= Invoice.due_date)
        .group_by(Invoice.currency)
    )
    for cur, fen in session.execute(stmt):
        get(cur).collected_on_time = cents_to_decimal(fen)

    days = _days_between(Allocation.received_on, Invoice.issue_date, session.get_bind().dialect.name)
    weighted_q = (
        select(
            Invoice.currency,
            func.sum(in_fen(Allocation.amount)),
            func.sum(cast(in_fen(Allocation.amount), BigInteger) * days),
        )
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .where(Allocation.received_on > start, Allocation.received_on <= as_of, *own(Invoice))
        .group_by(Invoice.currency)
    )
    for cur, fen, weighted in session.execute(weighted_q):
        k = get(cur)
        k.collected_in_period = cents_to_decimal(fen)
        k.collected_fen, k.weighted_days_fen = int(fen or 0), int(weighted or 0)

    return {
        "as_of": as_of.isoformat(),
        "period_days": period_days,
        "period": {"from": (start + timedelta(days=1)).isoformat(), "to": as_of.isoformat()},
        "formulas": FORMULAS,
        "currencies": [out[c].as_dict() for c in sorted(out)],
    }
