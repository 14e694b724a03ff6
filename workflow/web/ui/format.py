"""How the pages show money, dates and times: what Chinese finance software has taught clerks.

Amounts carry thousands separators and two decimals and sit right-aligned (the templates' ``num``
class); the capital-letter form (人民币大写) is shown where a document shows it; dates are ISO
(2026-11-30), as 用友 and 金蝶 print them; times are in the installation's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from workflow.law.words import rmb_upper

DASH = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):  # never from our own code; a stray float shows as it would round
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money(value: Any, currency: str | None = None) -> str:
    """``1234567.8`` → ``1,234,567.80`` (with ``CNY``/``USD``... in front when asked)."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    text = f"{amount.quantize(Decimal('0.01')):,}"
    return f"{currency} {text}" if currency else text


def words(value: Any) -> str:
    """The amount in capital Chinese numerals (人民币大写), as a letter or statement prints it."""
    amount = _decimal(value)
    if amount is None or amount < 0:
        return DASH
    return rmb_upper(amount)


def percent(value: Any, places: int = 1) -> str:
    """A ratio already in percent (``Decimal('87.5')``) → ``87.5%``."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    return f"{amount.quantize(Decimal(1).scaleb(-places)):,}%"


def day(value: Any) -> str:
    if value is None or value == "":
        return DASH
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def moment(value: Any, tz: Any) -> str:
    """A stored UTC time in the installation's zone, to the minute."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz)
        return str(value.strftime("%Y-%m-%d %H:%M"))
    return day(value)


def number(value: Any) -> str:
    if value is None:
        return DASH
    return f"{value:,}"


def install(app: Any, tz: Any) -> None:
    app.jinja_env.filters.update(
        money=money, words=words, percent=percent, day=day, number=number,
        moment=lambda v: moment(v, tz),
        nl2br=lambda text: Markup("<br>").join(str(text or "").splitlines()),
    )
