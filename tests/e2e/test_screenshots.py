"""Every page of the desk, in Chinese and in English, as an administrator and as a lawyer: no error
page, the page in the language chosen, no script error, and a full-page screenshot kept in
``test-artifacts/screenshots/<lang>/<page>.png`` for a person to look at.

The crawl adapts to whatever pages exist: it starts from the top navigation the user is shown and
follows the links on each page (list → detail → ...), visiting one page per endpoint of the app's
URL map (``ui_customers.customer`` once, whichever customer comes first), so a new page is
visited as soon as a link leads to it. The English pass visits the same pages after the language
switch.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.e2e.conftest import ARTIFACTS, Desk
from tests.e2e.pages import log_in, switch_language

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CJK = re.compile(r"[\u3400-\u9fff]")
# the heading may be a reference or a number on its own (a case's ref, an invoice number)
CODE_ONLY = re.compile(r"^[A-Z0-9][A-Z0-9 ._/:#·-]*$")
MAX_DEPTH = 3
# endpoints a person reaches by a form or that answer something other than a page
NOT_PAGES = {"ui.static", "ui_auth.login", "ui_auth.logout", "ui_auth.switch_language"}
# the pages of a document: each also has its printed picture (``<page>-print.png``)
DOCUMENTS = {"ui_case.case", "ui_case.print_view", "ui_customers.customer", "ui_contracts.contract",
             "ui_money.invoice", "ui_money.payment"}


@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots() -> None:
    """Only this run's pages: a page that is gone leaves no old picture behind."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@dataclass
class Visit:
    endpoint: str
    path: str


def _endpoint(desk: Desk, path: str) -> str | None:
    adapter = desk.app.url_map.bind("127.0.0.1")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    return str(endpoint)


def _links(page: Any, desk: Desk, selector: str) -> list[str]:
    found = []
    for href in page.locator(selector).evaluate_all(
            "els => els.filter(a => !a.hasAttribute('download')).map(a => a.getAttribute('href'))"):
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(desk.base + "/", href)
        if not url.startswith(desk.base + "/"):
            continue
        parts = urlsplit(url)
        if "export=" in parts.query:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _name(endpoint: str, who: str) -> str:
    name = endpoint.removeprefix("ui_").replace(".", "-").replace("_", "-")
    return name if who == "admin" else f"{who}-{name}"


READ_PAGE = """() => ({
    lang: document.documentElement.lang,
    error: !!document.querySelector("section.error-page"),
    heading: (document.querySelector("main h1") || {innerText: ""}).innerText.trim(),
    nav: [...document.querySelectorAll("header nav a")].map(a => a.innerText.trim()),
    heads: [...document.querySelectorAll("main th, main button, main summary, main legend")]
        .map(e => e.innerText.trim()).filter(t => t),
    labels: [...document.querySelectorAll(
        "main h1, main h2, main h3, main th, main label, main button, main summary, main dt, main legend")]
        .map(e => e.innerText.trim()).filter(t => t),
})"""
# words that are the same in a Chinese page: formats, currencies, abbreviations clerks use
NOT_ENGLISH = {"PDF", "DOCX", "XLSX", "ZIP", "CSV", "Excel", "Word", "DSO", "CNY", "USD", "EUR", "HKD", "LPR",
               "English", "SHA", "ID", "API", "URL", "IMAP", "SMTP", "HTML", "Email", "e-mail"}
ENGLISH_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


def _untranslated(text: str) -> bool:
    """A label with an English word and no Chinese at all: a string that missed the catalogue."""
    if CJK.search(text):
        return False
    return any(w not in NOT_ENGLISH for w in ENGLISH_WORD.findall(text))


def _check(page: Any, answer: Any, path: str, lang: str, errors: list[str], problems: list[str]) -> None:
    """What is wrong with the page on the screen, added to ``problems`` (the crawl goes on, so one
    run shows them all)."""
    if answer is None or answer.status != 200:
        problems.append(f"{path}: HTTP {answer.status if answer is not None else 'no answer'}")
    seen = page.evaluate(READ_PAGE)
    if seen["error"]:
        problems.append(f"{path}: error page")
    want = "zh-CN" if lang == "zh_CN" else "en"
    if seen["lang"] != want:
        problems.append(f"{path}: <html lang> is {seen['lang']!r}, not {want!r}")
    heading = seen["heading"]
    if not heading:
        problems.append(f"{path}: no heading")
    if lang == "zh_CN":
        if heading and not (CJK.search(heading) or CODE_ONLY.match(heading)):
            problems.append(f"{path}: heading not in Chinese: {heading!r}")
        problems += [f"{path}: navigation entry not in Chinese: {label!r}" for label in seen["nav"]
                     if not CJK.search(label)]
        problems += [f"{path}: label not in Chinese: {label!r}" for label in seen["labels"] if _untranslated(label)]
    else:
        problems += [f"{path}: navigation entry not in English: {label!r}" for label in seen["nav"]
                     if CJK.search(label)]
        # a column head or a button is never data: Chinese there is a string that missed the catalogue
        problems += [f"{path}: column head or button not in English: {label!r}" for label in seen["heads"]
                     if CJK.search(label)]
    problems += [f"{path}: script error: {e}" for e in errors]
    errors.clear()


def _printed(page: Any, path: str, shot: Path, problems: list[str]) -> None:
    """The page as printed: the heading and the content, without navigation, forms or buttons."""
    page.emulate_media(media="print")
    try:
        if page.locator("header.top").is_visible() or page.locator("main form").first.is_visible():
            problems.append(f"{path}: the navigation or a form is printed")
        if not page.locator("main h1").first.is_visible():
            problems.append(f"{path}: the printed page has no heading")
        page.screenshot(path=shot, full_page=True)
    finally:
        page.emulate_media(media="screen")


def crawl(page: Any, desk: Desk, who: str, problems: list[str]) -> list[Visit]:
    """Chinese first: from the navigation, breadth first, one page per endpoint, a screenshot each."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/")
    queue: list[tuple[str, int]] = [(p, 1) for p in ["/", *_links(page, desk, "header nav a"), "/account/password"]]
    seen: set[str] = set()
    visits: list[Visit] = []
    while queue:
        path, depth = queue.pop(0)
        endpoint = _endpoint(desk, path)
        if endpoint is None or endpoint in seen or endpoint in NOT_PAGES:
            continue
        seen.add(endpoint)
        try:
            answer = page.goto(path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a PDF, ZIP, .eml or XLSX: not a page
                continue
            raise
        if answer is not None and not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        _check(page, answer, path, "zh_CN", errors, problems)
        page.screenshot(path=ARTIFACTS / "zh_CN" / f"{_name(endpoint, who)}.png", full_page=True)
        if endpoint in DOCUMENTS:
            _printed(page, path, ARTIFACTS / "zh_CN" / f"{_name(endpoint, who)}-print.png", problems)
        visits.append(Visit(endpoint, path))
        if depth < MAX_DEPTH:
            queue += [(link, depth + 1) for link in _links(page, desk, "main a[href]")]
    return visits


def english_pass(page: Any, desk: Desk, who: str, visits: list[Visit], problems: list[str]) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/")
    switch_language(page, "en")
    for visit in visits:
        answer = page.goto(visit.path)
        _check(page, answer, visit.path, "en", errors, problems)
        page.screenshot(path=ARTIFACTS / "en" / f"{_name(visit.endpoint, who)}.png", full_page=True)
    # the switch is kept in the user's profile: back to Chinese, as the journeys expect the users
    page.goto("/")
    switch_language(page, "zh_CN")


def test_every_page_as_an_administrator(page: Any, desk: Desk) -> None:
    log_in(page, desk.base, "admin1", lang="zh_CN")
    problems: list[str] = []
    visits = crawl(page, desk, "admin", problems)
    reached = {v.endpoint for v in visits}
    # the frame's own pages, and a detail page of each kind the navigation leads to
    assert {"ui_dashboard.dashboard", "ui_auth.password"} <= reached
    for listing, detail in (("ui_customers.customers", "ui_customers.customer"),
                            ("ui_contracts.contracts", "ui_contracts.contract"),
                            ("ui_money.invoices", "ui_money.invoice"), ("ui_money.payments", "ui_money.payment"),
                            ("ui_cases.cases", "ui_case.case")):
        if listing in reached:
            assert detail in reached, f"no link from {listing} led to a {detail} page"
    english_pass(page, desk, "admin", visits, problems)
    assert not problems, "\n".join(problems)


def test_every_page_as_a_lawyer(page: Any, desk: Desk) -> None:
    log_in(page, desk.base, "lawyer1", lang="zh_CN")
    problems: list[str] = []
    visits = crawl(page, desk, "lawyer", problems)
    reached = {v.endpoint for v in visits}
    assert "ui_settings.index" not in reached and "ui_triage.triage" not in reached
    if "ui_case.case" in reached:
        [case_page] = [v for v in visits if v.endpoint == "ui_case.case"]
        assert desk.book.cases["C002"] in case_page.path
    english_pass(page, desk, "lawyer", visits, problems)
    assert not problems, "\n".join(problems)
