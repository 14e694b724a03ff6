"""Browser sessions, CSRF, login throttling, API token lifetimes and the secret key file."""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import SYSTEM_ACTOR, Users
from tests.uow import run
from workflow.accounts import passwords, secret_key
from workflow.accounts.actor import ANONYMOUS, Actor
from workflow.accounts.models import LoginThrottle, Role, User
from workflow.app import create_app
from workflow.audit.models import AuditEntry
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core
from workflow.errors import Forbidden
from workflow.web.api import CSRF_HEADER, SESSION_COOKIE

PASSWORD = "correct horse battery"
NEW_USER = {"username": "wang.fang", "display_name": "王芳", "role": "clerk", "password": "s3cret-pass"}


def login(client: FlaskClient, username: str = "admin1", password: str = PASSWORD, **kw: Any) -> Any:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}, **kw)


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return cookie.value


@dataclass
class Web:
    core: Core
    client: FlaskClient
    clock: FixedClock
    users: Users

    def new_client(self) -> FlaskClient:
        return self.client.application.test_client()


@pytest.fixture
def web(any_db: Core, clock: FixedClock) -> Iterator[Web]:
    """An app with one user per role, on SQLite and then on PostgreSQL."""
    headers: dict[str, dict[str, str]] = {}
    ids: dict[str, int] = {}
    accounts = any_db.services.accounts
    for role in ("admin", "clerk", "legal", "lawyer"):
        u = run(any_db, SYSTEM_ACTOR, accounts.create_user, username=f"{role}1", display_name=role, role=role,
                password=PASSWORD)
        ids[role] = u.id
        headers[role] = {"Authorization": "Bearer " + run(any_db, SYSTEM_ACTOR, accounts.issue_token,
                                                           f"{role}1", "tests").token}
    app = create_app(core=any_db)
    app.config["TESTING"] = True
    users = Users(headers["admin"], headers["clerk"], headers["legal"], headers["lawyer"], ids["lawyer"],
                  ids["clerk"])
    yield Web(any_db, app.test_client(), clock, users)


# ---- sessions ------------------------------------------------------------------------------------

def test_login_sets_a_random_http_only_cookie_and_returns_the_csrf_token(client: FlaskClient, users: Users) -> None:
    resp = login(client)
    assert resp.status_code == 200
    csrf = resp.json["csrf_token"]
    assert len(csrf) >= 40
    set_cookie = resp.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Secure" not in set_cookie
    assert len(session_cookie(client)) >= 43  # 256 random bits, URL-safe base64
    me = client.get("/api/v1/me")
    assert me.json == {"username": "admin1", "role": "admin", "locale": "zh_CN", "csrf_token": csrf}


def test_logout_ends_the_session_on_the_server(web: Web) -> None:
    csrf = login(web.client).json["csrf_token"]
    stolen = session_cookie(web.client)
    assert web.client.post("/api/v1/auth/logout", headers={CSRF_HEADER: csrf}).status_code == 200
    assert web.client.get("/api/v1/me").status_code == 401
    # a copy of the cookie taken before logout is worth nothing afterwards
    other = web.new_client()
    other.set_cookie(SESSION_COOKIE, stolen)
    assert other.get("/api/v1/me").status_code == 401


def test_a_new_login_replaces_the_session_it_arrived_with(client: FlaskClient, users: Users) -> None:
    login(client)
    first = session_cookie(client)
    login(client)
    assert session_cookie(client) != first
    other = client.application.test_client()
    other.set_cookie(SESSION_COOKIE, first)
    assert other.get("/api/v1/me").status_code == 401


def test_sessions_work_in_every_worker_process(core: Core, users: Users) -> None:
    """Two apps on one instance folder stand for two gunicorn workers: a cookie from one works on
    the other, because the session lives in the database (and the key in the instance folder)."""
    a = create_app(core=core)
    b = create_app(core=core)
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"]
    ca, cb = a.test_client(), b.test_client()
    assert login(ca).status_code == 200
    cb.set_cookie(SESSION_COOKIE, session_cookie(ca))
    assert all(cb.get("/api/v1/me").status_code == 200 for _ in range(20))


def test_an_idle_session_expires_and_use_keeps_it_alive(client: FlaskClient, users: Users, clock: FixedClock) -> None:
    login(client)
    for _ in range(3):  # used every 11 hours: still alive after 33
        clock.advance(timedelta(hours=11))
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(hours=12))
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_ends_after_seven_days_however_busy(client: FlaskClient, users: Users, clock: FixedClock) -> None:
    login(client)
    codes = []
    for _ in range(17):  # every 10 hours: the 17th request comes 170 hours after login
        clock.advance(timedelta(hours=10))
        codes.append(client.get("/api/v1/me").status_code)
    assert codes == [200] * 16 + [401]


def test_a_new_password_or_deactivation_ends_the_users_sessions(web: Web) -> None:
    clerk = web.new_client()
    assert login(clerk, "clerk1").status_code == 200
    changed = web.client.patch(f"/api/v1/users/{web.users.clerk_id}", json={"password": "another-pass-1"},
                               headers=web.users.admin)
    assert changed.status_code == 200
    assert clerk.get("/api/v1/me").status_code == 401
    assert login(clerk, "clerk1", "another-pass-1").status_code == 200
    assert clerk.get("/api/v1/me").status_code == 200
    off = web.client.patch(f"/api/v1/users/{web.users.clerk_id}", json={"active": False}, headers=web.users.admin)
    assert off.status_code == 200 and off.json["active"] is False
    assert clerk.get("/api/v1/me").status_code == 401
    assert login(clerk, "clerk1", "another-pass-1").status_code == 401
    assert web.client.get("/api/v1/me", headers=web.users.clerk).status_code == 401  # tokens too


def test_cli_password_and_deactivate_end_sessions(client: FlaskClient, users: Users, runner: Any) -> None:
    assert login(client, "clerk1").status_code == 200
    result = runner.invoke(args=["user", "password", "clerk1", "--password", "brand-new-pass"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "clerk1", "brand-new-pass").status_code == 200
    result = runner.invoke(args=["user", "deactivate", "clerk1"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401


def test_only_an_administrator_changes_users(client: FlaskClient, users: Users) -> None:
    resp = client.patch(f"/api/v1/users/{users.clerk_id}", json={"role": "admin"}, headers=users.clerk)
    assert resp.status_code == 403


# ---- CSRF ----------------------------------------------------------------------------------------

def test_cookie_writes_need_the_csrf_token_in_both_languages(client: FlaskClient, users: Users) -> None:
    csrf = login(client).json["csrf_token"]
    refused = client.post("/api/v1/users", json=NEW_USER)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "csrf_failed" and "X-CSRF-Token" in refused.json["title"]
    assert "缺少" in refused.json["title"]
    en = client.post("/api/v1/users", json=NEW_USER, headers={"Accept-Language": "en"})
    assert en.status_code == 403 and en.json["title"].startswith("Missing or wrong")
    wrong = client.post("/api/v1/users", json=NEW_USER, headers={CSRF_HEADER: csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    ok = client.post("/api/v1/users", json=NEW_USER, headers={CSRF_HEADER: csrf})
    assert ok.status_code == 201
    assert client.get("/api/v1/users").status_code == 200  # reads need no token


def test_a_cross_site_multipart_upload_is_refused(client: FlaskClient, users: Users, core: Core) -> None:
    csrf = login(client, "clerk1").json["csrf_token"]

    def upload(headers: dict[str, str]) -> Any:
        data = {"file": (io.BytesIO("客户编码,客户名称\nC900,测试客户有限公司\n".encode()), "c.csv")}
        return client.post("/api/v1/imports?kind=customers", data=data, content_type="multipart/form-data",
                           headers=headers)

    evil = upload({"Origin": "http://evil.example", CSRF_HEADER: csrf})
    assert evil.status_code == 403 and evil.json["code"] == "csrf_failed"
    assert "evil.example" in evil.json["title"]
    assert upload({"Referer": "http://evil.example/page.html", CSRF_HEADER: csrf}).status_code == 403
    assert upload({"Origin": "http://evil.example"}).status_code == 403
    with core.db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM customer")) == 0
    same_site = upload({"Origin": "http://localhost", "Referer": "http://localhost/app", CSRF_HEADER: csrf})
    assert same_site.status_code != 403


def test_bearer_requests_need_no_csrf_token(client: FlaskClient, users: Users) -> None:
    resp = client.post("/api/v1/users", json=NEW_USER, headers={**users.admin, "Origin": "http://evil.example"})
    assert resp.status_code == 201


def test_a_cross_site_login_is_refused(client: FlaskClient, users: Users) -> None:
    resp = login(client, headers={"Origin": "http://evil.example"})
    assert resp.status_code == 403
    assert client.get_cookie(SESSION_COOKIE) is None


def test_logout_of_a_live_session_needs_the_csrf_token(client: FlaskClient, users: Users) -> None:
    login(client)
    assert client.post("/api/v1/auth/logout").status_code == 403
    assert client.get("/api/v1/me").status_code == 200


# ---- throttling ----------------------------------------------------------------------------------

def test_failed_logins_lock_the_account_with_doubling_waits(web: Web) -> None:
    for _ in range(5):
        assert login(web.client, "clerk1", "wrong-password").status_code == 401
    locked = login(web.client, "clerk1", PASSWORD)  # even the right password waits
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "30"
    assert locked.mimetype == "application/problem+json" and "30 秒" in locked.json["title"]
    en = login(web.client, "clerk1", PASSWORD, headers={"Accept-Language": "en"})
    assert en.status_code == 429 and "try again in 30 seconds" in en.json["title"]
    # other accounts are not affected
    assert login(web.new_client(), "legal1", PASSWORD).status_code == 200
    web.clock.advance(timedelta(seconds=31))
    assert login(web.client, "clerk1", "wrong-again").status_code == 401
    second = login(web.client, "clerk1", PASSWORD)
    assert second.status_code == 429 and second.headers["Retry-After"] == "60"
    web.clock.advance(timedelta(seconds=61))
    assert login(web.client, "clerk1", PASSWORD).status_code == 200
    # success reset the account's count: one more failure is a plain 401
    assert login(web.new_client(), "clerk1", "wrong").status_code == 401
    assert login(web.new_client(), "clerk1", PASSWORD).status_code == 200


def test_one_address_guessing_many_names_is_locked_out(client: FlaskClient, users: Users) -> None:
    def attempt(name: str, address: str, password: str = "wrong-password") -> int:
        return login(client, name, password, environ_base={"REMOTE_ADDR": address}).status_code

    for i in range(20):
        assert attempt(f"guess{i}", "203.0.113.9") == 401
    assert attempt("clerk1", "203.0.113.9", PASSWORD) == 429
    assert attempt("clerk1", "198.51.100.7", PASSWORD) == 200


def test_unknown_users_are_throttled_like_real_ones(client: FlaskClient, users: Users) -> None:
    for name in ("clerk1", "nobody"):
        codes = [login(client, name, "wrong-password").status_code for _ in range(6)]
        assert codes == [401] * 5 + [429], name


def test_unknown_inactive_and_token_only_users_cost_one_password_hash_each(
    client: FlaskClient, users: Users, core: Core, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="robot", display_name="集成",
        role="clerk")
    run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="gone", display_name="离职",
        role="clerk", password=PASSWORD)
    run(core, SYSTEM_ACTOR, lambda u: core.services.accounts.update_user(
        u, core.services.accounts.user_id(u, "gone"), active=False))
    calls: list[int] = []
    real = passwords._scrypt

    def counting(*args: Any) -> bytes:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(passwords, "_scrypt", counting)
    for name, password, status in [("clerk1", "wrong-password", 401), ("clerk1", PASSWORD, 200),
                                   ("no-such-user", PASSWORD, 401), ("robot", PASSWORD, 401),
                                   ("gone", PASSWORD, 401)]:
        calls.clear()
        assert login(client.application.test_client(), name, password).status_code == status, name
        assert len(calls) == 1, name


def test_concurrent_failures_are_all_counted(any_db: Core) -> None:
    """Every worker shares the counts: of 8 failures racing in parallel, exactly 5 are counted
    and the other 3 find the account locked (no lost update, no attempt beyond the allowance)."""
    n = 8
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    waits: list[int | None] = []

    def fail() -> None:
        try:
            barrier.wait()
            result = run(any_db, ANONYMOUS, any_db.services.accounts.login, "target", "wrong-password",
                         "192.0.2.1")
            waits.append(result.retry_after)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fail) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with any_db.unit_of_work(SYSTEM_ACTOR, read_only=True) as u:
        counts = {r.key: r.failures for r in u.session.scalars(sa.select(LoginThrottle))}
    assert counts == {"user:target": 5, "addr:192.0.2.1": 5}
    assert sorted(waits, key=str) == [30, 30, 30, None, None, None, None, None]


# ---- API tokens ----------------------------------------------------------------------------------

def test_tokens_expire(web: Web) -> None:
    resp = web.client.post("/api/v1/tokens", json={"username": "clerk1", "name": "nightly", "days": 2},
                           headers=web.users.admin)
    assert resp.status_code == 201
    token = {"Authorization": f"Bearer {resp.json['token']}"}
    assert resp.json["expires_at"].startswith((web.clock.now() + timedelta(days=2)).date().isoformat())
    assert web.client.get("/api/v1/me", headers=token).status_code == 200
    web.clock.advance(timedelta(days=2))
    assert web.client.get("/api/v1/me", headers=token).status_code == 401
    default = web.client.post("/api/v1/tokens", json={"username": "clerk1", "name": "default"},
                              headers=web.users.admin).json
    assert default["expires_at"].startswith((web.clock.now() + timedelta(days=90)).date().isoformat())


def test_tokens_are_listed_without_secrets_and_revoked_by_owner_or_admin(web: Web) -> None:
    c, u = web.client, web.users
    mine = c.get("/api/v1/tokens", headers=u.clerk)
    assert mine.status_code == 200
    assert [t["username"] for t in mine.json["items"]] == ["clerk1"]
    item = mine.json["items"][0]
    assert set(item) == {"id", "username", "name", "prefix", "created_at", "last_used_at", "expires_at",
                         "revoked_at"}
    assert item["prefix"].startswith("dd_") and item["last_used_at"] is not None
    assert c.get("/api/v1/tokens?username=admin1", headers=u.clerk).status_code == 403
    everyone = c.get("/api/v1/tokens", headers=u.admin).json
    assert everyone["total"] == 4
    admin_token = next(t for t in everyone["items"] if t["username"] == "admin1")
    # a user cannot revoke someone else's token, nor learn that it exists
    assert c.delete(f"/api/v1/tokens/{admin_token['id']}", headers=u.clerk).status_code == 404
    revoked = c.delete(f"/api/v1/tokens/{item['id']}", headers=u.clerk)
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None
    assert c.get("/api/v1/me", headers=u.clerk).status_code == 401
    legal = next(t for t in everyone["items"] if t["username"] == "legal1")
    assert c.delete(f"/api/v1/tokens/{legal['id']}", headers=u.admin).status_code == 200
    assert c.get("/api/v1/me", headers=u.legal).status_code == 401
    assert c.delete("/api/v1/tokens/99999", headers=u.admin).status_code == 404


def test_token_use_is_recorded_at_most_once_a_minute(web: Web) -> None:
    def last_used() -> Any:
        items = web.client.get("/api/v1/tokens?username=clerk1", headers=web.users.admin).json["items"]
        return items[0]["last_used_at"]

    web.client.get("/api/v1/me", headers=web.users.clerk)
    first = last_used()
    assert first is not None
    web.clock.advance(timedelta(seconds=30))
    web.client.get("/api/v1/me", headers=web.users.clerk)
    assert last_used() == first
    web.clock.advance(timedelta(seconds=31))
    web.client.get("/api/v1/me", headers=web.users.clerk)
    assert last_used() != first


def test_cli_issues_lists_and_revokes_tokens(client: FlaskClient, users: Users, runner: Any) -> None:
    issued = runner.invoke(args=["user", "token", "clerk1", "--name", "erp", "--days", "5"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    assert token.startswith("dd_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = runner.invoke(args=["user", "tokens", "clerk1"])
    assert listed.exit_code == 0 and token[:10] in listed.output and "erp" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(args=["user", "token", "clerk1", "--revoke", token[:10]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "已吊销" in runner.invoke(args=["user", "tokens", "clerk1"]).output  # the Core's locale: zh_CN
    unknown = runner.invoke(args=["user", "token", "clerk1", "--revoke", "dd_nothing"])
    assert unknown.exit_code == 2
    assert runner.invoke(args=["user", "token", "clerk1", "--days", "0"]).exit_code != 0


# ---- authorization inside the use cases ----------------------------------------------------------

@pytest.mark.parametrize("role", [Role.CLERK, Role.LEGAL, Role.LAWYER])
def test_only_administrators_create_users_or_issue_tokens_whoever_calls(core: Core, users: Users,
                                                                        role: Role) -> None:
    actor = Actor(user_id=None, username="someone", role=role)
    accounts = core.services.accounts
    with pytest.raises(Forbidden):
        run(core, actor, accounts.create_user, username="sneaky", display_name="x", role="admin")
    with pytest.raises(Forbidden):
        run(core, actor, accounts.issue_token, "admin1", "mine")
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as u:
        assert u.session.scalar(sa.select(User.id).where(User.username == "sneaky")) is None


# ---- the secret key and HTTPS --------------------------------------------------------------------

def _make_key(path: str, start: Any, out: Any) -> None:
    start.wait()
    out.put(secret_key.load_or_create(Path(path)))


def test_the_secret_key_is_made_once_even_when_workers_start_together(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    n = 6
    start, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_make_key, args=(str(tmp_path), start, out)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    keys = {out.get(timeout=5) for _ in range(n)}
    assert len(keys) == 1
    key_file = tmp_path / secret_key.FILE_NAME
    assert key_file.read_text().strip() == keys.pop()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == [secret_key.FILE_NAME]  # no temporary files left


def test_threads_starting_together_share_one_key(tmp_path: Path) -> None:
    n = 8
    barrier = threading.Barrier(n)
    keys: list[str] = []

    def make() -> None:
        barrier.wait()
        keys.append(secret_key.load_or_create(tmp_path))

    threads = [threading.Thread(target=make) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == n and len(set(keys)) == 1


def test_apps_without_a_configured_key_share_the_instance_key(settings: Settings, clock: FixedClock) -> None:
    from workflow.core import build_core

    bare = settings.with_(secret_key="")
    apps = [create_app(core=build_core(bare, clock=clock)) for _ in range(2)]
    assert apps[0].config["SECRET_KEY"] == apps[1].config["SECRET_KEY"]
    assert (bare.instance_path / secret_key.FILE_NAME).exists()
    configured = create_app(core=build_core(bare.with_(secret_key="from-the-environment"), clock=clock))
    assert configured.config["SECRET_KEY"] == "from-the-environment"
    for app in apps:
        app.extensions["dunning"].close()
    configured.extensions["dunning"].close()


@pytest.mark.parametrize(("secure_setting", "trust_proxy", "forwarded", "secure"), [
    (False, False, None, False),
    (True, False, None, True),
    (False, False, "https", False),  # a header anyone can send is ignored unless told otherwise
    (False, True, "https", True),
    (False, True, "http", False),
])
def test_the_cookie_is_secure_behind_https(settings: Settings, clock: FixedClock, secure_setting: bool,
                                           trust_proxy: bool, forwarded: str | None, secure: bool) -> None:
    from workflow.core import build_core
    from workflow.models import Base

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    core = build_core(settings.with_(secure_cookies=secure_setting, trust_proxy=trust_proxy), clock=clock)
    try:
        Base.metadata.create_all(core.db.engine)
        run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="admin1", display_name="a",
            role="admin", password=PASSWORD)
        client = create_app(core=core).test_client()
        headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
        resp = login(client, headers=headers)
        assert resp.status_code == 200
        assert ("Secure" in resp.headers["Set-Cookie"]) is secure
    finally:
        core.close()


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(settings: Settings, clock: FixedClock) -> None:
    from workflow.core import build_core
    from workflow.models import Base

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    core = build_core(settings.with_(trust_proxy=True), clock=clock)
    try:
        Base.metadata.create_all(core.db.engine)
        client = create_app(core=core).test_client()
        for i in range(20):
            login(client, f"guess{i}", "wrong-password", headers={"X-Forwarded-For": "203.0.113.5"})
        assert login(client, "x", "y", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 429
        assert login(client, "x", "y", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 401
    finally:
        core.close()


# ---- migration -----------------------------------------------------------------------------------

def test_existing_tokens_get_an_expiry_when_migrated(tmp_path: Path) -> None:
    from workflow.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0002")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO user_account (id, username, display_name, role, active, locale, "
                             "created_at) VALUES (1, 'old', 'old', 'clerk', 1, 'zh_CN', '2026-01-01 00:00:00')"))
        conn.execute(sa.text("INSERT INTO api_token (user_id, name, token_hash, prefix, created_at) VALUES "
                             "(1, 'erp', :h, 'dd_abcdefg', '2026-01-01 00:00:00')"), {"h": "0" * 64})
    upgrade(url)
    with engine.connect() as conn:
        expires = conn.scalar(sa.text("SELECT expires_at FROM api_token"))
    engine.dispose()
    assert expires is not None and str(expires) > "2026-01-02"


def test_logins_and_lockouts_are_audited(client: FlaskClient, users: Users, core: Core) -> None:
    assert login(client, "clerk1").status_code == 200
    for _ in range(6):
        login(client, "legal1", "wrong-password")
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as u:
        entries = [(e.action, e.actor, e.entity_id) for e in u.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.in_(["user.login", "login.locked"]))
            .order_by(AuditEntry.id))]
    assert entries == [("user.login", "clerk1", str(users.clerk_id)),
                       ("login.locked", "anonymous", "user:legal1")]


def test_an_unusable_key_file_stops_the_start_with_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from workflow.cli import cli

    (tmp_path / secret_key.FILE_NAME).write_text("short\n")
    result = CliRunner().invoke(cli, ["check-settings"], env={"DUNNING_INSTANCE_PATH": str(tmp_path),
                                                              "DUNNING_SECRET_KEY": "", "DUNNING_LOCALE": "en"})
    assert result.exit_code == 2
    assert "settings error" in result.output and "too short to be a secret key" in result.output
