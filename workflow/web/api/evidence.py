"""API resources: a case's evidence items (证据) — collected from the case's records, then chosen,
ordered, named and explained by a clerk or the case's lawyer; uploads add further files.

``GET /cases/{ref}/evidence`` brings the items up to date with the records first (a writing unit of
work: new letters and replies become items, people's edits stay) and reports, per item, what stops
its originals going into a bundle as they are (pre-flight: encrypted, corrupt, too large...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint, request
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.errors import invalid
from workflow.evidence.items import EVIDENCE_WORKERS, Edit, EvidenceItems, describe
from workflow.evidence.models import Group
from workflow.web.api.base import StrictModel, core, endpoint, uow
from workflow.web.api.responses import Out

bp = Blueprint("evidence", __name__)

REF = {"ref": "string"}
ITEM = {"ref": "string", "item_id": "integer"}
GroupName = Literal["contract", "invoices", "statements", "letters", "replies", "payments", "promises",
                    "calculation"]
ContentType = Literal["application/pdf", "image/jpeg", "image/png", "image/tiff", "message/rfc822", "text/plain",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]


class EvidenceFileOut(Out):
    sha256: str
    filename: str
    content_type: ContentType


class EvidenceItemOut(Out):
    id: int
    position: int = Field(description="its place in the 证据目录 (1, 2, ...)")
    group: GroupName
    kind: str
    ref: str = Field(description="what it was collected from: document:12, outbox:5, inbound:7, upload:<sha256>...")
    name: str
    source: str
    purpose: str = Field(description="证明目的: what the item proves")
    included: bool
    edited: bool = Field(description="a person changed its name, purpose or place: a new collection keeps them")
    files: list[EvidenceFileOut]
    problem: str | None = Field(description="pre-flight: why its originals cannot go in as they are")
    updated_at: datetime


class EvidenceList(Out):
    case_ref: str
    case_id: int
    items: list[EvidenceItemOut]
    problems: int = Field(description="how many included items the pre-flight check names a problem for")


class EvidenceEditIn(StrictModel):
    included: bool | None = Field(None, description="false leaves it out of the bundle (it stays listed)")
    name: str | None = Field(None, min_length=1, max_length=300)
    purpose: str | None = Field(None, min_length=1, max_length=2000, description="证明目的")
    position: int | None = Field(None, ge=1, le=10_000, description="move it to this place in the list")


def _items() -> EvidenceItems:
    return core().services.evidence


def _listed(ref: str) -> dict[str, Any]:
    case, items = _items().collect(uow(), ref)
    problems = _items().problems(items)
    return {"case_ref": case.ref, "case_id": case.id,
            "items": [describe(i, problems.get(i.id)) for i in items],
            "problems": sum(1 for i in items if i.included and i.id in problems)}


@endpoint(bp, "GET", "/cases/{ref}/evidence", summary="The case's evidence items, collected anew, with pre-flight",
          roles=EVIDENCE_WORKERS, path_params=REF, writes=True,
          responses={"200": "OK", "403": "Not a case of this lawyer's", "404": "No such case"},
          response=EvidenceList)
def list_evidence(actor: Actor, ref: str) -> Any:
    return _listed(ref)


@endpoint(bp, "PATCH", "/cases/{ref}/evidence/{item_id}",
          summary="Include or exclude an item, rename it, say what it proves, move it (audited)",
          roles=EVIDENCE_WORKERS, path_params=ITEM, body=EvidenceEditIn,
          responses={"200": "Changed", "403": "Not a case of this lawyer's", "404": "No such case or item",
                     "422": "A bad value"}, response=EvidenceItemOut)
def edit_evidence(actor: Actor, ref: str, item_id: int, body: EvidenceEditIn) -> Any:
    item = _items().update(uow(), ref, item_id, Edit(included=body.included, name=body.name,
                                                      purpose=body.purpose, position=body.position))
    return describe(item, _items().problems([item]).get(item.id))


@endpoint(bp, "POST", "/cases/{ref}/evidence", summary="Add an uploaded file as an item (PDF, image, DOCX, .eml)",
          roles=EVIDENCE_WORKERS, path_params=REF, content_types=["multipart/form-data"],
          responses={"201": "Added", "403": "Not a case of this lawyer's", "404": "No such case",
                     "409": "Already among the evidence", "413": "Too large", "422": "Not an accepted file"},
          response=EvidenceItemOut)
def upload_evidence(actor: Actor, ref: str) -> Any:
    storage = request.files.get("file")
    if storage is None:
        raise invalid("file", "missing", "请以 multipart/form-data 的 file 字段上传文件",
                      "send the file as the multipart/form-data field 'file'")
    group = request.form.get("group", Group.INVOICES.value)
    data = storage.stream.read(core().settings.max_upload_bytes + 1)
    item = _items().upload(uow(), ref, storage.filename, data, name=request.form.get("name") or None,
                           purpose=request.form.get("purpose") or None, group=group)
    return describe(item, _items().problems([item]).get(item.id)), 201
