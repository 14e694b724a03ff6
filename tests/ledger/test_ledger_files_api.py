"""Contract and invoice files: sniffed types only, a size cap, audited downloads, lawyer visibility."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import Ledger, invoice_body, post, reading, seed, snapshot
from workflow.audit.models import AuditEntry
from workflow.config import Settings
from workflow.core import Core
from workflow.ledger.models import Attachment

LIMIT = 64 * 1024
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("合同扫描件.pdf.exe", b"MZ\x90\x00")
    return buf.getvalue()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The suite's settings with a small upload cap, so the oversized case stays cheap."""
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", max_upload_bytes=LIMIT)


@pytest.fixture
def ledger(client: FlaskClient, users: Users) -> Ledger:
    return seed(client, users.clerk)


def upload(client: FlaskClient, path: str, data: bytes, name: str, headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1{path}", data={"file": (io.BytesIO(data), name)}, headers=headers,
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("data", "name", "content_type", "stored_as"), [
    (PDF, "BSP-2026-0158 盖章版.pdf", "application/pdf", "BSP-2026-0158 盖章版.pdf"),
    (JPEG, "scan.jpeg", "image/jpeg", "scan.jpeg"),
    (PNG, "../../扫描/合同第1页", "image/png", "合同第1页.png"),
    (docx(), "补充协议.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "补充协议.docx"),
])
def test_allowed_files_are_stored_and_downloaded_byte_for_byte(client: FlaskClient, users: Users, core: Core,
                                                               ledger: Ledger, data: bytes, name: str,
                                                               content_type: str, stored_as: str) -> None:
    resp = upload(client, f"/contracts/{ledger.contract_id}/files", data, name, users.clerk)
    assert resp.status_code == 201, resp.json
    meta = resp.json
    assert meta["content_type"] == content_type and meta["filename"] == stored_as and meta["size"] == len(data)
    got = client.get(f"/api/v1/contracts/{ledger.contract_id}/files/{meta['id']}", headers=users.legal)
    assert got.status_code == 200 and got.data == data and got.mimetype == content_type
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    with reading(core) as s:
        actions = [(e.action, e.actor) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "attachment").order_by(AuditEntry.id))]
    assert actions == [("attachment.upload", "clerk1"), ("attachment.download", "legal1")]
    listed = client.get(f"/api/v1/contracts/{ledger.contract_id}", headers=users.clerk).json["files"]
    assert [f["id"] for f in listed] == [meta["id"]]


@pytest.mark.parametrize(("data", "name"), [
    (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100), "合同.pdf"),  # a Windows program named like a PDF
    (b"<html><script>alert(1)</script></html>", "合同.docx"),
    (plain_zip(), "合同.docx"),  # a zip, but not a Word document
    (b"PK\x03\x04 truncated", "合同.docx"),
    (b"", "空文件.pdf"),
])
def test_forbidden_file_types_are_refused_and_nothing_is_stored(client: FlaskClient, users: Users, core: Core,
                                                                ledger: Ledger, data: bytes, name: str) -> None:
    before = snapshot(core)
    resp = upload(client, f"/contracts/{ledger.contract_id}/files", data, name, users.clerk)
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "file"
    assert snapshot(core) == before


def test_oversized_upload_is_a_413_naming_the_file(client: FlaskClient, users: Users, core: Core,
                                                   ledger: Ledger) -> None:
    before = snapshot(core)
    resp = upload(client, f"/contracts/{ledger.contract_id}/files", PDF + bytes(LIMIT), "大扫描件.pdf", users.clerk)
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    assert resp.json["errors"][0]["field"] == "file"
    assert snapshot(core) == before


def test_upload_without_a_file_field_names_it(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    resp = client.post(f"/api/v1/contracts/{ledger.contract_id}/files", data={"document": "x"}, headers=users.clerk,
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "file"


def test_invoice_files_and_lawyer_visibility(client: FlaskClient, users: Users, core: Core, ledger: Ledger) -> None:
    inv = post(client, "/invoices", invoice_body(ledger, "FP-2026-0042", "2026-09-01", "2026-10-31", "9800.00"),
               users.clerk)
    meta = upload(client, f"/invoices/{inv['id']}/files", JPEG, "发票.jpg", users.clerk).json
    path = f"/api/v1/invoices/{inv['id']}/files/{meta['id']}"
    # not assigned: the file does not exist for the lawyer, and nothing is logged as downloaded
    assert client.get(path, headers=users.lawyer).status_code == 404
    assert client.get(f"/api/v1/invoices/{inv['id']}/files", headers=users.lawyer).status_code == 404
    # a file is reachable only under its own invoice
    assert client.get(f"/api/v1/contracts/{ledger.contract_id}/files/{meta['id']}",
                      headers=users.clerk).status_code == 404
    client.patch(f"/api/v1/customers/{ledger.customer_ids[0]}", json={"assigned_lawyer_id": users.lawyer_id},
                 headers=users.admin)
    got = client.get(path, headers=users.lawyer)
    assert got.status_code == 200 and got.data == JPEG
    assert upload(client, f"/invoices/{inv['id']}/files", PDF, "x.pdf", users.lawyer).status_code == 403
    with reading(core) as s:
        downloads = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.download")))
    assert [(d.actor, d.after["filename"]) for d in downloads] == [("lawyer1", "发票.jpg")]


def raw_upload(client: FlaskClient, path: str, disposition: bytes, data: bytes, headers: dict[str, str]) -> Any:
    """A multipart body written by hand: RFC 2231 ``filename*`` carries characters a quoted name cannot."""
    body = (b"--XX\r\nContent-Disposition: form-data; name=\"file\"; " + disposition
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--XX--\r\n")
    return client.post(f"/api/v1{path}", data=body, headers=headers, content_type="multipart/form-data; boundary=XX")


@pytest.mark.parametrize("disposition", [
    b"filename*=UTF-8''%E5%90%88%E5%90%8C%0D%0AX-Injected%3A%201.pdf",  # CR LF: a second header on download
    b"filename*=UTF-8''%E5%90%88%E5%90%8C%00.pdf",  # NUL: PostgreSQL refuses it in text
    b"filename=\"scan\x0b\x1b[31m.pdf\"",  # vertical tab and an ANSI escape, for whoever reads a log
    b"filename*=UTF-8''invoice%E2%80%AEfdp.exe",  # right-to-left override: displays as invoice.exe.pdf
])
def test_file_names_with_control_characters_are_refused(client: FlaskClient, users: Users, core: Core,
                                                        ledger: Ledger, disposition: bytes) -> None:
    before = snapshot(core)
    resp = raw_upload(client, f"/contracts/{ledger.contract_id}/files", disposition, PDF, users.clerk)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
    assert [e["field"] for e in resp.json["errors"]] == ["filename"]
    assert snapshot(core) == before


def test_a_stored_name_of_any_kind_downloads_with_one_safe_header(client: FlaskClient, users: Users, core: Core,
                                                                  ledger: Ledger) -> None:
    meta = upload(client, f"/contracts/{ledger.contract_id}/files", PDF, "合同.pdf", users.clerk).json
    # a name stored before names were checked
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        att = uow.session.get(Attachment, meta["id"])
        assert att is not None
        att.filename = '合同\r\nSet-Cookie: x=1\x00"\\;.pdf'
    got = client.get(f"/api/v1/contracts/{ledger.contract_id}/files/{meta['id']}", headers=users.clerk)
    assert got.status_code == 200 and got.data == PDF
    assert "Set-Cookie" not in got.headers
    disposition = got.headers["Content-Disposition"]
    assert disposition == ('attachment; filename="____Set-Cookie: x=1___;.pdf"; '
                           "filename*=UTF-8''%E5%90%88%E5%90%8C%0D%0ASet-Cookie%3A%20x%3D1%00%22%5C%3B.pdf")
