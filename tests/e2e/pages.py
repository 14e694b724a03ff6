"""What a user does in the browser, as small steps the journeys share."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.book import PASSWORD


def log_in(page: Any, base: str, username: str, *, lang: str | None = None, password: str = PASSWORD) -> None:
    """Through the login form, as a person would; ``lang`` is the language the browser chose before."""
    if lang is not None:
        page.context.add_cookies([{"name": "dunning_lang", "value": lang, "url": base}])
    page.goto("/login")
    page.get_by_label(re.compile("用户名|User name")).fill(username)
    page.get_by_label(re.compile("^(密码|Password)")).fill(password)
    page.locator("section.login button[type=submit]").click()
    expect(page.locator("[data-testid=logout]")).to_be_visible()


def switch_language(page: Any, to: str) -> None:
    """The switch in the header: ``en`` or ``zh_CN``; waits for the page to come back in it."""
    testid = "lang-en" if to == "en" else "lang-zh"
    page.get_by_test_id(testid).click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if to == "en" else "zh-CN")


def html_lang(page: Any) -> str:
    value: str = page.locator("html").get_attribute("lang") or ""
    return value


def main_heading(page: Any) -> str:
    text: str = page.locator("main h1").first.inner_text()
    return text.strip()


def is_error_page(page: Any) -> bool:
    count: int = page.locator("section.error-page").count()
    return count > 0
