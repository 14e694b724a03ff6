"""Every page a user can reach from the desk's links opens, for each role and in both languages.

The crawl starts at the dashboard of the demo installation (its ledger, users and the cases the
daily run opens) and follows the links a person could click, up to a few pages per kind of page, so
a page added later is crawled without this test changing. A 500 anywhere, a link to a page the role
may not open, or a page in the wrong language fails it.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SYSTEM_ACTOR
from tests.uow import run
from tests.web.desk import log_in
from workflow.core import Core
from workflow.ledger.demo import load_demo
from workflow.ledger.demo_data import DEMO_USERS

PER_KIND = 2  # pages per URL rule: a second customer catches what the first happens not to have
MAX_PAGES = 160
HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/api/", "/static/", "/logout", "/login")


@pytest.fixture
def demo(core: Core, shipped_templates: None) -> dict[str, str]:
    run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    core.services.dunning.run(SYSTEM_ACTOR)  # the day's run opens the demo's cases
    return {username: password for username, _role, password, _name in DEMO_USERS}


def _rule(app: Flask, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except Exception:  # a link to nowhere is reported by the crawl itself
        return None
    return str(endpoint)


def crawl(client: FlaskClient, lang: str) -> dict[str, int]:
    app = client.application
    seen: dict[str, int] = {}
    per_rule: dict[str, int] = {}
    queue = deque(["/"])
    problems: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        rule = _rule(app, urlsplit(url).path) or url
        if per_rule.get(rule, 0) >= PER_KIND:
            continue
        per_rule[rule] = per_rule.get(rule, 0) + 1
        with client.get(url) as resp:
            seen[url] = resp.status_code
            if resp.status_code != 200:
                problems.append(f"{url} → {resp.status_code}")
                continue
            if resp.mimetype != "text/html":
                continue
            html = resp.get_data(as_text=True)
        expected = 'lang="zh-CN"' if lang == "zh_CN" else 'lang="en"'
        if expected not in html:
            problems.append(f"{url}: not in {lang}")
        for href in HREF.findall(html):
            href = href.replace("&amp;", "&")
            if href.startswith(SKIP) or "export=" in href or href in seen:
                continue
            queue.append(href)
    assert not problems, "\n".join(problems)
    return seen


def test_every_linked_page_opens(app: Flask, demo: dict[str, str]) -> None:
    """Each role, in both languages between them (the languages share every template); one
    installation for all, since the day's run that opens the demo's cases makes 27 letters."""
    for who, lang in (("admin", "zh_CN"), ("clerk", "en"), ("legal", "zh_CN"), ("lawyer", "en"),
                      ("lawyer", "zh_CN"), ("wangjianguo", "zh_CN"), ("lisa.wu", "en")):  # the last two: sales
        client = app.test_client()
        log_in(client, who, demo[who], lang=lang)
        seen = crawl(client, lang)
        assert len(seen) > 3, (who, lang, seen)  # the crawl really went somewhere
