"""What two requests can do at once, done at once: real gunicorn (4 workers) over SQLite and PostgreSQL.

Each test starts the service as an operator would (``dunning db upgrade``, a user and a token from
the CLI, ``gunicorn -w 4 wsgi:app``) and fires 200 requests from 32 threads. Nothing here measures
speed: the assertions are about what was written (no double allocation, one linear audit chain) and
what was answered (never a 500, never "database is locked").
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.ledger.sample_ledger import CREDITOR, CUSTOMERS, cc
from workflow.accounts.actor import SYSTEM
from workflow.config import Settings
from workflow.core import build_core
from workflow.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REQUESTS = 200
PASSWORD = "Baosteel-2026-ar"
THREADS = 32

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: bytes
    cookies: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Served:
    base: str
    token: str
    env: dict[str, str]
    log: Path
    answers: list[Answer] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None, cookie: str | None = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if cookie is None:
            headers["Authorization"] = f"Bearer {self.token}"
        elif cookie:
            headers["Cookie"] = cookie
        req = urllib.request.Request(f"{self.base}/api/v1{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return Answer(resp.status, resp.read(), resp.headers.get_all("Set-Cookie") or [])
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read(), exc.headers.get_all("Set-Cookie") or [])

    def ok(self, method: str, path: str, body: Any = None, status: int = 201) -> Any:
        a = self.call(method, path, body)
        assert a.status == status, a.body.decode(errors="replace")
        return a.json()

    def dunning(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "dunning"), *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)


def _postgres_database(pg_base_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(pg_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_base_url.rsplit("/", 1)[0] + "/" + name


def _prepare(env: dict[str, str]) -> str:
    """What ``dunning db upgrade`` and ``dunning user create/token`` do, in this process (each command
    would pay the interpreter's start-up again); returns the admin's token."""
    settings = Settings.from_env(env)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    core = build_core(settings)
    try:
        accounts = core.services.accounts
        with core.unit_of_work(SYSTEM) as uow:
            accounts.create_user(uow, username="wang.fang", display_name="王芳", role="admin")
            accounts.create_user(uow, username="li.na", display_name="李娜", role="clerk", password=PASSWORD)
        with core.unit_of_work(SYSTEM) as uow:
            return accounts.issue_token(uow, "wang.fang", "concurrency").token
    finally:
        core.close()


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path, pg_base_url: str | None,
           worker_id: str) -> Iterator[Served]:
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path / "instance"), "DUNNING_PDF_CONVERTER": "none",
           "DUNNING_MAIL_TRANSPORT": "memory"}
    env.pop("DUNNING_SECRET_KEY", None)  # the workers must agree on the key kept in the instance folder
    if request.param == "postgres":
        if pg_base_url is None:
            pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
        tag = os.environ.get("DUNNING_TEST_DB_TAG", "")
        env["DUNNING_DATABASE_URL"] = _postgres_database(pg_base_url, f"dunning_conc_{tag}{worker_id}")
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    server = Served(f"http://127.0.0.1:{port}", "", env, log)
    server.token = _prepare(env)
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "300",
                                 "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # start-up on a loaded machine; not a measurement
        while True:
            try:
                if server.call("GET", "/me").status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _fire(server: Served, calls: list[tuple[str, str, Any]]) -> list[Answer]:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda c: server.call(*c), calls))


def _assert_no_server_error(server: Served, answers: list[Answer]) -> None:
    bad = [a for a in answers if a.status >= 500 or b"locked" in a.body]
    assert not bad, (Counter(a.status for a in bad), bad[0].body[:500],
                     server.log.read_text(errors="replace")[-3000:])


def _ledger(server: Served) -> tuple[int, int, list[int]]:
    creditor = server.ok("POST", "/creditors", CREDITOR)["id"]
    customer = server.ok("POST", "/customers", CUSTOMERS[0])["id"]
    invoices = [server.ok("POST", "/invoices", {
        "creditor_id": creditor, "customer_id": customer, "number": f"SH-2026-{n:04d}", "issue_date": "2026-08-01",
        "due_date": f"2026-09-{10 + n:02d}", "amount": "20000.00", "currency": "CNY"})["id"] for n in range(4)]
    return creditor, customer, invoices


def test_concurrent_allocations_never_allocate_more_than_the_payment_holds(served: Served) -> None:
    creditor, customer, invoices = _ledger(served)
    # 31,000.00 held back as unallocated cash; each request asks for 20,000.00 of it: one can succeed
    payment = served.ok("POST", "/payments", {
        "creditor_id": creditor, "customer_id": customer, "received_on": "2026-11-20", "amount": "31000.00",
        "currency": "CNY", "payer_name": "深圳市华星光电技术有限公司", "bank_reference": "ICBC-20261120-7781",
        "allocations": []})["id"]
    calls: list[tuple[str, str, Any]] = [
        ("POST", f"/payments/{payment}/allocations",
         {"allocations": [{"invoice_id": invoices[i % 4], "amount": "20000.00"}]}) for i in range(REQUESTS)]
    answers = _fire(served, calls)
    _assert_no_server_error(served, answers)
    assert {a.status for a in answers} <= {200, 409}
    assert sum(a.status == 200 for a in answers) == 1

    # the rest then goes by due date, 200 times at once: exactly one request finds anything left
    answers = _fire(served, [("POST", f"/payments/{payment}/allocations", {})] * REQUESTS)
    _assert_no_server_error(served, answers)
    assert sum(a.status == 200 for a in answers) == 1

    p = served.ok("GET", f"/payments/{payment}", status=200)
    allocated = sum((Decimal(a["amount"]) for a in p["allocations"]), Decimal(0))
    assert allocated == Decimal("31000.00") and p["unallocated_amount"] == "0.00"
    paid = sum((Decimal(served.ok("GET", f"/invoices/{i}", status=200)["paid_amount"]) for i in invoices), Decimal(0))
    assert paid == allocated


def test_concurrent_writes_and_audited_downloads_leave_one_verified_chain(served: Served) -> None:
    creditor, _customer, _invoices = _ledger(served)
    calls: list[tuple[str, str, Any]] = []
    for i in range(REQUESTS):
        if i % 2:
            calls.append(("GET", "/reports/aging?as_of=2026-11-26&format=csv", None))
        else:
            calls.append(("POST", "/customers", {
                "code": f"K{i:04d}", "legal_name": f"苏州工业园区第{i}精密机械有限公司",
                "credit_code": cc(f"91320594{i:09d}"), "kind": "private_small"}))
    answers = _fire(served, calls)
    _assert_no_server_error(served, answers)
    assert Counter(a.status for a in answers) == Counter({200: REQUESTS // 2, 201: REQUESTS // 2})

    check = served.ok("GET", "/audit/verify", status=200)
    assert check["ok"] is True, check
    res = served.dunning("audit", "verify")
    assert res.returncode == 0, res.stdout + res.stderr
    # every write and every download is one entry of the one chain
    assert check["entries"] >= REQUESTS + 6
    assert creditor


def test_a_login_holds_on_every_worker_and_logout_ends_it_everywhere(served: Served) -> None:
    """No DUNNING_SECRET_KEY: the four workers share the key kept in the instance folder, and the
    session lives in the database, so whichever worker answers knows it."""
    login = served.call("POST", "/auth/login", {"username": "li.na", "password": PASSWORD}, cookie="")
    assert login.status == 200, login.body
    cookie = "; ".join(c.split(";", 1)[0] for c in login.cookies)
    answers = _fire_as(served, [("GET", "/me", None)] * 40, cookie)
    assert [a.status for a in answers] == [200] * 40
    assert {a.json()["username"] for a in answers} == {"li.na"}

    csrf = login.json().get("csrf_token")
    out = urllib.request.Request(f"{served.base}/api/v1/auth/logout", data=b"{}", method="POST", headers={
        "Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": csrf or ""})
    with urllib.request.urlopen(out, timeout=60) as resp:
        assert resp.status in (200, 204)
    answers = _fire_as(served, [("GET", "/me", None)] * 40, cookie)
    assert [a.status for a in answers] == [401] * 40


def _fire_as(server: Served, calls: list[tuple[str, str, Any]], cookie: str) -> list[Answer]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda c: server.call(*c, cookie=cookie), calls))
