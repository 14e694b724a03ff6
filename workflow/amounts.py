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


# Chinese numerals as written in amounts: 一万四, 10万8, 2万7千9百6, 叁万贰仟陆佰元整, 壹佰叁拾陆万伍仟元整
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3, "參": 3,
             "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
             "九": 9, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join([*_CN_DIGIT, *_CN_SMALL, *_CN_BIG])


def parse_chinese_number(written: str) -> Decimal | None:
    """The value of a number written with Chinese numerals, Arabic digits before a unit allowed
    (``10万8`` = 108000: a trailing digit counts in the unit below the last one, as people say it).
    None when it is not such a number."""
    s = written.strip()
    if not s or not any(ch in _CN_DIGIT or ch in _CN_SMALL or ch in _CN_BIG for ch in s):
        return None
    total = Decimal(0)
    section = Decimal(0)
    number: Decimal | None = None
    last_unit = 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] == "."):
                j += 1
            try:
                number = Decimal(s[i:j])
            except ArithmeticError:
                return None
            i = j
            continue
        if ch in _CN_DIGIT:
            number = Decimal(_CN_DIGIT[ch]) if ch not in "零〇" else None
            if ch in "零〇":
                last_unit = 0  # 一万零五百: after a zero the next digit is not in the unit below
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            section += (number if number is not None else Decimal(1)) * unit
            number = None
            last_unit = unit
        elif ch in _CN_BIG:
            unit = _CN_BIG[ch]
            if unit >= 100_000_000:
                total = (total + section + (number or 0)) * unit
            else:  # 一亿两千万: the 万 multiplies only what came after the 亿
                total += (section + (number or 0)) * unit
            section = Decimal(0)
            number = None
            last_unit = unit
        else:
            return None
        i += 1
    if number is not None:
        # "一万四" = 14000, "2万7千9百6" = 27960: the bare last digit is in the unit below the last
        section += number * (Decimal(last_unit) / 10 if last_unit >= 10 else 1)
    return total + section
