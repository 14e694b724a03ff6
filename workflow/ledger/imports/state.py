"""What is already stored under the natural keys an import names, looked up in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from workflow.ledger.imports.bulk import lookup
from workflow.ledger.models import Contact, Contract, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.responsibility import People

CHUNK = 500  # keys per IN (...) list: well under SQLite's and psycopg's parameter limits


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_CUSTOMER_COLS = (
    "code",
    "legal_name",
    "credit_code",
    "kind",
    "registered_address",
    "legal_name_en",
    "credit_limit",
    "credit_limit_currency",
    "credit_hold",
    "do_not_dun",
    "notes",
    "salesperson_id",
    "assigned_clerk_id",
)
_INVOICE_COLS = (
    "number",
    "creditor_id",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "tax_invoice_no",
    "delivery_note_ref",
    "delivery_date",
    "description",
    "paid_amount",
    "credited_amount",
    "salesperson_id",
    "collector_id",
)


@dataclass
class Stored:
    creditors: dict[str, int] = field(default_factory=dict)
    default_creditor: int | None = None
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → columns
    customer_ids: dict[str, int] = field(default_factory=dict)
    credit_codes: dict[str, str] = field(default_factory=dict)  # credit code → customer code
    contacts: dict[tuple[str, str, str | None], dict[str, Any]] = field(default_factory=dict)
    contracts: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    invoices: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    payments: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    people: People = field(default_factory=People)  # users, as the salesperson columns name them

    def load_base(self, s: Session) -> None:
        self.people = People.load(s)
        self.creditors = {code: cid for cid, code in s.execute(select(CreditorEntity.id, CreditorEntity.code))}
        if len(self.creditors) == 1:
            self.default_creditor = next(iter(self.creditors.values()))
        cols = [getattr(Customer, c) for c in _CUSTOMER_COLS]
        for row in s.execute(select(Customer.id, *cols)):
            data = dict(zip(("id", *_CUSTOMER_COLS), row, strict=True))
            self.customers[data["code"]] = data
            self.customer_ids[data["code"]] = data["id"]
            if data["credit_code"]:
                self.credit_codes[data["credit_code"]] = data["code"]

    def code_of(self) -> dict[int, str]:
        return {cid: code for code, cid in self.customer_ids.items()}

    def load_contacts(self, s: Session, customer_codes: Iterable[str]) -> None:
        ids = [self.customer_ids[c] for c in set(customer_codes) if c in self.customer_ids]
        codes = self.code_of()
        for part in chunks(ids):
            for c in s.scalars(select(Contact).where(Contact.customer_id.in_(part))):
                key = (codes[c.customer_id], c.name, c.email)
                self.contacts[key] = {
                    "id": c.id,
                    "customer_code": key[0],
                    "name": c.name,
                    "email": c.email,
                    "role": c.role,
                    "phone": c.phone,
                    "language": c.language,
                    "is_notice_address": c.is_notice_address,
                }

    def load_contracts(self, s: Session, keys: Iterable[tuple[int, str]]) -> None:
        codes = self.code_of()
        for part in chunks(sorted(set(keys))):
            stmt = select(Contract).where(tuple_(Contract.creditor_id, Contract.number).in_(part))
            for c in s.scalars(stmt):
                self.contracts[(c.creditor_id, c.number)] = {
                    "id": c.id,
                    "creditor_id": c.creditor_id,
                    "number": c.number,
                    "customer_code": codes[c.customer_id],
                    "title": c.title,
                    "signed_on": c.signed_on,
                    "signed_place": c.signed_place,
                    "currency": c.currency,
                    "total": c.total,
                    "payment_terms": c.payment_terms,
                    "penalty": c.penalty,
                    "dispute": c.dispute,
                }

    @staticmethod
    def any_invoices(s: Session) -> bool:
        return s.scalar(select(Invoice.id).limit(1)) is not None

    def load_invoices(self, s: Session, keys: Iterable[tuple[int, str]]) -> None:
        keys = set(keys)
        creditors = {c for c, _ in keys}
        if not creditors or s.scalar(select(Invoice.id).where(Invoice.creditor_id.in_(creditors)).limit(1)) is None:
            return  # a first import: nothing stored to match against
        codes = self.code_of()
        contract_numbers = {cid: num for cid, num in s.execute(select(Contract.id, Contract.number))}
        cols = ("id", "customer_id", "contract_id", *_INVOICE_COLS)
        for row in lookup(s, _table(Invoice), ("creditor_id", "number"), keys, cols):
            data = dict(zip(cols, row, strict=True))
            data["customer_code"] = codes[data["customer_id"]]
            data["contract_number"] = contract_numbers.get(data["contract_id"])
            self.invoices[(data["creditor_id"], data["number"])] = data

    def load_payments(self, s: Session, keys: Iterable[tuple[int, str]]) -> None:
        codes = self.code_of()
        cols = ("id", "creditor_id", "bank_reference", "customer_id", "received_on", "amount", "currency", "payer_name")
        for row in lookup(s, _table(Payment), ("creditor_id", "bank_reference"), set(keys), cols):
            data = dict(zip(cols, row, strict=True))
            data["customer_code"] = codes[data.pop("customer_id")]
            self.payments[(data["creditor_id"], data["bank_reference"])] = data


def _table(model: type[Any]) -> Table:
    t = model.__table__
    assert isinstance(t, Table)
    return t
