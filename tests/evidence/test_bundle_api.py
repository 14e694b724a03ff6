"""The bundle over the API: POST answers 202 with where to look, the job (inline here) builds it, the
status then links to the files, which come streamed and are each audit-logged; a lawyer not
assigned to the case gets 403 and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.evidence.bundlecase import EvidenceCase, evidence_case
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.evidence.models import Bundle


@pytest.fixture
def case(core: Core, users: Users, shipped_templates: None) -> EvidenceCase:
    return evidence_case(core, clerk_id=users.clerk_id)


def downloads(core: Core) -> list[AuditEntry]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "bundle.downloaded")
                                        .order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def bundle_rows(core: Core) -> int:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Bundle)) or 0)


def test_request_build_and_download(client: FlaskClient, core: Core, users: Users, case: EvidenceCase) -> None:
    r = client.post(f"/api/v1/cases/{case.ref.lower()}/bundles", headers=users.clerk)
    assert r.status_code == 202, r.json
    body: dict[str, Any] = r.json or {}
    assert body["status"] == "queued" and body["case_ref"] == case.ref
    assert body["links"] == {"self": f"/api/v1/bundles/{body['id']}", "pdf": None, "zip": None, "manifest": None}

    status = client.get(body["links"]["self"], headers=users.clerk)
    assert status.status_code == 200
    ready: dict[str, Any] = status.json or {}
    assert ready["status"] == "ready", ready["error"]
    links = ready["links"]
    assert set(links) == {"self", "pdf", "zip", "manifest"} and all(links.values())

    pdf = client.get(links["pdf"], headers=users.clerk)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.is_streamed
    assert "filename*=UTF-8''" + "AR-2026-0001-%E8%AF%81%E6%8D%AE.pdf" in pdf.headers["Content-Disposition"]
    assert hashlib.sha256(pdf.data).hexdigest() == ready["pdf_sha256"]
    assert int(pdf.headers["Content-Length"]) == len(pdf.data)
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == ready["page_count"]

    archive = client.get(links["zip"], headers=users.clerk)
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert hashlib.sha256(archive.data).hexdigest() == ready["zip_sha256"]
    manifest = client.get(links["manifest"], headers=users.clerk)
    assert manifest.status_code == 200 and manifest.mimetype == "application/json"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        assert zf.read("manifest.json") == manifest.data
        for entry in json.loads(manifest.data)["originals"]:
            assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
            assert core.files.exists(entry["sha256"])

    # every download is in the audit log: who, which file, which bytes
    logged = downloads(core)
    assert [(e.actor, e.after["what"]) for e in logged] == [("clerk1", "pdf"), ("clerk1", "zip"),
                                                            ("clerk1", "manifest")]
    assert logged[0].after["sha256"] == ready["pdf_sha256"] and logged[1].after["sha256"] == ready["zip_sha256"]

    listed = client.get(f"/api/v1/cases/{case.ref}/bundles", headers=users.admin)
    assert listed.status_code == 200
    assert [b["id"] for b in (listed.json or {})["items"]] == [body["id"]]


def test_a_lawyer_not_assigned_gets_403_and_nothing_else(client: FlaskClient, core: Core, users: Users,
                                                          case: EvidenceCase) -> None:
    r = client.post(f"/api/v1/cases/{case.ref}/bundles", headers=users.lawyer)
    assert r.status_code == 403
    assert set(r.json or {}) <= {"type", "title", "status", "code", "detail", "errors"}
    assert bundle_rows(core) == 0  # no row, no job

    built = client.post(f"/api/v1/cases/{case.ref}/bundles", headers=users.admin).json or {}
    for path in ("", "/pdf", "/zip", "/manifest"):
        denied = client.get(f"/api/v1/bundles/{built['id']}{path}", headers=users.lawyer)
        assert denied.status_code == 403, path
        assert case.ref not in denied.get_data(as_text=True)
    assert client.get(f"/api/v1/cases/{case.ref}/bundles", headers=users.lawyer).status_code == 403
    # a clerk who is not the customer's clerk is not assigned either
    assert client.post(f"/api/v1/cases/{case.ref}/bundles", headers=users.legal).status_code == 403
    assert downloads(core) == []
    assert bundle_rows(core) == 1


def test_not_ready_and_unknown(client: FlaskClient, core: Core, users: Users, case: EvidenceCase,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(core.services.bundles, "enqueue_build", queued.append)
    body = client.post(f"/api/v1/cases/{case.ref}/bundles", headers=users.clerk).json or {}
    assert queued == [body["id"]]
    assert client.get(f"/api/v1/bundles/{body['id']}/pdf", headers=users.clerk).status_code == 409
    assert downloads(core) == []
    assert client.get("/api/v1/bundles/424242", headers=users.clerk).status_code == 404
    assert client.post("/api/v1/cases/AR-2026-9999/bundles", headers=users.clerk).status_code == 404
    assert client.post("/api/v1/cases/not%20a%20ref/bundles", headers=users.clerk).status_code == 404
    assert client.post(f"/api/v1/cases/{case.ref}/bundles").status_code == 401
