"""What the API answers: one model per JSON response, published in the OpenAPI document.

The handlers render plain dicts; these models describe them (they are not used to serialise), and the
schemathesis test checks every live response against them. Money is an exact decimal string, dates
are ISO 8601 text. Where a result nests a calculation's working (interest segments, limitation steps)
the model names the top-level fields and leaves the inner rows as objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workflow.ids import Id

Money = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", description="exact decimal, e.g. \"1234.50\"")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Out(BaseModel):
    """A response object: the fields listed are always present."""

    model_config = ConfigDict(extra="forbid")


class OpenOut(BaseModel):
    """A response object that may carry more fields than listed (a calculation's working)."""

    model_config = ConfigDict(extra="allow")


# ---- errors ------------------------------------------------------------------------------------

class FieldError(Out):
    field: str = Field(description="dotted path of the bad input, e.g. invoices.0.due_date; \"\" for the "
                                   "request as a whole")
    code: str
    message: str


class Problem(OpenOut):
    """RFC 9457 problem details: every error the API answers, in the caller's language."""

    type: str
    title: str
    status: int
    code: str = Field(description="machine-readable, e.g. validation_failed, not_found, conflict")
    detail: str | None = None
    errors: list[FieldError] | None = None


# ---- accounts ----------------------------------------------------------------------------------

RoleName = Literal["clerk", "legal", "lawyer", "sales", "admin"]


class LoginOut(Out):
    username: str
    role: RoleName
    csrf_token: str = Field(description="send as the X-CSRF-Token header with every POST, PUT, PATCH and "
                                        "DELETE that the session cookie authenticates")


class LogoutOut(Out):
    ok: bool


class ApiIndexOut(Out):
    name: str
    api: str
    openapi: str
    login: str
    desk: str


class MeOut(Out):
    username: str
    role: RoleName
    locale: str
    csrf_token: str | None = Field(None, description="only for a browser session: the X-CSRF-Token value")


class UserOut(Out):
    id: Id
    username: str
    display_name: str
    role: RoleName
    email: str | None
    locale: str
    active: bool
    employee_no: str | None


class UserList(Out):
    items: list[UserOut]


class TokenInfo(Out):
    """An API token as listed: never the secret, which is not kept."""

    id: Id
    username: str
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


class TokenOut(TokenInfo):
    token: str = Field(description="shown once; send as `Authorization: Bearer <token>`")


class TokenList(Out):
    items: list[TokenInfo]
    total: int
    page: int
    per_page: int


class AuditBreak(Out):
    kind: Literal["altered", "missing", "fork", "link", "rewritten", "count", "truncated", "checkpoint_forged",
                  "checkpoint_missing", "checkpoint_head"]
    entry_id: int | None = Field(description="the entry where the log stops proving what it claims")
    checkpoint_id: int | None = Field(description="the signed checkpoint that shows it, if any")
    zh: str
    en: str


class AuditCheckpointOut(Out):
    id: int
    at: datetime
    entries: int
    head_id: int
    head_hash: str = Field(description="keep it outside the service: a later log must still contain it")


class AuditCheck(Out):
    ok: bool
    entries: int
    legacy_entries: int = Field(description="entries in the hash form from before checkpoints (no id, actor_id)")
    checkpoints: int
    last_checkpoint: AuditCheckpointOut | None
    unsealed_entries: int = Field(description="entries after the newest checkpoint: protected by the chain only")
    breaks: list[AuditBreak] = Field(description="every break, in log order; empty when ok")
    notes: list[AuditBreak] = Field(description="forks from before writes were serialised, sealed since by a "
                                                "checkpoint: recorded history, not tampering")


# ---- ledger ------------------------------------------------------------------------------------

class Paged(Out):
    total: int
    page: int
    per_page: int


class CreditorOut(Out):
    id: Id
    code: str
    legal_name: str
    legal_name_en: str | None
    credit_code: str
    address: str
    address_en: str | None
    bank_name: str
    bank_account: str
    bank_account_name: str | None
    contact_name: str | None
    phone: str | None
    email: str | None
    letterhead: dict[str, Any]
    seal_sha256: str | None
    created_at: datetime


class CreditorPage(Paged):
    items: list[CreditorOut]


class SealOut(Out):
    id: Id
    seal_sha256: str | None


class ContactOut(Out):
    id: Id
    customer_id: Id
    name: str
    role: str
    email: str | None
    phone: str | None
    language: str
    is_notice_address: bool


class ContactList(Out):
    items: list[ContactOut]


class CustomerOut(Out):
    id: Id
    code: str
    legal_name: str
    legal_name_en: str | None
    credit_code: str | None
    registered_address: str | None
    kind: str
    credit_limit: Money | None
    credit_limit_currency: Currency
    credit_hold: bool
    do_not_dun: bool
    assigned_clerk_id: Id | None = Field(description="the collection clerk (催收员)")
    assigned_lawyer_id: Id | None
    salesperson_id: Id | None = Field(description="the salesperson (业务员)")
    notes: str | None
    created_at: datetime


class CustomerPage(Paged):
    items: list[CustomerOut]


class CurrencyBalanceOut(Out):
    currency: Currency
    invoiced: Money
    paid: Money
    credited: Money
    outstanding: Money
    overdue: Money
    open_invoices: int
    unallocated_cash: Money


class CustomerWithContacts(CustomerOut):
    contacts: list[ContactOut]


class CustomerFull(CustomerWithContacts):
    balance: list[CurrencyBalanceOut]


class CustomerBalanceOut(Out):
    customer_id: Id
    as_of: date
    currencies: list[CurrencyBalanceOut]


class AttachmentOut(Out):
    id: Id
    contract_id: Id | None
    invoice_id: Id | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    kind: str = Field(description="other, signed_statement (签章对账单) or signed_receipt (签收回执)")
    signed_on: date | None = Field(description="the day the debtor signed or sealed it (signed kinds only)")
    uploaded_at: datetime


class AttachmentList(Out):
    items: list[AttachmentOut]


class ContractOut(Out):
    id: Id
    creditor_id: Id
    customer_id: Id
    number: str
    title: str | None
    signed_on: date | None
    signed_place: str | None
    currency: Currency
    total: Money | None
    payment_terms: dict[str, Any] | None
    penalty: dict[str, Any] | None
    dispute: dict[str, Any] | None
    notice_addresses: list[dict[str, Any]]
    salesperson_id: Id | None = Field(description="overrides the customer's salesperson")
    collector_id: Id | None = Field(description="overrides the customer's collection clerk")
    created_at: datetime


class ContractPage(Paged):
    items: list[ContractOut]


class ContractFull(ContractOut):
    files: list[AttachmentOut]


InvoiceStatus = Literal["open", "overdue", "paid", "written_off"]


class InvoiceOut(Out):
    id: Id
    creditor_id: Id
    customer_id: Id
    contract_id: Id | None
    number: str
    issue_date: date
    due_date: date
    amount: Money
    currency: Currency
    tax_invoice_no: str | None
    delivery_note_ref: str | None
    delivery_date: date | None
    description: str | None
    written_off: bool
    paid_amount: Money
    credited_amount: Money
    salesperson_id: Id | None = Field(description="overrides the contract's, else the customer's salesperson")
    collector_id: Id | None = Field(description="overrides the contract's, else the customer's collection clerk")
    created_at: datetime
    outstanding: Money
    status: InvoiceStatus
    days_overdue: int = Field(ge=0)


class InvoicePage(Paged):
    items: list[InvoiceOut]


class CreditNoteOut(Out):
    id: Id
    creditor_id: Id
    customer_id: Id
    invoice_id: Id | None
    number: str
    issued_on: date
    amount: Money
    currency: Currency
    reason: str | None
    created_at: datetime


class CreditNotePage(Paged):
    items: list[CreditNoteOut]


class AllocationOut(Out):
    id: Id
    invoice_id: Id
    amount: Money
    received_on: date
    automatic: bool = Field(description="by 民法典 560 (the invoice due first), not named by the payer")


class PaymentOut(Out):
    id: Id
    creditor_id: Id
    customer_id: Id
    received_on: date
    amount: Money
    currency: Currency
    payer_name: str | None
    bank_reference: str
    unallocated_amount: Money
    created_at: datetime
    allocations: list[AllocationOut]


class PaymentPage(Paged):
    items: list[PaymentOut]


class PaymentAllocated(PaymentOut):
    allocation_mode: Literal["explicit", "automatic", "none"]
    allocated_now: list[AllocationOut]


# ---- imports and reports -----------------------------------------------------------------------

class KindCountOut(Out):
    created: int
    updated: int
    unchanged: int


class ImportOut(Out):
    filename: str
    sha256: str
    dry_run: bool
    changed: bool
    sheets: list[dict[str, str]]
    counts: dict[str, KindCountOut]
    allocations: int
    moved_invoices: list[dict[str, Any]] = Field(default_factory=list, description="invoices moved to another "
                                                 "customer (only with allow_customer_change)")


class AgingOut(OpenOut):
    as_of: date
    method: str
    buckets: list[dict[str, Any]]
    definition: dict[str, str]
    totals: list[dict[str, Any]]
    customers: list[dict[str, Any]]


class KpisOut(OpenOut):
    as_of: date
    period_days: int
    period: dict[str, date]
    formulas: dict[str, Any]
    currencies: list[dict[str, Any]]


class CollectorRowOut(Out):
    rank: int | None = Field(description="within the currency, by collection rate; none: nothing due, or unassigned")
    person: dict[str, Any] | None = Field(description="id, username, display_name, employee_no, role; none: unassigned")
    currency: Currency
    due: Money
    collected: Money
    collected_on_time: Money
    collection_rate_percent: str | None
    on_time_rate_percent: str | None
    outstanding: Money
    overdue: Money
    buckets: dict[str, Money]
    net_sales: Money
    receivables_end: Money
    dso_days: str | None
    written_off: Money
    promises: dict[str, int]
    tie_break: dict[str, str] | None = Field(description="{zh, en}: what ordered two people of equal collection rate")


class CollectorsOut(Out):
    by: Literal["salesperson", "clerk"]
    as_of: date
    period: dict[str, Any]
    buckets: list[dict[str, Any]]
    definitions: dict[str, dict[str, str]]
    rows: list[CollectorRowOut]


# ---- law calculators, claims and letters -------------------------------------------------------

class InterestOut(OpenOut):
    as_of: date
    unapplied: Money
    invoices: list[dict[str, Any]]
    method: Any
    assumptions: list[dict[str, str]] = Field(description="what was assumed on request (carry_forward), "
                                                          "{zh, en}; empty when nothing was")
    warnings: list[dict[str, str]]


class LimitationOut(OpenOut):
    starts_on: date
    expires_on: date
    long_stop: date
    provisional: bool
    last_interruption: dict[str, Any] | None
    steps: list[Any]


class WordsOut(Out):
    amount: Money
    words: str = Field(description="人民币大写, e.g. 壹仟贰佰叁拾肆元伍角整")


class ClaimOut(OpenOut):
    customer: dict[str, Any]
    as_of: date
    complete: bool
    invoices: list[dict[str, Any]]
    totals: list[dict[str, str]]
    methods: Any
    warnings: list[Any]


class LintCounts(Out):
    error: int
    warning: int
    info: int


class LintReport(OpenOut):
    ok: bool = Field(description="no finding of severity error")
    counts: LintCounts
    findings: list[dict[str, Any]]


# ---- documents and templates -------------------------------------------------------------------

class DocumentLinks(Out):
    self: str
    docx: str
    pdf: str | None


class DocumentOut(Out):
    id: Id
    kind: str
    language: str
    customer_id: Id | None
    case_id: Id | None
    template_version_id: Id | None
    docx_sha256: str
    docx_size: int
    pdf_sha256: str | None
    pdf_size: int | None
    pdf_status: str | None
    pdf_notice: str | None
    made_by: str
    made_at: datetime
    context: dict[str, Any]
    links: DocumentLinks


class BilingualText(Out):
    zh: str
    en: str


class ClaimSheetOut(DocumentOut):
    """The stored sheet, and what a reader of the answer must not miss: whether every invoice's
    interest could be computed, and the warnings the sheet prints (an unverified or assumed rate)."""

    complete: bool
    warnings: list[BilingualText]


class TemplateVersionOut(Out):
    id: Id
    kind: str
    language: str
    version: int
    sha256: str
    size: int
    source: str
    active: bool
    uploaded_by: str | None
    created_at: datetime


class TemplateList(Out):
    items: list[TemplateVersionOut]


class TemplateVariable(Out):
    name: str
    description: str


class CatalogueOut(Out):
    kind: str
    title_zh: str
    title_en: str
    variables: list[TemplateVariable]
    sample_context: dict[str, Any]
