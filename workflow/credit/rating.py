"""The credit rating's rules: from a customer's figures to a score out of 100, its grade and the
reasons — pure, no database, no clock.

Every customer starts at 100 points; each rule below takes points off for one figure, up to its cap,
and names the figure, its value and the points it cost, in Chinese and English. The score is what is
left, rounded to a whole number; the grade is read off the thresholds (A ≥ 80, B ≥ 60, C ≥ 40,
else D by default). The weights and thresholds are settings (``DUNNING_CREDIT_WEIGHTS``,
``DUNNING_CREDIT_GRADE_A``/``_B``/``_C``); docs/credit.md gives each default and why.

| rule | points (defaults) |
|---|---|
| average days beyond terms, last 12 months | 0.5 a day, at most 25 |
| worst days beyond terms, last 12 months | 0.1 a day, at most 15 |
| share of invoices paid (or still open) late | 30 × the share (60 % late → 18) |
| promises broken in the last 12 months | 8 each, at most 24 |
| open disputes | 10 each, at most 20 |
| bounced letters (12 months) and contact addresses marked invalid | 5 each, at most 15 |
| debts whose limitation ends within 90 days (or has ended) | 10 each, at most 20 |
| credit limit utilisation above 80 % | 0.5 a percentage point above, at most 20 |
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

GRADES = ("A", "B", "C", "D")
ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figures:
    """What the ledger and the cases know of one customer on one day (``workflow.credit.signals``)."""

    invoices: int = 0  # invoices looked at: due in the last 12 months, settled in them, or still open
    late_invoices: int = 0  # of those: settled after the due date, or still open past it
    avg_days_late: Decimal = Decimal("0.0")  # average days beyond terms over those invoices (on time: 0)
    worst_days_late: int = 0
    broken_promises: int = 0  # promises broken in the last 12 months
    open_disputes: int = 0  # open cases in dispute
    bounced_letters: int = 0  # letters whose delivery bounced in the last 12 months
    invalid_contacts: int = 0  # contact addresses marked invalid after a bounce, not yet fixed
    limitation_critical: int = 0  # open invoices whose limitation ends within 90 days or has ended
    limitation_critical_amount: Decimal = Decimal("0.00")
    currency: str = "CNY"  # the credit limit's currency: exposure is counted in it
    open_invoices: Decimal = Decimal("0.00")  # outstanding today, in ``currency``
    open_orders: Decimal = Decimal("0.00")  # orders other systems reported, open or shipped, in ``currency``
    credit_limit: Decimal | None = None

    @property
    def exposure(self) -> Decimal:
        return self.open_invoices + self.open_orders

    @property
    def late_share(self) -> Decimal:
        """Late invoices as a fraction (0–1), to four places."""
        if not self.invoices:
            return Decimal("0")
        return (Decimal(self.late_invoices) / Decimal(self.invoices)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def utilisation_percent(self) -> Decimal | None:
        """Exposure ÷ credit limit in percent, to one place; none without a (positive) limit."""
        if self.credit_limit is None or self.credit_limit <= 0:
            return None
        return (self.exposure / self.credit_limit * HUNDRED).quantize(ONE_PLACE, ROUND_HALF_UP)

    @property
    def over_limit(self) -> bool:
        return self.credit_limit is not None and self.exposure > self.credit_limit

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        util = self.utilisation_percent
        out.update(exposure=str(self.exposure), late_share=str(self.late_share),
                   utilisation_percent=str(util) if util is not None else None)
        return out


@dataclass(frozen=True)
class Weights:
    """Points per unit of each figure and each rule's cap (docs/credit.md: the defaults and why)."""

    avg_days_late: Decimal = Decimal("0.5")
    avg_days_late_cap: Decimal = Decimal("25")
    worst_days_late: Decimal = Decimal("0.1")
    worst_days_late_cap: Decimal = Decimal("15")
    late_share: Decimal = Decimal("30")  # points for 100 % late; the share scales it
    broken_promise: Decimal = Decimal("8")
    broken_promise_cap: Decimal = Decimal("24")
    open_dispute: Decimal = Decimal("10")
    open_dispute_cap: Decimal = Decimal("20")
    bounced: Decimal = Decimal("5")
    bounced_cap: Decimal = Decimal("15")
    limitation_critical: Decimal = Decimal("10")
    limitation_critical_cap: Decimal = Decimal("20")
    utilisation: Decimal = Decimal("0.5")  # per percentage point above ``utilisation_from``
    utilisation_cap: Decimal = Decimal("20")
    utilisation_from: Decimal = Decimal("80")  # percent of the limit used before it costs anything

    def as_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Thresholds:
    """The lowest score of grades A, B and C; anything below C is D."""

    a: int = 80
    b: int = 60
    c: int = 40

    def grade(self, score: int) -> str:
        if score >= self.a:
            return "A"
        if score >= self.b:
            return "B"
        if score >= self.c:
            return "C"
        return "D"


@dataclass(frozen=True)
class Reason:
    figure: str
    value: str
    points: Decimal  # taken off the score
    zh: str
    en: str

    def as_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "points": str(self.points), "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Rating:
    score: int
    grade: str
    reasons: list[Reason] = field(default_factory=list)

    def reasons_json(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.reasons]


def _points(per_unit: Decimal, units: Decimal, cap: Decimal | None = None) -> Decimal:
    raw = max(per_unit * units, Decimal(0))
    if cap is not None:
        raw = min(raw, cap)
    return raw.quantize(ONE_PLACE, ROUND_HALF_UP)


def rate(f: Figures, w: Weights | None = None, t: Thresholds | None = None) -> Rating:
    """The score, grade and reasons for ``f``: 100 less every rule's points, at least 0."""
    w = w or Weights()
    t = t or Thresholds()
    reasons: list[Reason] = []

    def add(figure: str, value: object, points: Decimal, zh: str, en: str) -> None:
        if points > 0:
            reasons.append(Reason(figure, str(value), points, zh, en))

    p = _points(w.avg_days_late, f.avg_days_late, w.avg_days_late_cap)
    add("avg_days_late", f.avg_days_late, p,
        f"近 12 个月平均超出账期 {f.avg_days_late} 天：扣 {p} 分",
        f"on average {f.avg_days_late} days beyond terms over the last 12 months: −{p} points")
    p = _points(w.worst_days_late, Decimal(f.worst_days_late), w.worst_days_late_cap)
    add("worst_days_late", f.worst_days_late, p,
        f"近 12 个月最长超出账期 {f.worst_days_late} 天：扣 {p} 分",
        f"worst {f.worst_days_late} days beyond terms over the last 12 months: −{p} points")
    share = f.late_share
    percent = (share * HUNDRED).quantize(ONE_PLACE, ROUND_HALF_UP)
    p = _points(w.late_share, share)
    add("late_share", share, p,
        f"{f.invoices} 张发票中 {f.late_invoices} 张逾期付款或逾期未付（{percent}%）：扣 {p} 分",
        f"{f.late_invoices} of {f.invoices} invoices paid late or still overdue ({percent}%): −{p} points")
    p = _points(w.broken_promise, Decimal(f.broken_promises), w.broken_promise_cap)
    add("broken_promises", f.broken_promises, p,
        f"近 12 个月违背付款承诺 {f.broken_promises} 次：扣 {p} 分",
        f"{f.broken_promises} promise(s) to pay broken in the last 12 months: −{p} points")
    p = _points(w.open_dispute, Decimal(f.open_disputes), w.open_dispute_cap)
    add("open_disputes", f.open_disputes, p,
        f"存在 {f.open_disputes} 件未解决的争议：扣 {p} 分",
        f"{f.open_disputes} open dispute(s): −{p} points")
    bounced = f.bounced_letters + f.invalid_contacts
    p = _points(w.bounced, Decimal(bounced), w.bounced_cap)
    add("bounced", bounced, p,
        f"近 12 个月退信 {f.bounced_letters} 封、失效联系邮箱 {f.invalid_contacts} 个：扣 {p} 分",
        f"{f.bounced_letters} letter(s) bounced in the last 12 months and {f.invalid_contacts} contact "
        f"address(es) invalid: −{p} points")
    p = _points(w.limitation_critical, Decimal(f.limitation_critical), w.limitation_critical_cap)
    add("limitation_critical", f.limitation_critical, p,
        f"{f.limitation_critical} 张发票（欠 {f.limitation_critical_amount} {f.currency}）诉讼时效将在 90 日内届满"
        f"或已届满：扣 {p} 分",
        f"{f.limitation_critical} invoice(s) ({f.limitation_critical_amount} {f.currency} owed) whose limitation "
        f"period ends within 90 days or has ended: −{p} points")
    util = f.utilisation_percent
    if util is not None:
        p = _points(w.utilisation, util - w.utilisation_from, w.utilisation_cap)
        add("utilisation_percent", util, p,
            f"信用额度使用率 {util}%（敞口 {f.exposure} / 额度 {f.credit_limit} {f.currency}）：扣 {p} 分",
            f"credit limit {util}% used (exposure {f.exposure} of {f.credit_limit} {f.currency}): −{p} points")
    total = sum((r.points for r in reasons), Decimal(0))
    score = int((HUNDRED - total).quantize(Decimal(1), ROUND_HALF_UP))
    score = max(0, min(100, score))
    return Rating(score, t.grade(score), reasons)


# ---- the settings ---------------------------------------------------------------------------------

WEIGHT_NAMES = tuple(f.name for f in fields(Weights))


def parse_weights(text: str) -> Weights:
    """``DUNNING_CREDIT_WEIGHTS``: a JSON object or ``name=value`` pairs separated by commas, each a
    number ≥ 0; names not given keep their defaults. ``ValueError`` (English) naming what is wrong."""
    raw = text.strip()
    if not raw:
        return Weights()
    pairs: Mapping[str, Any]
    if raw.startswith("{"):
        try:
            loaded = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError("expected a JSON object of weights")
        pairs = loaded
    else:
        parsed: dict[str, str] = {}
        for item in raw.split(","):
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"expected name=value, got {item.strip()!r}")
            parsed[name.strip()] = value.strip()
        pairs = parsed
    values: dict[str, Decimal] = {}
    for name, value in pairs.items():
        if name not in WEIGHT_NAMES:
            raise ValueError(f"unknown weight {name!r} (known: {', '.join(WEIGHT_NAMES)})")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{name}: expected a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"{name}: expected a number, got {value!r}") from exc
        if not number.is_finite() or number < 0 or number > 1000:
            raise ValueError(f"{name}: expected a number from 0 to 1000, got {value!r}")
        values[name] = number
    return Weights(**values)


def check_thresholds(a: int, b: int, c: int) -> Thresholds:
    """``ValueError`` unless 100 ≥ a > b > c ≥ 1."""
    if not 100 >= a > b > c >= 1:
        raise ValueError(f"grade thresholds must fall: 100 ≥ A > B > C ≥ 1, got A={a}, B={b}, C={c}")
    return Thresholds(a, b, c)
