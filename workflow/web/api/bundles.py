"""API resources: a case's evidence bundle (证据材料) — asked for, built by a job, downloaded streamed.

``POST /cases/{ref}/bundles`` answers 202 at once with where to look (``links.self``); once the
bundle is ready its status links to the PDF, the ZIP (PDF, manifest and every original) and the
manifest. Only the people assigned to the case and administrators may ask or download; every
download is audit-logged, so those GETs are writing units of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint, Response
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.evidence.models import Bundle, BundleStatus
from workflow.evidence.service import Bundles, Download, describe
from workflow.web.api.base import ALL_ROLES, core, endpoint, uow
from workflow.web.api.responses import OpenOut, Out

bp = Blueprint("bundles", __name__)

REF = {"ref": "string"}
ONE = {"bundle_id": "integer"}
Status = Literal["queued", "building", "ready", "failed"]
CHUNK = 256 * 1024


class BundleLinks(Out):
    self: str
    pdf: str | None = Field(description="set once the bundle is ready")
    zip: str | None = Field(description="the PDF, manifest.json and every original")
    manifest: str | None


class BundleOut(Out):
    id: int
    case_id: int
    case_ref: str
    status: Status
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    page_count: int | None
    pdf_sha256: str | None
    zip_sha256: str | None
    inputs_sha256: str | None = Field(description="SHA-256 of what it was built from: same inputs, same bundle")
    error: str | None
    links: BundleLinks


class ManifestFileOut(OpenOut):
    sha256: str
    filename: str


class ManifestItemOut(OpenOut):
    number: int
    name: str
    first_page: int
    last_page: int
    files: list[ManifestFileOut]


class ManifestOriginalOut(Out):
    path: str = Field(description="where the original is in the ZIP")
    sha256: str
    item: int
    size: int


class ManifestOut(OpenOut):
    """The manifest as in the ZIP (manifest.json): each item's originals, their SHA-256, its pages."""

    case_ref: str
    pages: int
    items: list[ManifestItemOut]
    originals: list[ManifestOriginalOut]
    bundle: dict[str, Any] = Field(description="the PDF's file name, SHA-256 and page count")


class BundleList(Out):
    items: list[BundleOut]


def _bundles() -> Bundles:
    return core().services.bundles


def _out(bundle: Bundle, ref: str) -> dict[str, Any]:
    base = f"/api/v1/bundles/{bundle.id}"
    links: dict[str, str | None] = {"self": base, "pdf": None, "zip": None, "manifest": None}
    if bundle.status == BundleStatus.READY.value:
        links.update(pdf=f"{base}/pdf", zip=f"{base}/zip", manifest=f"{base}/manifest")
    return {**describe(bundle, ref), "links": links}


def _stream(d: Download) -> Response:
    """The file in chunks straight from the store: a bundle of hundreds of MB is never read whole."""
    from urllib.parse import quote

    def chunks() -> Any:
        with d.stream as src:
            while block := src.read(CHUNK):
                yield block

    resp = Response(chunks(), mimetype=d.mimetype)
    resp.headers["Content-Length"] = str(d.size)
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in d.filename)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(d.filename, safe='')}")
    return resp


@endpoint(bp, "POST", "/cases/{ref}/bundles", summary="Build the case's evidence bundle (by a job; 202)",
          roles=ALL_ROLES, path_params=REF,
          responses={"202": "Queued: links.self tells where to fetch it", "403": "Not assigned to this case",
                     "404": "No such case"}, response=BundleOut)
def request_bundle(actor: Actor, ref: str) -> Any:
    u = uow()
    bundle = _bundles().request(u, ref)
    case = _bundles().case(u, ref)
    return _out(bundle, case.ref), 202


@endpoint(bp, "GET", "/cases/{ref}/bundles", summary="The case's bundles, newest first",
          roles=ALL_ROLES, path_params=REF, responses={"200": "OK", "403": "Not assigned to this case",
                                                       "404": "No such case"}, response=BundleList)
def list_bundles(actor: Actor, ref: str) -> Any:
    u = uow()
    case = _bundles().case(u, ref)
    return {"items": [_out(b, case.ref) for b in _bundles().of_case(u, ref)]}


@endpoint(bp, "GET", "/bundles/{bundle_id}", summary="A bundle's status; once ready, links to its files",
          roles=ALL_ROLES, path_params=ONE, responses={"200": "OK", "403": "Not assigned to this case",
                                                       "404": "No such bundle"}, response=BundleOut)
def show_bundle(actor: Actor, bundle_id: int) -> Any:
    bundle, case = _bundles().get(uow(), bundle_id)
    return _out(bundle, case.ref)


def _download(bundle_id: int, what: str) -> Response:
    return _stream(_bundles().download(uow(), bundle_id, what))


_FILE_RESPONSES = {"200": "The file", "403": "Not assigned to this case", "404": "No such bundle",
                   "409": "Not ready yet"}


@endpoint(bp, "GET", "/bundles/{bundle_id}/pdf", summary="The bundle's PDF (streamed, audit-logged)",
          roles=ALL_ROLES, path_params=ONE, writes=True, response_types=["application/pdf"],
          responses=_FILE_RESPONSES)
def download_bundle_pdf(actor: Actor, bundle_id: int) -> Any:
    return _download(bundle_id, "pdf")


@endpoint(bp, "GET", "/bundles/{bundle_id}/zip",
          summary="The PDF, manifest.json and every original, as one ZIP (streamed, audit-logged)",
          roles=ALL_ROLES, path_params=ONE, writes=True, response_types=["application/zip"],
          responses=_FILE_RESPONSES)
def download_bundle_zip(actor: Actor, bundle_id: int) -> Any:
    return _download(bundle_id, "zip")


@endpoint(bp, "GET", "/bundles/{bundle_id}/manifest",
          summary="The manifest: each item's originals with their SHA-256 and pages (audit-logged)",
          roles=ALL_ROLES, path_params=ONE, writes=True, response_types=["application/json"],
          responses=_FILE_RESPONSES, response=ManifestOut)
def download_bundle_manifest(actor: Actor, bundle_id: int) -> Any:
    return _download(bundle_id, "manifest")
