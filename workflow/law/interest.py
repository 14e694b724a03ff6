"""Late-payment interest (逾期付款利息 / 违约金) on invoices, with part payments.

Rules (买卖合同解释 18; every choice is argued in docs/law.md):
- interest runs from the day after the due date to ``as_of``, both counted (first day excluded,
  last day included), simple, never compounded;
- a payment's own date still bears interest on the balance before it; the paid part stops
  bearing interest from the next day;
- a payment goes to interest then principal (民法典 561, ``interest_first``) or the reverse
  (``principal_first``, when the parties agreed so); a payment that names no invoice, and the part
  of a payment beyond the invoice it names, goes to the invoice due first (民法典 560);
- the period is cut into segments wherever the principal or the rate changes; each segment's
  interest is principal × annual rate × days ÷ day count, rounded half-up to the fen.

Speed comes from working per segment with integers: amounts in fen, rates as exact integer
ratios, one ``bisect`` into a precomputed rate schedule per invoice; there is no loop over days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

from workflow.law.interest_checks import STATUTORY_MARKUP_MAX, check_request
from workflow.law.rates import LPR_START, RateQuote, RateTable, Span

BasisKind = Literal["daily_rate", "annual_rate", "lpr", "statutory"]
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Basis:
    kind: BasisKind
    rate: Decimal | None = None  # daily_rate / annual_rate: a fraction, 万分之五 = 0.0005
    markup: Decimal | None = None  # lpr / statutory: 0.5 = LPR + 50%
    mode: Literal["fixed", "floating"] = "fixed"


@dataclass(frozen=True)
class InvoiceIn:
    id: str
    amount: Decimal
    due_date: date


@dataclass(frozen=True)
class PaymentIn:
    date: date
    amount: Decimal
    invoice: str | None = None


@dataclass(frozen=True)
class InterestRequest:
    as_of: date
    basis: Basis
    invoices: Sequence[InvoiceIn]
    payments: Sequence[PaymentIn] = ()
    day_count: Literal[365, 360] = 365
    allocation: Literal["interest_first", "principal_first"] = "interest_first"
    # only when the user asks: a month whose LPR quote is not in the table takes the last known
    # quote, and the result says so (docs/law.md §1, "Refusing to guess a rate")
    carry_forward: bool = False


# (first day, annual rate, note zh, note en, assumed): an assumed piece is never merged into a known
# one, so the sheet shows on its own line the days whose rate is an assumption
Piece = tuple[date, Decimal, str, str, bool]


@dataclass
class _Schedule:
    """Rate pieces: piece i runs from ``starts[i]`` (a date ordinal) to the next start."""

    starts: list[int]
    rates: list[Decimal]  # annual fraction
    ratios: list[tuple[int, int]]  # the same, as an exact integer ratio
    notes: list[tuple[str, str]]

    @classmethod
    def build(cls, pieces: list[Piece]) -> _Schedule:
        s = cls([], [], [], [])
        assumed_last = False
        for start, rate, zh, en, assumed in pieces:
            if s.rates and s.rates[-1] == rate and assumed == assumed_last:
                continue  # an unchanged quote is no change: segments stay maximal
            assumed_last = assumed
            s.starts.append(start.toordinal())
            s.rates.append(rate)
            s.ratios.append(rate.as_integer_ratio())
            s.notes.append((zh, en))
        return s


# Plain tuples, not classes: a portfolio makes millions of them and a tuple is 3× cheaper to build.
# Segment: (first day, last day) as date ordinals, both counted; principal in fen; index of the rate
# piece in the invoice's schedule; interest in fen, rounded half-up.
Segment = tuple[int, int, int, int, int]
# Applied: (index of the payment in the request, fen to interest, fen to principal)
Applied = tuple[int, int, int]


@dataclass(slots=True)
class _InvoiceState:
    inv: InvoiceIn
    order: int
    due: int
    principal: int
    schedule: _Schedule
    last: int  # interest is computed through this ordinal
    accrued: int = 0
    paid_interest: int = 0
    segments: list[Segment] = field(default_factory=list)
    applied: list[Applied] = field(default_factory=list)
    # the contract's cap on the penalty, in fen: interest beyond it is never owed, so a payment can
    # never go to it (民法典 561 applies to what is owed; the claim's cap sits inside the allocation)
    cap: int | None = None

    def owed_interest(self) -> int:
        owed = self.accrued if self.cap is None or self.accrued < self.cap else self.cap
        return owed - self.paid_interest


InvoiceState = _InvoiceState


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def fen_str(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _rate_str(rate: Decimal) -> str:
    text = format(rate, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(4, '0')}"


def _pct(rate: Decimal) -> str:
    text = format(rate * 100, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


class InterestCalculator:
    """One calculation: validate, build the rate schedules, apply payments in date order."""

    def __init__(self, req: InterestRequest, rates: RateTable) -> None:
        self.req = req
        self.rates = rates
        self.unverified: dict[tuple[str, date], str] = {}
        self.assumed: dict[date, RateQuote] = {}  # first day without a known quote → quote carried
        check_request(req)
        self._fixed_cache: dict[int, _Schedule] = {}
        self._floating: _Schedule | None = None

    # -- rate schedules ----------------------------------------------------------------------
    def _markup(self) -> Decimal:
        m = self.req.basis.markup
        return STATUTORY_MARKUP_MAX if m is None else m

    def _lpr_piece(self, start: date, span: Span) -> Piece:
        q = span.quote
        if not q.verified:
            self.unverified[("lpr", q.effective)] = q.source
        m = self._markup()
        rate = q.rate_1y.scaleb(-2) * (1 + m)
        zh, en = f"一年期LPR {q.rate_1y}%（{q.effective.isoformat()}）×{1 + m}", \
            f"1-year LPR {q.rate_1y}% ({q.effective.isoformat()}) × {1 + m}"
        if not span.known:
            self.assumed.setdefault(span.start, q)
            zh += f"（假定沿用：{span.start:%Y-%m} 起的报价未录入）"
            en += f" (assumed unchanged: no quote from {span.start:%Y-%m} on in the table)"
        return (start, rate, zh, en, not span.known)

    def _lpr_span(self, on: date, field: str) -> Span:
        return self.rates.lpr_span(on, field, carry_forward=self.req.carry_forward)

    def _benchmark_piece(self, start: date, on: date, field: str) -> Piece:
        q = self.rates.quote_on("pboc_benchmark", on, field)
        if not q.verified:
            self.unverified[("pboc_benchmark", q.effective)] = q.source
        m = self._markup()
        return (start, q.rate_1y.scaleb(-2) * (1 + m),
                f"人民银行一年期贷款基准利率 {q.rate_1y}%（{q.effective.isoformat()}）×{1 + m}",
                f"PBOC 1-year benchmark {q.rate_1y}% ({q.effective.isoformat()}) × {1 + m}", False)

    def _floating_schedule(self) -> _Schedule:
        if self._floating is not None:
            return self._floating
        b, as_of = self.req.basis, self.req.as_of
        first = min(i.due_date for i in self.req.invoices) + ONE_DAY
        pieces: list[Piece] = []
        due_field = "invoices.due_date"
        if b.kind == "statutory" and first < LPR_START:
            # before the reform, the benchmark rate; from 2019-08-20 on, the LPR (as judgments do)
            opening = self.rates.quote_on("pboc_benchmark", first, due_field)
            later = [q for q in self.rates.quotes["pboc_benchmark"] if first < q.effective < LPR_START]
            for q in [opening, *later]:
                start = max(first, q.effective)
                pieces.append(self._benchmark_piece(start, start, due_field))
            first_lpr = LPR_START
        else:
            if first <= as_of:
                self._lpr_span(first, due_field)
            first_lpr = first
        if as_of >= first_lpr:
            for span in self.rates.lpr_spans(first_lpr, as_of, "as_of", carry_forward=self.req.carry_forward):
                pieces.append(self._lpr_piece(span.start, span))
        pieces.sort(key=lambda p: p[0])
        self._floating = _Schedule.build(pieces)
        return self._floating

    def _schedule_for(self, inv: InvoiceIn, index: int) -> _Schedule:
        b, dc = self.req.basis, self.req.day_count
        first = inv.due_date + ONE_DAY
        if first > self.req.as_of:  # not overdue yet: no rate is needed, so none may be refused
            return _Schedule([], [], [], [])
        if b.kind in ("daily_rate", "annual_rate"):
            assert b.rate is not None
            annual = b.rate * dc if b.kind == "daily_rate" else b.rate
            zh = f"日利率 {_pct(b.rate)}" if b.kind == "daily_rate" else f"年利率 {_pct(b.rate)}"
            en = f"{_pct(b.rate)} per day" if b.kind == "daily_rate" else f"{_pct(b.rate)} per year"
            return self._fixed_cache.setdefault(0, _Schedule.build([(date.min, annual, zh, en, False)]))
        if b.mode == "floating":
            return self._floating_schedule()
        key = first.toordinal()
        cached = self._fixed_cache.get(key)
        if cached is None:
            field = f"invoices.{index}.due_date"
            if b.kind == "statutory" and first < LPR_START:
                piece = self._benchmark_piece(date.min, first, field)
            else:
                piece = self._lpr_piece(date.min, self._lpr_span(first, field))
            cached = self._fixed_cache[key] = _Schedule.build([piece])
        return cached

    # -- for a caller that drives the allocation itself (the claim: 民法典 560 across contracts) --
    def invoice_state(self, inv: InvoiceIn, index: int, cap: int | None = None) -> InvoiceState:
        """The invoice's state with its rate schedule (a ``LawRefusal`` when its rate is unknown)."""
        due = inv.due_date.toordinal()
        return _InvoiceState(inv, index, due, _fen(inv.amount), self._schedule_for(inv, index), due, cap=cap)

    @staticmethod
    def no_interest_schedule() -> _Schedule:
        """For an invoice whose rate is refused: it bears nothing here, and the caller says why."""
        return _Schedule.build([(date.min, Decimal(0), "利率未知，未计息", "rate unknown, no interest computed",
                                 False)])

    def accrue(self, st: InvoiceState, through: int) -> None:
        self._accrue(st, through)

    def apply(self, st: InvoiceState, k: int, day: int, rest: int, interest_first: bool) -> int:
        return self._apply(st, k, day, rest, interest_first)

    # -- the calculation ---------------------------------------------------------------------
    def _accrue(self, st: _InvoiceState, through: int) -> None:
        start = st.last + 1
        if through < start:
            return
        st.last = through
        p = st.principal
        if p == 0:
            return
        sch = st.schedule
        starts, ratios = sch.starts, sch.ratios
        dc = self.req.day_count
        i = bisect_right(starts, start) - 1
        n = len(starts)
        add = st.segments.append
        accrued = 0
        while start <= through:
            end = through
            if i + 1 < n:
                nxt = starts[i + 1] - 1
                if nxt < end:
                    end = nxt
            num, den = ratios[i]
            den2 = den * dc
            interest = (2 * p * num * (end - start + 1) + den2) // (2 * den2)  # half-up to the fen
            add((start, end, p, i, interest))
            accrued += interest
            start = end + 1
            i += 1
        st.accrued += accrued

    def _apply(self, st: _InvoiceState, k: int, day: int, rest: int, interest_first: bool) -> int:
        """Pay what ``rest`` can of one invoice on ``day``; return what is left."""
        self._accrue(st, day)
        owed_interest = st.owed_interest()
        principal = st.principal
        if interest_first:
            to_i = rest if rest < owed_interest else owed_interest
            left = rest - to_i
            to_p = left if left < principal else principal
        else:
            to_p = rest if rest < principal else principal
            left = rest - to_p
            to_i = left if left < owed_interest else owed_interest
        if to_i or to_p:
            st.paid_interest += to_i
            st.principal = principal - to_p
            st.applied.append((k, to_i, to_p))
        return rest - to_i - to_p

    def run(self) -> InterestResult:
        req = self.req
        states = [
            _InvoiceState(inv, k, inv.due_date.toordinal(), _fen(inv.amount), self._schedule_for(inv, k),
                          inv.due_date.toordinal())
            for k, inv in enumerate(req.invoices)
        ]
        by_id = {s.inv.id: s for s in states}
        by_due = sorted(states, key=lambda s: (s.due, s.order))
        interest_first = req.allocation == "interest_first"
        unapplied: list[tuple[int, int]] = []
        order = sorted(range(len(req.payments)), key=lambda k: req.payments[k].date)
        payments = req.payments
        for k in order:
            pay = payments[k]
            day = pay.date.toordinal()
            rest = self._apply(by_id[pay.invoice], k, day, _fen(pay.amount), interest_first) \
                if pay.invoice is not None else _fen(pay.amount)
            if rest:  # unnamed, or more than the named invoice owes: the debt due first (民法典 560)
                for st in by_due:
                    rest = self._apply(st, k, day, rest, interest_first)
                    if rest == 0:
                        break
            if rest:
                unapplied.append((k, rest))
        end = req.as_of.toordinal()
        for st in states:
            self._accrue(st, end)
        return InterestResult(req, states, unapplied, dict(sorted(self.unverified.items())),
                              dict(sorted(self.assumed.items())))


@dataclass
class InterestResult:
    req: InterestRequest
    invoices: list[_InvoiceState]
    unapplied: list[tuple[int, int]]
    unverified: dict[tuple[str, date], str]  # (kind, effective) of each unverified quote used
    assumed: dict[date, RateQuote] = field(default_factory=dict)  # carried forward from that day on

    def totals_fen(self) -> dict[str, int]:
        acc = sum(s.accrued for s in self.invoices)
        paid = sum(s.paid_interest for s in self.invoices)
        return {"interest_accrued": acc, "interest_paid": paid, "interest_outstanding": acc - paid,
                "principal_outstanding": sum(s.principal for s in self.invoices)}

    def exact_accrued(self) -> Fraction:
        """All interest in fen before any rounding: what per-segment rounding approximates."""
        dc = self.req.day_count
        total = Fraction(0)
        for s in self.invoices:
            for start, end, principal, piece, _ in s.segments:
                num, den = s.schedule.ratios[piece]
                total += Fraction(principal * num * (end - start + 1), den * dc)
        return total

    def as_json(self) -> dict[str, Any]:
        from workflow.law.method import assumption_words, describe, unverified_words

        out: dict[str, Any] = {"as_of": self.req.as_of.isoformat()}
        out.update({k: fen_str(v) for k, v in self.totals_fen().items()})
        out["unapplied"] = fen_str(sum(v for _, v in self.unapplied))
        out["invoices"] = [_invoice_json(s, self.req) for s in self.invoices]
        out["method"] = describe(self.req, self.unverified, self.assumed)
        out["assumptions"] = [assumption_words(start, q, self.req.as_of) for start, q in self.assumed.items()]
        out["warnings"] = [*out["assumptions"]]
        if self.unverified:
            out["warnings"].append(unverified_words(self.unverified))
        return out


@lru_cache(maxsize=65536)  # distinct days are few; a portfolio prints each of them many times
def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _invoice_json(s: _InvoiceState, req: InterestRequest) -> dict[str, Any]:
    rates = [_rate_str(r) for r in s.schedule.rates]
    notes = [{"zh": zh, "en": en} for zh, en in s.schedule.notes]
    return {
        "id": s.inv.id,
        "amount": fen_str(_fen(s.inv.amount)),
        "due_date": s.inv.due_date.isoformat(),
        "interest_accrued": fen_str(s.accrued),
        "interest_paid": fen_str(s.paid_interest),
        "interest_outstanding": fen_str(s.accrued - s.paid_interest),
        "principal_outstanding": fen_str(s.principal),
        "payments": [{"date": req.payments[k].date.isoformat(), "to_interest": fen_str(to_i),
                      "to_principal": fen_str(to_p)} for k, to_i, to_p in s.applied],
        "segments": [{
            "from": _iso(start), "to": _iso(end), "days": end - start + 1,
            "principal": fen_str(principal), "annual_rate": rates[piece],
            "rate_note": notes[piece], "interest": fen_str(interest),
        } for start, end, principal, piece, interest in s.segments],
    }


def calculate(req: InterestRequest, rates: RateTable) -> InterestResult:
    return InterestCalculator(req, rates).run()
