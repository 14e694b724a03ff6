"""Properties of the interest and limitation rules, checked on generated cases (hypothesis).

Interest is rounded half-up per segment (the sheet a court checks line by line must add up), so
the exact properties are stated on the unrounded amount, and the printed amount is held to within
one fen per segment of it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.law.helpers import calendar, monthly, table
from tests.law.helpers import run as run_on
from workflow.law.interest import Basis, InterestResult
from workflow.law.limitation import Interruption, LimitationRequest, compute_limitation
from workflow.law.rates import RateQuote, RateTable

FAST = settings(max_examples=40, deadline=None)
BASES = st.sampled_from([
    Basis("daily_rate", rate=Decimal("0.0005")),
    Basis("annual_rate", rate=Decimal("0.1825")),
    Basis("lpr", markup=Decimal("0.5"), mode="floating"),
    Basis("statutory", markup=Decimal("0.3"), mode="floating"),
])
dues = st.dates(min_value=date(2019, 8, 20), max_value=date(2025, 12, 31))
amounts = st.integers(min_value=1, max_value=10**9).map(lambda f: Decimal(f) / 100)
# the verified history and monthly quotes to 2026-08-20, typed in tests/law/helpers.py: known through 2026-09-19
TABLE = table(*monthly("2025-06-20", "2026-08-20"))
LAST = date(2026, 9, 19)


def run(*args: Any, **kw: Any) -> InterestResult:
    return run_on(*args, **{"table": TABLE, **kw})


@FAST
@given(basis=BASES, due=dues, length=st.integers(0, 900), cut=st.floats(0, 1), amount=amounts)
def test_splitting_the_period_at_any_date_never_changes_the_total(
        basis: Basis, due: date, length: int, cut: float, amount: Decimal) -> None:
    as_of = min(due + timedelta(days=length), LAST)
    split = due + timedelta(days=int((as_of - due).days * cut))
    whole = run(as_of.isoformat(), basis, [("A", str(amount), due.isoformat())])
    first = run(split.isoformat(), basis, [("A", str(amount), due.isoformat())])
    # the second part: the same principal, falling due (for interest purposes) on the split date
    second = run(as_of.isoformat(), basis, [("A", str(amount), split.isoformat())])
    assert first.exact_accrued() + second.exact_accrued() == whole.exact_accrued()
    n = sum(len(r.invoices[0].segments) for r in (first, second))
    printed = sum(Decimal(r.as_json()["interest_accrued"]) for r in (first, second))
    assert abs(printed - Decimal(whole.as_json()["interest_accrued"])) <= Decimal("0.01") * n


@FAST
@given(due=dues, length=st.integers(1, 800), at=st.dates(min_value=date(2019, 8, 1), max_value=LAST))
def test_a_redundant_quote_at_any_date_changes_nothing(due: date, length: int, at: date) -> None:
    as_of = min(due + timedelta(days=length), LAST)
    q = TABLE.quote_on("lpr", max(at, date(2019, 8, 20)))
    repeated = RateTable([*TABLE.all(), RateQuote("lpr", max(at, date(2019, 8, 20)), q.rate_1y, q.rate_5y,
                                                  "repeat", True)], calendar())
    basis = Basis("lpr", markup=Decimal("0.5"), mode="floating")
    a = run(as_of.isoformat(), basis, [("A", "123456.78", due.isoformat())])
    b = run(as_of.isoformat(), basis, [("A", "123456.78", due.isoformat())], table=repeated)
    def numbers(r: InterestResult) -> list[tuple[str, ...]]:  # the note names the quote; the numbers must agree
        return [(g["from"], g["to"], g["principal"], g["annual_rate"], g["interest"])
                for g in r.as_json()["invoices"][0]["segments"]]

    assert numbers(a) == numbers(b)
    assert a.as_json()["interest_accrued"] == b.as_json()["interest_accrued"]


@FAST
@given(basis=BASES, due=dues, length=st.integers(1, 800), pay_at=st.floats(0, 1), paid=amounts,
       named=st.booleans(), allocation=st.sampled_from(["interest_first", "principal_first"]))
def test_a_payment_never_increases_interest(basis: Basis, due: date, length: int, pay_at: float, paid: Decimal,
                                            named: bool, allocation: str) -> None:
    as_of = min(due + timedelta(days=length), LAST)
    day = due - timedelta(days=30) + timedelta(days=int(((as_of - due).days + 30) * pay_at))
    inv = [("A", "50000.00", due.isoformat()), ("B", "8000.00", (due + timedelta(days=10)).isoformat())]
    if as_of < due + timedelta(days=10):
        inv = inv[:1]
    without = run(as_of.isoformat(), basis, inv, allocation=allocation)
    with_pay = run(as_of.isoformat(), basis, inv, [(day.isoformat(), str(paid), "A" if named else None)],
                   allocation=allocation)
    assert with_pay.exact_accrued() <= without.exact_accrued()
    assert Decimal(with_pay.as_json()["principal_outstanding"]) <= Decimal(without.as_json()["principal_outstanding"])


@FAST
@given(basis=BASES, due=dues, a=st.integers(0, 600), b=st.integers(0, 600), amount=amounts)
def test_interest_grows_with_as_of(basis: Basis, due: date, a: int, b: int, amount: Decimal) -> None:
    early, late = sorted((due + timedelta(days=a), due + timedelta(days=b)))
    late = min(late, LAST)
    early = min(early, late)
    x = run(early.isoformat(), basis, [("A", str(amount), due.isoformat())], [(due.isoformat(), "1.00", "A")])
    y = run(late.isoformat(), basis, [("A", str(amount), due.isoformat())], [(due.isoformat(), "1.00", "A")])
    assert Decimal(x.as_json()["interest_accrued"]) <= Decimal(y.as_json()["interest_accrued"])
    assert x.exact_accrued() <= y.exact_accrued()


@FAST
@given(due=st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)),
       gaps=st.lists(st.tuples(st.integers(-100, 1500), st.sampled_from(["demand", "acknowledgment",
                                                                          "part_payment", "suit"])), max_size=5))
def test_limitation_end_is_never_before_its_start(due: date, gaps: list[tuple[int, str]]) -> None:
    events = [Interruption(due + timedelta(days=g), k) for g, k in gaps]  # type: ignore[arg-type]
    r = compute_limitation(LimitationRequest(due, events), calendar())
    assert r.starts_on <= r.expires_on <= r.long_stop
    assert r.expires_on >= due + timedelta(days=365 * 3) - timedelta(days=1)


@FAST
@given(basis=BASES, due=dues, length=st.integers(0, 900), amount=amounts)
def test_carry_forward_changes_nothing_while_every_quote_is_known(basis: Basis, due: date, length: int,
                                                                  amount: Decimal) -> None:
    as_of = min(due + timedelta(days=length), LAST)
    plain = run(as_of.isoformat(), basis, [("A", str(amount), due.isoformat())]).as_json()
    asked = run(as_of.isoformat(), basis, [("A", str(amount), due.isoformat())], carry_forward=True).as_json()
    assert asked == plain and asked["assumptions"] == []


@FAST
@given(last=st.dates(min_value=date(2025, 6, 1), max_value=date(2026, 10, 31)))
def test_the_day_after_the_known_days_is_a_possible_publication_day(last: date) -> None:
    # whatever day the last quote carries, the first unknown day is the 20th of a month or a working
    # day after rest days running from that 20th, and never later than that month's publication
    t = RateTable([*TABLE.all(), RateQuote("lpr", last, Decimal("3.00"), None, "test", True)], calendar())
    nxt = t.next_lpr_publication
    assert nxt is not None and nxt > max(last, TABLE.last_lpr.effective if TABLE.last_lpr else last)
    twentieth = date(nxt.year, nxt.month, 20)
    assert twentieth <= nxt and calendar().roll_forward(twentieth) == nxt
