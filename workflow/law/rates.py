"""Published reference rates: the 1-year / 5-year LPR (from 2019-08-20) and the PBOC benchmark
lending rates that courts used before the reform (买卖合同解释 18¶4).

Rates are kept as the percentages the announcements print ("3.45") and handed out as annual
fractions (Decimal("0.0345")).

What the table knows about the LPR, and what it does not: the NIFC publishes a quote on the 20th
of each month, moved to the next working day when the 20th is not one, at about 9:15, and it
applies from that day. So the last quote in the table is known to hold until the day before the
next possible publication, and no further: after that the rate is a guess. The history up to
``MONTHLY_QUOTES_FROM`` lists every change point (a row holds until the next row); from then on
every monthly quote is a row, and a month without its row is a gap, not "unchanged". Days without
a known quote are refused, naming the missing month, unless the caller asks to carry the last
quote forward, which it must then print as an assumption.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from workflow.law.refusals import LawRefusal
from workflow.law.workdays import WorkCalendar

LPR_START = date(2019, 8, 20)
# rows before this date are the change points of the complete, verified history; from it on, one
# row per monthly quote (docs/law.md §5)
MONTHLY_QUOTES_FROM = date(2025, 6, 20)
PUBLICATION_DAY = 20
Kind = Literal["lpr", "pboc_benchmark"]
KINDS: tuple[Kind, ...] = ("lpr", "pboc_benchmark")
# benchmark tenors besides the 1-year (rate_1y) and over-5-year (rate_5y) ones: up to 6 months,
# 1–3 and 3–5 years until 2014-11-22, when the PBOC merged them into "1–5 years"
TENORS = ("6m", "1_3y", "3_5y", "1_5y")
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class RateQuote:
    """One announcement: in force from ``effective`` until the next quote of the same kind.

    ``rate_1y`` is the 1-year LPR, or the benchmark for loans up to one year (before 2014-11-22:
    six months to one year); ``rate_5y`` the 5-year LPR or the benchmark over five years."""

    kind: Kind
    effective: date
    rate_1y: Decimal  # percent, as published
    rate_5y: Decimal | None
    source: str
    verified: bool
    tenors: tuple[tuple[str, Decimal], ...] = ()  # other benchmark tenors, e.g. (("1_5y", 4.75),)

    def __post_init__(self) -> None:
        rates = [("rate_1y", self.rate_1y), ("rate_5y", self.rate_5y),
                 *((f"rate_{name}", value) for name, value in self.tenors)]
        for name, value in rates:
            if value is not None and not (Decimal(0) < value < Decimal(100)):
                raise LawRefusal(name, "out_of_range", "利率应在 0% 与 100% 之间（以百分数填写，如 3.45）",
                                 "a rate must be a percentage between 0 and 100, e.g. 3.45")
        if self.kind == "lpr" and self.effective < LPR_START:
            raise LawRefusal("effective", "before_lpr_reform", "新 LPR 自 2019-08-20 起公布",
                             "the reformed LPR is quoted from 2019-08-20 on")

    def tenor(self, name: str) -> Decimal | None:
        return dict(self.tenors).get(name)

    def as_row(self) -> dict[str, str]:
        row = {"kind": self.kind, "effective": self.effective.isoformat(), "rate_1y": str(self.rate_1y),
               "rate_5y": "" if self.rate_5y is None else str(self.rate_5y), "source": self.source,
               "verified": "true" if self.verified else "false"}
        row.update({f"rate_{name}": str(value) for name, value in self.tenors})
        return row


@dataclass(frozen=True)
class Span:
    """Days from ``start`` (to the next span's start) on which ``quote`` is the latest LPR in the
    table; ``known`` is False when a quote published on one of these days is missing from it."""

    start: date
    quote: RateQuote
    known: bool


def _month(d: date, months: int) -> tuple[int, int]:
    n = d.year * 12 + d.month - 1 + months
    return n // 12, n % 12 + 1


class RateTable:
    """Quotes by kind, sorted; later rows for the same (kind, effective) replace earlier ones, so
    an administrator's correction wins over the shipped file.

    ``calendar`` places the next LPR publication on a working day; for a month whose year it has
    not loaded, the 20th itself is taken (the earliest the quote can appear), so the table never
    claims to know more than it does."""

    def __init__(self, quotes: Iterable[RateQuote], calendar: WorkCalendar | None = None, *,
                 monthly_from: date = MONTHLY_QUOTES_FROM) -> None:
        by_key: dict[tuple[str, date], RateQuote] = {}
        for q in quotes:
            prev = by_key.get((q.kind, q.effective))
            if prev is not None and not q.tenors:  # a correction of the 1- and 5-year rates keeps the rest
                q = replace(q, tenors=prev.tenors)
            by_key[(q.kind, q.effective)] = q
        self.calendar = calendar or WorkCalendar()
        self.monthly_from = monthly_from
        self.quotes: dict[Kind, list[RateQuote]] = {k: [] for k in KINDS}
        for _key, q in sorted(by_key.items(), key=lambda kv: kv[0][1]):
            self.quotes[q.kind].append(q)
        self._dates = {k: [q.effective for q in v] for k, v in self.quotes.items()}
        self.spans = self._lpr_spans()
        self._span_starts = [s.start for s in self.spans]

    # -- publication dates -----------------------------------------------------------------------
    def publication_in(self, year: int, month: int) -> date:
        """The day the month's LPR is published: the 20th, or the next working day after it
        (a make-up working weekend day counts: the earlier day is the safe guess); the 20th
        itself when the year's calendar is not loaded."""
        d = date(year, month, PUBLICATION_DAY)
        while self.calendar.is_loaded(d.year) and not self.calendar.is_working_day(d):
            d += ONE_DAY
        return d

    def next_publication(self, after: date) -> date:
        """The first possible LPR publication day strictly after ``after``."""
        this = self.publication_in(after.year, after.month)
        return this if this > after else self.publication_in(*_month(after, 1))

    def _lpr_spans(self) -> list[Span]:
        lpr = self.quotes["lpr"]
        spans: list[Span] = []
        for i, q in enumerate(lpr):
            spans.append(Span(q.effective, q, True))
            due = self.next_publication(q.effective)
            nxt = lpr[i + 1] if i + 1 < len(lpr) else None
            if nxt is None:
                spans.append(Span(due, q, False))
            elif (nxt.effective >= self.monthly_from and nxt.effective > due
                  and (nxt.effective.year, nxt.effective.month) != (due.year, due.month)):
                spans.append(Span(due, q, False))  # a whole month's quote is missing
        return spans

    # -- what is known -------------------------------------------------------------------------
    @property
    def last_lpr(self) -> RateQuote | None:
        lpr = self.quotes["lpr"]
        return lpr[-1] if lpr else None

    @property
    def next_lpr_publication(self) -> date | None:
        """When the quote after the last one in the table is (or was) due."""
        return self.spans[-1].start if self.spans else None

    @property
    def lpr_horizon(self) -> date | None:
        """The last day whose LPR is known: the day before the next possible publication."""
        nxt = self.next_lpr_publication
        return None if nxt is None else nxt - ONE_DAY

    def lpr_gaps(self) -> list[tuple[date, date]]:
        """Missing monthly quotes inside the table: (first day unknown, last day unknown)."""
        return [(s.start, self.spans[i + 1].start - ONE_DAY) for i, s in enumerate(self.spans[:-1]) if not s.known]

    def all(self) -> list[RateQuote]:
        return sorted((q for v in self.quotes.values() for q in v), key=lambda q: (q.effective, q.kind))

    def missing_lpr(self, field: str, span: Span | None = None) -> LawRefusal:
        last = self.last_lpr
        if last is None:
            return LawRefusal(field, "lpr_missing", "利率表中没有任何 LPR 报价", "the rate table has no LPR quote")
        span = span or self.spans[-1]
        prev = span.quote
        return LawRefusal(
            field, "lpr_missing",
            f"缺少 {span.start:%Y-%m} 的 LPR 报价（应于 {span.start.isoformat()} 公布；此前最后一次已知报价为 "
            f"{prev.effective.isoformat()}）；请用 dunning rates add 补录后再计算，"
            "或在请求中设 carry_forward 按最后报价假定计算（结果将注明该假定）",
            f"the LPR quote of {span.start:%Y-%m} is missing (due {span.start.isoformat()}; last known quote "
            f"before it: {prev.effective.isoformat()}); add it with `dunning rates add` first, or ask for "
            "carry_forward to assume the last quote (the result then states the assumption)",
        )

    # -- lookups -------------------------------------------------------------------------------
    def lpr_span(self, on: date, field: str = "as_of", *, carry_forward: bool = False) -> Span:
        """The LPR span holding ``on``; refused when no quote for ``on`` is known, unless
        ``carry_forward`` (then ``known`` is False and the caller states the assumption)."""
        if not self.spans:
            raise self.missing_lpr(field)
        if on < LPR_START:
            raise LawRefusal(field, "before_lpr", f"{on.isoformat()} 早于 LPR 改革（2019-08-20），没有 LPR 报价",
                             f"{on.isoformat()} is before the LPR reform of 2019-08-20: there is no LPR")
        i = bisect_right(self._span_starts, on) - 1
        if i < 0:
            raise LawRefusal(field, "rate_missing", f"利率表中没有 {on.isoformat()} 适用的 LPR",
                             f"the rate table has no LPR in force on {on.isoformat()}")
        span = self.spans[i]
        if not span.known and not carry_forward:
            raise self.missing_lpr(field, span)
        return span

    def lpr_spans(self, start: date, end: date, field: str = "as_of", *,
                  carry_forward: bool = False) -> list[Span]:
        """The spans covering [start, end], the first one starting at ``start``."""
        first = self.lpr_span(start, field, carry_forward=carry_forward)
        out = [Span(start, first.quote, first.known)]
        for s in self.spans:
            if start < s.start <= end:
                if not s.known and not carry_forward:
                    raise self.missing_lpr(field, s)
                out.append(s)
        return out

    def quote_on(self, kind: Kind, on: date, field: str = "as_of", *, carry_forward: bool = False) -> RateQuote:
        if kind == "lpr":
            return self.lpr_span(on, field, carry_forward=carry_forward).quote
        i = bisect_right(self._dates[kind], on) - 1
        if i < 0:
            first = self._dates[kind][0].isoformat() if self._dates[kind] else "-"
            raise LawRefusal(field, "rate_missing",
                             f"利率表中没有 {on.isoformat()} 适用的人民银行贷款基准利率（最早为 {first}）",
                             f"the rate table has no PBOC benchmark rate in force on {on.isoformat()} "
                             f"(the earliest is {first})")
        return self.quotes[kind][i]

    def lpr_1y(self, on: date, field: str = "as_of") -> Decimal:
        """The 1-year LPR in force on ``on``, as an annual fraction (3.45% → Decimal("0.0345"))."""
        return self.quote_on("lpr", on, field).rate_1y.scaleb(-2)

    def lpr_5y(self, on: date, field: str = "as_of") -> Decimal:
        q = self.quote_on("lpr", on, field)
        if q.rate_5y is None:
            raise LawRefusal(field, "rate_missing", "该报价没有五年期 LPR", "this quote has no 5-year LPR")
        return q.rate_5y.scaleb(-2)

    def benchmark_1y(self, on: date, field: str = "as_of") -> Decimal:
        """The PBOC benchmark lending rate for loans of up to one year, as a fraction."""
        return self.quote_on("pboc_benchmark", on, field).rate_1y.scaleb(-2)


def parse_decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise LawRefusal(field, "not_a_number", f"不是数字：{text!r}", f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise LawRefusal(field, "not_a_number", f"不是数字：{text!r}", f"not a number: {text!r}")
    return value


def parse_rates_csv(text: str) -> list[RateQuote]:
    """``kind,effective,rate_1y,rate_5y,source,verified`` with rates in percent, and optionally
    the other benchmark tenors as ``rate_6m``, ``rate_1_3y``, ``rate_3_5y``, ``rate_1_5y``."""
    out = []
    reader = csv.DictReader(io.StringIO(text))
    for n, row in enumerate(reader, start=2):
        where = f"line {n}"
        try:
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise LawRefusal(f"{where}.kind", "unknown_kind", f"未知的利率种类 {kind!r}", f"unknown kind {kind!r}")
            eff = date.fromisoformat(row["effective"].strip())
            five = (row.get("rate_5y") or "").strip()
            tenors = tuple((t, parse_decimal(row[f"rate_{t}"], f"{where}.rate_{t}")) for t in TENORS
                           if (row.get(f"rate_{t}") or "").strip())
            out.append(RateQuote(
                kind="lpr" if kind == "lpr" else "pboc_benchmark", effective=eff,
                rate_1y=parse_decimal(row["rate_1y"], f"{where}.rate_1y"),
                rate_5y=parse_decimal(five, f"{where}.rate_5y") if five else None,
                source=row["source"].strip(), verified=row["verified"].strip().lower() == "true", tenors=tenors,
            ))
        except (KeyError, ValueError, AttributeError) as exc:
            if isinstance(exc, LawRefusal):
                raise LawRefusal(f"{where}.{exc.field}" if not exc.field.startswith(where) else exc.field,
                                 exc.code, exc.zh, exc.en) from exc
            raise LawRefusal(where, "invalid_row", f"第 {n} 行格式错误：{exc}", f"{where} is malformed: {exc}") from exc
    return out


SHIPPED_FILES = ("pboc_benchmark.csv", "lpr.csv")


def shipped_quotes() -> list[RateQuote]:
    from importlib import resources

    data = resources.files("workflow.law.data")
    return [q for name in SHIPPED_FILES for q in parse_rates_csv(data.joinpath(name).read_text(encoding="utf-8"))]


def shipped_rate_table(calendar: WorkCalendar | None = None) -> RateTable:
    """The shipped quotes; with the shipped calendar unless another is given."""
    if calendar is None:
        from workflow.law.workdays import shipped_calendar

        calendar = shipped_calendar()
    return RateTable(shipped_quotes(), calendar)
