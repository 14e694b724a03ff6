"""The template registry: shipped templates, uploads and every check an upload must pass."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, TEMPLATE_CACHE
from tests.documents import builders
from tests.uow import read, run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.config import Settings
from workflow.core import Core
from workflow.documents.models import TemplateVersion
from workflow.documents.registry import SyncReport, TemplateRegistry
from workflow.documents.worker import RenderWorker
from workflow.errors import DomainError, Forbidden, NotFound, ValidationFailed
from workflow.unit_of_work import UnitOfWork


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


def make_registry(core: Core, worker: RenderWorker) -> TemplateRegistry:
    return TemplateRegistry(core.files, worker, TEMPLATE_CACHE, shipped_dir=core.settings.templates_dir,
                            max_template_bytes=core.settings.max_template_bytes, catalogue=CATALOGUE)


@pytest.fixture
def registry(core: Core, worker: RenderWorker) -> TemplateRegistry:
    return make_registry(core, worker)


def versions(core: Core) -> list[tuple[int, str, bool]]:
    return read(core, SYSTEM_ACTOR, lambda uow: [
        (v.version, v.source, v.active)
        for v in uow.session.scalars(select(TemplateVersion).order_by(TemplateVersion.id))])


def sync(core: Core, registry: TemplateRegistry) -> SyncReport:
    return run(core, SYSTEM_ACTOR, registry.sync_shipped)


def upload(core: Core, registry: TemplateRegistry, data: bytes, actor: Actor = SYSTEM_ACTOR) -> TemplateVersion:
    return run(core, actor, registry.upload, "dunning_letter_1", "zh", data)


def refused(core: Core, registry: TemplateRegistry, data: bytes) -> DomainError:
    with pytest.raises(DomainError) as err:
        upload(core, registry, data)
    return err.value


def test_shipped_templates_load_once_by_content(registry: TemplateRegistry, core: Core) -> None:
    path = core.settings.templates_dir / "dunning_letter_1.zh.docx"
    path.write_bytes(builders.dunning_letter())
    assert sync(core, registry).registered == ["dunning_letter_1.zh.docx"]
    assert sync(core, registry).registered == []
    assert versions(core) == [(1, "shipped", True)]
    path.write_bytes(builders.simple("致：{{ debtor.name }}", "合计：{{ total|money }}"))
    sync(core, registry)
    assert versions(core) == [(1, "shipped", False), (2, "shipped", True)]


def test_broken_shipped_template_is_reported_not_registered(registry: TemplateRegistry, core: Core) -> None:
    (core.settings.templates_dir / "dunning_letter_1.en.docx").write_bytes(builders.simple("{{ debtor.nmae }}"))
    report = sync(core, registry)
    assert report.registered == []
    assert "debtor.nmae" in report.rejected["dunning_letter_1.en.docx"]


def test_upload_becomes_active_and_old_versions_stay(registry: TemplateRegistry, core: Core) -> None:
    (core.settings.templates_dir / "dunning_letter_1.zh.docx").write_bytes(builders.dunning_letter())
    sync(core, registry)
    uploaded = upload(core, registry, builders.simple("致：{{ debtor.name }}", "请于{{ deadline|date_zh }}前付款"))
    assert (uploaded.version, uploaded.source, uploaded.active) == (2, "upload", True)
    assert versions(core) == [(1, "shipped", False), (2, "upload", True)]
    docx = read(core, SYSTEM_ACTOR, lambda uow: registry.render(
        registry.active(uow.session, "dunning_letter_1", "zh"), builders.letter_context(rows=1)))
    assert "请于2026年12月10日前付款" in zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()


def test_unknown_variable_is_refused_with_the_allowed_list(registry: TemplateRegistry, core: Core) -> None:
    err = refused(core, registry, builders.simple(
        "致：{{ debtor.name }}", "{% for i in invoices %}{{ i.amout }}{% endfor %}", "{{ debtor.phone }}"))
    assert isinstance(err, ValidationFailed)
    assert err.extra["unknown"] == ["debtor.phone", "invoices[].amout"]
    assert "invoices[].amount" in err.extra["allowed"]
    assert "invoices[].amount" in err.problems[0].en and "debtor.phone" in err.problems[0].zh


def test_jinja_syntax_error_shows_the_surrounding_text(registry: TemplateRegistry, core: Core) -> None:
    err = refused(core, registry, builders.simple("尊敬的客户：", "{% if debtor.name %}贵司欠款未付", "此致敬礼"))
    assert err.problems[0].code == "jinja_syntax"
    assert "贵司欠款未付" in err.problems[0].en and "endif" in err.problems[0].en
    assert "尊敬的客户" in err.extra["context"]


def test_unsafe_attribute_is_refused_before_rendering(registry: TemplateRegistry, core: Core) -> None:
    err = refused(core, registry, builders.simple("{{ cycler.__init__.__globals__ }}"))
    assert err.problems[0].code == "unsafe_template"
    assert "__globals__" in err.problems[0].en


def test_zip_bomb_is_refused(registry: TemplateRegistry, core: Core) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(builders.simple("x"))) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("word/media/image1.png", b"\0" * (30 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    assert refused(core, registry, buf.getvalue()).problems[0].code == "zip_bomb"


def test_entity_expansion_is_refused(registry: TemplateRegistry, core: Core) -> None:
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
    err = refused(core, registry, buf.getvalue())
    assert err.problems[0].code == "xml_entities"
    assert "word/document.xml" in err.problems[0].en


def test_a_template_whose_output_nests_too_deep_is_refused(registry: TemplateRegistry, core: Core) -> None:
    """A loop opened in a paragraph and closed inside a table cell opens a table per pass and never
    closes it: the test render of an upload is held to the depth limit of every DOCX we read."""
    doc = Document()
    doc.add_paragraph("{%p for i in range(200) %}")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "{%p endfor %}"
    err = refused(core, registry, builders.docx_bytes(doc))
    assert err.problems[0].code == "xml_too_deep" and "word/document.xml" in err.problems[0].en
    assert versions(core) == []


def test_not_a_docx_and_too_large(registry: TemplateRegistry, core: Core) -> None:
    assert refused(core, registry, "催款函".encode() * 100).problems[0].code == "not_docx"
    err = refused(core, registry, b"PK" + b"\0" * (3 * 1024 * 1024))
    assert err.status == 413


def test_endless_template_is_stopped_and_the_worker_recovers(core: Core) -> None:
    # the limit also covers starting a fresh worker process for the upload after the kill, which
    # takes well over a second on a loaded 2-core machine; the endless loop never finishes anyway
    quick = RenderWorker(timeout=5, memory_bytes=400 * 1024 * 1024)
    try:
        registry = make_registry(core, quick)
        spin = builders.simple("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
        assert refused(core, registry, spin).problems[0].code == "render_timeout"
        ok = upload(core, registry, builders.simple("致：{{ debtor.name }}"))
        assert ok.active
    finally:
        quick.close()


def test_memory_hungry_template_is_stopped() -> None:
    # the time limit is far off, so what stops it is the memory limit (a few seconds on a loaded machine)
    roomy = RenderWorker(timeout=120, memory_bytes=400 * 1024 * 1024)
    try:
        hungry = builders.simple('{% set s = "堃" * 999999 %}{% for i in range(99999) %}{{ s }}{% endfor %}')
        with pytest.raises(ValidationFailed) as err:
            roomy.render(hungry, {})
        assert err.value.problems[0].code in ("too_much_memory", "render_crashed")
        assert roomy.render(builders.simple("{{ a }}"), {"a": "仍可用"})  # and it keeps working
    finally:
        roomy.close()


def test_versions_and_documents_on_every_database(any_db: Core, worker: RenderWorker) -> None:
    from workflow.documents.models import GeneratedDocument
    from workflow.documents.service import DocumentService

    registry = make_registry(any_db, worker)
    (any_db.settings.templates_dir / "dunning_letter_1.zh.docx").write_bytes(builders.dunning_letter())
    sync(any_db, registry)
    upload(any_db, registry, builders.simple("致：{{ debtor.name }}"))
    assert versions(any_db) == [(1, "shipped", False), (2, "upload", True)]
    service = DocumentService(registry, any_db.files, any_db.services.pdf, any_db.unit_of_work)
    doc = run(any_db, SYSTEM_ACTOR, service.generate, "dunning_letter_1", "zh", builders.letter_context(rows=2),
              pdf=False)
    got = run(any_db, SYSTEM_ACTOR, service.download, doc.id, "docx")
    assert got.data == any_db.files.get(doc.docx_sha256)

    def tamper(uow: UnitOfWork) -> None:
        stored = uow.session.get(GeneratedDocument, doc.id)
        assert stored is not None and stored.context["debtor"]["name"].startswith("深圳市华星光电")
        stored.docx_sha256 = "0" * 64
        uow.session.flush()

    with pytest.raises(PermissionError):
        run(any_db, SYSTEM_ACTOR, tamper)


def test_only_legal_staff_and_administrators_upload(registry: TemplateRegistry, core: Core) -> None:
    clerk = Actor(user_id=None, username="clerk", role=Role.CLERK)
    with pytest.raises(Forbidden):
        upload(core, registry, builders.simple("致：{{ debtor.name }}"), actor=clerk)
    assert versions(core) == []


def test_reading_the_registry_registers_nothing(registry: TemplateRegistry, core: Core) -> None:
    """GET never writes: the shipped templates arrive by ``dunning db upgrade``, not on first read."""
    (core.settings.templates_dir / "dunning_letter_1.zh.docx").write_bytes(builders.dunning_letter())
    assert read(core, SYSTEM_ACTOR, lambda uow: registry.versions(uow.session)) == []
    with pytest.raises(NotFound):
        read(core, SYSTEM_ACTOR, lambda uow: registry.active(uow.session, "dunning_letter_1", "zh"))
    assert versions(core) == []
