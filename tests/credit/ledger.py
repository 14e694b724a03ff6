"""A ledger written row by row for the credit tests: invoices paid on given days, cases with broken
promises and disputes, bounced letters, signed statements, orders, people — each as the services
would leave it, so the figures can be worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.ledger.books import Books, committed
from workflow.accounts.actor import SYSTEM, Actor
from workflow.accounts.models import Role, User
from workflow.cases.models import DunningCase, Promise
from workflow.core import Core
from workflow.credit.models import CustomerRating
from workflow.ledger.models import Contact, Customer
from workflow.mail.models import OutboxMessage

TODAY = date(2026, 11, 26)  # the tests' clock: Thursday 26 November 2026, 10:00 in Shanghai
JOBS = Actor(user_id=None, username="jobs", role=Role.ADMIN)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


class CreditBook(Books):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.cases = 0

    def customer(self, code: str, name: str, *, limit: str | None = None, hold: bool = False,
                 salesperson: int | None = None) -> int:
        cid = super().customer(code, name)
        with committed(self.core) as s:
            c = s.get(Customer, cid)
            assert c is not None
            c.credit_limit = Decimal(limit) if limit is not None else None
            c.credit_hold = hold
            c.salesperson_id = salesperson
        return cid

    def paid_invoice(self, code: str, due: date, paid: date | None, amount: str = "10000.00",
                     issue: date | None = None) -> int:
        """An invoice due on ``due``, paid in full on ``paid`` (None: still open)."""
        inv = self.invoice(code, issue or due - timedelta(days=30), due, amount)
        if paid is not None:
            self.pay(inv, paid, amount)
        return inv

    def case(self, code: str, state: str = "reminding") -> int:
        """A case in ``state``: open, unless the state is a closed one (make those first: they are
        inserted open, then closed)."""
        self.cases += 1
        with committed(self.core) as s:
            c = DunningCase(ref=f"AR-2026-{self.cases:04d}", creditor_id=self.creditor,
                            customer_id=self.customers[code], state=state, level=1, open_slot=1, currency="CNY",
                            opened_at=self.core.clock.now(), opened_by="test", updated_at=self.core.clock.now())
            if state.startswith("closed"):
                s.add(c)
                s.flush()
                c.open_slot = None  # the mapped default would put a None given at insert back to 1
            s.add(c)
            s.flush()
            return c.id

    def promise(self, case_id: int, promised_on: date, status: str, resolved_on: date | None) -> None:
        with committed(self.core) as s:
            s.add(Promise(case_id=case_id, promised_on=promised_on, amount=Decimal("5000.00"), currency="CNY",
                          source="call", status=status, resolved_on=resolved_on, recorded_by="test",
                          recorded_at=self.core.clock.now()))

    def letter(self, code: str, *, kind: str = "dunning_letter_1", sent: datetime | None = None,
               bounced: datetime | None = None) -> int:
        self.seq += 1
        when = sent or self.core.clock.now()
        with committed(self.core) as s:
            m = OutboxMessage(customer_id=self.customers[code], kind=kind, language="zh", automated=True,
                              contact_on=when.date(), message_id=f"<m{self.seq}@dunning.example>",
                              sender="ar@dunning.example", reply_to="ar@dunning.example",
                              recipients=["cw@customer.example"], cc=[], subject="催款函", body_text="请付款",
                              status="sent", attempts=1, next_attempt_at=when, sent_at=when, raw_sha256="0" * 64,
                              smtp_reply="250 OK", bounced_at=bounced, created_by="test", created_at=when)
            s.add(m)
            s.flush()
            return m.id

    def contact(self, code: str, name: str, email: str, invalid_since: datetime | None = None) -> int:
        with committed(self.core) as s:
            c = Contact(customer_id=self.customers[code], name=name, role="finance", email=email,
                        email_invalid_since=invalid_since)
            s.add(c)
            s.flush()
            return c.id

    def user(self, username: str, role: str, *, email: str | None = None, locale: str = "zh_CN") -> int:
        with committed(self.core) as s:
            u = User(username=username, display_name=username, email=email, role=role, locale=locale,
                     created_at=self.core.clock.now())
            s.add(u)
            s.flush()
            return u.id

    def ratings(self, code: str) -> list[CustomerRating]:
        with self.core.unit_of_work(SYSTEM, read_only=True) as uow:
            rows = list(uow.session.scalars(select(CustomerRating).where(
                CustomerRating.customer_id == self.customers[code]).order_by(CustomerRating.as_of)))
            uow.session.expunge_all()
            return rows


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def reasons_by_figure(rating: dict[str, Any] | CustomerRating) -> dict[str, dict[str, Any]]:
    rows = rating.reasons if isinstance(rating, CustomerRating) else rating["reasons"]
    return {r["figure"]: r for r in rows}
