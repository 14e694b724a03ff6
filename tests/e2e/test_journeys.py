"""What clerks, legal staff and lawyers do on the desk, in a real browser, asserting what they see.

Each journey starts from its own browser context (logged out) on the shared server; they touch
different customers of ``book.py``, so their order does not matter.
"""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.book import BAIYUN, BOE, HUAXING, SETUP, WAHAHA, dunning_run
from tests.e2e.conftest import Desk
from tests.e2e.mail import deliver, letters, reply
from tests.e2e.pages import log_in, switch_language
from tests.ledger.sample_ledger import cc
from tests.uow import run
from workflow.ledger.invoices import create_invoice
from workflow.ledger.schemas import InvoiceIn

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_log_in_and_out(page: Any, desk: Desk) -> None:
    page.goto("/")
    # a visitor is sent to the login page, in Chinese by default
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main h1")).to_have_text("登录")
    page.get_by_label("用户名").fill("clerk1")
    page.get_by_label("密码").fill("wrong password")
    page.locator("section.login button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("clerk1")
    log_in(page, desk.base, "clerk1")
    expect(page.locator("header .who")).to_contain_text("clerk1")
    expect(page.locator("header nav")).to_contain_text("工作台")
    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/")
    page.wait_for_url(re.compile(r"/login\?next="))


def test_switch_language_and_back(page: Any, desk: Desk) -> None:
    log_in(page, desk.base, "legal1")
    expect(page.locator("header nav")).to_contain_text("工作台")
    switch_language(page, "en")
    expect(page.locator("header nav")).to_contain_text("Dashboard")
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(page.locator("header nav")).not_to_contain_text("工作台")
    # the choice follows the user, not just this page
    page.goto("/account/password")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "zh_CN")
    expect(page.get_by_test_id("logout")).to_have_text("退出登录")
    expect(page.locator("header nav")).to_contain_text("工作台")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_lawyer_is_refused_a_case_not_assigned_to_them(page: Any, desk: Desk, lang: str) -> None:
    mine, theirs = desk.book.cases[WAHAHA], desk.book.cases[BAIYUN]
    log_in(page, desk.base, "lawyer1", lang=lang)
    answer = page.goto(f"/cases/{theirs}")
    assert answer is not None and answer.status == 404
    expect(page.locator("section.error-page")).to_be_visible()
    if lang == "zh_CN":
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("section.error-page h1")).to_contain_text(re.compile("未找到|不存在"))
    else:
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("section.error-page h1")).to_contain_text(re.compile("not found", re.IGNORECASE))
    # nothing of the other customer leaks onto the page
    expect(page.locator("main")).not_to_contain_text(desk.book.name(BAIYUN))
    # their own case opens
    own = page.goto(f"/cases/{mine}")
    assert own is not None and own.status == 200, own.status if own else None
    expect(page.locator("main")).to_contain_text(mine)


def _ledger_workbook(path: Path, *, second_due: str) -> Path:
    """What a clerk exports from 用友: a 客户 sheet and an 应收发票 sheet under a title line."""
    wb = Workbook()
    customers = wb.active
    assert customers is not None
    customers.title = "客户"
    customers.append(["客户档案 2026年11月"])
    customers.append(["客户编码", "客户名称", "统一社会信用代码", "客户类型", "注册地址"])
    customers.append(["C101", "苏州汇川技术有限公司", cc("91320594730000123"), "大型民营企业",
                      "苏州市吴中区越溪友翔路16号"])
    invoices = wb.create_sheet("应收发票")
    invoices.append(["发票号", "客户编码", "开票日期", "到期日", "金额(元)", "发票号码"])
    invoices.append(["FP-2026-0501", "C101", "2026-09-10", "2026-11-09", "88,000.00", "32001234"])
    invoices.append(["FP-2026-0502", "C101", "2026-10-12", second_due, "¥45,600.00", "32001299"])
    wb.save(path)
    return path


def test_import_a_spreadsheet_and_read_the_row_report(page: Any, desk: Desk, tmp_path: Path) -> None:
    log_in(page, desk.base, "clerk1")
    page.locator("header nav").get_by_role("link", name="导入").click()
    # a due date before the invoice date: the whole file is refused, the row named
    bad = _ledger_workbook(tmp_path / "应收台账-2026-11.xlsx", second_due="2026-09-30")
    page.get_by_test_id("import-file").set_input_files(bad)
    page.get_by_test_id("import-submit").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("未写入")
    row = page.get_by_test_id("row-应收发票-3")
    expect(row).to_contain_text("到期日早于开票日期")
    page.goto("/customers")
    expect(page.locator("main")).not_to_contain_text("苏州汇川技术有限公司")
    # corrected, the same file goes in: one customer and two invoices
    page.goto("/imports")
    good = _ledger_workbook(tmp_path / "应收台账-2026-11.xlsx", second_due="2026-12-11")
    page.get_by_test_id("import-file").set_input_files(good)
    page.get_by_test_id("import-submit").click()
    expect(page.locator(".flash.ok")).to_contain_text("导入")
    counts = page.get_by_test_id("import-counts")
    expect(counts.get_by_test_id("row-customers")).to_contain_text("1")
    expect(counts.get_by_test_id("row-invoices").locator("td").nth(1)).to_have_text("2")
    expect(page.get_by_test_id("import-history")).to_contain_text("应收台账-2026-11.xlsx")
    page.goto("/customers")
    expect(page.locator("main")).to_contain_text("苏州汇川技术有限公司")


def test_the_days_run_opens_an_overdue_case_and_the_clerk_finds_it(page: Any, desk: Desk) -> None:
    # 北京京东方 owed nothing overdue; an invoice of 8 October falls 30 days overdue
    book = desk.book
    run(desk.core, SETUP, lambda uow: create_invoice(uow, InvoiceIn.model_validate({
        "creditor_id": book.creditor_id, "customer_id": book.customers[BOE], "number": "FP-2026-0402",
        "issue_date": "2026-09-08", "due_date": "2026-10-08", "amount": "66880.00", "currency": "CNY"})))
    dunning_run(desk.core, book)
    ref = book.cases[BOE]
    log_in(page, desk.base, "clerk1")
    page.locator("header nav").get_by_role("link", name="案件").click()
    page.get_by_test_id("filter-q").fill("京东方")
    page.get_by_test_id("filter-apply").click()
    row = page.get_by_test_id(f"row-{ref}")
    expect(row).to_contain_text(book.name(BOE))
    expect(page.get_by_test_id(f"balance-{ref}")).to_contain_text("378,880.00")
    expect(page.locator("[data-testid^=row-AR-]")).to_have_count(1)
    page.get_by_test_id(f"case-link-{ref}").click()
    page.wait_for_url(f"**/cases/{ref}")
    expect(page.get_by_test_id("case-ref")).to_have_text(ref)
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", "reminding")
    # the first reminder went out with the opening of the case
    expect(page.get_by_test_id("case-timeline")).to_contain_text("催款函")


def test_send_the_next_letter_now(page: Any, desk: Desk) -> None:
    ref = desk.book.cases[HUAXING]
    before = {m.message_id for m in letters(desk.outbox_dir)}
    log_in(page, desk.base, "clerk1")
    page.goto(f"/cases/{ref}")
    page.get_by_test_id("action-send").locator("summary").click()
    page.get_by_test_id("send-kind").select_option("dunning_letter_2")
    page.get_by_test_id("submit-send").click()
    expect(page.locator(".flash.ok")).to_contain_text("已生成并排队发送")
    # the letter left: it is in the local mail drop, to the customer's finance contact, PDF attached
    [sent] = [m for m in letters(desk.outbox_dir) if m.message_id not in before]
    assert sent.to == "chen.jing@csot.example.cn" and ref in sent.subject, sent.subject
    assert sent.reply_to == f"ar+{ref}@bspack.example.cn"
    message = message_from_bytes(sent.raw, policy=policy.default)
    pdfs = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    # and the case page shows it in the timeline, sent
    expect(page.get_by_test_id("case-timeline")).to_contain_text(sent.subject)


def test_a_reply_dropped_in_the_mailbox_waits_in_triage_and_is_confirmed(page: Any, desk: Desk) -> None:
    ref = desk.book.cases[BAIYUN]
    # 黄丽 answers the run's letter from Foxmail, in GBK: she promises to pay, but names no date
    [letter] = [m for m in letters(desk.outbox_dir) if "huang.li@gybys.example.cn" in m.to]
    deliver(desk.inbox_dir, reply(
        sender="\"黄丽\" <huang.li@gybys.example.cn>", to=letter.reply_to, subject="回复：" + letter.subject,
        in_reply_to=letter.message_id, charset="gbk", when=desk.clock.now(),
        body="李娜您好：\n\n贵司的催款函已收悉。我司付款申请已提交，正在走内部审批流程，审批通过后会尽快安排付款，"
             "请再宽限几天。\n\n黄丽\n广州白云山医药集团股份有限公司 财务部\n电话：020-66281188\n\n"
             "-----原始邮件-----\n" + letter.subject))
    log_in(page, desk.base, "clerk1")
    page.get_by_test_id("dashboard-triage-link").click()
    # not waiting for the minute's sweep: the clerk reads the mailbox now (jobs run inline here, so
    # the page the button leads back to already holds what was read)
    page.get_by_test_id("triage-poll").click()
    row = page.get_by_test_id("triage-table").locator("tr", has_text="huang.li@gybys.example.cn")
    expect(row).to_contain_text(ref)
    row.locator("a").first.click()
    expect(page.get_by_test_id("triage-from")).to_contain_text("huang.li@gybys.example.cn")
    # what the machine read, beside the message: a promise to pay, on this case, with no date
    expect(page.get_by_test_id("triage-intent")).to_contain_text("承诺付款")
    expect(page.get_by_test_id("triage-case")).to_contain_text(ref)
    expect(page.get_by_test_id("triage-new-text")).to_contain_text("审批通过后会尽快安排付款")
    expect(page.get_by_test_id("triage-new-text")).not_to_contain_text("原始邮件")
    # the keyboard: "?" lists the page's shortcuts, among them c to confirm the reading
    page.keyboard.press("?")
    help_box = page.locator("#shortcut-help")
    expect(help_box).to_be_visible()
    expect(help_box.locator("dt", has_text=re.compile("^c$"))).to_have_count(1)
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    # the clerk called her: 10 December; the date typed in, Escape leaves the field, c confirms
    page.get_by_test_id("triage-promised-date").fill("2026-12-10")
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.get_by_test_id("triage-table")).not_to_contain_text("huang.li@gybys.example.cn")
    page.goto(f"/cases/{ref}")
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", "promise_pending")
    expect(page.get_by_test_id("case-timeline")).to_contain_text("2026-12-10")


def test_the_assigned_lawyer_approves_the_lawyers_letter(page: Any, desk: Desk) -> None:
    ref = desk.book.cases[WAHAHA]
    before = {m.message_id for m in letters(desk.outbox_dir)}
    log_in(page, desk.base, "lawyer1")
    # the dashboard lists the letter waiting for them; it leads to the case
    approvals = page.get_by_test_id("panel-approvals")
    expect(approvals).to_contain_text(desk.book.name(WAHAHA))
    approvals.get_by_role("link", name=ref).click()
    page.wait_for_url(f"**/cases/{ref}")
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", "lawyer_letter_pending")
    expect(page.get_by_test_id("pending-letter")).to_contain_text("律师函")
    page.get_by_test_id("action-approve").locator("summary").click()
    page.get_by_test_id("approve-reason").fill("已核对欠款金额及合同约定，同意发出。")
    page.get_by_test_id("submit-approve").click()
    expect(page.locator(".flash.ok")).to_contain_text("律师函已审批通过")
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", "lawyer_letter_sent")
    expect(page.get_by_test_id("pending-letter")).to_have_count(0)
    # the signed letter left for the debtor's finance contact
    [sent] = [m for m in letters(desk.outbox_dir) if m.message_id not in before]
    assert sent.to == "liu.yang@wahaha.example.cn" and "律师函" in sent.subject, sent.subject
    # the lawyer's case list holds their customer's case only, now with the letter sent
    page.locator("header nav").get_by_role("link", name="案件").click()
    expect(page.locator("[data-testid^=row-AR-]")).to_have_count(1)
    expect(page.get_by_test_id(f"state-{ref}")).to_have_text("已发律师函")


def test_build_and_download_the_evidence_bundle(page: Any, desk: Desk, tmp_path: Path) -> None:
    ref = desk.book.cases[HUAXING]
    log_in(page, desk.base, "clerk1")
    page.goto(f"/cases/{ref}")
    page.get_by_test_id("submit-bundle").click()
    expect(page.locator(".flash.ok")).to_contain_text("证据材料")
    link = page.locator("[data-testid^=bundle-pdf-]").first
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert ref in text, text[:500]
    assert desk.book.name(HUAXING) in text.replace(" ", "")
