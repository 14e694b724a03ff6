"""The desk's frame: login and logout, CSRF, languages, error pages, and /api/ staying JSON."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import Users
from tests.web.desk import PASSWORD, form_token, log_in
from workflow.core import Core


def test_a_page_sends_a_visitor_to_the_login_and_back(client: FlaskClient, users: Users) -> None:
    resp = client.get("/?x=1")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert "登录" in html and 'lang="zh-CN"' in html
    token = form_token(html, "login_token")
    done = client.post("/login", data={"username": "clerk1", "password": PASSWORD, "login_token": token,
                                       "next": "/?x=1"})
    assert done.status_code == 303 and done.headers["Location"] == "/?x=1"
    assert "dunning_session=" in done.headers["Set-Cookie"] and "HttpOnly" in done.headers["Set-Cookie"]


def test_a_wrong_password_says_so_and_keeps_the_name(client: FlaskClient, users: Users) -> None:
    token = form_token(client.get("/login").get_data(as_text=True), "login_token")
    resp = client.post("/login", data={"username": "clerk1", "password": "nope", "login_token": token})
    assert resp.status_code == 401
    html = resp.get_data(as_text=True)
    assert "用户名或密码错误" in html and 'value="clerk1"' in html


def test_repeated_failures_are_throttled(client: FlaskClient, users: Users) -> None:
    statuses = []
    for _ in range(12):
        token = form_token(client.get("/login").get_data(as_text=True), "login_token")
        statuses.append(client.post("/login", data={"username": "clerk1", "password": "wrong",
                                                    "login_token": token}).status_code)
    assert statuses[0] == 401 and statuses[-1] == 429


def test_a_login_posted_from_another_site_is_refused(client: FlaskClient, users: Users) -> None:
    token = form_token(client.get("/login").get_data(as_text=True), "login_token")
    resp = client.post("/login", data={"username": "clerk1", "password": PASSWORD, "login_token": token},
                       headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    assert "text/html" in resp.headers["Content-Type"]
    without_token = client.post("/login", data={"username": "clerk1", "password": PASSWORD})
    assert without_token.status_code == 403


def test_a_page_post_needs_the_session_csrf_token(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1")
    refused = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "x" * 9,
                                                      "new_password_again": "x" * 9})
    assert refused.status_code == 403
    ok = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                 "new_password": "a new secret 1", "new_password_again":
                                                 "a new secret 1"})
    assert ok.status_code == 303


def test_password_change_checks_the_current_one(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1")
    resp = client.post("/account/password", data={"csrf_token": token, "current_password": "wrong one",
                                                   "new_password": "a new secret 1",
                                                   "new_password_again": "a new secret 1"})
    assert resp.status_code == 422
    assert "当前密码不正确" in resp.get_data(as_text=True)


def test_password_change_ends_the_other_sessions(app: object, client: FlaskClient, users: Users) -> None:
    other = client.application.test_client()
    log_in(other, "clerk1")
    token = log_in(client, "clerk1")
    client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                           "new_password": "a new secret 1", "new_password_again": "a new secret 1"})
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302  # back to the login page


def test_the_language_switch_follows_the_user(client: FlaskClient, users: Users, core: Core) -> None:
    token = log_in(client, "clerk1")
    assert "工作台" in client.get("/").get_data(as_text=True)
    resp = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/"})
    assert resp.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert "Dashboard" in html and 'lang="en"' in html and "工作台" not in html
    # the profile remembers it: a fresh browser of the same user starts in English
    fresh = client.application.test_client()
    log_in(fresh, "clerk1")
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


def test_logout_ends_the_session(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1")
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.status_code == 303
    assert client.get("/").status_code == 302
    # the API sees the same session ended
    assert client.get("/api/v1/me").status_code == 401


def test_pages_get_html_errors_and_the_api_keeps_problem_json(client: FlaskClient, users: Users) -> None:
    log_in(client, "clerk1")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "资源不存在" in page.get_data(as_text=True)
    api = client.get("/api/v1/no/such/thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    index = client.get("/api/v1")
    assert index.status_code == 200 and index.json is not None and index.json["openapi"] == "/api/v1/openapi.json"


def test_english_error_page(client: FlaskClient, users: Users) -> None:
    log_in(client, "clerk1", lang="en")
    html = client.get("/no/such/page").get_data(as_text=True)
    assert "Not Found" in html and "资源不存在" not in html


def test_pages_carry_a_strict_content_security_policy(client: FlaskClient, users: Users) -> None:
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "http" not in csp
    assert resp.headers["Cache-Control"] == "no-store"
    with client.get("/static/app.js") as asset:
        assert asset.status_code == 200 and "keydown" in asset.get_data(as_text=True)


def test_a_next_link_cannot_send_anyone_elsewhere(client: FlaskClient, users: Users) -> None:
    token = form_token(client.get("/login").get_data(as_text=True), "login_token")
    resp = client.post("/login", data={"username": "clerk1", "password": PASSWORD, "login_token": token,
                                       "next": "//evil.example/x"})
    assert resp.headers["Location"] == "/"
