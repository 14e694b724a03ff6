"""The templates page: the shipped and uploaded versions per kind and language, the variables a kind
may use, and uploading a version: accepted when every check passes, refused with every problem and
nothing stored when one fails."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.documents import builders
from tests.uow import read
from tests.web.desk import log_in
from workflow.config import Settings
from workflow.core import Core
from workflow.documents.models import TemplateVersion
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.usefixtures("shipped_templates")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A template limit small enough that an upload over it stays in memory (the shipped ones are ~30 KB)."""
    return dataclasses.replace(settings, max_template_bytes=100_000)


def _versions(core: Core) -> int:
    def count(uow: UnitOfWork) -> int:
        return uow.session.scalar(select(func.count()).select_from(TemplateVersion)) or 0

    return read(core, SYSTEM_ACTOR, count)


def _upload(client: FlaskClient, token: str, data: bytes, *, kind: str = "payment_reminder",
            language: str = "zh", back: str = "") -> Any:
    return client.post("/templates/upload", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": kind, "language": language, "back": back,
        "file": (io.BytesIO(data), "付款提醒函.docx")})


def _check_status(html: str, key: str) -> str:
    start = html.index(f'data-testid="check-{key}"')
    return html[start:start + 120].split('data-status="', 1)[1].split('"', 1)[0]


def test_every_kind_and_language_with_its_version_in_use(client: FlaskClient, users: Users) -> None:
    log_in(client, "clerk1")
    html = client.get("/templates").get_data(as_text=True)
    assert 'data-testid="row-statement-zh"' in html and "往来对账单" in html and "系统自带" in html
    assert 'data-testid="upload-form"' not in html  # clerks may not upload
    kind = client.get("/templates/statement").get_data(as_text=True)
    assert "<code>customer.name</code>" in kind and "客户（债务人）全称" in kind
    assert 'data-testid="active-version"' in kind
    client.set_cookie("dunning_lang", "en")
    english = client.get("/templates/statement").get_data(as_text=True)
    assert "Statement of account" in english and "full legal name" in english and "客户（债务人）全称" not in english
    assert client.get("/templates/no_such_kind").status_code == 404


def test_legal_uploads_a_version_that_passes_every_check(client: FlaskClient, users: Users, core: Core) -> None:
    token = log_in(client, "legal1")
    assert 'data-testid="upload-form"' in client.get("/templates").get_data(as_text=True)
    before = _versions(core)
    resp = _upload(client, token, builders.simple("致：{{ customer.name }}", "{{ letter.date|date_zh }}"))
    assert resp.status_code == 303 and resp.headers["Location"] == "/templates/payment_reminder"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已启用" in page and "全部检查通过" in page
    assert _versions(core) == before + 1
    zh = page[page.index('data-testid="versions-zh"'):page.index('data-testid="versions-en"')]
    assert "用户上传" in zh and "legal1" in zh


def test_a_refused_upload_shows_every_problem_and_stores_nothing(client: FlaskClient, users: Users,
                                                                  core: Core) -> None:
    token = log_in(client, "admin1")
    before = _versions(core)
    unknown = _upload(client, token, builders.simple("{{ customer.nickname }}", "{{ customer.wechat }}"))
    assert unknown.status_code == 422
    html = unknown.get_data(as_text=True)
    assert "未保存任何内容" in html and "customer.nickname" in html and "customer.wechat" in html
    assert _check_status(html, "package") == "passed" and _check_status(html, "syntax") == "passed"
    assert _check_status(html, "variables") == "failed" and _check_status(html, "render") == "not_run"
    assert "customer.name" in html  # the variables the kind may use instead

    syntax = _upload(client, token, builders.simple("致：{{ customer.name }", "贵司尚欠货款"), back="kind")
    assert syntax.status_code == 422
    page = syntax.get_data(as_text=True)
    assert _check_status(page, "syntax") == "failed" and "贵司尚欠货款" in page
    assert 'data-testid="template-kind"' in page  # back on the kind's own page

    junk = _upload(client, token, b"not a zip at all")
    assert junk.status_code == 422 and _check_status(junk.get_data(as_text=True), "package") == "failed"
    assert _versions(core) == before


def test_the_form_itself_and_who_may_upload(client: FlaskClient, users: Users, core: Core) -> None:
    token = log_in(client, "legal1")
    nothing = client.post("/templates/upload", data={"csrf_token": token, "kind": "statement", "language": "zh"})
    assert nothing.status_code == 422 and "请选择要上传的 DOCX 模板文件" in nothing.get_data(as_text=True)
    unknown = _upload(client, token, builders.simple("x"), kind="nonsense")
    assert unknown.status_code == 422 and "未知的文书类型" in unknown.get_data(as_text=True)
    client.set_cookie("dunning_lang", "en")
    english = _upload(client, token, builders.simple("{{ customer.nickname }}"))
    assert english.status_code == 422 and "Failed" in english.get_data(as_text=True)

    clerk = client.application.test_client()
    clerk_token = log_in(clerk, "clerk1")
    before = _versions(core)
    assert _upload(clerk, clerk_token, builders.simple("{{ customer.name }}")).status_code == 403
    assert _versions(core) == before


def test_a_file_over_the_template_limit_is_refused_unread(client: FlaskClient, users: Users, core: Core) -> None:
    token = log_in(client, "admin1")
    before = _versions(core)
    big = _upload(client, token, b"PK" + b"\0" * core.settings.max_template_bytes)
    assert big.status_code == 413
    html = big.get_data(as_text=True)
    assert "未保存任何内容" in html and _check_status(html, "package") == "failed"
    assert _versions(core) == before
