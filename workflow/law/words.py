"""Amounts in Chinese capital numerals (人民币大写), per the PBOC rules for payment instruments.

Where the rules leave a 零 optional (the 万 or 元 digit is 0 and the next digit, 仟 or 角, is not),
this module always writes it: 1680.32 → 壹仟陆佰捌拾元零叁角贰分, 107000.53 → 壹拾万零柒仟元零伍角叁分.
One form everywhere, and the fullest one, so nothing can be slipped in between the words.
After 元 comes 整; after 角 nothing (整 is optional there and we leave it out); after 分 never 整.
The result has no "人民币" prefix: templates write it, as forms differ in where they put it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from workflow.law.refusals import LawRefusal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ("仟", "佰", "拾", "")
_GROUPS = ("亿", "万", "")
MAX_AMOUNT = Decimal("999999999999.99")  # below 1 万亿: the largest unit the rules name is 亿


def _as_fen(amount: Decimal, field: str) -> int:
    if not isinstance(amount, Decimal):
        raise LawRefusal(field, "not_decimal", "金额应为十进制数", "the amount must be a Decimal")
    try:
        if not amount.is_finite():
            raise LawRefusal(field, "not_finite", "金额应为有限数字", "the amount must be a finite number")
        if amount < 0:
            raise LawRefusal(field, "negative", "金额不能为负数", "the amount must not be negative")
        if amount > MAX_AMOUNT:
            raise LawRefusal(field, "too_large", f"金额不能超过 {MAX_AMOUNT}",
                             f"the amount must not exceed {MAX_AMOUNT}")
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise LawRefusal(field, "too_many_decimals", "金额最多两位小数",
                             "the amount has more than 2 decimal places")
    except InvalidOperation as exc:
        raise LawRefusal(field, "not_decimal", "金额不是有效数字", "the amount is not a valid number") from exc
    return int(fen)


def _integer_words(n: int) -> str:
    """Yuan part: one 零 for each run of zeros between written digits, across groups too."""
    digits = f"{n:012d}"
    out: list[str] = []
    pending_zero = False
    for g, unit in enumerate(_GROUPS):
        group = digits[4 * g: 4 * g + 4]
        if group == "0000":
            if out:
                pending_zero = True
            continue
        for i, ch in enumerate(group):
            if ch == "0":
                if out:
                    pending_zero = True
                continue
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(DIGITS[int(ch)] + _IN_GROUP[i])
        out.append(unit)
        # a group that ends in zeros leaves a gap before the next group's first digit
        if group.endswith("0"):
            pending_zero = True
    return "".join(out)


def rmb_upper(amount: Decimal, field: str = "amount") -> str:
    """``Decimal("16409.02")`` → ``"壹万陆仟肆佰零玖元零贰分"``; refuses negative, over-large,
    and more-than-2-decimal amounts with a ``LawRefusal``."""
    fen = _as_fen(amount, field)
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    if fen == 0:
        return "零元整"
    text = _integer_words(yuan) + "元" if yuan else ""
    if jiao == 0 and cents == 0:
        return text + "整"
    if yuan and (yuan % 10 == 0 or jiao == 0):
        # 元 digit 0 before a 角 (optional 零, always written), or 0 角 before 分 (required 零)
        text += "零"
    if jiao:
        text += DIGITS[jiao] + "角"
    if cents:
        text += DIGITS[cents] + "分"
    return text
