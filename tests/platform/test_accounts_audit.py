from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import Users


def test_requests_without_token_get_401_problem(client: FlaskClient) -> None:
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.json is not None and resp.json["code"] == "unauthenticated"


def test_bad_token_is_refused(client: FlaskClient) -> None:
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer dd_nope"})
    assert resp.status_code == 401


def test_token_identifies_user_and_role(client: FlaskClient, users: Users) -> None:
    resp = client.get("/api/v1/me", headers=users.clerk)
    assert resp.status_code == 200
    assert resp.json == {"username": "clerk1", "role": "clerk", "locale": "zh_CN"}


def test_only_admin_creates_users(client: FlaskClient, users: Users) -> None:
    body = {"username": "wang.fang", "display_name": "王芳", "role": "clerk", "password": "s3cret-pass"}
    assert client.post("/api/v1/users", json=body, headers=users.clerk).status_code == 403
    resp = client.post("/api/v1/users", json=body, headers=users.admin)
    assert resp.status_code == 201
    again = client.post("/api/v1/users", json=body, headers=users.admin)
    assert again.status_code == 409


def test_validation_errors_name_the_field_in_chinese_then_english(client: FlaskClient, users: Users) -> None:
    body = {"username": "x", "display_name": "", "role": "boss", "surprise": 1}
    resp = client.post("/api/v1/users", json=body, headers=users.admin)
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json["errors"]}
    assert {"username", "display_name", "role", "surprise"} <= fields
    assert resp.json["title"] == "输入有误"
    en = client.post("/api/v1/users", json=body, headers={**users.admin, "Accept-Language": "en"})
    assert en.json["title"] == "Invalid input"


def test_malformed_json_is_a_400_not_a_500(client: FlaskClient, users: Users) -> None:
    resp = client.post("/api/v1/users", data=b'{"username": ', headers={**users.admin,
                       "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json["errors"][0]["field"] == "body"


def test_password_login_sets_a_session(client: FlaskClient, users: Users) -> None:
    assert client.post("/api/v1/auth/login", json={"username": "clerk1", "password": "wrong"}).status_code == 401
    ok = client.post("/api/v1/auth/login", json={"username": "clerk1", "password": "correct horse battery"})
    assert ok.status_code == 200
    assert client.get("/api/v1/me").json["username"] == "clerk1"


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(client: FlaskClient, users: Users) -> None:
    me = client.get("/api/v1/users", headers=users.admin).json
    assert me is not None
    admin_id = next(u["id"] for u in me["items"] if u["username"] == "admin1")
    for change in ({"role": "clerk"}, {"active": False}):
        resp = client.patch(f"/api/v1/users/{admin_id}", json=change, headers=users.admin)
        assert resp.status_code == 409, change
        assert resp.json is not None and resp.json["errors"][0]["field"] == "role"
        assert "最后一位有效的管理员" in resp.json["title"]
    # with a second administrator, the first may step down
    second = client.post("/api/v1/users", json={"username": "zhou.min", "display_name": "周敏", "role": "admin",
                                                "password": "s3cret-pass"}, headers=users.admin)
    assert second.status_code == 201
    assert client.patch(f"/api/v1/users/{admin_id}", json={"role": "clerk"}, headers=users.admin).status_code == 200
