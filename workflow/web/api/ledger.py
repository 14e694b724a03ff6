"""API resources of the ledger: creditors, customers and contacts, contracts and their files.

Invoices, credit notes and payments are in ``ledger_money``, on the same blueprint. Handlers parse,
call one use case, and render; lawyers read only what is assigned to them (404 otherwise).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, request
from sqlalchemy import Select

from workflow.accounts.actor import Actor
from workflow.errors import invalid
from workflow.ledger import attachments, contracts, parties, queries
from workflow.ledger.access import load
from workflow.ledger.models import Attachment, Contact, Contract, CreditorEntity, Customer, Invoice
from workflow.ledger.schemas import (
    ContactIn,
    ContactPatch,
    ContractIn,
    ContractPatch,
    ContractQuery,
    CreditorIn,
    CreditorPatch,
    CreditorQuery,
    CustomerIn,
    CustomerPatch,
    CustomerQuery,
    Page,
)
from workflow.web.api.base import ADMINS, WRITERS, PageQuery, core, endpoint, file_response, paginate, session, uow
from workflow.web.api.responses import (
    AttachmentList,
    AttachmentOut,
    ContactList,
    ContactOut,
    ContractFull,
    ContractOut,
    ContractPage,
    CreditorOut,
    CreditorPage,
    CustomerBalanceOut,
    CustomerFull,
    CustomerOut,
    CustomerPage,
    CustomerWithContacts,
    SealOut,
)

bp = Blueprint("ledger", __name__)

CREATED = {"201": "Created"}
DELETED = {"204": "Deleted"}


def plain(value: Any) -> Any:
    """JSON-ready: money as exact strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def columns(obj: object, *names: str) -> dict[str, Any]:
    return {n: plain(getattr(obj, n)) for n in names}


def page_of(stmt: Select[Any], q: Page, render: Any) -> dict[str, Any]:
    return paginate(session(), stmt, PageQuery(page=q.page, per_page=q.per_page), render)


# ---- renderers -------------------------------------------------------------------------------

def creditor_json(c: CreditorEntity) -> dict[str, Any]:
    return columns(c, "id", "code", "legal_name", "legal_name_en", "credit_code", "address", "address_en",
                   "bank_name", "bank_account", "bank_account_name", "contact_name", "phone", "email",
                   "letterhead", "seal_sha256", "created_at")


def contact_json(c: Contact) -> dict[str, Any]:
    return columns(c, "id", "customer_id", "name", "role", "email", "phone", "language", "is_notice_address")


def customer_json(c: Customer) -> dict[str, Any]:
    return columns(c, "id", "code", "legal_name", "legal_name_en", "credit_code", "registered_address", "kind",
                   "credit_limit", "credit_limit_currency", "credit_hold", "do_not_dun", "assigned_clerk_id",
                   "assigned_lawyer_id", "salesperson_id", "notes", "created_at")


def contract_json(c: Contract) -> dict[str, Any]:
    return columns(c, "id", "creditor_id", "customer_id", "number", "title", "signed_on", "signed_place",
                   "currency", "total", "payment_terms", "penalty", "dispute", "notice_addresses", "salesperson_id",
                   "collector_id", "created_at")


def attachment_json(a: Attachment) -> dict[str, Any]:
    return columns(a, "id", "contract_id", "invoice_id", "filename", "content_type", "size", "sha256",
                   "uploaded_by", "uploaded_at", "kind", "signed_on")


# ---- creditors -------------------------------------------------------------------------------

@endpoint(bp, "GET", "/creditors", summary="List creditor entities (our own companies)", query=CreditorQuery,
          response=CreditorPage)
def list_creditors(actor: Actor, query: CreditorQuery) -> Any:
    return page_of(queries.creditors(query), query, creditor_json)


@endpoint(bp, "GET", "/creditors/{creditor_id}", summary="One creditor entity", path_params={"creditor_id": "integer"},
          response=CreditorOut)
def get_creditor(actor: Actor, creditor_id: int) -> Any:
    return creditor_json(load(session(), CreditorEntity, creditor_id, actor))


@endpoint(bp, "POST", "/creditors", summary="Create a creditor entity", roles=WRITERS, body=CreditorIn,
          responses=CREATED, response=CreditorOut)
def create_creditor(actor: Actor, body: CreditorIn) -> Any:
    return creditor_json(parties.create_creditor(uow(), body)), 201


@endpoint(bp, "PATCH", "/creditors/{creditor_id}", summary="Change a creditor entity (a new bank name, account "
          "or account name: administrators only)", roles=WRITERS, body=CreditorPatch,
          path_params={"creditor_id": "integer"}, response=CreditorOut,
          responses={"200": "OK", "403": "A bank field changed by someone not an administrator"})
def update_creditor(actor: Actor, body: CreditorPatch, creditor_id: int) -> Any:
    return creditor_json(parties.update_creditor(uow(), creditor_id, body))


@endpoint(bp, "DELETE", "/creditors/{creditor_id}", summary="Delete a creditor entity with no contracts, "
          "invoices or payments", roles=WRITERS, path_params={"creditor_id": "integer"}, responses=DELETED)
def delete_creditor(actor: Actor, creditor_id: int) -> Any:
    parties.delete_creditor(uow(), creditor_id)
    return "", 204


# ---- customers and contacts ------------------------------------------------------------------

CUSTOMER = {"customer_id": "integer"}
CONTACT = {"customer_id": "integer", "contact_id": "integer"}


@endpoint(bp, "GET", "/customers", summary="List customers (debtors)", query=CustomerQuery, response=CustomerPage)
def list_customers(actor: Actor, query: CustomerQuery) -> Any:
    return page_of(queries.customers(actor, query), query, customer_json)


@endpoint(bp, "GET", "/customers/{customer_id}", summary="One customer with contacts and balance",
          path_params=CUSTOMER, response=CustomerFull)
def get_customer(actor: Actor, customer_id: int) -> Any:
    out = _customer_full(actor, customer_id)
    out["balance"] = _balance(actor, customer_id)
    return out


def _balance(actor: Actor, customer_id: int) -> list[dict[str, Any]]:
    rows = queries.balance(session(), actor, customer_id, uow().today())
    return [{k: plain(v) for k, v in vars(r).items()} for r in rows]


@endpoint(bp, "GET", "/customers/{customer_id}/balance",
          summary="Outstanding, overdue and unallocated cash per currency", path_params=CUSTOMER,
          response=CustomerBalanceOut)
def customer_balance(actor: Actor, customer_id: int) -> Any:
    return {"customer_id": customer_id, "as_of": uow().today().isoformat(),
            "currencies": _balance(actor, customer_id)}


@endpoint(bp, "POST", "/customers", summary="Create a customer, optionally with contacts", roles=WRITERS,
          body=CustomerIn, responses=CREATED, response=CustomerWithContacts)
def create_customer(actor: Actor, body: CustomerIn) -> Any:
    c = parties.create_customer(uow(), body)
    return _customer_full(actor, c.id), 201


def _customer_full(actor: Actor, customer_id: int) -> dict[str, Any]:
    s = session()
    out = customer_json(load(s, Customer, customer_id, actor))
    out["contacts"] = [contact_json(c) for c in queries.contacts(s, actor, customer_id)]
    return out


@endpoint(bp, "PATCH", "/customers/{customer_id}", summary="Change a customer", roles=WRITERS,
          body=CustomerPatch, path_params=CUSTOMER, response=CustomerOut)
def update_customer(actor: Actor, body: CustomerPatch, customer_id: int) -> Any:
    return customer_json(parties.update_customer(uow(), customer_id, body))


@endpoint(bp, "DELETE", "/customers/{customer_id}", summary="Delete a customer entered by mistake "
          "(no contracts, invoices or payments)", roles=WRITERS, path_params=CUSTOMER, responses=DELETED)
def delete_customer(actor: Actor, customer_id: int) -> Any:
    parties.delete_customer(uow(), customer_id)
    return "", 204


@endpoint(bp, "GET", "/customers/{customer_id}/contacts", summary="A customer's contacts", path_params=CUSTOMER,
          response=ContactList)
def list_contacts(actor: Actor, customer_id: int) -> Any:
    return {"items": [contact_json(c) for c in queries.contacts(session(), actor, customer_id)]}


@endpoint(bp, "POST", "/customers/{customer_id}/contacts", summary="Add a contact", roles=WRITERS,
          body=ContactIn, path_params=CUSTOMER, responses=CREATED, response=ContactOut)
def add_contact(actor: Actor, body: ContactIn, customer_id: int) -> Any:
    return contact_json(parties.add_contact(uow(), customer_id, body)), 201


@endpoint(bp, "PATCH", "/customers/{customer_id}/contacts/{contact_id}", summary="Change a contact",
          roles=WRITERS, body=ContactPatch, path_params=CONTACT, response=ContactOut)
def update_contact(actor: Actor, body: ContactPatch, customer_id: int, contact_id: int) -> Any:
    return contact_json(parties.update_contact(uow(), customer_id, contact_id, body))


@endpoint(bp, "DELETE", "/customers/{customer_id}/contacts/{contact_id}", summary="Remove a contact",
          roles=WRITERS, path_params=CONTACT, responses=DELETED)
def delete_contact(actor: Actor, customer_id: int, contact_id: int) -> Any:
    parties.delete_contact(uow(), customer_id, contact_id)
    return "", 204


# ---- contracts -------------------------------------------------------------------------------

CONTRACT = {"contract_id": "integer"}


@endpoint(bp, "GET", "/contracts", summary="List contracts", query=ContractQuery, response=ContractPage)
def list_contracts(actor: Actor, query: ContractQuery) -> Any:
    return page_of(queries.contracts(actor, query), query, contract_json)


@endpoint(bp, "GET", "/contracts/{contract_id}", summary="One contract with its clauses and files",
          path_params=CONTRACT, response=ContractFull)
def get_contract(actor: Actor, contract_id: int) -> Any:
    s = session()
    out = contract_json(load(s, Contract, contract_id, actor))
    out["files"] = [attachment_json(a) for a in attachments.list_for(s, actor, Contract, contract_id)]
    return out


@endpoint(bp, "POST", "/contracts", summary="Create a contract with structured clauses", roles=WRITERS,
          body=ContractIn, responses=CREATED, response=ContractOut)
def create_contract(actor: Actor, body: ContractIn) -> Any:
    return contract_json(contracts.create_contract(uow(), body)), 201


@endpoint(bp, "PATCH", "/contracts/{contract_id}", summary="Change a contract", roles=WRITERS,
          body=ContractPatch, path_params=CONTRACT, response=ContractOut)
def update_contract(actor: Actor, body: ContractPatch, contract_id: int) -> Any:
    return contract_json(contracts.update_contract(uow(), contract_id, body))


@endpoint(bp, "DELETE", "/contracts/{contract_id}", summary="Delete a contract with no invoices or files",
          roles=WRITERS, path_params=CONTRACT, responses=DELETED)
def delete_contract(actor: Actor, contract_id: int) -> Any:
    contracts.delete_contract(uow(), contract_id)
    return "", 204


@endpoint(bp, "PUT", "/creditors/{creditor_id}/seal", summary="Upload the company seal image (PNG or JPEG); "
          "administrators only", roles=ADMINS, path_params={"creditor_id": "integer"},
          content_types=["multipart/form-data"],
          responses={"200": "Stored", "413": "Too large", "422": "Not a PNG or JPEG, or a bad file name"},
          response=SealOut)
def put_creditor_seal(actor: Actor, creditor_id: int) -> Any:
    files = core().services.attachments
    name, data = uploaded_file(files.seal_limit)
    creditor = files.set_seal(uow(), creditor_id, name, data)
    return {"id": creditor.id, "seal_sha256": creditor.seal_sha256}


@endpoint(bp, "GET", "/creditors/{creditor_id}/seal", summary="The company seal image (audited)",
          path_params={"creditor_id": "integer"}, response_types=["image/png", "image/jpeg"], writes=True)
def get_creditor_seal(actor: Actor, creditor_id: int) -> Any:
    data, mimetype = core().services.attachments.seal(uow(), creditor_id)
    return file_response(data, mimetype, f"seal-{creditor_id}" + (".png" if mimetype == "image/png" else ".jpg"))


# ---- files of contracts and invoices ---------------------------------------------------------

def uploaded_file(limit: int) -> tuple[str | None, bytes]:
    """The multipart field "file", read up to one byte past ``limit`` so the cap can be enforced."""
    storage = request.files.get("file")
    if storage is None:
        raise invalid("file", "missing", "请以 multipart/form-data 的 file 字段上传文件",
                      "send the file as the multipart/form-data field 'file'")
    return storage.filename, storage.stream.read(limit + 1)


def _upload(owner: type[Contract] | type[Invoice], owner_id: int) -> Any:
    files = core().services.attachments
    name, data = uploaded_file(files.max_upload_bytes)
    # form fields beside the file: a signed 对账单 / 回执 interrupts the limitation from its date
    kind, signed_on = request.form.get("kind") or "other", request.form.get("signed_on") or None
    return attachment_json(files.upload(uow(), owner, owner_id, name, data, kind=kind, signed_on=signed_on)), 201


def _download(owner: type[Contract] | type[Invoice], owner_id: int, file_id: int) -> Any:
    d = core().services.attachments.download(uow(), owner, owner_id, file_id)
    return file_response(d.data, d.attachment.content_type, d.attachment.filename)


FILE_TYPES = ["multipart/form-data"]
BYTES = ["application/pdf", "image/jpeg", "image/png", attachments.DOCX]
UPLOAD_RESPONSES = {"201": "Stored", "413": "Too large", "422": "Not PDF, JPEG, PNG or DOCX"}


@endpoint(bp, "GET", "/contracts/{contract_id}/files", summary="Files attached to a contract",
          path_params=CONTRACT, response=AttachmentList)
def list_contract_files(actor: Actor, contract_id: int) -> Any:
    return {"items": [attachment_json(a) for a in attachments.list_for(session(), actor, Contract, contract_id)]}


@endpoint(bp, "POST", "/contracts/{contract_id}/files", summary="Upload a file (e.g. the signed scan)",
          roles=WRITERS, path_params=CONTRACT, content_types=FILE_TYPES, responses=UPLOAD_RESPONSES,
          response=AttachmentOut)
def upload_contract_file(actor: Actor, contract_id: int) -> Any:
    return _upload(Contract, contract_id)


@endpoint(bp, "GET", "/contracts/{contract_id}/files/{file_id}", summary="Download a contract file (audited)",
          path_params={"contract_id": "integer", "file_id": "integer"}, response_types=BYTES, writes=True)
def download_contract_file(actor: Actor, contract_id: int, file_id: int) -> Any:
    return _download(Contract, contract_id, file_id)


INVOICE_FILE = {"invoice_id": "integer", "file_id": "integer"}


@endpoint(bp, "GET", "/invoices/{invoice_id}/files", summary="Files attached to an invoice",
          path_params={"invoice_id": "integer"}, response=AttachmentList)
def list_invoice_files(actor: Actor, invoice_id: int) -> Any:
    return {"items": [attachment_json(a) for a in attachments.list_for(session(), actor, Invoice, invoice_id)]}


@endpoint(bp, "POST", "/invoices/{invoice_id}/files", summary="Upload a file (发票 image, delivery note)",
          roles=WRITERS, path_params={"invoice_id": "integer"}, content_types=FILE_TYPES,
          responses=UPLOAD_RESPONSES, response=AttachmentOut)
def upload_invoice_file(actor: Actor, invoice_id: int) -> Any:
    return _upload(Invoice, invoice_id)


@endpoint(bp, "GET", "/invoices/{invoice_id}/files/{file_id}", summary="Download an invoice file (audited)",
          path_params=INVOICE_FILE, response_types=BYTES, writes=True)
def download_invoice_file(actor: Actor, invoice_id: int, file_id: int) -> Any:
    return _download(Invoice, invoice_id, file_id)


# the money resources register on this blueprint too
from workflow.web.api import ledger_money  # noqa: E402

__all__ = ["bp", "ledger_money"]
