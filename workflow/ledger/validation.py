"""Field rules shared by the API, the importer and the demo: one definition of "valid"."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

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


# what a line break may be in free text; everywhere else it would split a letter's line, a CSV row or
# an HTTP header, and NUL is refused by PostgreSQL outright
_LINE_BREAKS = frozenset("\t\n\r\u2028\u2029")
# explicit bidi embeddings and overrides: harmless in text a clerk reads in context, but they make a
# file name display as something it is not ("invoice\u202efdp.exe")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_problem(text: str, *, multiline: bool = False) -> tuple[str, str] | None:
    """None when ``text`` may be stored; else (zh, en) naming the first bad character.

    Refused everywhere: NUL and every other control character (C0, DEL, C1) and lone surrogates
    (not UTF-8). Free text (``multiline``: notes) may keep tabs and line breaks; codes, names,
    numbers and addresses may not: they are printed on one line.
    """
    for i, ch in enumerate(text):
        if multiline and ch in _LINE_BREAKS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or ch in _LINE_BREAKS:
            where = f"U+{ord(ch):04X}"
            return (f"第 {i + 1} 个字符（{where}）是控制字符或换行，不能保存",
                    f"character {i + 1} ({where}) is a control character or line break and cannot be stored")
    return None


def filename_problem(name: str) -> tuple[str, str] | None:
    """A file name as a client sent it: one line of printable text, displayed as what it says."""
    problem = text_problem(name)
    if problem is not None:
        return problem
    for i, ch in enumerate(name):
        if ch in _BIDI_CONTROLS:
            where = f"U+{ord(ch):04X}"
            return (f"文件名第 {i + 1} 个字符（{where}）是文字方向控制符，不能保存",
                    f"character {i + 1} ({where}) of the file name is a text-direction control and cannot be stored")
    return None


def _check_texts(value: Any, multiline: bool) -> None:
    if isinstance(value, str):
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            raise ValueError("|".join(problem))
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_texts(k, False)
            _check_texts(v, multiline)
    elif isinstance(value, list | tuple):
        for v in value:
            _check_texts(v, multiline)
    # nested models have checked their own fields


class CleanText(BaseModel):
    """Base of every ledger input model: each text it holds, at any depth, passes ``text_problem``.

    Free-text fields that may have line breaks are named in ``multiline_fields``.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    multiline_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        _check_texts(value, info.field_name in cls.multiline_fields)
        return value
