"""Who sees a case's evidence: a lawyer the cases of the customers assigned to them, and nothing
else — not the items, not the documents, not the mail sent or received; staff see every case."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.evidence.test_items import Case, make_case, png
from tests.uow import run
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.documents.models import GeneratedDocument
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.usefixtures("shipped_templates")


def audit_count(core: Core) -> int:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def case_documents(core: Core, case: Case) -> list[int]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(GeneratedDocument.id).where(
            GeneratedDocument.customer_id == case.debtor.customer_id).order_by(GeneratedDocument.id)))


def reads(c: Case, document_id: int) -> list[str]:
    """Every read of the case's evidence, documents and mail a person can make."""
    ref = c.debtor.case_ref
    return [
        f"/api/v1/cases/{ref}/evidence",
        f"/api/v1/documents/{document_id}",
        f"/api/v1/documents/{document_id}/docx",
        f"/api/v1/documents/{document_id}/pdf",
        f"/api/v1/outbox/{c.outbox_id}",
        f"/api/v1/outbox/{c.outbox_id}/eml",
        f"/api/v1/replies/{c.inbound_id}",
        f"/api/v1/replies/{c.inbound_id}/eml",
    ]


def lists(c: Case) -> list[str]:
    return [f"/api/v1/documents?case={c.debtor.case_id}", f"/api/v1/documents?customer_id={c.debtor.customer_id}",
            "/api/v1/documents", f"/api/v1/outbox?case={c.debtor.case_id}", "/api/v1/outbox"]


def letter_with_pdf(core: Core, c: Case) -> int:
    """The letter that was sent (the copy with its PDF)."""
    return case_documents(core, c)[1]


def writes(client: FlaskClient, headers: dict[str, str], c: Case, item_id: int) -> list[Any]:
    ref = c.debtor.case_ref
    return [
        client.patch(f"/api/v1/cases/{ref}/evidence/{item_id}", headers=headers, json={"included": False}),
        client.post(f"/api/v1/cases/{ref}/evidence", headers=headers, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(png()), "scan.png"), "group": "invoices"}),
    ]


def test_a_lawyer_not_assigned_gets_403_and_nothing_else(core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core)  # assigned to no lawyer
    listed = client.get(f"/api/v1/cases/{c.debtor.case_ref}/evidence", headers=users.clerk).get_json()
    item_id = listed["items"][0]["id"]
    doc = letter_with_pdf(core, c)
    before = audit_count(core)
    for url in reads(c, doc):
        r = client.get(url, headers=users.lawyer)
        assert r.status_code == 403, url
        assert r.mimetype == "application/problem+json" or r.is_json, url
        body = r.get_json()
        assert set(body) <= {"type", "title", "status", "code", "detail", "errors", "title_en", "title_zh"}, url
    for url in lists(c):
        r = client.get(url, headers=users.lawyer)
        assert r.status_code == 200 and r.get_json()["items"] == [] and r.get_json()["total"] == 0, url
    for r in writes(client, users.lawyer, c, item_id):
        assert r.status_code == 403
    assert audit_count(core) == before  # no download, no change, nothing happened


def test_another_lawyers_assignment_does_not_open_the_case(core: Core, client: FlaskClient, users: Users) -> None:
    other = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="lawyer2",
                display_name="other lawyer", role="lawyer", password="correct horse battery")
    c = make_case(core, lawyer_id=other.id)
    for url in reads(c, letter_with_pdf(core, c)):
        assert client.get(url, headers=users.lawyer).status_code == 403, url


def test_the_assigned_lawyer_sees_the_cases_evidence_documents_and_mail(core: Core, client: FlaskClient,
                                                                         users: Users) -> None:
    c = make_case(core, lawyer_id=users.lawyer_id)
    doc = letter_with_pdf(core, c)
    for url in reads(c, doc):
        r = client.get(url, headers=users.lawyer)
        assert r.status_code == 200, (url, r.get_json() if r.is_json else r.status)
    docs = client.get(f"/api/v1/documents?case={c.debtor.case_id}", headers=users.lawyer).get_json()
    assert doc in [d["id"] for d in docs["items"]]
    mail = client.get(f"/api/v1/outbox?case={c.debtor.case_id}", headers=users.lawyer).get_json()
    assert [m["id"] for m in mail["items"]] == [c.outbox_id]
    eml = client.get(f"/api/v1/outbox/{c.outbox_id}/eml", headers=users.lawyer)
    assert eml.mimetype == "message/rfc822" and core.files.get(c.eml_sha256) == eml.data
    item_id = client.get(f"/api/v1/cases/{c.debtor.case_ref}/evidence",
                         headers=users.lawyer).get_json()["items"][0]["id"]
    patched, uploaded = writes(client, users.lawyer, c, item_id)
    assert patched.status_code == 200 and uploaded.status_code == 201
    # the lawyer's downloads are in the audit log under their name
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        actions = set(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "lawyer1")))
    assert {"document.download", "outbox.download", "inbound.download", "evidence.update",
            "evidence.upload"} <= actions


def test_a_lawyer_unassigned_later_loses_access(core: Core, client: FlaskClient, users: Users) -> None:
    c = make_case(core, lawyer_id=users.lawyer_id)
    url = f"/api/v1/cases/{c.debtor.case_ref}/evidence"
    assert client.get(url, headers=users.lawyer).status_code == 200

    def unassign(uow: UnitOfWork) -> None:
        customer = uow.session.get(Customer, c.debtor.customer_id)
        assert customer is not None
        customer.assigned_lawyer_id = None

    run(core, SYSTEM_ACTOR, unassign)
    assert client.get(url, headers=users.lawyer).status_code == 403
    assert client.get(f"/api/v1/replies/{c.inbound_id}", headers=users.lawyer).status_code == 403


@pytest.mark.parametrize("who", ["clerk", "legal", "admin"])
def test_staff_see_every_case(core: Core, client: FlaskClient, users: Users, who: str) -> None:
    c = make_case(core)
    headers = getattr(users, who)
    for url in reads(c, letter_with_pdf(core, c)):
        assert client.get(url, headers=headers).status_code == 200, url
    assert client.get(f"/api/v1/documents?case={c.debtor.case_id}", headers=headers).get_json()["total"] >= 2


def test_an_unknown_case_is_404_for_everyone(client: FlaskClient, users: Users) -> None:
    for headers in (users.clerk, users.lawyer):
        assert client.get("/api/v1/cases/AR-2026-9999/evidence", headers=headers).status_code == 404
        assert client.get("/api/v1/cases/not-a-ref/evidence", headers=headers).status_code == 404
