"""The documents API and CLI, with the real catalogue and the shipped templates.

PDF is off here (``pdf_converter="none"``): the DOCX must still be made and the PDF download
must say clearly why there is none.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.documents import builders
from tests.uow import read
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.documents.catalogue import CATALOGUE

pytestmark = pytest.mark.usefixtures("shipped_templates")


def sample(kind: str = "payment_reminder") -> dict[str, Any]:
    return CATALOGUE[kind].sample_context()


def generate(client: FlaskClient, users: Users, **body: Any) -> Any:
    body.setdefault("kind", "payment_reminder")
    if "context" not in body:
        body["context"] = sample(body["kind"])
    return client.post("/api/v1/documents", json=body, headers=users.clerk)


def all_text(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_generate_docx_without_libreoffice(client: FlaskClient, users: Users, core: Core) -> None:
    ctx = sample()
    ctx["customer"]["name"] = '深圳市堃镕电子科技有限公司 & "华南"<分部>'
    resp = generate(client, users, context=ctx, pdf=True)
    assert resp.status_code == 201, resp.json
    doc = resp.json
    assert doc["pdf_status"] == "unavailable" and "PDF" in doc["pdf_notice"]
    assert doc["links"]["pdf"] is None
    got = client.get(doc["links"]["docx"], headers=users.clerk)
    assert got.status_code == 200
    assert got.mimetype.endswith("wordprocessingml.document")
    assert '深圳市堃镕电子科技有限公司 & "华南"<分部>' in all_text(got.data)

    pdf = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=users.clerk)
    assert pdf.status_code == 503
    assert pdf.mimetype == "application/problem+json"
    assert pdf.json["title"].startswith("PDF 不可用") and "DOCX 仍可生成" in pdf.json["title"]
    en = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers={**users.clerk, "Accept-Language": "en"})
    assert en.json["title"].startswith("PDF is unavailable")

    assert audit_actions(core, doc["id"]) == ["document.generate", "document.pdf", "document.download"]


def audit_actions(core: Core, document_id: int) -> list[str]:
    return read(core, SYSTEM_ACTOR, lambda uow: list(uow.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "generated_document", AuditEntry.entity_id == str(document_id))
        .order_by(AuditEntry.id))))


def test_same_context_same_bytes_and_the_record_keeps_everything(client: FlaskClient, users: Users) -> None:
    first = generate(client, users, pdf=False).json
    second = generate(client, users, pdf=False).json
    assert first["docx_sha256"] == second["docx_sha256"] and first["id"] != second["id"]
    record = client.get(f"/api/v1/documents/{first['id']}", headers=users.legal).json
    assert record["context"] == sample()
    assert record["pdf_status"] == "not_requested" and record["made_by"] == "clerk1"
    templates = client.get("/api/v1/templates", headers=users.clerk).json["items"]
    used = next(t for t in templates if t["id"] == record["template_version_id"])
    assert (used["kind"], used["language"], used["source"], used["active"]) == (
        "payment_reminder", "zh", "shipped", True)


def test_english_letter(client: FlaskClient, users: Users) -> None:
    resp = generate(client, users, kind="dunning_letter_1", language="en", pdf=False)
    assert resp.status_code == 201
    text = all_text(client.get(resp.json["links"]["docx"], headers=users.clerk).data)
    assert sample("dunning_letter_1")["customer"]["name_en"] in text


def test_bad_requests_name_the_field(client: FlaskClient, users: Users) -> None:
    ctx = sample()
    del ctx["customer"]
    missing = generate(client, users, context=ctx)
    assert missing.status_code == 422 and "customer" in missing.json["errors"][0]["message"]
    unknown = generate(client, users, kind="dunning_letter_9", context=sample())
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "kind"
    lang = generate(client, users, language="fr")
    assert lang.status_code == 422 and lang.json["errors"][0]["field"] == "language"
    ctx = sample()
    ctx["invoices"][0]["amount"] = 1234.5
    floaty = client.post("/api/v1/documents", headers=users.clerk,
                         data=json.dumps({"kind": "payment_reminder", "context": ctx}).replace("1234.5", "NaN"),
                         content_type="application/json")
    assert floaty.status_code == 422 and floaty.json["errors"][0]["field"] == "context.invoices.0.amount"
    assert client.post("/api/v1/documents", json={"kind": "payment_reminder", "context": sample()},
                       headers=users.lawyer).status_code == 403
    assert client.get("/api/v1/documents/999/docx", headers=users.clerk).status_code == 404


def test_catalogue_endpoint(client: FlaskClient, users: Users) -> None:
    resp = client.get("/api/v1/templates/statement/catalogue", headers=users.lawyer)
    assert resp.status_code == 200
    names = [v["name"] for v in resp.json["variables"]]
    assert names == list(CATALOGUE["statement"].variables)
    assert resp.json["title_zh"] == CATALOGUE["statement"].title_zh


def _upload(client: FlaskClient, headers: dict[str, str], data: bytes, kind: str = "payment_reminder") -> Any:
    return client.post(f"/api/v1/templates/{kind}/zh", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "模板.docx")})


def test_template_upload_checks(client: FlaskClient, users: Users) -> None:
    ok = _upload(client, users.legal, builders.simple("致：{{ customer.name }}", "{{ letter.date|date_zh }}"))
    assert ok.status_code == 201, ok.json
    assert ok.json["source"] == "upload" and ok.json["active"] and ok.json["version"] >= 2
    made = generate(client, users, pdf=False).json
    assert made["template_version_id"] == ok.json["id"]

    unknown = _upload(client, users.legal, builders.simple("{{ customer.nickname }}"))
    assert unknown.status_code == 422
    assert unknown.json["unknown"] == ["customer.nickname"] and "customer.name" in unknown.json["allowed"]

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b" " * (40 * 1024 * 1024))
    resp = _upload(client, users.legal, bomb.getvalue())
    assert resp.status_code == 422 and resp.json["errors"][0]["code"] == "zip_bomb"

    syntax = _upload(client, users.legal, builders.simple("致：{{ customer.name }", "贵司尚欠货款"))
    assert syntax.status_code == 422 and "贵司尚欠货款" in syntax.json["context"]

    assert _upload(client, users.clerk, builders.simple("{{ customer.name }}")).status_code == 403
    assert _upload(client, users.legal, builders.simple("x"), kind="nonsense").status_code == 422


def test_cli_render_and_templates(runner: FlaskCliRunner, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(sample("statement"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(args=["render", "statement", "--context", str(ctx), "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 1 and files[0].endswith(".docx")
    assert "DOCX" in result.output  # the PDF notice says why there is only a DOCX
    pending = runner.invoke(args=["pending-pdfs"])
    assert pending.exit_code == 0 and "已处理 0 份待生成的 PDF" in pending.output  # the Core's locale: zh_CN
    listing = runner.invoke(args=["templates", "list"])
    assert listing.exit_code == 0 and "statement" in listing.output and "shipped" in listing.output

    ctx.write_text("{不是 JSON", encoding="utf-8")
    bad = runner.invoke(args=["render", "statement", "--context", str(ctx), "--out", str(out)])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    up = runner.invoke(args=["templates", "upload", "statement", "zh", str(tmp_path / "bad.docx")])
    assert up.exit_code == 2 and "DOCX" in up.output
