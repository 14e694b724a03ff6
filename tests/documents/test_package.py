"""Reading untrusted DOCX archives: what zipfile cannot safely read, and XML nested too deep for the
readers after it, is refused with a 422 naming the field, never a 500."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.conftest import Users
from tests.documents import builders
from tests.law.linter.files import nest_in_content_controls
from workflow.documents.checks import inspect_template
from workflow.documents.docx_text import docx_text
from workflow.documents.package import (
    MAX_XML_DEPTH,
    check_xml_part,
    parse_xml_part,
    read_member,
    read_members,
    read_xml_member,
)
from workflow.documents.render import TemplateCache
from workflow.errors import ValidationFailed

DOCUMENT = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe4\xb9\xb0\xe5\x8d\x96\xe5\x90\x88\xe5\x90\x8c'
            b'</w:t></w:r></w:p></w:body></w:document>')


def _docx(method: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", DOCUMENT)
    return buf.getvalue()


def test_a_normal_docx_reads() -> None:
    assert docx_text(_docx(zipfile.ZIP_DEFLATED)) == "买卖合同"
    assert read_member(_docx(zipfile.ZIP_STORED), "word/document.xml", 1 << 20) == DOCUMENT
    assert read_member(_docx(zipfile.ZIP_STORED), "word/missing.xml", 1 << 20) is None


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_unusual_compression_is_refused_naming_the_member(method: int) -> None:
    for read in (read_members, docx_text):
        with pytest.raises(ValidationFailed) as caught:
            read(_docx(method))
        problem = caught.value.problems[0]
        assert problem.field == "file" and problem.code == "not_docx"
        assert "compression" in problem.en


def test_a_member_over_its_own_limit_is_a_zip_bomb() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_member(_docx(zipfile.ZIP_DEFLATED), "word/document.xml", 100)
    assert caught.value.problems[0].code == "zip_bomb"


def _nested(depth: int) -> bytes:
    """A document part whose paragraph sits inside ``depth`` nested content controls (w:sdt)."""
    head, tail = DOCUMENT.split(b"<w:p>", 1)
    para, rest = tail.split(b"</w:p>", 1)
    return (head + b"<w:sdt><w:sdtContent>" * depth + b"<w:p>" + para + b"</w:p>"
            + b"</w:sdtContent></w:sdt>" * depth + rest)


def _with_document(document: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
    return buf.getvalue()


def test_nesting_up_to_the_limit_reads_and_one_level_more_is_refused() -> None:
    # w:document, w:body, 2 per control, w:p, w:r, w:t: 47 controls are 99 levels, 48 are 101
    assert parse_xml_part("word/document.xml", _nested(47)).tag.endswith("document")
    assert docx_text(_with_document(_nested(47))) == "买卖合同"
    with pytest.raises(ValidationFailed) as caught:
        parse_xml_part("word/document.xml", _nested(48), "contract_id")
    problem = caught.value.problems[0]
    assert (problem.field, problem.code) == ("contract_id", "xml_too_deep")
    assert f"more than {MAX_XML_DEPTH} levels" in problem.en


@pytest.mark.parametrize("read", [read_members, docx_text,
                                  lambda data: read_xml_member(data, "word/document.xml", 1 << 24)])
def test_every_reader_refuses_a_thousand_nested_content_controls(read: Callable[[bytes], object]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read(_with_document(_nested(1000)))
    problem = caught.value.problems[0]
    assert (problem.field, problem.code) == ("file", "xml_too_deep") and "word/document.xml" in problem.en


def test_xml_parts_are_checked_for_entities_without_expanding_them() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>')
    for check in (check_xml_part, parse_xml_part):
        with pytest.raises(ValidationFailed) as caught:
            check("word/footer1.xml", laughs)
        assert caught.value.problems[0].code == "xml_entities" and "word/footer1.xml" in caught.value.problems[0].en
    with pytest.raises(ValidationFailed) as caught:
        check_xml_part("word/document.xml", b"<w:document><w:body>")
    assert caught.value.problems[0].code == "xml_invalid"


def test_a_template_with_a_thousand_nested_content_controls_is_refused_on_upload(client: FlaskClient,
                                                                                 users: Users) -> None:
    template = nest_in_content_controls(builders.simple("致：{{ customer.name }}"), 1000)
    resp = client.post("/api/v1/templates/payment_reminder/zh", headers=users.admin,
                       content_type="multipart/form-data", data={"file": (io.BytesIO(template), "模板.docx")})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    problem = resp.json["errors"][0]
    assert (problem["field"], problem["code"]) == ("file", "xml_too_deep")
    assert "word/document.xml" in problem["message"]
    # the check itself, as the limited worker and the shipped-template sync run it
    with pytest.raises(ValidationFailed) as caught:
        inspect_template(TemplateCache(), template, {"customer.name": "客户名称"}, {"customer": {"name": "x"}})
    assert caught.value.problems[0].code == "xml_too_deep"
