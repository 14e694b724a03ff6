"""The structured contract clauses a contract may carry, and what makes each of them valid.

Validation here refuses only what cannot be right (an instalment plan that does not add up, an
arbitration clause naming no commission or two, a "daily rate" of 5%). Clauses that are legal but
risky (a vague trigger, a court named by level, a rate far above LPR) are for the clause linter,
which warns without blocking.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from workflow.ledger.validation import CleanText, parse_amount

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def money(raw: object) -> Decimal:
    """Pydantic before-validator: a positive amount with ≤ 2 decimals, never a float."""
    if isinstance(raw, bool):
        raise ValueError("金额应为数字文本|amount must be a number written as a string")
    value, problem = parse_amount(raw)
    if problem is not None or value is None:
        zh, en = problem or ("金额无效", "invalid amount")
        raise ValueError(f"{zh}|{en}")
    return value


def ratio(raw: object, *, upper: Decimal, hint_zh: str, hint_en: str) -> Decimal:
    """A positive exact decimal (a rate or a multiple) not above ``upper``."""
    if isinstance(raw, bool | float):
        raise ValueError("请用字符串表示比率，例如 \"0.0005\"|give rates as strings, e.g. \"0.0005\"")
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError as exc:
        raise ValueError("不是数字|not a number") from exc
    if not value.is_finite() or value <= 0:
        raise ValueError("必须大于零|must be greater than zero")
    if value > upper:
        raise ValueError(f"{hint_zh}|{hint_en}")
    return value


class Clause(CleanText):
    """A clause's texts are printed in letters and claims: no control characters (``CleanText``)."""


# ---- payment terms ---------------------------------------------------------------------------

class DaysAfter(Clause):
    """Pay within ``days`` days of a clear trigger event, e.g. 30 days after delivery."""

    kind: Literal["days_after"]
    trigger: Literal["invoice_date", "delivery", "acceptance"]
    days: int = Field(ge=0, le=3650)


class Instalment(Clause):
    due_date: date
    amount: Decimal

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: object) -> Decimal:
        return money(v)


class Instalments(Clause):
    kind: Literal["instalments"]
    schedule: list[Instalment] = Field(min_length=1, max_length=120)

    @field_validator("schedule")
    @classmethod
    def _ascending(cls, v: list[Instalment]) -> list[Instalment]:
        dates = [i.due_date for i in v]
        if any(b <= a for a, b in itertools.pairwise(dates)):
            raise ValueError("分期付款日期须逐期递增且不重复|instalment dates must be strictly ascending")
        return v

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.schedule), Decimal("0.00"))


PaymentTerms = Annotated[DaysAfter | Instalments, Field(discriminator="kind")]


# ---- penalty ---------------------------------------------------------------------------------

def parse_cap(raw: object) -> str | None:
    """A cap on the penalty: "10%" of the overdue principal, or an absolute amount "50000.00"."""
    if raw is None:
        return None
    if isinstance(raw, bool | float):
        raise ValueError("上限请写成 \"10%\" 或金额字符串|give the cap as \"10%\" or an amount string")
    text = str(raw).strip()
    if text.endswith("%"):
        pct = ratio(text[:-1], upper=Decimal("100"), hint_zh="百分比上限不能超过 100%",
                    hint_en="a percentage cap cannot exceed 100%")
        return f"{format(pct.normalize(), 'f')}%"
    return format(money(text), "f")


class RatePenalty(Clause):
    kind: Literal["daily_rate", "annual_rate"]
    rate: Decimal
    cap: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _rate(cls, data: Any) -> Any:
        if isinstance(data, dict) and "rate" in data:
            data = dict(data)
            if data.get("kind") == "daily_rate":
                data["rate"] = ratio(data["rate"], upper=Decimal("0.01"),
                                     hint_zh="日利率以小数表示：日万分之五应写作 0.0005",
                                     hint_en="a daily rate is a fraction: 0.05% per day is 0.0005")
            elif data.get("kind") == "annual_rate":
                data["rate"] = ratio(data["rate"], upper=Decimal("1"),
                                     hint_zh="年利率以小数表示：年 18.25% 应写作 0.1825",
                                     hint_en="an annual rate is a fraction: 18.25% a year is 0.1825")
        return data

    @field_validator("cap", mode="before")
    @classmethod
    def _cap(cls, v: object) -> str | None:
        return parse_cap(v)


class LprPenalty(Clause):
    kind: Literal["lpr_multiple"]
    multiple: Decimal
    cap: str | None = None

    @field_validator("multiple", mode="before")
    @classmethod
    def _multiple(cls, v: object) -> Decimal:
        return ratio(v, upper=Decimal("10"), hint_zh="LPR 倍数不能超过 10",
                     hint_en="an LPR multiple above 10 is not plausible")

    @field_validator("cap", mode="before")
    @classmethod
    def _cap(cls, v: object) -> str | None:
        return parse_cap(v)


class NoPenalty(Clause):
    kind: Literal["none"]


Penalty = Annotated[RatePenalty | LprPenalty | NoPenalty, Field(discriminator="kind")]


# ---- dispute resolution ----------------------------------------------------------------------

# "A或B仲裁委员会" names two; "仲裁或诉讼" is void (仲裁法解释 7); both read as alternatives
_ALTERNATIVE = re.compile(r"或|/|、|；|;|\bor\b|\band\b|以及", re.IGNORECASE)
_COMMISSION = re.compile(r"仲裁委员会|仲裁院|仲裁中心|arbitration", re.IGNORECASE)
_PARENS = re.compile(r"（[^）]*）|\([^)]*\)")


class CourtDispute(Clause):
    kind: Literal["court"]
    place: str = Field(min_length=2, max_length=200)
    # 民事诉讼法 35: why this place may be agreed; the linter checks it against the parties
    basis: Literal["defendant_domicile", "performance_place", "signing_place", "plaintiff_domicile",
                   "subject_matter_place"] | None = None


class ArbitrationDispute(Clause):
    kind: Literal["arbitration"]
    commission: str = Field(min_length=4, max_length=200)

    @field_validator("commission")
    @classmethod
    def _one_commission(cls, v: str) -> str:
        bare = _PARENS.sub("", v)  # "上海国际经济贸易仲裁委员会（上海国际仲裁中心）" is one body
        if "法院" in bare or "诉讼" in bare:
            raise ValueError("“仲裁或诉讼”的约定无效，只能选择其一|"
                             "an 'arbitration or court' clause is void: choose one")
        if _ALTERNATIVE.search(bare) or len(_COMMISSION.findall(bare)) > 1:
            raise ValueError("仲裁条款只能约定一个仲裁委员会|an arbitration clause must name exactly one commission")
        if not _COMMISSION.search(bare):
            raise ValueError("请写明仲裁委员会的全称|name the arbitration commission in full")
        return v


Dispute = Annotated[CourtDispute | ArbitrationDispute, Field(discriminator="kind")]


# ---- notice addresses ------------------------------------------------------------------------

class NoticeAddress(Clause):
    party: Literal["creditor", "customer"]
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not EMAIL.match(v):
            raise ValueError("电子邮箱格式不正确|not a valid email address")
        return v

    @model_validator(mode="after")
    def _something(self) -> NoticeAddress:
        if not self.email and not self.address:
            raise ValueError("送达地址须至少写明邮箱或地址|a notice address needs an email or a postal address")
        return self


def instalments_problem(terms: DaysAfter | Instalments | None, total: Decimal | None) -> tuple[str, str] | None:
    """An instalment plan must add up to the contract total: None when it does (or does not apply)."""
    if not isinstance(terms, Instalments):
        return None
    if total is None:
        return ("分期付款须同时填写合同总额", "an instalment schedule needs the contract total")
    if terms.total != total:
        return (f"分期金额合计 {terms.total} 与合同总额 {total} 不符",
                f"instalments add up to {terms.total}, not the contract total {total}")
    return None


def dump_clause(clause: BaseModel | None) -> dict[str, Any] | None:
    """JSON for the database: decimals and dates as strings, exactly as the comment in models.py says."""
    return None if clause is None else clause.model_dump(mode="json", exclude_none=True)

