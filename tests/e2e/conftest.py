"""The desk in a real browser: Debian's Chromium, driven by Playwright, against the app served by a
real HTTP server on a free port.

One server and one browser per test session (per xdist worker): the server is werkzeug's threaded
server in a background thread, on a temporary SQLite database migrated like an installation's, with
the embedded defaults — letters go to the local mail drop (``DUNNING_MAIL_TRANSPORT=maildir``, the
Maildir ``<mailbox>/outbox``), replies are read from ``<mailbox>/inbox``, jobs run inline, PDFs are
made by LibreOffice, the shipped templates are registered — and the ledger of ``book.py``, on which
the day's dunning run has run. Each test gets a fresh browser context (its own cookies).

**Chromium is Debian's** (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright never downloads
a browser. When it (or LibreOffice) is missing, the tests **fail** under
``.ci/run`` (which sets ``DUNNING_E2E_REQUIRED=1``) or any CI (``CI`` set), since a skip there would hide
a broken install; on a newcomer's machine they are skipped, saying what to install. (Playwright
itself comes with the test extra, ``pip install -e '.[test]'``.)

**Time.** The server's clock is fixed on the suite's day (Thursday 26 November 2026, 10:00 in
Shanghai: a working day within the contact hours), so what the run decides never depends on the day
the tests run. The browser lives in real time, though, and the session cookie's ``Expires`` (a week
after that fixed day) may be past for it, so it would drop the cookie at once: the login response's
cookie is kept as a browser-session cookie (``keep_session_cookie``). The server still checks the
session's own expiry against its clock.

Screenshots go to ``test-artifacts/screenshots/<lang>/<page>.png`` for a person to look at.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import FIXED_NOW, TEMPLATE_CACHE
from tests.e2e.book import SETUP, Book, build, dunning_run
from tests.e2e.mail import deliver, reply
from tests.uow import run
from workflow.clock import FixedClock
from workflow.config import PROJECT_ROOT, Settings
from workflow.core import Core, build_core
from workflow.documents.pdf import find_uno_python
from workflow.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SOFFICE = Path("/usr/bin/soffice")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
# generous: a page that makes a PDF waits for LibreOffice on a loaded 2-core machine; not a measurement
TIMEOUT_MS = 60_000


def required() -> bool:
    return bool(os.environ.get("DUNNING_E2E_REQUIRED") or os.environ.get("CI"))


def missing(reason: str) -> None:
    if required():
        pytest.fail(f"{reason}: the end-to-end tests need it (.ci/run installs it)", pytrace=False)
    pytest.skip(f"{reason} (install it to run the end-to-end tests)")


class _Quiet(WSGIRequestHandler):
    """No access log line per request on the test's output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Desk:
    base: str
    core: Core
    clock: FixedClock
    settings: Settings
    book: Book
    app: Flask

    @property
    def outbox_dir(self) -> Path:
        """The local mail drop: every letter sent, as the message that would have left."""
        return self.settings.mailbox_dir / "outbox"

    @property
    def inbox_dir(self) -> Path:
        """Where the embedded default reads replies from (docs/inbox.md)."""
        return self.settings.mailbox_dir / "inbox"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    if not SOFFICE.exists() or find_uno_python() is None:
        missing("LibreOffice with python3-uno is not installed")
    root = tmp_path_factory.mktemp("e2e")
    settings = Settings(instance_path=root / "instance", mailbox_dir=root / "mailbox", mail_transport="maildir",
                        mail_from="ar@bspack.example.cn", mail_from_name="上海宝钢包装 应收账款部",
                        pdf_converter="libreoffice", soffice_path=str(SOFFICE), pdf_processes=1,
                        job_runner="inline", secret_key="e2e-secret", locale="zh_CN")
    settings.instance_path.mkdir(parents=True)
    # the mail drop's folder exists, as mailbox/dev does in a checkout (the transport makes only
    # the Maildir itself inside it)
    settings.mailbox_dir.mkdir()
    upgrade(settings.effective_database_url)
    clock = FixedClock(FIXED_NOW)
    core = build_core(settings, clock=clock, template_cache=TEMPLATE_CACHE)
    server = None
    thread = None
    try:
        report = run(core, SETUP, core.services.templates.sync_shipped)
        assert not report.rejected, report.rejected
        book = build(core)
        dunning_run(core, book)
        # the minute sweep a few minutes later: the run's letters leave once their PDFs are made
        clock.advance(timedelta(minutes=5))
        core.services.outbox.send_due()
        # a reply nobody can place is waiting in triage: from a free-mail address, no reference
        deliver(settings.mailbox_dir / "inbox", reply(
            sender="\"王会计\" <1840273315@qq.com>", to=settings.mail_from, subject="回复：贵司来函",
            body="你好，邮件收到了，我转给领导看一下，有消息再联系你。\n\n王", when=clock.now()))
        core.services.inbox.poll()
        from workflow.app import create_app

        app = create_app(core=core)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
        thread.start()
        yield Desk(f"http://127.0.0.1:{server.port}", core, clock, settings, book, app)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=30)
        core.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing(f"Debian's Chromium is not installed ({CHROMIUM}; apt-get install chromium)")
    from playwright.sync_api import sync_playwright  # the test extra's

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def context(browser: Any, desk: Desk, tmp_path: Path) -> Iterator[Any]:
    """A fresh browser profile (cookies, downloads) on the desk: a laptop screen in Shanghai."""
    ctx = browser.new_context(base_url=desk.base, viewport={"width": 1366, "height": 860}, locale="zh-CN",
                              timezone_id="Asia/Shanghai", accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    keep_session_cookie(ctx, desk)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def keep_session_cookie(ctx: Any, desk: Desk) -> None:
    """The login answer's session cookie without its ``Expires`` (see the module's note on time)."""

    def login(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        headers = [(h["name"], h["value"]) for h in answer.headers_array]
        kept = {}
        cookies = []
        for name, value in headers:
            if name.lower() == "set-cookie":
                if value.startswith("dunning_session=") and "Max-Age=0" not in value:
                    value = "; ".join(part for part in value.split("; ")
                                      if not part.lower().startswith(("expires=", "max-age=")))
                cookies.append(value)
            else:
                kept[name] = value
        if cookies:
            kept["set-cookie"] = "\n".join(cookies)
        route.fulfill(status=answer.status, headers=kept, body=answer.body())

    ctx.route(desk.url("/login"), login)
