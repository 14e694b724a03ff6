"""What the ledger accepts as input: one set of pydantic models for the API and the services.

Amounts are exact (strings or integers; a JSON number is read as an exact decimal, a binary float is
refused), dates are ISO "YYYY-MM-DD", ids are integers, and unknown fields are errors. Validators
raise ``ValueError("中文|English")`` so the problem document carries both languages.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from workflow.dates import NOT_ISO, range_problem
from workflow.ids import MAX_ID
from workflow.ledger.contract_terms import EMAIL, Dispute, NoticeAddress, PaymentTerms, Penalty, money
from workflow.ledger.models import ContactRole, CustomerKind
from workflow.ledger.validation import CURRENCIES, CleanText, credit_code_problem, normalise_credit_code


def _iso_date(raw: object) -> object:
    # pydantic would read 20260101 as a Unix timestamp: a date is a date or "YYYY-MM-DD"
    if isinstance(raw, date) or (isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip())):
        return raw.strip() if isinstance(raw, str) else raw
    raise ValueError("|".join(NOT_ISO))


def _business_day(day: date) -> date:
    problem = range_problem(day)
    if problem is not None:
        raise ValueError("|".join(problem))
    return day


def _currency(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("币种应为三位字母代码，如 CNY|currency must be a 3-letter code such as CNY")
    code = raw.strip().upper()
    if code not in CURRENCIES:
        raise ValueError(f"不支持的币种：{code}|unknown currency: {code}")
    return code


def _credit_limit(raw: object) -> Decimal:
    if raw in (0, "0", "0.00"):
        return Decimal("0.00")  # a limit of zero means "no credit": the one amount that may be zero
    return money(raw)


def _credit_code(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("统一社会信用代码应为文本|unified social credit code must be text")
    code = normalise_credit_code(raw)
    problem = credit_code_problem(code)
    if problem:
        raise ValueError("|".join(problem))
    return code


def _email(raw: object) -> object:
    if isinstance(raw, str) and not EMAIL.match(raw.strip()):
        raise ValueError("电子邮箱格式不正确|not a valid email address")
    return raw


Id = Annotated[int, Field(gt=0, le=MAX_ID, strict=True)]
Day = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_business_day)]
Amount = Annotated[Decimal, BeforeValidator(money)]
Currency = Annotated[str, BeforeValidator(_currency)]
CreditCode = Annotated[str, BeforeValidator(_credit_code)]
Email = Annotated[str, BeforeValidator(_email), Field(max_length=254)]
Flag = Annotated[bool, Field(strict=True)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Ref = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._/-]+$")]
Language = Literal["zh_CN", "en"]
# a person named as clerks' spreadsheets name them: login name, employee number (工号) or display name
Person = Annotated[str, Field(min_length=1, max_length=200,
                              description="login name, employee number (工号) or display name of a user")]
# what a letter's head and foot print besides the fixed fields: website, fax, postcode, a tagline
Letterhead = Annotated[dict[Annotated[str, Field(min_length=1, max_length=50)],
                            Annotated[str, Field(max_length=300)]], Field(max_length=20)]


class Input(CleanText):
    """Unknown fields are errors; no text may hold control characters (``validation.text_problem``)."""

    def changes(self) -> dict[str, Any]:
        """For PATCH: only the fields the caller sent."""
        return {k: getattr(self, k) for k in self.model_fields_set}


# ---- creditors -------------------------------------------------------------------------------

class CreditorPatch(Input):
    code: Code | None = None
    legal_name: Name | None = None
    legal_name_en: str | None = Field(None, max_length=300)
    credit_code: CreditCode | None = None
    address: str | None = Field(None, min_length=2, max_length=300)
    address_en: str | None = Field(None, max_length=400)
    bank_name: Name | None = None
    bank_account: str | None = Field(None, min_length=4, max_length=64, pattern=r"^[0-9 -]+$")
    bank_account_name: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=50)
    email: Email | None = None
    letterhead: Letterhead | None = None


class CreditorIn(CreditorPatch):
    code: Code
    legal_name: Name
    credit_code: CreditCode
    address: str = Field(min_length=2, max_length=300)
    bank_name: Name
    bank_account: str = Field(min_length=4, max_length=64, pattern=r"^[0-9 -]+$")
    letterhead: Letterhead | None = Field(default_factory=dict)


# ---- customers and contacts ------------------------------------------------------------------

class ContactPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    role: ContactRole | None = None
    email: Email | None = None
    phone: str | None = Field(None, max_length=50, pattern=r"^[0-9+() -]{5,50}$")
    language: Language | None = None
    is_notice_address: Flag | None = None


class ContactIn(ContactPatch):
    name: str = Field(min_length=1, max_length=100)
    role: ContactRole
    language: Language = "zh_CN"
    is_notice_address: Flag = False


class CustomerPatch(Input):
    code: Code | None = None
    legal_name: Name | None = None
    legal_name_en: str | None = Field(None, max_length=300)
    credit_code: CreditCode | None = None
    registered_address: str | None = Field(None, max_length=300)
    kind: CustomerKind | None = None
    credit_limit: Annotated[Decimal, BeforeValidator(_credit_limit)] | None = None
    credit_limit_currency: Currency | None = None
    credit_hold: Flag | None = None
    do_not_dun: Flag | None = None
    assigned_clerk_id: Id | None = Field(None, description="the collection clerk (催收员): new cases go to them")
    assigned_lawyer_id: Id | None = None
    salesperson_id: Id | None = Field(None, description="the salesperson (业务员) who answers for collecting")
    salesperson: Person | None = Field(None, description="the salesperson by login name, 工号 or name")
    collector: Person | None = Field(None, description="the collection clerk by login name, 工号 or name")
    notes: str | None = Field(None, max_length=5000)

    multiline_fields = frozenset({"notes"})


class CustomerIn(CustomerPatch):
    code: Code
    legal_name: Name
    kind: CustomerKind
    credit_limit_currency: Currency = "CNY"
    credit_hold: Flag = False
    do_not_dun: Flag = False
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)


# ---- contracts -------------------------------------------------------------------------------

class ContractPatch(Input):
    number: Ref | None = None
    title: str | None = Field(None, max_length=200)
    signed_on: Day | None = None
    signed_place: str | None = Field(None, max_length=200)
    total: Amount | None = None
    payment_terms: PaymentTerms | None = None
    penalty: Penalty | None = None
    dispute: Dispute | None = None
    notice_addresses: list[NoticeAddress] | None = Field(None, max_length=10)
    salesperson_id: Id | None = Field(None, description="overrides the customer's salesperson for this contract")
    collector_id: Id | None = Field(None, description="overrides the customer's collection clerk for this contract")
    salesperson: Person | None = None
    collector: Person | None = None


class ContractIn(ContractPatch):
    creditor_id: Id
    customer_id: Id
    number: Ref
    currency: Currency = "CNY"


# ---- invoices and credit notes ---------------------------------------------------------------

class InvoicePatch(Input):
    issue_date: Day | None = None
    due_date: Day | None = None
    amount: Amount | None = None
    tax_invoice_no: str | None = Field(None, max_length=64)
    delivery_note_ref: str | None = Field(None, max_length=64)
    delivery_date: Day | None = None
    description: str | None = Field(None, max_length=300)
    written_off: Flag | None = None
    salesperson_id: Id | None = Field(None, description="overrides the contract's (else customer's) salesperson")
    collector_id: Id | None = Field(None, description="overrides the contract's (else customer's) collection clerk")
    salesperson: Person | None = None
    collector: Person | None = None


class InvoiceIn(Input):
    creditor_id: Id
    customer_id: Id
    contract_id: Id | None = None
    number: Ref
    issue_date: Day
    due_date: Day
    amount: Amount
    currency: Currency
    tax_invoice_no: str | None = Field(None, max_length=64)
    delivery_note_ref: str | None = Field(None, max_length=64)
    delivery_date: Day | None = None
    description: str | None = Field(None, max_length=300)
    salesperson_id: Id | None = Field(None, description="overrides the contract's (else customer's) salesperson")
    collector_id: Id | None = Field(None, description="overrides the contract's (else customer's) collection clerk")
    salesperson: Person | None = None
    collector: Person | None = None

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, v: date, info: ValidationInfo) -> date:
        issued = info.data.get("issue_date")
        if issued is not None and v < issued:
            raise ValueError(f"到期日 {v} 早于开票日 {issued}|due date {v} is before the issue date {issued}")
        return v


class CreditNoteIn(Input):
    creditor_id: Id
    customer_id: Id
    invoice_id: Id | None = None
    number: Ref
    issued_on: Day
    amount: Amount
    currency: Currency
    reason: str | None = Field(None, max_length=300)


# ---- payments --------------------------------------------------------------------------------

class AllocationIn(Input):
    invoice_id: Id
    amount: Amount


def _distinct_invoices(v: list[AllocationIn] | None) -> list[AllocationIn] | None:
    if v is not None:
        seen: set[int] = set()
        for a in v:
            if a.invoice_id in seen:
                raise ValueError(f"发票 {a.invoice_id} 重复出现，请合并为一行|"
                                 f"invoice {a.invoice_id} appears twice: give it one line")
            seen.add(a.invoice_id)
    return v


class AllocateIn(Input):
    """Allocation of a payment: explicit lines, or none given → by due date (民法典 560)."""

    allocations: list[AllocationIn] | None = Field(None, max_length=500)

    _distinct = field_validator("allocations")(_distinct_invoices)


class PaymentIn(Input):
    creditor_id: Id
    customer_id: Id
    received_on: Day
    amount: Amount
    currency: Currency
    payer_name: str | None = Field(None, max_length=200)
    bank_reference: Ref
    # absent: allocate by due date (民法典 560); []: keep as unallocated cash; lines: as the payer said
    allocations: list[AllocationIn] | None = Field(None, max_length=500)

    _distinct = field_validator("allocations")(_distinct_invoices)


# ---- list filters ----------------------------------------------------------------------------

class Page(CleanText):
    """List filters: search text reaches SQL, where NUL would be an error, not a miss."""

    page: int = Field(1, ge=1, le=1_000_000, description="1-based page number")
    per_page: int = Field(50, ge=1, le=500, description="items per page")


class CreditorQuery(Page):
    q: str | None = Field(None, max_length=100, description="part of the legal name or code")


class CustomerQuery(Page):
    q: str | None = Field(None, max_length=100, description="part of the legal name, code or credit code")
    kind: CustomerKind | None = None
    credit_hold: bool | None = None
    do_not_dun: bool | None = None
    assigned_clerk: int | None = Field(None, gt=0, le=MAX_ID, description="user id of the assigned clerk")


class ContractQuery(Page):
    customer_id: int | None = Field(None, gt=0, le=MAX_ID)
    creditor_id: int | None = Field(None, gt=0, le=MAX_ID)
    q: str | None = Field(None, max_length=64, description="part of the contract number")


class InvoiceQuery(Page):
    customer_id: int | None = Field(None, gt=0, le=MAX_ID)
    creditor_id: int | None = Field(None, gt=0, le=MAX_ID)
    contract_id: int | None = Field(None, gt=0, le=MAX_ID)
    status: Literal["open", "overdue", "paid"] | None = Field(
        None, description="open: something still owed (overdue ones included, written-off ones not); "
                          "overdue: owed and past the due date; paid: nothing left owing")
    due_before: Day | None = Field(None, description="due strictly before this date (YYYY-MM-DD)")
    due_after: Day | None = Field(None, description="due strictly after this date (YYYY-MM-DD)")
    currency: Currency | None = None
    number: str | None = Field(None, max_length=64)


class CreditNoteQuery(Page):
    customer_id: int | None = Field(None, gt=0, le=MAX_ID)
    creditor_id: int | None = Field(None, gt=0, le=MAX_ID)
    invoice_id: int | None = Field(None, gt=0, le=MAX_ID)


class PaymentQuery(Page):
    customer_id: int | None = Field(None, gt=0, le=MAX_ID)
    creditor_id: int | None = Field(None, gt=0, le=MAX_ID)
    currency: Currency | None = None
    unallocated: bool | None = Field(None, description="true: only payments with cash not yet allocated")
    received_from: Day | None = Field(None, description="received on or after (YYYY-MM-DD)")
    received_to: Day | None = Field(None, description="received on or before (YYYY-MM-DD)")
    bank_reference: str | None = Field(None, max_length=64)

