"""The shipped templates against their catalogue: variables, sample data, fonts, page set-up, and
the wording each clause choice and each dunning level produces."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from docxtpl import DocxTemplate

from tests.documents.shipped import CACHE, LANGS, TEMPLATES, docx_text, render, shipped
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.checks import inspect_template
from workflow.documents.sandbox import make_environment, money, rmb_upper
from workflow.ledger.validation import credit_code_problem

KINDS = ["sales_contract", "payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3",
         "statement", "lawyer_letter", "repayment_agreement", "interest_sheet"]
SHIPPED = list(shipped())


def test_every_kind_ships_in_chinese_and_english() -> None:
    assert sorted(CATALOGUE) == sorted(KINDS)
    for kind in KINDS:
        for lang in LANGS:
            assert (TEMPLATES / f"{kind}.{lang}.docx").is_file(), f"{kind}.{lang}.docx missing"


@pytest.mark.parametrize(("kind", "lang", "path"), SHIPPED, ids=[f"{k}.{lang}" for k, lang, _ in SHIPPED])
def test_template_passes_the_registry_checks(kind: str, lang: str, path: Path) -> None:
    """The same check an upload gets: dotted variables all in the catalogue, sample render."""
    spec = CATALOGUE[kind]
    inspect_template(CACHE, path.read_bytes(), spec.variables, spec.sample_context())


@pytest.mark.parametrize(("kind", "lang", "path"), SHIPPED, ids=[f"{k}.{lang}" for k, lang, _ in SHIPPED])
def test_top_level_names_are_catalogued_per_docxtpl(kind: str, lang: str, path: Path) -> None:
    used = DocxTemplate(str(path)).get_undeclared_template_variables(make_environment())
    roots = {name.split(".")[0].removesuffix("[]") for name in CATALOGUE[kind].variables}
    assert used, "a template with no variables is not a template"
    assert used <= roots, f"not in the catalogue: {sorted(used - roots)}"


def test_generator_output_matches_the_committed_templates(tmp_path: Path) -> None:
    """Someone who edits a .docx by hand, or the script without rebuilding, is told here."""
    script = TEMPLATES / "_build" / "build_templates.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    for _kind, _lang, path in SHIPPED:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), f"{path.name} differs from the script"


def _part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name).decode()


@pytest.mark.parametrize(("kind", "lang", "path"), SHIPPED, ids=[f"{k}.{lang}" for k, lang, _ in SHIPPED])
def test_a4_chinese_fonts_and_page_numbers(kind: str, lang: str, path: Path) -> None:
    document = _part(path, "word/document.xml")
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in document.replace(' w:orient="portrait"', "")  # A4 in twips
    styles = _part(path, "word/styles.xml")
    assert 'w:eastAsia="SimSun"' in styles  # 宋体 body
    assert re.search(r'w:styleId="Heading1".*?w:eastAsia="SimHei"', styles, re.S)  # 黑体 headings
    assert "asciiTheme" not in styles.split("<w:latentStyles")[0].split("</w:docDefaults>")[0]
    # East-Asian text is Simplified Chinese, never python-docx's stock Japanese (a converter picks
    # glyph forms by it)
    settings = _part(path, "word/settings.xml")
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', settings), settings[-600:]
    assert 'w:eastAsia="zh-CN"' in styles.split("</w:docDefaults>")[0]
    assert "ja-JP" not in settings + styles + document
    with zipfile.ZipFile(path) as zf:
        footers = [zf.read(n).decode() for n in zf.namelist() if n.startswith("word/footer")]
    assert len(footers) == 2  # first page and the rest
    for footer in footers:
        assert " PAGE " in footer and " NUMPAGES " in footer
        assert ("第" in footer and "共" in footer) if lang == "zh" else "Page" in footer


def test_sample_data_is_realistic() -> None:
    for kind in KINDS:
        ctx = CATALOGUE[kind].sample_context()
        for party in ("creditor", "customer"):
            assert credit_code_problem(ctx[party]["credit_code"]) is None, (kind, party)
    letter = CATALOGUE["dunning_letter_1"].sample_context()
    assert len(letter["invoices"]) == 20
    assert all(inv["days_overdue"] > 0 for inv in letter["invoices"])
    total = sum(Decimal(inv["outstanding"]) for inv in letter["invoices"])
    assert Decimal(letter["totals"][0]["outstanding"]) == total
    statement = CATALOGUE["statement"].sample_context()
    assert len(statement["lines"]) >= 60
    st = statement["statement"]
    closing = (Decimal(st["opening_balance"]) + Decimal(st["total_invoiced"]) - Decimal(st["total_received"])
               - Decimal(st["total_credited"]))
    assert closing == Decimal(st["closing_balance"]) == Decimal(statement["lines"][-1]["balance"])
    repay = CATALOGUE["repayment_agreement"].sample_context()
    assert sum(Decimal(i["amount"]) for i in repay["instalments"]) == Decimal(repay["agreement"]["debt_amount"])
    sheet = CATALOGUE["interest_sheet"].sample_context()
    assert sum(Decimal(r["interest"]) for r in sheet["rows"]) == Decimal(sheet["sheet"]["total_interest"])


def test_sample_context_is_a_fresh_copy() -> None:
    spec = CATALOGUE["dunning_letter_1"]
    first = spec.sample_context()
    first["invoices"].clear()
    assert len(spec.sample_context()["invoices"]) == 20


def _contract_text(lang: str = "zh", **changes: dict[str, object]) -> str:
    ctx = CATALOGUE["sales_contract"].sample_context()
    for key, value in changes.items():
        ctx[key] = {**ctx[key], **value}
    return docx_text(render("sales_contract", lang, ctx))


def test_contract_dispute_clause_follows_the_context() -> None:
    text = _contract_text()
    assert "向甲方住所地有管辖权的人民法院提起诉讼" in text
    assert "仲裁" not in text.split("第七条")[1].split("第八条")[0]
    text = _contract_text(dispute={"kind": "arbitration", "commission": "中国国际经济贸易仲裁委员会", "seat": "北京"})
    clause = text.split("第七条")[1].split("第八条")[0]
    assert "均提交中国国际经济贸易仲裁委员会" in clause and "仲裁地为北京" in clause
    assert "人民法院" not in clause  # "arbitration or court" is void (仲裁法解释 7)
    text = _contract_text(dispute={"kind": "court", "court": "signing_place"})
    assert "合同签订地（上海市浦东新区）有管辖权的人民法院" in text
    text = _contract_text("en", dispute={"kind": "arbitration", "commission_en": "Shanghai Arbitration Commission"})
    assert "submitted to the Shanghai Arbitration Commission" in text


def test_contract_penalty_and_payment_wordings() -> None:
    text = _contract_text()  # the shipped example: 1.5 × LPR, no cap
    assert "一年期贷款市场报价利率（LPR）的1.5倍" in text and "为限" not in text.split("第六条")[1][:200]
    daily = _contract_text(penalty={"kind": "daily_rate", "rate": "0.0005", "cap": "0.20"})
    assert "按逾期付款金额的0.05%向甲方支付违约金" in daily and "违约金总额以逾期付款金额的20.00%为限" in daily
    text = _contract_text(penalty={"kind": "annual_rate", "rate": "0.12", "cap": "", "cap_amount": "50000.00"})
    assert "年利率12.00%" in text and "违约金总额以¥50,000.00为限" in text
    text = _contract_text(payment={"kind": "days_after", "trigger": "acceptance", "days": 30})
    assert "乙方应于验收合格之日起30日内" in text
    ctx = CATALOGUE["sales_contract"].sample_context()
    ctx["payment"] = {"kind": "instalments", "trigger": "", "days": 0}
    ctx["instalments"] = [{"number": 1, "due_date": "2027-01-31", "amount": "300000.00"},
                          {"number": 2, "due_date": "2027-03-31", "amount": "307176.00"}]
    text = docx_text(render("sales_contract", "zh", ctx))
    assert "第2期" in text and "2027年3月31日" in text and "¥307,176.00" in text
    assert "送达地址同时适用于争议发生后仲裁及诉讼程序" in _contract_text()
    assert "同时适用于" not in _contract_text(notice={"kind": "email_and_post"})


def test_statement_asks_for_the_balance_and_is_silent_on_the_penalty() -> None:
    """买卖合同解释 18¶3: a confirmed principal-only statement keeps the penalty claim alive."""
    ctx = CATALOGUE["statement"].sample_context()
    text = docx_text(render("statement", "zh", ctx))
    closing = ctx["statement"]["closing_balance"]
    assert (f"贵司确认截至2026年10月31日尚欠我司货款人民币{rmb_upper(closing)}（小写：{money(closing, 'CNY')}）。"
            in text)
    # the debtor's part restates the period, the contracts, the date and the amount on its own
    confirmation = text.split("客户确认")[1]
    assert "对账期间2026年1月1日至2026年10月31日" in confirmation
    assert "RD-XS-2026-018" in confirmation and "RD-XS-2026-041" in confirmation
    assert f"人民币{rmb_upper(closing)}（小写：{money(closing, 'CNY')}）" in confirmation
    assert "原件寄回" in text and "核对无误" in text and "（盖章）" in text
    for word in ("违约金", "利息", "滞纳金", "LPR"):
        assert word not in text


THREATS = ("后果自负", "曝光", "上门", "黑名单", "家人", "走着瞧", "不客气", "坐牢", "刑事责任")


@pytest.mark.parametrize("lang", LANGS)
def test_dunning_levels_rise_in_firmness_without_threats(lang: str) -> None:
    texts = {level: docx_text(render(f"dunning_letter_{level}", lang,
                                     CATALOGUE[f"dunning_letter_{level}"].sample_context())) for level in (1, 2, 3)}
    remedy, penalty = (("有管辖权的人民法院提起诉讼", "违约金") if lang == "zh"
                       else ("competent people's court", "penalty"))
    assert remedy not in texts[1] and remedy not in texts[2] and remedy in texts[3]
    assert penalty not in texts[1] and penalty in texts[2] and penalty in texts[3]
    assert ("最后通知" if lang == "zh" else "Final notice") in texts[3]
    for kind in ("dunning_letter_1", "dunning_letter_2", "dunning_letter_3", "lawyer_letter", "payment_reminder"):
        text = docx_text(render(kind, lang, CATALOGUE[kind].sample_context()))
        assert not [w for w in THREATS if w in text], kind


def test_letters_without_an_agreed_rate_cite_the_statutory_fallback() -> None:
    ctx = CATALOGUE["dunning_letter_2"].sample_context()
    ctx["penalty"] = {"kind": "none", "rate": "", "multiple": "", "cap": "", "cap_amount": "", "currency": "CNY"}
    text = docx_text(render("dunning_letter_2", "zh", ctx))
    assert "第十八条第四款" in text and "加计30%—50%" in text


@pytest.mark.parametrize("lang", LANGS)
def test_letters_say_how_they_are_delivered(lang: str) -> None:
    ctx = CATALOGUE["dunning_letter_3"].sample_context()
    both = docx_text(render("dunning_letter_3", lang, ctx))
    ctx["letter"]["delivery"] = "email"
    email = docx_text(render("dunning_letter_3", lang, ctx))
    courier, address = ("EMS特快专递", ctx["customer"]["address"]) if lang == "zh" else ("EMS courier", "EMS")
    assert courier in both and "EA 2026 1126 0418 CN" in both and ctx["customer"]["contact_email"] in both
    assert courier not in email and ctx["customer"]["contact_email"] in email
    assert address in both


def test_return_slip_restates_what_the_debtor_confirms() -> None:
    ctx = CATALOGUE["dunning_letter_1"].sample_context()
    slip = docx_text(render("dunning_letter_1", "zh", ctx)).split("回　执")[1]
    total = ctx["totals"][0]["outstanding"]
    assert "2026年11月26日编号为RD催〔2026〕第0187号的函件" in slip
    assert "RD-XS-2026-018" in slip and "截至2026年11月26日的未付款项合计" in slip
    assert f"人民币{rmb_upper(total)}（小写：{money(total, 'CNY')}）" in slip
    assert "原件" in slip


def _agreement_text(lang: str = "zh", **changes: object) -> str:
    ctx = CATALOGUE["repayment_agreement"].sample_context()
    ctx.update(changes)
    return docx_text(render("repayment_agreement", lang, ctx))


def test_repayment_agreement_guarantor_costs_service_and_notarisation() -> None:
    text = _agreement_text()
    assert "丙方（保证人）：黄伟明" in text and "连带责任保证" in text
    assert "第五条　送达地址" in text and "第七条　其他" in text
    assert "律师费、诉讼费、仲裁费、保全费" in text
    assert "仲裁及诉讼程序" in text and "huangwm@kunpeng-tech.com.cn" in text and "lizq@kunpeng-tech.com.cn" in text
    assert "赋予强制执行效力的债权文书公证" in text
    assert "本协议自各方签字或盖章之日起生效，一式三份" in text
    ctx = CATALOGUE["repayment_agreement"].sample_context()
    no_guarantor = _agreement_text(guarantor={k: "" for k in ctx["guarantor"]},
                                   agreement={**ctx["agreement"], "notarize": False})
    assert "丙方" not in no_guarantor and "保证" not in no_guarantor
    assert "第四条　送达地址" in no_guarantor and "第六条　其他" in no_guarantor
    assert "公证债权文书" not in no_guarantor
    assert "本协议自双方签字或盖章之日起生效，一式两份" in no_guarantor
    english = _agreement_text("en")
    assert "jointly and severally" in english and "signed or sealed" in english


def test_lawyer_letter_is_a_demand_with_the_penalty_figure_and_the_fees() -> None:
    ctx = CATALOGUE["lawyer_letter"].sample_context()
    text = docx_text(render("lawyer_letter", "zh", ctx))
    assert "第六百二十六条" in text and "第六百二十八条" in text
    assert "付款请求" in text and "诉讼时效自本函到达贵司之日起中断" in text
    assert f"逾期付款违约金{money(ctx['claim']['penalty_accrued'], 'CNY')}" in text
    assert "律师费¥30,000.00" in text
    ctx["claim"] = {"currency": "CNY", "penalty_accrued": "", "costs_agreed": False, "lawyer_fee": ""}
    bare = docx_text(render("lawyer_letter", "zh", ctx))
    assert "应付逾期付款违约金" not in bare and "律师费" not in bare
    english = docx_text(render("lawyer_letter", "en", CATALOGUE["lawyer_letter"].sample_context()))
    assert "Article 626" in english and "Article 628" in english and "interrupted" in english


def test_optional_parts_follow_the_context() -> None:
    ctx = CATALOGUE["dunning_letter_1"].sample_context()
    assert "回　执" in docx_text(render("dunning_letter_1", "zh", ctx))
    ctx["letter"]["include_receipt"] = False
    assert "回　执" not in docx_text(render("dunning_letter_1", "zh", ctx))
    ctx = CATALOGUE["lawyer_letter"].sample_context()
    assert "草稿" in docx_text(render("lawyer_letter", "zh", ctx))
    ctx["letter"]["draft"] = False
    approved = docx_text(render("lawyer_letter", "zh", ctx))
    assert "草稿" not in approved and "执业证号：13101201810234567" in approved


def test_company_names_with_markup_characters_render_as_text() -> None:
    ctx = CATALOGUE["dunning_letter_1"].sample_context()
    ctx["customer"]["name"] = "深圳市堃鹏<电子>科技 & 贸易有限公司"
    data = render("dunning_letter_1", "zh", ctx)
    assert "致：深圳市堃鹏<电子>科技 & 贸易有限公司" in docx_text(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "&amp;" in zf.read("word/document.xml").decode()



def test_the_guide_lists_every_variable_of_every_kind() -> None:
    guide = (TEMPLATES.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    for kind, spec in CATALOGUE.items():
        section = guide.split(f"### `{kind}`")[1].split("\n### ")[0]
        missing = [name for name in spec.variables if f"`{name}`" not in section]
        assert not missing, f"docs/templates.md, {kind}: {missing}"


# the child order OOXML's schema fixes for the elements the generator writes by hand; Word reports a
# file that breaks it as damaged, even where LibreOffice opens it
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
           "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
           "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
           "cs em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat locked "
             "personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr",
}


@pytest.mark.parametrize(("kind", "lang", "path"), SHIPPED, ids=[f"{k}.{lang}" for k, lang, _ in SHIPPED])
def test_elements_are_in_schema_order(kind: str, lang: str, path: Path) -> None:
    from lxml import etree

    wrong = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            root = etree.fromstring(zf.read(name))
            for tag, sequence in _ORDER.items():
                order = sequence.split()
                for element in root.iter(_W + tag):
                    kids = [etree.QName(c).localname for c in element if c.tag.startswith(_W)]
                    ranks = [order.index(k) if k in order else -1 for k in kids]
                    if -1 in ranks or ranks != sorted(ranks):
                        wrong.append((name, tag, kids))
    assert not wrong, wrong[:3]


@pytest.mark.parametrize("lang", LANGS)
def test_the_shipped_contract_passes_our_own_clause_linter(lang: str) -> None:
    """The example a company copies: no finding at all, not even the note above 1.5 × LPR."""
    from workflow.law.linter import lint_contract

    text = docx_text(render("sales_contract", lang, CATALOGUE["sales_contract"].sample_context()))
    findings = lint_contract(text, lpr_1y=Decimal("0.0300"), warn_multiple=Decimal("4"),
                             note_multiple=Decimal("1.5"))
    assert [(f.rule, f.clause_text) for f in findings] == []


def test_a_typed_context_may_leave_out_the_guarantor_the_notary_and_the_fees() -> None:
    """Optional inputs: left out of a hand-typed context, the clause is omitted, never printed empty."""
    from workflow.documents.contexts.typed import check_typed_context

    ctx = CATALOGUE["repayment_agreement"].sample_context()
    del ctx["guarantor"]
    del ctx["agreement"]["notarize"]
    filled = check_typed_context("repayment_agreement", CATALOGUE["repayment_agreement"].variables, ctx)
    text = docx_text(render("repayment_agreement", "zh", filled))
    assert "丙方" not in text and "债权文书公证" not in text and "第四条　送达地址" in text
    ctx = CATALOGUE["lawyer_letter"].sample_context()
    del ctx["claim"]
    filled = check_typed_context("lawyer_letter", CATALOGUE["lawyer_letter"].variables, ctx)
    text = docx_text(render("lawyer_letter", "zh", filled))
    assert "应付逾期付款违约金" not in text and "律师费" not in text and "诉讼时效自本函到达贵司之日起中断" in text
