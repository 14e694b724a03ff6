"""API resources: imports (POST /api/v1/imports, a CSV or XLSX file as multipart/form-data)."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field

from workflow.accounts.actor import Actor
from workflow.errors import FieldProblem, TooLarge, ValidationFailed
from workflow.ledger.imports import parse_kind
from workflow.web.api.base import WRITERS, core, endpoint, uow
from workflow.web.api.responses import ImportOut

bp = Blueprint("imports", __name__)


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["customers", "contacts", "contracts", "invoices", "payments"] | None = Field(
        None, description="what the file holds; detected from the headers or sheet names when omitted"
    )
    dry_run: bool = Field(False, description="check everything and report the counts, but write nothing")
    allow_customer_change: bool = Field(False, description="let a re-imported unpaid invoice move to another "
                                        "customer (audited with the old and new customer); refused otherwise")


@endpoint(
    bp,
    "POST",
    "/imports",
    summary="Import customers, contacts, contracts, invoices or payments from a CSV or XLSX file (all or nothing)",
    roles=WRITERS,
    query=ImportQuery,
    content_types=["multipart/form-data"],
    responses={
        "200": "Imported (or checked, with dry_run): counts per kind",
        "413": "File too large",
        "422": "Bad rows (the first 1,000 problems in `rows`, all counted in `problem_count`), or a file "
        "that cannot be read: bad encoding (the `line` named), over the row, cell or zip limits",
    },
    response=ImportOut,
)
def create_import(actor: Actor, query: ImportQuery) -> Any:
    c = core()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(
            [FieldProblem("file", "missing", "请上传文件（表单字段 file）", "upload a file in the form field 'file'")]
        )
    limit = c.settings.max_upload_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("file", limit)
    result = c.services.importer.run(uow(), upload.filename, data, parse_kind(query.kind), dry_run=query.dry_run,
                                     allow_customer_change=query.allow_customer_change)
    return result.as_dict()
