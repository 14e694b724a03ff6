"""Reading uploaded contracts: what a clerk's Word file really contains, and what is refused."""

from __future__ import annotations

import pytest

from tests.law.linter.files import (
    clean_docx,
    contract_docx,
    deep_sdt_docx,
    entity_bomb,
    tracked_changes_docx,
    zip_bomb,
)
from workflow.documents.docx_text import docx_text, txt_text, upload_text
from workflow.errors import ValidationFailed


def test_paragraphs_and_table_rows_in_document_order() -> None:
    lines = docx_text(contract_docx()).split("\n")
    assert lines[:4] == ["工业品买卖合同", "出卖人 | 上海宝钢包装股份有限公司", "住所 | 上海市宝山区同济路1000号",
                         "买受人 | 深圳市华星光电技术有限公司"]
    assert lines[-1] == "第八条 争议解决：协商不成的，由北京市朝阳区人民法院管辖。"


def test_tracked_deletions_are_not_read_and_nested_tables_are_read_once() -> None:
    text = docx_text(tracked_changes_docx())
    assert text == ("第八条 争议解决：因本合同发生的争议，提交上海仲裁委员会仲裁，仲裁裁决是终局的。\n"
                    "住所 | 上海市宝山区同济路1000号")


def test_paragraphs_inside_content_controls_are_read_as_if_they_were_not_there() -> None:
    # Word's forms and legal templates wrap clauses in content controls (w:sdt), sometimes nested
    assert docx_text(deep_sdt_docx(40)) == docx_text(clean_docx())


@pytest.mark.parametrize(("data", "code"), [(zip_bomb(), "zip_bomb"), (entity_bomb(), "xml_entities"),
                                            (deep_sdt_docx(1000), "xml_too_deep")])
def test_hostile_docx_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        docx_text(data)
    assert exc.value.problems[0].code == code and exc.value.problems[0].field == "file"


def test_too_deep_nesting_names_the_part_and_the_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        upload_text("合同.docx", deep_sdt_docx(1000), field="FILE")
    problem = exc.value.problems[0]
    assert problem.field == "FILE" and "word/document.xml" in problem.en and "100" in problem.zh


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_files_in_the_encodings_chinese_offices_use(encoding: str) -> None:
    text = "第四条 付款：买方应于交货之日起30日内付款。"
    assert txt_text(text.encode(encoding)).strip() == text


def test_unsupported_files_get_advice() -> None:
    with pytest.raises(ValidationFailed) as exc:
        upload_text("采购合同.doc", b"\xd0\xcf\x11\xe0")
    assert ".docx" in exc.value.problems[0].zh and exc.value.problems[0].code == "unsupported_type"
