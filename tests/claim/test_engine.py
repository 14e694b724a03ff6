"""The claim's allocation, worked by hand from the statute: 民法典 560 (which debt), 561 (interest
before principal, or the principal-first variant), the contract's cap inside the allocation, the
payer's designation and its surplus, and every received fen accounted for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.law.helpers import table
from workflow.claim.engine import Book, ClaimInvoice, Receipt, Terms, apply_receipts, interest_accrued
from workflow.law.interest import Basis

D = Decimal
DAILY = Terms(Basis("daily_rate", rate=D("0.0005")), None, "contract")  # 日万分之五 = 18.25% a year
SIX = Terms(Basis("annual_rate", rate=D("0.06")), None, "contract")


def inv(id_: int, due: str, amount: str, terms: Terms = DAILY) -> ClaimInvoice:
    return ClaimInvoice(id_, f"INV-{id_}", date.fromisoformat(due), D(amount), D(0), terms)


def pay(id_: int, day: str, amount: str, *designated: tuple[int, str]) -> Receipt:
    return Receipt(id_, date.fromisoformat(day), D(amount), f"REF{id_}",
                   tuple((i, D(a)) for i, a in designated))


def owed(book: Book, invoice_id: int) -> tuple[int, int, int]:
    """(principal, interest owed in all with the cap, interest paid) in fen."""
    st = book.states[invoice_id]
    return st.principal, interest_accrued(st), st.paid_interest


def accounted(book: Book, receipts: list[Receipt]) -> bool:
    applied = sum(a.to_interest + a.to_principal for a in book.applied)
    return sum(int(r.amount * 100) for r in receipts) == applied + sum(book.unapplied.values())


def test_the_cap_is_applied_inside_the_allocation_so_cash_beyond_it_reaches_principal() -> None:
    capped = Terms(DAILY.basis, "10%", "contract")
    receipts = [pay(1, "2025-12-31", "30000.00")]
    # 2024-01-02..2025-12-31 = 365 (2024 from 01-02, a leap year) + 365 = 730 days
    # × 100000 × 0.0005 = 36500.00 accrued, but the cap is 10% of 100000 = 10000.00: only 10000.00 is
    # owed as interest on the payment day, so 10000.00 pays interest and 20000.00 principal → 80000.00
    book = apply_receipts([inv(1, "2024-01-01", "100000.00", capped)], receipts, date(2026, 1, 31), table())
    assert owed(book, 1) == (8_000_000, 1_000_000, 1_000_000)
    assert accounted(book, receipts) and not book.unapplied
    # principal first (a court that does not count a 违约金 as 561's interest): 30000.00 to principal
    # → 70000.00; the capped 10000.00 interest stays unpaid
    book = apply_receipts([inv(1, "2024-01-01", "100000.00", capped)], receipts, date(2026, 1, 31), table(),
                          "principal_first")
    assert owed(book, 1) == (7_000_000, 1_000_000, 0)


def test_cash_beyond_every_debt_is_listed_as_unapplied_never_dropped() -> None:
    receipts = [pay(1, "2026-03-02", "60000.00")]
    # 2026-02-01..2026-03-02 = 28 + 2 = 30 days × 10000 × 0.0005 = 150.00 interest, then 10000.00
    # principal: 60000.00 − 10150.00 = 49850.00 left with no debt to pay
    book = apply_receipts([inv(1, "2026-01-31", "10000.00")], receipts, date(2026, 3, 31), table())
    assert owed(book, 1) == (0, 15_000, 15_000)
    assert book.unapplied == {1: 4_985_000}
    assert accounted(book, receipts)


def test_560_heavier_burden_before_the_debt_due_first() -> None:
    # both due and unsecured; INV-1 (6% a year) fell due first, INV-2 bears 18.25%: the heavier burden
    # is paid first (民法典 560: security, then burden, then age)
    invoices = [inv(1, "2026-01-31", "10000.00", SIX), inv(2, "2026-02-28", "10000.00")]
    # INV-2: 2026-03-01..03-10 = 10 days × 10000 × 0.0005 = 50.00 interest, 4950.00 principal → 5050.00
    book = apply_receipts(invoices, [pay(1, "2026-03-10", "5000.00")], date(2026, 3, 10), table())
    assert owed(book, 2) == (505_000, 5_000, 5_000)
    assert owed(book, 1)[0] == 1_000_000


def test_560_pro_rata_for_debts_equal_in_everything() -> None:
    # same terms, same due day, nothing accrued on the due day itself: 4000.00 shared 10000 : 30000
    # → 1000.00 and 3000.00
    invoices = [inv(1, "2026-01-31", "10000.00"), inv(2, "2026-01-31", "30000.00")]
    book = apply_receipts(invoices, [pay(1, "2026-01-31", "4000.00")], date(2026, 1, 31), table())
    assert (owed(book, 1)[0], owed(book, 2)[0]) == (900_000, 2_700_000)


def test_a_designation_for_more_than_the_named_invoice_owes_pays_it_in_full_then_560() -> None:
    invoices = [inv(1, "2026-01-31", "10000.00"), inv(2, "2026-02-28", "10000.00")]
    # the payer named INV-1 for 12000.00; the ledger booked 10000.00 (its principal) to it by name
    receipts = [pay(1, "2026-03-02", "12000.00", (1, "10000.00"))]
    # INV-1: 30 days × 10000 × 0.0005 = 150.00; the named 10000.00 pays 150.00 interest and 9850.00
    # principal; the rest (2000.00) first pays INV-1's last 150.00 principal: settled, not 150.00 short
    # the other 1850.00 under 560 to INV-2: 2026-03-01..03-02 = 2 days × 10000 × 0.0005 = 10.00
    # interest, 1840.00 principal → 8160.00
    book = apply_receipts(invoices, receipts, date(2026, 3, 2), table())
    assert owed(book, 1) == (0, 15_000, 15_000)
    assert owed(book, 2) == (816_000, 1_000, 1_000)
    assert accounted(book, receipts) and not book.unapplied
    assert {(a.invoice_id, a.designated) for a in book.applied} == {(1, True), (2, False)}


def test_money_beyond_the_debts_due_reaches_a_debt_not_yet_due() -> None:
    # INV-1 due 2026-01-31 is due first (民法典 560: due debts before those not yet due); INV-2 is due
    # only on 2026-06-30, after as_of, and bears nothing: 2026-02-01..02-10 = 10 days × 10000 × 0.0005
    # = 50.00 interest + 10000.00 principal; the other 2000.00 − 50.00 = 1950.00 go to INV-2 → 8050.00
    invoices = [inv(1, "2026-01-31", "10000.00"), inv(2, "2026-06-30", "10000.00")]
    receipts = [pay(1, "2026-02-10", "12000.00")]
    book = apply_receipts(invoices, receipts, date(2026, 3, 1), table())
    assert owed(book, 1) == (0, 5_000, 5_000)
    assert owed(book, 2) == (805_000, 0, 0)
    assert accounted(book, receipts) and not book.unapplied
