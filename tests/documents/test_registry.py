"""The template registry: shipped templates, uploads and every check an upload must pass."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.documents import builders
from workflow.config import Settings
from workflow.core import Core
from workflow.documents.models import TemplateVersion
from workflow.documents.registry import TemplateRegistry
from workflow.documents.worker import RenderWorker
from workflow.errors import DomainError, ValidationFailed


@dataclass(frozen=True)
class Spec:
    kind: str
    title_zh: str
    title_en: str
    variables: dict[str, str] = field(default_factory=dict)

    def sample_context(self) -> dict[str, Any]:
        return builders.letter_context(rows=2)


LETTER_VARS = {
    "creditor.name": "债权人名称", "creditor.bank": "开户行", "creditor.account": "账号",
    "debtor.name": "债务人名称", "debtor.credit_code": "统一社会信用代码",
    "contract.title": "合同名称", "contract.number": "合同编号", "contract.signed_on": "签订日期",
    "invoices[].number": "发票号", "invoices[].issued_on": "开票日", "invoices[].due_on": "到期日",
    "invoices[].amount": "金额", "invoices[].paid": "已付", "invoices[].outstanding": "未付",
    "total": "合计", "as_of": "截至日", "deadline": "付款期限", "rate": "利率",
}
CATALOGUE = {"dunning_letter_1": Spec("dunning_letter_1", "催款函", "Payment demand", LETTER_VARS)}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shipped = tmp_path / "templates_docx"
    shipped.mkdir()
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", templates_dir=shipped,
                    max_template_bytes=2 * 1024 * 1024)


@pytest.fixture(scope="module")
def worker() -> Iterator[RenderWorker]:
    w = RenderWorker(timeout=8, memory_bytes=400 * 1024 * 1024)
    yield w
    w.close()


@pytest.fixture
def registry(core: Core, worker: RenderWorker) -> TemplateRegistry:
    return TemplateRegistry(core, catalogue=CATALOGUE, worker=worker)


def versions(core: Core) -> list[tuple[int, str, bool]]:
    with core.db.session() as s:
        rows = s.scalars(select(TemplateVersion).order_by(TemplateVersion.id))
        return [(v.version, v.source, v.active) for v in rows]


def refused(registry: TemplateRegistry, data: bytes) -> DomainError:
    with pytest.raises(DomainError) as err:
        registry.upload(SYSTEM_ACTOR, "dunning_letter_1", "zh", data)
    return err.value


def test_shipped_templates_load_once_by_content(registry: TemplateRegistry, core: Core) -> None:
    path = core.settings.templates_dir / "dunning_letter_1.zh.docx"
    path.write_bytes(builders.dunning_letter())
    assert registry.sync_shipped().registered == ["dunning_letter_1.zh.docx"]
    assert registry.sync_shipped().registered == []
    assert versions(core) == [(1, "shipped", True)]
    path.write_bytes(builders.simple("致：{{ debtor.name }}", "合计：{{ total|money }}"))
    registry.sync_shipped()
    assert versions(core) == [(1, "shipped", False), (2, "shipped", True)]


def test_broken_shipped_template_is_reported_not_registered(registry: TemplateRegistry, core: Core) -> None:
    (core.settings.templates_dir / "dunning_letter_1.en.docx").write_bytes(builders.simple("{{ debtor.nmae }}"))
    report = registry.sync_shipped()
    assert report.registered == []
    assert "debtor.nmae" in report.rejected["dunning_letter_1.en.docx"]


def test_upload_becomes_active_and_old_versions_stay(registry: TemplateRegistry, core: Core) -> None:
    (core.settings.templates_dir / "dunning_letter_1.zh.docx").write_bytes(builders.dunning_letter())
    uploaded = registry.upload(SYSTEM_ACTOR, "dunning_letter_1", "zh",
                               builders.simple("致：{{ debtor.name }}", "请于{{ deadline|date_zh }}前付款"))
    assert (uploaded.version, uploaded.source, uploaded.active) == (2, "upload", True)
    assert versions(core) == [(1, "shipped", False), (2, "upload", True)]
    with core.db.session() as s:
        docx = registry.render(registry.active(s, "dunning_letter_1", "zh"), builders.letter_context(rows=1))
    assert "请于2026年12月10日前付款" in zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()


def test_unknown_variable_is_refused_with_the_allowed_list(registry: TemplateRegistry) -> None:
    err = refused(registry, builders.simple("致：{{ debtor.name }}", "{% for i in invoices %}{{ i.amout }}{% endfor %}",
                                            "{{ debtor.phone }}"))
    assert isinstance(err, ValidationFailed)
    assert err.extra["unknown"] == ["debtor.phone", "invoices[].amout"]
    assert "invoices[].amount" in err.extra["allowed"]
    assert "invoices[].amount" in err.problems[0].en and "debtor.phone" in err.problems[0].zh


def test_jinja_syntax_error_shows_the_surrounding_text(registry: TemplateRegistry) -> None:
    err = refused(registry, builders.simple("尊敬的客户：", "{% if debtor.name %}贵司欠款未付", "此致敬礼"))
    assert err.problems[0].code == "jinja_syntax"
    assert "贵司欠款未付" in err.problems[0].en and "endif" in err.problems[0].en
    assert "尊敬的客户" in err.extra["context"]


def test_unsafe_attribute_is_refused_before_rendering(registry: TemplateRegistry) -> None:
    err = refused(registry, builders.simple("{{ cycler.__init__.__globals__ }}"))
    assert err.problems[0].code == "unsafe_template"
    assert "__globals__" in err.problems[0].en


def test_zip_bomb_is_refused(registry: TemplateRegistry) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(builders.simple("x"))) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("word/media/image1.png", b"\0" * (30 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    assert refused(registry, buf.getvalue()).problems[0].code == "zip_bomb"


def test_entity_expansion_is_refused(registry: TemplateRegistry) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]>')
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(builders.simple("{{ debtor.name }}"))) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                body = laughs + body.split(b"?>", 1)[1].replace(b"{{ debtor.name }}", b"&c;")
            dst.writestr(item, body)
    err = refused(registry, buf.getvalue())
    assert err.problems[0].code == "xml_entities"
    assert "word/document.xml" in err.problems[0].en


def test_not_a_docx_and_too_large(registry: TemplateRegistry) -> None:
    assert refused(registry, "催款函".encode() * 100).problems[0].code == "not_docx"
    err = refused(registry, b"PK" + b"\0" * (3 * 1024 * 1024))
    assert err.status == 413


def test_endless_template_is_stopped_and_the_worker_recovers(core: Core) -> None:
    # the limit also covers starting a fresh worker process for the upload after the kill, which
    # takes well over a second on a loaded 2-core machine; the endless loop never finishes anyway
    quick = RenderWorker(timeout=5, memory_bytes=400 * 1024 * 1024)
    try:
        registry = TemplateRegistry(core, catalogue=CATALOGUE, worker=quick)
        spin = builders.simple("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
        assert refused(registry, spin).problems[0].code == "render_timeout"
        ok = registry.upload(SYSTEM_ACTOR, "dunning_letter_1", "zh", builders.simple("致：{{ debtor.name }}"))
        assert ok.active
    finally:
        quick.close()


def test_memory_hungry_template_is_stopped(worker: RenderWorker) -> None:
    hungry = builders.simple('{% set s = "堃" * 999999 %}{% for i in range(99999) %}{{ s }}{% endfor %}')
    with pytest.raises(ValidationFailed) as err:
        worker.render(hungry, {})
    assert err.value.problems[0].code in ("too_much_memory", "render_crashed")
    assert worker.render(builders.simple("{{ a }}"), {"a": "仍可用"})  # and it keeps working


def test_versions_and_documents_on_every_database(any_db: Core, worker: RenderWorker) -> None:
    from workflow.documents.models import GeneratedDocument
    from workflow.documents.service import DocumentService

    registry = TemplateRegistry(any_db, catalogue=CATALOGUE, worker=worker)
    (any_db.settings.templates_dir / "dunning_letter_1.zh.docx").write_bytes(builders.dunning_letter())
    registry.upload(SYSTEM_ACTOR, "dunning_letter_1", "zh", builders.simple("致：{{ debtor.name }}"))
    assert versions(any_db) == [(1, "shipped", False), (2, "upload", True)]
    service = DocumentService(any_db, registry)
    doc = service.generate(SYSTEM_ACTOR, "dunning_letter_1", "zh", builders.letter_context(rows=2), pdf=False)
    assert service.download(SYSTEM_ACTOR, doc.id, "docx").data == any_db.files.get(doc.docx_sha256)
    with any_db.db.session() as s:
        stored = s.get(GeneratedDocument, doc.id)
        assert stored is not None and stored.context["debtor"]["name"].startswith("深圳市华星光电")
        stored.docx_sha256 = "0" * 64
        with pytest.raises(PermissionError):
            s.flush()
        s.rollback()
