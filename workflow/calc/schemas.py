"""The calculators' JSON, as pydantic models shared by the API (and its OpenAPI document) and
the CLI, so both accept and reject exactly the same input."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from workflow.dates import NOT_ISO, range_problem
from workflow.law.interest import Basis, InterestRequest, InvoiceIn, PaymentIn
from workflow.law.limitation import Interruption, LimitationRequest
from workflow.law.words import MAX_AMOUNT

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_only(v: object) -> object:
    if isinstance(v, date):
        return v
    if not isinstance(v, str) or not _ISO.match(v.strip()):
        raise ValueError("|".join(NOT_ISO))
    return v.strip()


def _in_range(d: date) -> date:
    problem = range_problem(d)
    if problem is not None:
        raise ValueError("|".join(problem))
    return d


IsoDate = Annotated[date, BeforeValidator(_iso_only), AfterValidator(_in_range),
                    Field(json_schema_extra={"format": "date", "example": "2025-12-31"})]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False,
                                  description="yuan with at most 2 decimals, as a string: \"128000.00\"")]
Rate = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=10, allow_inf_nan=False,
                                description="a fraction: 万分之五 per day is \"0.0005\", 18% a year \"0.18\"")]


CARRY_FORWARD = ("when an LPR quote the calculation needs is not in the rate table yet, assume the last known "
                 "quote still holds instead of refusing; the result states the assumption (zh and en)")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DailyRateBasis(Model):
    kind: Literal["daily_rate"]
    rate: Rate


class AnnualRateBasis(Model):
    kind: Literal["annual_rate"]
    rate: Rate


class LprBasis(Model):
    kind: Literal["lpr"]
    markup: Annotated[Decimal, Field(gt=-1, le=10, decimal_places=6, allow_inf_nan=False,
                                     description="LPR × (1 + markup): 1.5 × LPR is \"0.5\"")] = Decimal(0)
    mode: Literal["fixed", "floating"] = "fixed"


class StatutoryBasis(Model):
    kind: Literal["statutory"]
    markup: Annotated[Decimal, Field(ge=Decimal("0.3"), le=Decimal("0.5"), decimal_places=6,
                                     description="30%–50% above LPR / benchmark (买卖合同解释 18¶4)")] = Decimal("0.5")
    mode: Literal["fixed", "floating"] = "fixed"


BasisIn = Annotated[DailyRateBasis | AnnualRateBasis | LprBasis | StatutoryBasis, Field(discriminator="kind")]


class InvoiceItem(Model):
    id: str = Field(min_length=1, max_length=64)
    amount: Amount
    due_date: IsoDate


class PaymentItem(Model):
    date: IsoDate
    amount: Amount
    invoice: str | None = Field(None, min_length=1, max_length=64,
                                description="the invoice the payer named; omit to apply 民法典 560")


class InterestIn(Model):
    as_of: IsoDate
    basis: BasisIn
    day_count: Literal[365, 360] = 365
    allocation: Literal["interest_first", "principal_first"] = "interest_first"
    invoices: list[InvoiceItem] = Field(min_length=1, max_length=200_000)
    payments: list[PaymentItem] = Field(default_factory=list, max_length=1_000_000)
    carry_forward: bool = Field(False, description=CARRY_FORWARD)

    def to_request(self) -> InterestRequest:
        b = self.basis
        if isinstance(b, DailyRateBasis | AnnualRateBasis):
            basis = Basis(b.kind, rate=b.rate)
        else:
            basis = Basis(b.kind, markup=b.markup, mode=b.mode)
        return InterestRequest(
            as_of=self.as_of, basis=basis, day_count=self.day_count, allocation=self.allocation,
            invoices=[InvoiceIn(i.id, i.amount, i.due_date) for i in self.invoices],
            payments=[PaymentIn(p.date, p.amount, p.invoice) for p in self.payments],
            carry_forward=self.carry_forward,
        )


class InterruptionItem(Model):
    date: IsoDate
    kind: Literal["demand", "acknowledgment", "part_payment", "suit"]
    note: str = Field("", max_length=300)
    ends_on: IsoDate | None = Field(None, description="suit only: the day the proceedings ended; the period "
                                    "runs again from the next day (民法典 195)")


class LimitationIn(Model):
    due_date: IsoDate
    interruptions: list[InterruptionItem] = Field(default_factory=list, max_length=1000)
    instalment_due_dates: list[IsoDate] = Field(default_factory=list, max_length=1000)
    as_of: IsoDate | None = None

    def to_request(self) -> LimitationRequest:
        return LimitationRequest(
            due_date=self.due_date,
            interruptions=[Interruption(i.date, i.kind, i.note, i.ends_on) for i in self.interruptions],
            instalment_due_dates=list(self.instalment_due_dates), as_of=self.as_of,
        )


class WordsIn(Model):
    amount: Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False,
                                     description="yuan, at most 2 decimals")]


class ClaimQuery(Model):
    as_of: IsoDate | None = Field(None, description="defaults to today (Asia/Shanghai)")
    statutory_mode: Literal["fixed", "floating"] = "fixed"
    statutory_markup: Annotated[Decimal, Field(ge=Decimal("0.3"), le=Decimal("0.5"), decimal_places=6)] = \
        Decimal("0.5")
    carry_forward: bool = Field(False, description=CARRY_FORWARD)
    creditor_id: int | None = Field(None, ge=1, le=2**31 - 1, description="only this creditor entity's invoices "
                                    "and receipts (cash of one entity never pays another's invoices)")
    allocation: Literal["interest_first", "principal_first"] = Field(
        "interest_first", description="interest_first: 民法典 561 (a penalty counted as interest); principal_first: "
        "for courts that do not count a 违约金 as the interest of 561")
    suit_filed_on: IsoDate | None = Field(None, description="the day suit (or arbitration) was filed: interrupts "
                                          "the limitation of every invoice claimed (民法典 195)")
    proceedings_ended_on: IsoDate | None = Field(None, description="the day those proceedings ended: the period "
                                                 "runs again from the next day (民法典 195)")
