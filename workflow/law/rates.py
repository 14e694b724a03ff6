"""Published reference rates: the 1-year / 5-year LPR (from 2019-08-20) and the PBOC benchmark
lending rate that courts used before the reform (买卖合同解释 18¶4).

Rates are kept as the percentages the announcements print ("3.45") and handed out as annual
fractions (Decimal("0.0345")). A date more than one month after the last known LPR quote is
refused, naming the quote that is missing: quotes are published monthly, so within a month of the
last one the rate in force is known; after that it is a guess.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from workflow.law.refusals import LawRefusal

LPR_START = date(2019, 8, 20)
Kind = Literal["lpr", "pboc_benchmark"]
KINDS: tuple[Kind, ...] = ("lpr", "pboc_benchmark")


@dataclass(frozen=True)
class RateQuote:
    """One announcement: in force from ``effective`` until the next quote of the same kind."""

    kind: Kind
    effective: date
    rate_1y: Decimal  # percent, as published
    rate_5y: Decimal | None
    source: str
    verified: bool

    def __post_init__(self) -> None:
        for name, value in (("rate_1y", self.rate_1y), ("rate_5y", self.rate_5y)):
            if value is not None and not (Decimal(0) < value < Decimal(100)):
                raise LawRefusal(name, "out_of_range", "利率应在 0% 与 100% 之间（以百分数填写，如 3.45）",
                                 "a rate must be a percentage between 0 and 100, e.g. 3.45")
        if self.kind == "lpr" and self.effective < LPR_START:
            raise LawRefusal("effective", "before_lpr_reform", "新 LPR 自 2019-08-20 起公布",
                             "the reformed LPR is quoted from 2019-08-20 on")

    def as_row(self) -> dict[str, str]:
        return {"kind": self.kind, "effective": self.effective.isoformat(), "rate_1y": str(self.rate_1y),
                "rate_5y": "" if self.rate_5y is None else str(self.rate_5y), "source": self.source,
                "verified": "true" if self.verified else "false"}


def _month_after(d: date) -> date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


class RateTable:
    """Quotes by kind, sorted; later rows for the same (kind, effective) replace earlier ones, so
    an administrator's correction wins over the shipped file."""

    def __init__(self, quotes: Iterable[RateQuote]) -> None:
        by_key: dict[tuple[str, date], RateQuote] = {}
        for q in quotes:
            by_key[(q.kind, q.effective)] = q
        self.quotes: dict[Kind, list[RateQuote]] = {k: [] for k in KINDS}
        for _key, q in sorted(by_key.items(), key=lambda kv: kv[0][1]):
            self.quotes[q.kind].append(q)
        self._dates = {k: [q.effective for q in v] for k, v in self.quotes.items()}

    def all(self) -> list[RateQuote]:
        return sorted((q for v in self.quotes.values() for q in v), key=lambda q: (q.effective, q.kind))

    @property
    def last_lpr(self) -> RateQuote | None:
        lpr = self.quotes["lpr"]
        return lpr[-1] if lpr else None

    @property
    def lpr_horizon(self) -> date | None:
        """The last day whose LPR is known: one month after the last quote."""
        last = self.last_lpr
        return None if last is None else _month_after(last.effective)

    def missing_lpr(self, field: str) -> LawRefusal:
        last = self.last_lpr
        if last is None:
            return LawRefusal(field, "lpr_missing", "利率表中没有任何 LPR 报价", "the rate table has no LPR quote")
        nxt = _month_after(last.effective)
        return LawRefusal(
            field, "lpr_missing",
            f"缺少 {nxt:%Y-%m} 的 LPR 报价（最后一次已知报价为 {last.effective.isoformat()}）；"
            "请用 dunning rates add 补录后再计算",
            f"the LPR quote of {nxt:%Y-%m} is missing (last known quote: {last.effective.isoformat()}); "
            "add it with `dunning rates add` first",
        )

    def quote_on(self, kind: Kind, on: date, field: str = "as_of") -> RateQuote:
        if kind == "lpr":
            horizon = self.lpr_horizon
            if horizon is None or on > horizon:
                raise self.missing_lpr(field)
            if on < LPR_START:
                raise LawRefusal(field, "before_lpr", f"{on.isoformat()} 早于 LPR 改革（2019-08-20），没有 LPR 报价",
                                 f"{on.isoformat()} is before the LPR reform of 2019-08-20: there is no LPR")
        i = bisect_right(self._dates[kind], on) - 1
        if i < 0:
            name = "LPR" if kind == "lpr" else "人民银行贷款基准利率 / PBOC benchmark rate"
            raise LawRefusal(field, "rate_missing", f"利率表中没有 {on.isoformat()} 适用的{name}",
                             f"the rate table has no {name} in force on {on.isoformat()}")
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

    def lpr_changes(self, start: date, end: date, field: str = "as_of") -> list[RateQuote]:
        """The quotes in force at some day of [start, end], first the one in force on ``start``."""
        self.quote_on("lpr", end, field)  # refuses when ``end`` is past the known quotes
        first = self.quote_on("lpr", start, field)
        return [first] + [q for q in self.quotes["lpr"] if start < q.effective <= end]


def parse_decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise LawRefusal(field, "not_a_number", f"不是数字：{text!r}", f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise LawRefusal(field, "not_a_number", f"不是数字：{text!r}", f"not a number: {text!r}")
    return value


def parse_rates_csv(text: str) -> list[RateQuote]:
    """``kind,effective,rate_1y,rate_5y,source,verified`` with rates in percent."""
    out = []
    reader = csv.DictReader(io.StringIO(text))
    for n, row in enumerate(reader, start=2):
        where = f"line {n}"
        try:
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise LawRefusal(f"{where}.kind", "unknown_kind", f"未知的利率种类 {kind!r}", f"unknown kind {kind!r}")
            eff = date.fromisoformat(row["effective"].strip())
            five = row.get("rate_5y", "").strip()
            out.append(RateQuote(
                kind="lpr" if kind == "lpr" else "pboc_benchmark", effective=eff,
                rate_1y=parse_decimal(row["rate_1y"], f"{where}.rate_1y"),
                rate_5y=parse_decimal(five, f"{where}.rate_5y") if five else None,
                source=row["source"].strip(), verified=row["verified"].strip().lower() == "true",
            ))
        except (KeyError, ValueError) as exc:
            if isinstance(exc, LawRefusal):
                raise LawRefusal(f"{where}.{exc.field}" if not exc.field.startswith(where) else exc.field,
                                 exc.code, exc.zh, exc.en) from exc
            raise LawRefusal(where, "invalid_row", f"第 {n} 行格式错误：{exc}", f"{where} is malformed: {exc}") from exc
    return out


def shipped_quotes() -> list[RateQuote]:
    from importlib import resources

    return parse_rates_csv(resources.files("workflow.law.data").joinpath("lpr.csv").read_text(encoding="utf-8"))


def shipped_rate_table() -> RateTable:
    return RateTable(shipped_quotes())
