"""The Jinja environment templates run in: sandboxed, autoescaped for XML, with our filters.

Templates are untrusted (users upload them), so they run in ``SandboxedEnvironment``: attribute
access to ``_``-names and other unsafe members raises ``SecurityError`` instead of reaching
Python internals (``{{ cycler.__init__.__globals__ }}``). ``*`` and ``**`` are intercepted so a
template cannot allocate gigabytes with ``"x" * 10**9`` or burn CPU with ``9**9**9`` (intercepting
also stops Jinja from constant-folding them at compile time).

Autoescape is ON: every value is XML-escaped, so ``A&B <公司> "引号"`` stays text. docxtpl only
*sets* ``jinja_env.autoescape`` when ``render(autoescape=True)`` is passed; with its default
``autoescape=False`` it leaves a supplied environment alone, so the flag lives here, on the
environment, for both our fast path and plain docxtpl.
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NoReturn

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

MAX_STRING = 1_000_000  # characters one ``*`` may produce
MAX_POWER = 10**12


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


class LenientUndefined(StrictUndefined):
    """Falsy in ``{% if %}`` (optional parts of a letter), but printing or looping over a missing
    value is an error: a demand letter with a blank amount must never be produced."""

    def __bool__(self) -> bool:  # type: ignore[override]
        return False


def _decimal(value: Any, what: str) -> Decimal:
    if type(value) is str:  # the usual case: amounts travel as JSON strings
        try:
            dec = Decimal(value)
        except InvalidOperation:
            dec = Decimal("NaN")
        if dec.is_finite():
            return dec
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            dec = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{what}: expected a number, got {value!r}") from None
        if dec.is_finite():
            return dec
    raise ValueError(f"{what}: expected a number as text such as \"1234.56\", got {value!r}")


def _date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"{what}: expected an ISO date such as \"2026-11-26\", got {value!r}")


# The filters below build their output from digits and fixed words only, so they return Markup:
# autoescape then skips a second pass over each of the thousands of amounts in a statement.

def money(amount: Any, currency: str = "CNY") -> str:
    """``"1234.5"`` → ``¥1,234.50``; other currencies: ``USD 1,234.50``."""
    value = _decimal(amount, "money").quantize(Decimal("0.01"), ROUND_HALF_UP)  # 四舍五入, not banker's
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    code = str(currency).upper()
    if code in ("CNY", "RMB"):
        return Markup(f"{sign}¥{text}")
    return Markup(f"{sign}{escape(code)} {text}")


def rmb_upper(amount: Any) -> str:
    """人民币大写, by the law engine's PBOC rules."""
    from workflow.law.words import rmb_upper as words

    return Markup(words(_decimal(amount, "rmb_upper").quantize(Decimal("0.01"), ROUND_HALF_UP)))


def date_zh(value: Any) -> str:
    d = _date(value, "date_zh")
    return Markup(f"{d.year}年{d.month}月{d.day}日")


def date_en(value: Any) -> str:
    d = _date(value, "date_en")
    return Markup(f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}")


def percent(value: Any, places: int = 2) -> str:
    """A rate as a fraction, ``"0.1825"`` → ``18.25%``."""
    rate = _decimal(value, "percent") * 100
    return Markup(f"{rate.quantize(Decimal(1).scaleb(-int(places)), ROUND_HALF_UP)}%")


FILTERS = {"money": money, "rmb_upper": rmb_upper, "date_zh": date_zh, "date_en": date_en,
           "percent": percent}


# characters XML 1.0 forbids: a value carrying one would make Word refuse the whole file
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


def literal_braces(xml: bytes) -> bytes:
    """docxtpl's escapes for literal braces: {_{ → {{, }_} → }}, {_% → {%, %_} → %}."""
    return xml.replace(b"{_{", b"{{").replace(b"}_}", b"}}").replace(b"{_%", b"{%").replace(b"%_}", b"%}")


def clean_value(value: Any) -> Any:
    """Every printed value passes here (Jinja's finalize) before it is escaped: characters XML
    forbids are dropped and docxtpl's literal-brace escapes resolved, on the short value rather
    than on the whole rendered document. Our filters' Markup holds only digits and fixed words."""
    if type(value) is not str:
        return value
    if not value.isprintable():  # cheap C check; true for nearly every value
        value = value.translate(_ILLEGAL)
    if "{_" in value or "_}" in value:
        value = literal_braces(value.encode("utf-8")).decode("utf-8")
    return value


def _refuse(message: str) -> NoReturn:
    raise SecurityError(message)


class DocumentSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # context is plain JSON: a key wins over a dict method, so ``row.items`` is the data
        # (and the lookup skips an AttributeError per access); anything else goes to the sandbox
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float | Decimal) and not -64 <= right <= 64:
                _refuse("exponent too large in template")
            result = operator.pow(left, right)
            if isinstance(result, int) and abs(result) > MAX_POWER:
                _refuse("number too large in template")
            return result
        if isinstance(left, str | list | tuple) and isinstance(right, int) and len(left) * right > MAX_STRING:
            _refuse("template tried to build a value that is too large")
        if isinstance(right, str | list | tuple) and isinstance(left, int) and len(right) * left > MAX_STRING:
            _refuse("template tried to build a value that is too large")
        return operator.mul(left, right)


def make_environment() -> DocumentSandbox:
    env = DocumentSandbox(autoescape=True, undefined=LenientUndefined, keep_trailing_newline=True,
                          finalize=clean_value)
    env.filters.update(FILTERS)
    # lipsum and friends have no place in a legal letter; fewer globals, less surface
    for name in ("lipsum", "joiner"):
        env.globals.pop(name, None)
    return env
