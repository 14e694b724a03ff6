"""What a written money amount may be, said once for the importer's cells and debtors' replies.

People write ``12,345.60``, ``¥12,345.60``, ``RMB 12345.6``, ``12345.60元``, ``5万``, ``1.2万元``,
``3千``, ``USD 1,000``; the value must still be a positive amount of at most two decimals below
the ledger's ceiling (``workflow.ledger.validation.parse_amount`` stays the one definition of
that). Pure functions: no I/O, no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from workflow.ledger.validation import parse_amount


class AmountUnreadable(ValueError):
    """A written amount we cannot take, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


# marks that name a currency, the most specific first: "HK$" before "$", "美元" before "元" (the yuan)
CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"), ("美元", "USD"), ("美金", "USD"), ("欧元", "EUR"), ("港币", "HKD"), ("港元", "HKD"),
    ("日元", "JPY"), ("英镑", "GBP"), ("RMB", "CNY"), ("CNY", "CNY"), ("USD", "USD"), ("EUR", "EUR"),
    ("HKD", "HKD"), ("JPY", "JPY"), ("GBP", "GBP"), ("HK$", "HKD"), ("US$", "USD"), ("¥", "CNY"), ("￥", "CNY"),
    ("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("元", "CNY"),
)
# Chinese magnitude words people put after a figure ("5万", "1.2万元", "3千")
UNITS: dict[str, Decimal] = {"亿": Decimal(100_000_000), "万": Decimal(10_000), "千": Decimal(1_000)}

_FIGURE = re.compile(r"^(\d+(?:,\d{3})*(?:\.\d+)?|\d*\.\d+)\s*(亿|万|千)?$")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None  # ISO 4217 when the text named one


def strip_currency(s: str) -> tuple[str, str | None]:
    """``s`` without its currency marks (before or after the figure), and the currency they name."""
    currency: str | None = None
    out = s
    for mark, code in CURRENCY_MARKS:
        if mark in out:
            currency = currency or code
            out = out.replace(mark, "")
    return out.strip(), currency


def parse_money_text(written: str) -> Amount:
    """The amount ``written`` says; raises AmountUnreadable with the reason.

    Full-width digits and commas are taken (NFKC), spaces inside are ignored, 万/千/亿 multiply."""
    s = unicodedata.normalize("NFKC", written).strip()
    s, currency = strip_currency(s)
    s = s.replace(" ", "").replace("\u00a0", "")
    m = _FIGURE.match(s)
    if m is not None and m.group(2):
        try:
            value = Decimal(m.group(1).replace(",", "")) * UNITS[m.group(2)]
        except InvalidOperation:
            raise AmountUnreadable("金额不是数字", "amount is not a number") from None
        s = format(value.normalize(), "f")
    parsed, problem = parse_amount(s)
    if problem is not None or parsed is None:
        zh, en = problem or ("金额不是数字", "amount is not a number")
        raise AmountUnreadable(zh, en)
    return Amount(parsed, currency)


def plain(value: Decimal) -> str:
    """A decimal string without separators or exponent, two decimals: what our JSON carries."""
    return format(value.quantize(Decimal("0.01")), "f")
