"""A ledger written row by row for the report tests, with its maintained totals kept right as the
services keep them, so that figures worked out by hand can be checked against the reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from tests.ledger.sample_ledger import CREDITOR
from workflow.accounts.actor import SYSTEM
from workflow.core import Core
from workflow.ledger.models import Allocation, CreditNote, CreditorEntity, Customer, Invoice, Payment


@contextmanager
def committed(core: Core) -> Iterator[Session]:
    """A session inside a unit of work, committed at the end, as an entry point has one."""
    with core.unit_of_work(SYSTEM) as uow:
        yield uow.session


@contextmanager
def reading(core: Core) -> Iterator[Session]:
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        yield uow.session


class Books:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.customers: dict[str, int] = {}
        self.seq = 0
        with committed(core) as s:
            creditor = CreditorEntity(**CREDITOR, created_at=core.clock.now())
            s.add(creditor)
            s.flush()
            self.creditor = creditor.id

    def customer(self, code: str, name: str) -> int:
        with committed(self.core) as s:
            c = Customer(code=code, legal_name=name, kind="private_large", created_at=self.core.clock.now())
            s.add(c)
            s.flush()
            self.customers[code] = c.id
            return c.id

    def invoice(self, code: str, issue: date, due: date, amount: str, currency: str = "CNY",
                written_off: bool = False) -> int:
        self.seq += 1
        with committed(self.core) as s:
            inv = Invoice(creditor_id=self.creditor, customer_id=self.customers[code], number=f"FP{self.seq:05d}",
                          issue_date=issue, due_date=due, amount=Decimal(amount), currency=currency,
                          written_off=written_off, paid_amount=Decimal("0.00"), credited_amount=Decimal("0.00"),
                          created_at=self.core.clock.now())
            s.add(inv)
            s.flush()
            return inv.id

    def receive(self, code: str, when: date, amount: str, currency: str = "CNY") -> int:
        """A payment, nothing of it allocated yet."""
        self.seq += 1
        with committed(self.core) as s:
            p = Payment(creditor_id=self.creditor, customer_id=self.customers[code], received_on=when,
                        amount=Decimal(amount), currency=currency, bank_reference=f"B{self.seq:06d}",
                        unallocated_amount=Decimal(amount), created_at=self.core.clock.now())
            s.add(p)
            s.flush()
            return p.id

    def allocate(self, payment_id: int, invoice_id: int, amount: str) -> None:
        with committed(self.core) as s:
            p, inv = s.get(Payment, payment_id), s.get(Invoice, invoice_id)
            assert p is not None and inv is not None
            s.add(Allocation(payment_id=p.id, invoice_id=inv.id, amount=Decimal(amount), received_on=p.received_on))
            p.unallocated_amount -= Decimal(amount)
            inv.paid_amount += Decimal(amount)

    def pay(self, invoice_id: int, when: date, amount: str) -> None:
        """A payment allocated in full to one invoice."""
        with committed(self.core) as s:
            inv = s.get(Invoice, invoice_id)
            assert inv is not None
            code = next(k for k, v in self.customers.items() if v == inv.customer_id)
            currency = inv.currency
        self.allocate(self.receive(code, when, amount, currency), invoice_id, amount)

    def credit(self, invoice_id: int, when: date, amount: str) -> None:
        self.seq += 1
        with committed(self.core) as s:
            inv = s.get(Invoice, invoice_id)
            assert inv is not None
            s.add(CreditNote(creditor_id=self.creditor, customer_id=inv.customer_id, invoice_id=invoice_id,
                             number=f"HZ{self.seq}", issued_on=when, amount=Decimal(amount), currency=inv.currency,
                             created_at=self.core.clock.now()))
            inv.credited_amount += Decimal(amount)
