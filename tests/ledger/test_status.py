"""Invoice status and days overdue: the Python reading and the SQL reading of the one rule agree."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import product

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Users
from tests.ledger.books import Books, committed, reading
from workflow.core import Core
from workflow.ledger.aging import BUCKETS, bucket_of
from workflow.ledger.balances import balance_fen
from workflow.ledger.models import Invoice
from workflow.ledger.status import (
    FILTERS,
    InvoiceStatus,
    days_overdue,
    invoice_status,
    overdue_more_than,
    status_days_overdue,
    status_in_sql,
    status_sql,
)

TODAY = date(2026, 11, 26)
AS_OF = date(2026, 6, 30)
# due this many days before AS_OF (negative: after it), around every bucket edge
DAYS = (-31, -1, 0, 1, 2, 30, 31, 60, 61, 90, 91, 180, 181, 365, 366, 730, 731, 1000)


def test_python_rule_by_hand() -> None:
    due = date(2026, 6, 1)
    assert invoice_status(Decimal("0.00"), True, due, AS_OF) is InvoiceStatus.PAID  # paid beats written off
    assert invoice_status(Decimal("5.00"), True, due, AS_OF) is InvoiceStatus.WRITTEN_OFF
    assert invoice_status(Decimal("5.00"), False, due, AS_OF) is InvoiceStatus.OVERDUE
    assert invoice_status(Decimal("5.00"), False, AS_OF, AS_OF) is InvoiceStatus.OPEN  # due today: not yet
    assert days_overdue(due, AS_OF) == 29 and days_overdue(AS_OF, AS_OF) == 0 and days_overdue(TODAY, AS_OF) == 0
    assert status_days_overdue(InvoiceStatus.WRITTEN_OFF, due, AS_OF) == 0
    assert status_days_overdue(InvoiceStatus.OVERDUE, due, AS_OF) == 29


def test_sql_and_python_agree_on_every_case(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    cases: dict[int, tuple[str, bool, int]] = {}
    for settled, written_off, days in product(("0.00", "40.00", "100.00"), (False, True), DAYS):
        due = AS_OF - timedelta(days=days)
        invoice_id = books.invoice("C001", due - timedelta(days=30), due, "100.00", written_off=written_off)
        if settled != "0.00":
            books.pay(invoice_id, due - timedelta(days=1), settled)
        cases[invoice_id] = (settled, written_off, days)
    balance = balance_fen()
    args = (balance, Invoice.written_off, Invoice.due_date, AS_OF)
    with reading(any_db) as s:
        rows = s.execute(select(Invoice, status_sql(*args))).all()
        limits = [b.max_days for b in BUCKETS if b.max_days is not None]
        more_than = {n: set(s.scalars(select(Invoice.id).where(overdue_more_than(n, Invoice.due_date, AS_OF))))
                     for n in limits}
        chosen = {name: set(s.scalars(select(Invoice.id).where(status_in_sql(statuses, *args))))
                  for name, statuses in FILTERS.items()}
        each = {st: set(s.scalars(select(Invoice.id).where(status_in_sql({st}, *args)))) for st in InvoiceStatus}
    assert len(rows) == len(cases) == 108
    python: dict[int, InvoiceStatus] = {}
    for invoice, sql_status in rows:
        outstanding = invoice.amount - invoice.paid_amount - invoice.credited_amount
        python[invoice.id] = invoice_status(outstanding, invoice.written_off, invoice.due_date, AS_OF)
        assert sql_status == python[invoice.id].value, cases[invoice.id]
        days = days_overdue(invoice.due_date, AS_OF)
        assert days == max(cases[invoice.id][2], 0)
        for n in limits:  # the SQL bucket edges say what the Python days overdue say
            assert (invoice.id in more_than[n]) == (days > n) == overdue_more_than(n, invoice.due_date, AS_OF)
        edges = [n for n in limits if invoice.id not in more_than[n]]
        assert bucket_of(days) == next((b.key for b in BUCKETS if b.max_days in edges), "over_2y")
    for name, statuses in FILTERS.items():
        assert chosen[name] == {i for i, st in python.items() if st in statuses}, name
    for st in InvoiceStatus:
        assert each[st] == {i for i, got in python.items() if got is st} and each[st], st


def test_invoice_list_filters_show_the_status_each_invoice_renders(core: Core, client: FlaskClient,
                                                                    users: Users) -> None:
    books = Books(core)
    books.customer("C001", "深圳市华星光电技术有限公司")
    paid = books.invoice("C001", date(2026, 9, 1), date(2026, 10, 1), "100.00")
    books.pay(paid, date(2026, 9, 20), "100.00")
    books.invoice("C001", date(2026, 9, 1), date(2026, 10, 1), "200.00", written_off=True)
    part = books.invoice("C001", date(2026, 9, 1), date(2026, 10, 1), "300.00")
    books.pay(part, date(2026, 10, 5), "50.00")
    books.invoice("C001", date(2026, 10, 27), TODAY, "400.00")  # due today: open, not overdue
    books.invoice("C001", date(2026, 11, 1), date(2026, 12, 1), "500.00")
    with committed(core) as s:  # written off after being paid in full: nothing is owed, it is paid
        gone = s.get(Invoice, paid)
        assert gone is not None
        gone.written_off = True

    def listed(status: str = "") -> dict[str, tuple[str, int]]:
        resp = client.get(f"/api/v1/invoices?status={status}" if status else "/api/v1/invoices",
                          headers=users.clerk)
        assert resp.status_code == 200
        return {i["amount"]: (i["status"], i["days_overdue"]) for i in resp.json["items"]}

    everything = listed()
    assert everything == {"100.00": ("paid", 0), "200.00": ("written_off", 0), "300.00": ("overdue", 56),
                          "400.00": ("open", 0), "500.00": ("open", 0)}
    for name, statuses in FILTERS.items():
        assert listed(name) == {k: v for k, v in everything.items() if v[0] in statuses}, name
