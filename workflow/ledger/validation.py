"""Field rules shared by the API, the importer and the demo: one definition of "valid"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V)
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# ISO 4217 codes clerks meet in Chinese B2B trade; amounts have 2 minor digits in all of them
CURRENCIES = frozenset({"CNY", "USD", "EUR", "HKD", "JPY", "GBP", "SGD", "AUD", "CAD", "CHF", "KRW", "TWD",
                        "MOP", "THB", "MYR", "VND", "INR", "RUB", "AED"})
MAX_AMOUNT = Decimal("999999999999.99")  # below a trillion: anything larger is a typo


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """None when valid; else (zh, en) saying what is wrong."""
    if len(code) != 18:
        return ("统一社会信用代码应为 18 位", "unified social credit code must have 18 characters")
    bad = [c for c in code if c not in CREDIT_CODE_CHARS]
    if bad:
        return (f"统一社会信用代码含非法字符：{bad[0]}",
                f"unified social credit code has an invalid character: {bad[0]}")
    if credit_code_check_char(code[:17]) != code[17]:
        return ("统一社会信用代码校验位错误", "unified social credit code check character is wrong")
    return None


def normalise_credit_code(code: str) -> str:
    return code.strip().upper()


def parse_amount(raw: object) -> tuple[Decimal | None, tuple[str, str] | None]:
    """A positive money amount with at most 2 decimals. Floats are refused: they are not exact."""
    if isinstance(raw, float):
        return None, ("金额请用字符串或整数", "give amounts as strings or integers, not floats")
    try:
        text = str(raw).strip().replace(",", "").replace("，", "")
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, ("金额不是数字", "amount is not a number")
    if not value.is_finite():
        return None, ("金额不是有限数字", "amount is not a finite number")
    if value <= 0:
        return None, ("金额必须大于零", "amount must be greater than zero")
    if value > MAX_AMOUNT:
        return None, ("金额超出合理范围", "amount is absurdly large")
    if value != value.quantize(Decimal("0.01")):
        return None, ("金额最多两位小数", "amount may have at most 2 decimal places")
    return value.quantize(Decimal("0.01")), None


def currency_problem(code: str) -> tuple[str, str] | None:
    if code not in CURRENCIES:
        return (f"不支持的币种：{code}", f"unknown currency: {code}")
    return None
