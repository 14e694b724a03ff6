"""Reading untrusted DOCX archives: what zipfile cannot safely read is refused with a 422, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest

from workflow.documents.docx_text import docx_text
from workflow.documents.package import read_member, read_members
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
