"""The figures behind every customer's rating, gathered set-based: one grouped query per figure over
all customers (or one), never a loop over invoices in Python. ``gather`` returns ``Figures`` per
customer id (``workflow.credit.rating``).

Definitions (docs/credit.md):

- **days beyond terms** of an invoice on ``as_of``: settled (nothing owed by ``as_of``) → the day of
  its last payment less the due date; still open on ``as_of`` → ``as_of`` less the due date; never
  below 0. An invoice settled by credit notes alone was not late. Looked at: invoices issued and due
  by ``as_of``, not written off, that fell due in the last 12 months, were settled in them, or are
  still open (an invoice two years overdue counts with its two years).
- **broken promises**: Promise rows broken (``resolved_on``) in the last 12 months.
- **open disputes**: open cases in the ``disputed`` state.
- **bounced letters**: outbox rows to the customer bounced in the last 12 months; **invalid contacts**:
  contacts whose address was marked invalid after a bounce and not fixed since.
- **limitation-critical debts**: a ledger-level rule, not the full claim (which computes each
  invoice's limitation with every interruption and the working-day calendar, too slow for 10,000
  customers a day). The three years run from the due date, or from the latest of: the invoice's
  last payment, a signed statement or receipt of the customer (时效规定 14), a demand letter sent to
  the customer and not bounced (时效规定 8). The period ends on the same date three years later
  (民法典 188, 195); it is "critical" when that end is within 90 days of ``as_of`` or already passed.
  The rule leaves out the roll to the next working day (民法典 203, a few days at most: it errs
  early) and counts a demand for every open invoice of the customer (a letter lists the overdue
  ones). The claim (``workflow/claim``) stays the authority on one customer's limitation.
- **exposure**: today's outstanding of open invoices (not written off) plus the amounts of orders
  reported by other systems that are open or shipped (not yet invoiced, not cancelled), both in the
  currency of the customer's credit limit; amounts in other currencies are not converted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, Integer, and_, case, cast, false, func, literal, or_, select, union
from sqlalchemy.orm import Session

from workflow.cases.models import DunningCase, Promise
from workflow.cases.states import CaseState
from workflow.credit.models import ExposureOrder
from workflow.credit.rating import Figures
from workflow.db import cents_to_decimal
from workflow.law.limitation import same_date_years_later
from workflow.ledger.balances import balance_fen, in_fen
from workflow.ledger.models import Allocation, Attachment, Contact, Contract, Customer, Invoice
from workflow.mail.models import OutboxMessage, OutboxStatus

YEAR = timedelta(days=365)
LIMITATION_WARNING_DAYS = 90
# the letters that demand payment of an overdue debt (as workflow.claim.evidence reads them)
DEMAND_KINDS = ("dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter")
ORDER_COUNTS = ("open", "shipped")  # order statuses that count against the limit


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[int]:
    """``later − earlier`` in whole days, in SQL: SQLite counts Julian days, PostgreSQL subtracts dates."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(cast(later, Date) - cast(earlier, Date), Integer)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class _Acc:
    invoices: int = 0
    late: int = 0
    days_sum: int = 0
    worst: int = 0
    broken: int = 0
    disputes: int = 0
    bounced: int = 0
    invalid: int = 0
    critical: int = 0
    critical_fen: int = 0
    currency: str = "CNY"
    limit: Decimal | None = None
    open_fen: int = 0
    orders_fen: int = 0

    def figures(self) -> Figures:
        avg = (Decimal(self.days_sum) / Decimal(self.invoices)).quantize(Decimal("0.1"), ROUND_HALF_UP) \
            if self.invoices else Decimal("0.0")
        return Figures(invoices=self.invoices, late_invoices=self.late, avg_days_late=avg,
                       worst_days_late=self.worst, broken_promises=self.broken, open_disputes=self.disputes,
                       bounced_letters=self.bounced, invalid_contacts=self.invalid,
                       limitation_critical=self.critical,
                       limitation_critical_amount=cents_to_decimal(self.critical_fen),
                       currency=self.currency, open_invoices=cents_to_decimal(self.open_fen),
                       open_orders=cents_to_decimal(self.orders_fen), credit_limit=self.limit)


def last_payments(as_of: date) -> Any:
    """Per invoice: the last allocation received by ``as_of`` (``last_by``) and the last ever (``last_all``)."""
    return (select(Allocation.invoice_id.label("invoice_id"),
                   func.max(case((Allocation.received_on <= as_of, Allocation.received_on))).label("last_by"),
                   func.max(Allocation.received_on).label("last_all"))
            .group_by(Allocation.invoice_id).subquery("paid"))


def lateness(session: Session, as_of: date, where: list[ColumnElement[bool]]) -> Any:
    """Per invoice looked at: its days beyond terms on ``as_of`` (a subquery of customer_id, invoice_id,
    due_date, last_by, days)."""
    paid = last_payments(as_of)
    open_then = or_(balance_fen() > 0, paid.c.last_all > as_of)
    raw = case((open_then, days_between(session, literal(as_of, Date), Invoice.due_date)),
               (paid.c.last_by.is_not(None), days_between(session, paid.c.last_by, Invoice.due_date)),
               else_=0)
    days = case((raw > 0, raw), else_=0)
    window = as_of - YEAR
    return (select(Invoice.customer_id.label("customer_id"), Invoice.id.label("invoice_id"),
                   Invoice.due_date.label("due_date"), paid.c.last_by.label("last_by"),
                   open_then.label("open_then"), days.label("days"))
            .select_from(Invoice).outerjoin(paid, paid.c.invoice_id == Invoice.id)
            .where(*where, Invoice.written_off == false(), Invoice.issue_date <= as_of, Invoice.due_date <= as_of,
                   or_(Invoice.due_date > window, open_then, paid.c.last_by > window))
            .subquery("late"))


def gather(session: Session, as_of: date, tz: ZoneInfo, *, customer_id: int | None = None) -> dict[int, Figures]:
    """The figures of every customer (or of ``customer_id``) on ``as_of``."""
    s = session
    acc: dict[int, _Acc] = defaultdict(_Acc)

    def only(col: Any) -> list[ColumnElement[bool]]:
        return [col == customer_id] if customer_id is not None else []

    for cid, currency, limit in s.execute(select(Customer.id, Customer.credit_limit_currency, Customer.credit_limit)
                                          .where(*only(Customer.id))):
        a = acc[int(cid)]
        a.currency, a.limit = str(currency or "CNY"), limit

    late = lateness(s, as_of, only(Invoice.customer_id))
    for cid, n, n_late, days_sum, worst in s.execute(
            select(late.c.customer_id, func.count(), func.sum(case((late.c.days > 0, 1), else_=0)),
                   func.sum(late.c.days), func.max(late.c.days)).group_by(late.c.customer_id)):
        a = acc[int(cid)]
        a.invoices, a.late, a.days_sum, a.worst = int(n), int(n_late or 0), int(days_sum or 0), int(worst or 0)

    since = as_of - YEAR
    for cid, n in s.execute(
            select(DunningCase.customer_id, func.count()).select_from(Promise)
            .join(DunningCase, DunningCase.id == Promise.case_id)
            .where(*only(DunningCase.customer_id), Promise.status == "broken", Promise.resolved_on > since,
                   Promise.resolved_on <= as_of).group_by(DunningCase.customer_id)):
        acc[int(cid)].broken = int(n)

    for cid, n in s.execute(
            select(DunningCase.customer_id, func.count())
            .where(*only(DunningCase.customer_id), DunningCase.state == CaseState.DISPUTED.value,
                   DunningCase.open_slot == 1).group_by(DunningCase.customer_id)):
        acc[int(cid)].disputes = int(n)

    start = datetime.combine(since + timedelta(days=1), time(), tz)
    end = datetime.combine(as_of + timedelta(days=1), time(), tz)
    for to, n in s.execute(
            select(OutboxMessage.customer_id, func.count())
            .where(*only(OutboxMessage.customer_id), OutboxMessage.customer_id.is_not(None),
                   OutboxMessage.bounced_at >= start, OutboxMessage.bounced_at < end)
            .group_by(OutboxMessage.customer_id)):
        acc[int(to or 0)].bounced = int(n)
    for cid, n in s.execute(
            select(Contact.customer_id, func.count())
            .where(*only(Contact.customer_id), Contact.email_invalid_since.is_not(None),
                   Contact.email_invalid_since < end)
            .group_by(Contact.customer_id)):
        acc[int(cid)].invalid = int(n)

    for cid, currency, n, fen in limitation_critical(s, as_of, tz, customer_id):
        a = acc[int(cid)]
        a.critical += int(n)
        if currency == a.currency:  # the amount in the rating's currency (the credit limit's), as exposure is
            a.critical_fen += int(fen or 0)

    bal = balance_fen()
    for cid, fen in s.execute(
            select(Invoice.customer_id, func.sum(bal)).join(Customer, Customer.id == Invoice.customer_id)
            .where(*only(Invoice.customer_id), Invoice.written_off == false(), bal > 0,
                   Invoice.currency == Customer.credit_limit_currency)
            .group_by(Invoice.customer_id)):
        acc[int(cid)].open_fen = int(fen or 0)
    for cid, fen in s.execute(
            select(ExposureOrder.customer_id, func.sum(in_fen(ExposureOrder.amount)))
            .join(Customer, Customer.id == ExposureOrder.customer_id)
            .where(*only(ExposureOrder.customer_id), ExposureOrder.status.in_(ORDER_COUNTS),
                   ExposureOrder.currency == Customer.credit_limit_currency)
            .group_by(ExposureOrder.customer_id)):
        acc[int(cid)].orders_fen = int(fen or 0)

    return {cid: a.figures() for cid, a in acc.items()}


def limitation_cutoff(as_of: date) -> date:
    """A period running from this day (or earlier) ends within ``LIMITATION_WARNING_DAYS`` of ``as_of``."""
    return same_date_years_later(as_of + timedelta(days=LIMITATION_WARNING_DAYS), -3)


def limitation_critical(s: Session, as_of: date, tz: ZoneInfo, customer_id: int | None = None) -> list[Any]:
    """(customer_id, currency, invoices, fen owed) of the open invoices whose limitation is critical:
    one row per currency, since amounts in two currencies do not add up."""
    cutoff = limitation_cutoff(as_of)
    after = datetime.combine(cutoff + timedelta(days=1), time(), tz)
    demanded = (select(OutboxMessage.customer_id.label("customer_id"))
                .where(OutboxMessage.status == OutboxStatus.SENT.value, OutboxMessage.kind.in_(DEMAND_KINDS),
                       OutboxMessage.bounced_at.is_(None), OutboxMessage.sent_at >= after,
                       OutboxMessage.customer_id.is_not(None)))
    signed_on = Attachment.signed_on
    kinds = Attachment.kind.in_(("signed_statement", "signed_receipt"))
    acked_invoice = (select(Invoice.customer_id.label("customer_id"))
                     .join(Attachment, Attachment.invoice_id == Invoice.id)
                     .where(kinds, signed_on > cutoff, signed_on <= as_of))
    acked_contract = (select(Contract.customer_id.label("customer_id"))
                      .join(Attachment, Attachment.contract_id == Contract.id)
                      .where(kinds, signed_on > cutoff, signed_on <= as_of))
    interrupted = union(demanded, acked_invoice, acked_contract).subquery("interrupted")
    paid = last_payments(as_of)
    bal = balance_fen()
    conds: list[ColumnElement[bool]] = [
        Invoice.written_off == false(), bal > 0, Invoice.issue_date <= as_of, Invoice.due_date <= cutoff,
        or_(paid.c.last_by.is_(None), paid.c.last_by <= cutoff),
        Invoice.customer_id.not_in(select(interrupted.c.customer_id)),
    ]
    if customer_id is not None:
        conds.append(Invoice.customer_id == customer_id)
    return list(s.execute(select(Invoice.customer_id, Invoice.currency, func.count(), func.sum(bal))
                          .select_from(Invoice).outerjoin(paid, paid.c.invoice_id == Invoice.id)
                          .where(and_(*conds)).group_by(Invoice.customer_id, Invoice.currency)))
