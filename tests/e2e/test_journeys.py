"""What clerks, legal staff and lawyers do on the desk, in a real browser, asserting what they see.

Each journey starts from its own browser context (logged out) on the shared server; they touch
different customers of ``book.py``, so their order does not matter.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.book import BAIYUN, WAHAHA
from tests.e2e.conftest import Desk
from tests.e2e.pages import log_in, switch_language

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
