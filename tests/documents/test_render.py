"""Rendering: the sandbox, escaping, rare characters, filters, determinism, docxtpl parity."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docxtpl import DocxTemplate

from tests.documents import builders
from workflow.documents.render import compile_template
from workflow.documents.sandbox import make_environment
from workflow.errors import ValidationFailed


def texts(docx: bytes) -> list[str]:
    doc = Document(io.BytesIO(docx))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        out.extend(cell.text for row in table.rows for cell in row.cells)
    return out


@pytest.mark.parametrize("escape", [
    "{{ cycler.__init__.__globals__ }}",
    "{{ debtor.__class__.__mro__ }}",
    "{{ joiner.__init__.__globals__['os'] }}",
    "{{ debtor['__class__'] }}",
    "{{ '%s'.format.__self__ }}",
])
def test_sandbox_refuses_escapes_with_a_clear_error(escape: str) -> None:
    template = compile_template(builders.simple("致：{{ debtor.name }}", escape))
    with pytest.raises(ValidationFailed) as err:
        template.render({"debtor": {"name": "深圳市华星光电技术有限公司"}})
    problem = err.value.problems[0]
    assert problem.code in ("unsafe_template", "missing_variable")
    assert "globals" not in problem.en or "unsafe" in problem.en


def test_cycler_escape_names_the_unsafe_attribute() -> None:
    template = compile_template(builders.simple("{{ cycler.__init__.__globals__ }}"))
    with pytest.raises(ValidationFailed) as err:
        template.render({})
    assert err.value.problems[0].code == "unsafe_template"
    assert "__init__" in err.value.problems[0].en and "不安全" in err.value.problems[0].zh


def test_huge_values_and_powers_are_refused() -> None:
    for src in ('{{ "x" * 100000000 }}', "{{ 9**9**9 }}"):
        with pytest.raises(ValidationFailed) as err:
            compile_template(builders.simple(src)).render({})
        assert err.value.problems[0].code == "unsafe_template"


def test_names_with_xml_specials_and_rare_characters_render_as_text() -> None:
    name = '上海宝钢包装股份有限公司 & 堃镕<分公司> "甲方" \'乙方\''
    docx = compile_template(builders.simple("致：{{ name }}")).render({"name": name})
    assert texts(docx)[0] == f"致：{name}"
    assert "&amp;" not in texts(docx)[0]


def test_control_characters_in_values_do_not_break_the_file() -> None:
    docx = compile_template(builders.simple("{{ memo }}")).render({"memo": "货款\x00\x0b结清"})
    assert texts(docx)[0] == "货款结清"


def test_literal_braces_follow_docxtpl_in_the_template_and_in_values() -> None:
    # docxtpl writes {_{ … }_} for braces that must print as such; a value may carry them too
    docx = compile_template(builders.simple("模板说明：{_{ 变量 }_} {{ note }}")).render({"note": "{_% 注 %_}\ufffe"})
    assert texts(docx)[0] == "模板说明：{{ 变量 }} {% 注 %}"


def test_line_breaks_in_values_become_breaks_in_the_paragraph() -> None:
    docx = compile_template(builders.simple("{{ address }}")).render({"address": "上海市浦东新区\n康桥东路1188号"})
    assert texts(docx)[0] == "上海市浦东新区\n康桥东路1188号"


def test_same_template_and_context_give_identical_bytes() -> None:
    data = builders.dunning_letter()
    ctx = builders.letter_context()
    first = compile_template(data).render(ctx)
    second = compile_template(data).render(ctx)  # a fresh compile, as after a restart
    assert first == second
    other = dict(ctx, as_of="2026-11-27")
    assert compile_template(data).render(other) != first


def test_letter_table_total_and_filters() -> None:
    docx = compile_template(builders.dunning_letter()).render(builders.letter_context(rows=3))
    body = texts(docx)
    assert "合计未付：¥39,999.96（大写：叁万玖仟玖佰玖拾玖元玖角陆分）。" in body
    assert "2026年3月17日" in body[2]
    assert "年利率3.45%" in body[4]
    cells = body[body.index("未付") + 1:]
    assert cells[:6] == ["44031234", "2026年1月10日", "2026年1月20日", "¥12,345.67", "¥0.00", "¥12,345.67"]


def test_output_matches_plain_docxtpl_text() -> None:
    """The fast path must mean the same document as docxtpl itself would make."""
    data, ctx = builders.statement(), builders.statement_context(rows=30)
    plain = DocxTemplate(io.BytesIO(data))
    plain.render(ctx, jinja_env=make_environment())
    buf = io.BytesIO()
    plain.save(buf)
    assert texts(compile_template(data).render(ctx)) == texts(buf.getvalue())


def test_missing_value_is_an_error_not_a_blank() -> None:
    template = compile_template(builders.simple("致：{{ debtor.name }}{% if debtor.branch %}分公司{% endif %}"))
    name = "深圳市华星光电技术有限公司"
    assert texts(template.render({"debtor": {"name": name}}))[0] == f"致：{name}"
    with pytest.raises(ValidationFailed) as err:
        template.render({"debtor": {}})
    assert err.value.problems[0].code == "missing_variable"
    assert "name" in err.value.problems[0].en


def test_bad_amount_names_the_filter() -> None:
    with pytest.raises(ValidationFailed) as err:
        compile_template(builders.simple("{{ total|money }}")).render({"total": "一千元"})
    assert "money" in err.value.problems[0].en and err.value.problems[0].field == "context"


@pytest.mark.parametrize(("src", "expected"), [
    ("{{ '1234.5'|money }}", "¥1,234.50"),
    ("{{ '1234.5'|money('USD') }}", "USD 1,234.50"),
    ("{{ '16409.02'|rmb_upper }}", "壹万陆仟肆佰零玖元零贰分"),
    ("{{ '2026-11-26'|date_zh }}", "2026年11月26日"),
    ("{{ '2026-11-26'|date_en }}", "26 November 2026"),
    ("{{ '0.1825'|percent }}", "18.25%"),
    ("{{ '0.0385'|percent(1) }}", "3.9%"),
])
def test_filters(src: str, expected: str) -> None:
    assert make_environment().from_string(src).render() == expected


def test_dict_keys_win_over_dict_methods() -> None:
    env = make_environment()
    assert env.from_string("{{ row.items }}/{{ row.values }}").render(row={"items": "钢卷", "values": "3"}) == "钢卷/3"


def test_currency_code_from_data_is_escaped() -> None:
    out = make_environment().from_string("{{ a|money(c) }}").render(a="12.5", c="<b>&")
    assert out == "&lt;B&gt;&amp; 12.50"
