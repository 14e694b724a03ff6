"""One creditor entity's receipts applied to its invoices on one customer, in one currency, the way a
court reads them (民法典 560, 561), with each contract's own penalty and cap.

Pure: plain values in, plain values out. Every received fen ends in exactly one place: interest,
principal, or ``unapplied`` (with a warning); never dropped.

- A payment the payer designated to invoices (the ledger's allocations not marked automatic) goes to
  each named invoice first, interest then principal inside it (561, or principal first in the
  ``principal_first`` variant). The rest of a payment that names invoices first pays what those
  invoices still owe, since the payer meant to discharge them; any surplus then goes under 560.
- 560, for money naming no invoice: debts already due before debts not yet due; then the debt with
  the least security (the ledger records no security, so all are equal here); then the heavier burden
  (the higher penalty rate in force on the payment day); then the debt due first; debts equal on all
  of these share the money pro rata to what each owes.
- The cap of a contract's penalty limits what is owed as interest at every payment, so cash beyond the
  cap reaches principal (a cap applied afterwards would leave that cash paying interest nobody owes).
- An invoice whose interest cannot be computed (its rate is not published yet) owes no interest here:
  money goes to its principal, and the claim says that its interest is missing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from workflow.law.interest import Basis, InterestCalculator, InterestRequest, InvoiceIn, InvoiceState, fen_str
from workflow.law.method import assumption_words, describe, unverified_words
from workflow.law.rates import RateTable
from workflow.law.refusals import LawRefusal

Allocation = Literal["interest_first", "principal_first"]


@dataclass(frozen=True)
class Terms:
    basis: Basis
    cap: str | None
    source: str  # "contract" | "statutory"


@dataclass(frozen=True)
class ClaimInvoice:
    id: int
    number: str
    due_date: date
    amount: Decimal
    credited: Decimal
    terms: Terms
    contract: str | None = None

    @property
    def principal(self) -> Decimal:
        return self.amount - self.credited


@dataclass(frozen=True)
class Receipt:
    id: int
    date: date
    amount: Decimal
    reference: str
    designated: tuple[tuple[int, Decimal], ...] = ()  # (invoice id, amount) as the payer named them


@dataclass
class Applied:
    receipt: Receipt
    invoice_id: int
    to_interest: int = 0
    to_principal: int = 0
    designated: bool = False


@dataclass
class Book:
    """The outcome for one creditor and currency."""

    states: dict[int, InvoiceState]
    refused: dict[int, LawRefusal]
    applied: list[Applied] = field(default_factory=list)
    unapplied: dict[int, int] = field(default_factory=dict)  # receipt id → fen
    methods: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


def cap_fen(cap: str | None, principal: Decimal) -> int | None:
    """The penalty cap in fen: "20%" of the invoice's principal (after credit notes), or an amount."""
    if not cap:
        return None
    if cap.endswith("%"):
        return int((principal * Decimal(cap[:-1]) / 100).quantize(Decimal("0.01")) * 100)
    return int(Decimal(cap) * 100)


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


class _Run:
    def __init__(self, invoices: Sequence[ClaimInvoice], as_of: date, rates: RateTable, allocation: Allocation,
                 carry_forward: bool) -> None:
        self.as_of = as_of
        self.interest_first = allocation == "interest_first"
        self.by_id = {i.id: i for i in invoices}
        self.calcs: dict[int, InterestCalculator] = {}
        groups: dict[Terms, list[ClaimInvoice]] = {}
        for inv in invoices:
            groups.setdefault(inv.terms, []).append(inv)
        self.book = Book({}, {})
        # money reaching an invoice not yet due on as_of: nothing accrues before its due date, so any
        # calculator applies it the same way; this one holds no rate and computes nothing
        not_due = InterestCalculator(InterestRequest(as_of=as_of, basis=Basis("annual_rate", rate=Decimal("0.01")),
                                                     invoices=[InvoiceIn("-", Decimal(1), as_of)]), rates)
        for terms, every in groups.items():
            # an invoice not yet due on as_of bears no interest yet, but money may still reach it (560)
            group = [i for i in every if i.due_date <= as_of]
            for k, inv in enumerate(i for i in every if i.due_date > as_of):
                due = inv.due_date.toordinal()
                self.book.states[inv.id] = InvoiceState(InvoiceIn(str(inv.id), inv.principal, inv.due_date), k, due,
                                                        _fen(inv.principal), InterestCalculator.no_interest_schedule(),
                                                        due)
                self.calcs[inv.id] = not_due
            if not group:
                continue
            req = InterestRequest(as_of=as_of, basis=terms.basis, carry_forward=carry_forward, allocation=allocation,
                                  invoices=[InvoiceIn(str(i.id), i.principal, i.due_date) for i in group])
            calc = InterestCalculator(req, rates)
            used = []
            for k, inv in enumerate(group):
                self.calcs[inv.id] = calc
                try:
                    st = calc.invoice_state(req.invoices[k], k, cap_fen(terms.cap, inv.principal))
                except LawRefusal as exc:
                    self.book.refused[inv.id] = exc
                    # no rate, no interest: the state bears none, so money goes to its principal
                    st = InvoiceState(req.invoices[k], k, inv.due_date.toordinal(), _fen(inv.principal),
                                      calc.no_interest_schedule(), inv.due_date.toordinal())
                else:
                    used.append(inv)
                self.book.states[inv.id] = st
            if used:
                method = describe(req, calc.unverified, calc.assumed)
                self.book.methods.append({"source": terms.source, "invoices": [i.number for i in used],
                                          "cap": terms.cap, **method})
                # a carried-forward quote (asked for) is stated beside the figures, not only in the method
                self.book.warnings.extend(assumption_words(start, q, as_of) for start, q in calc.assumed.items())
                if calc.unverified:
                    self.book.warnings.append(unverified_words(calc.unverified))

    def _apply(self, inv_id: int, receipt: Receipt, k: int, day: int, rest: int, designated: bool) -> int:
        st = self.book.states[inv_id]
        before_i, before_p = st.paid_interest, st.principal
        left = self.calcs[inv_id].apply(st, k, day, rest, self.interest_first)
        to_i, to_p = st.paid_interest - before_i, before_p - st.principal
        if to_i or to_p:
            self.book.applied.append(Applied(receipt, inv_id, to_i, to_p, designated))
        return left

    def _debt(self, inv_id: int, day: int) -> int:
        st = self.book.states[inv_id]
        self.calcs[inv_id].accrue(st, day)
        return st.principal + st.owed_interest()

    def _burden(self, inv_id: int, day: int) -> Decimal:
        sch = self.book.states[inv_id].schedule
        if not sch.starts:
            return Decimal(0)
        i = bisect_right(sch.starts, day) - 1
        return sch.rates[max(i, 0)]

    def _by_560(self, receipt: Receipt, k: int, day: int, rest: int) -> int:
        owing = [i for i in self.book.states if self._debt(i, day) > 0]
        ranks: dict[tuple[bool, Decimal, int], list[int]] = {}
        for i in owing:
            due = self.by_id[i].due_date.toordinal()
            # due before not due; heavier burden first; due first (security: none recorded, all equal)
            ranks.setdefault((due > day, -self._burden(i, day), due), []).append(i)
        for key in sorted(ranks):
            if rest == 0:
                break
            tied = ranks[key]
            debts = [self._debt(i, day) for i in tied]
            total = sum(debts)
            if rest >= total or len(tied) == 1:
                for i in tied:
                    rest = self._apply(i, receipt, k, day, rest, False)
                continue
            # pro rata to what each owes, in fen; the fen left by rounding go to the largest remainders
            shares = [rest * d // total for d in debts]
            order = sorted(range(len(tied)), key=lambda j: -(rest * debts[j] % total))
            for j in order[:rest - sum(shares)]:
                shares[j] += 1
            for i, share in zip(tied, shares, strict=True):
                rest -= share - self._apply(i, receipt, k, day, share, False)
        return rest

    def run(self, receipts: Sequence[Receipt]) -> Book:
        for k, r in sorted(enumerate(receipts), key=lambda kr: (kr[1].date, kr[1].id)):
            day = r.date.toordinal()
            rest = _fen(r.amount)
            named = [(i, _fen(a)) for i, a in r.designated if i in self.book.states]
            for inv_id, amount in named:
                part = min(amount, rest)
                rest -= part - self._apply(inv_id, r, k, day, part, True)
            for inv_id, _ in named:  # the payer meant to discharge the invoices it named
                if rest:
                    rest = self._apply(inv_id, r, k, day, rest, True)
            if rest:
                rest = self._by_560(r, k, day, rest)
            if rest:
                self.book.unapplied[r.id] = rest
        end = self.as_of.toordinal()
        for inv_id, st in self.book.states.items():
            self.calcs[inv_id].accrue(st, end)
        return self.book


def apply_receipts(invoices: Sequence[ClaimInvoice], receipts: Sequence[Receipt], as_of: date, rates: RateTable,
                   allocation: Allocation = "interest_first", carry_forward: bool = False) -> Book:
    """Apply ``receipts`` (all of one creditor and currency) to ``invoices`` as of ``as_of``."""
    return _Run(invoices, as_of, rates, allocation, carry_forward).run(receipts)


def interest_accrued(st: InvoiceState) -> int:
    """What the invoice owes as interest in all, the cap applied."""
    return st.accrued if st.cap is None or st.accrued < st.cap else st.cap


def segments_json(st: InvoiceState) -> list[dict[str, Any]]:
    sch = st.schedule
    return [{"from": date.fromordinal(a).isoformat(), "to": date.fromordinal(b).isoformat(), "days": b - a + 1,
             "principal": fen_str(p), "annual_rate": _rate_str(sch.rates[piece]),
             "rate_note": {"zh": sch.notes[piece][0], "en": sch.notes[piece][1]}, "interest": fen_str(i)}
            for a, b, p, piece, i in st.segments]


def _rate_str(rate: Decimal) -> str:
    whole, _, frac = format(rate, "f").partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(4, '0')}"
