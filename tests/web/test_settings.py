"""Settings pages: policies and their levels, contact hours, users and roles, API tokens."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.web.desk import PASSWORD, form_token, log_in
from workflow.audit.models import AuditEntry
from workflow.cases.models import DunningPolicy
from workflow.core import Core

LEVELS = [  # offset, kind, approval, credit hold
    ("-5", "payment_reminder", False, False),
    ("3", "dunning_letter_1", False, False),
    ("15", "dunning_letter_3", False, True),
]


def _policy_form(token: str, name: str, levels: list[tuple[str, str, bool, bool]], grace: str = "3",
                 **extra: str) -> dict[str, str]:
    data = {"csrf_token": token, "name": name, "promise_grace_days": grace, "rows": str(len(levels) + 1), **extra}
    for i, (offset, kind, approval, hold) in enumerate(levels):
        data[f"levels-{i}-offset"] = offset
        data[f"levels-{i}-kind"] = kind
        if approval:
            data[f"levels-{i}-approval"] = "1"
        if hold:
            data[f"levels-{i}-credit_hold"] = "1"
    return data


def _policies(core: Core) -> dict[str, DunningPolicy]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        found = {p.name: p for p in uow.session.scalars(select(DunningPolicy))}
        uow.session.expunge_all()
        return found


def test_who_may_open_settings(client: FlaskClient, users: Users) -> None:
    log_in(client, "clerk1")
    assert client.get("/settings").status_code == 403
    assert client.get("/settings/users").status_code == 403
    legal = client.application.test_client()
    log_in(legal, "legal1")
    assert legal.get("/settings/policies").status_code == 200
    index = legal.get("/settings").get_data(as_text=True)
    assert "催收策略" in index and "/settings/users" not in index
    assert legal.get("/settings/tokens").status_code == 403
    lawyer = client.application.test_client()
    log_in(lawyer, "lawyer1")
    assert lawyer.get("/settings/policies").status_code == 403


def test_a_policy_is_created_edited_and_deleted_through_the_form(client: FlaskClient, users: Users,
                                                                 core: Core) -> None:
    token = log_in(client, "admin1")
    new = client.get("/settings/policies/new").get_data(as_text=True)
    assert 'name="levels-4-kind"' in new  # the shipped ladder as the starting point
    resp = client.post("/settings/policies/new", data=_policy_form(token, "大客户宽松策略", LEVELS))
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    listed = client.get("/settings/policies").get_data(as_text=True)
    assert "大客户宽松策略" in listed and "催款函（最后通知）" in listed
    policy = _policies(core)["大客户宽松策略"]
    assert [lv["offset"] for lv in policy.levels] == [-5, 3, 15]
    assert policy.levels[2]["credit_hold"] is True and policy.promise_grace_days == 3

    edited = _policy_form(token, "大客户宽松策略", [*LEVELS[:2], ("25", "dunning_letter_3", False, True)], grace="5")
    assert client.post(f"/settings/policies/{policy.id}", data=edited).status_code == 303
    policy = _policies(core)["大客户宽松策略"]
    assert policy.levels[2]["offset"] == 25 and policy.promise_grace_days == 5

    assert client.post(f"/settings/policies/{policy.id}/delete", data={"csrf_token": token}).status_code == 303
    assert "大客户宽松策略" not in _policies(core)
    entries = _audit(core, "dunning_policy")
    assert [e for e in entries if e.startswith("policy.")] == ["policy.create", "policy.update", "policy.delete"]


def _audit(core: Core, entity_type: str) -> list[str]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == entity_type)
                                        .order_by(AuditEntry.id)))


def test_a_wrong_level_is_named_by_its_row_and_nothing_typed_is_lost(client: FlaskClient, users: Users,
                                                                     core: Core) -> None:
    token = log_in(client, "legal1")
    levels = [("-3", "payment_reminder", False, False), ("十", "dunning_letter_1", False, False),
              ("30", "lawyer_letter", False, False)]
    resp = client.post("/settings/policies/new", data=_policy_form(token, "华东区策略", levels))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "级别第 2 行 · 偏移: 偏移应为" in html  # the offset of the second row
    assert "级别第 3 行 · 需审批: 律师函必须经律师审批" in html
    assert 'value="十"' in html and 'value="华东区策略"' in html
    assert "华东区策略" not in _policies(core)


def test_default_policy_cannot_be_deleted(client: FlaskClient, users: Users, core: Core) -> None:
    token = log_in(client, "admin1")
    client.post("/settings/policies/new", data=_policy_form(token, "默认", LEVELS, is_default="1"))
    policy = _policies(core)["默认"]
    assert policy.is_default
    resp = client.post(f"/settings/policies/{policy.id}/delete", data={"csrf_token": token})
    assert resp.status_code == 409 and "默认策略不能删除" in resp.get_data(as_text=True)
    assert "默认" in _policies(core)
    assert client.post("/settings/policies/99999/default", data={"csrf_token": token}).status_code == 404


def test_contact_hours_and_caps_are_shown_with_their_variables(client: FlaskClient, users: Users) -> None:
    log_in(client, "admin1", lang="en")
    html = client.get("/settings/contact").get_data(as_text=True)
    assert "DUNNING_CONTACT_MAX_PER_7_DAYS" in html and "DUNNING_CONTACT_START_HOUR" in html
    row = re.search(r'data-testid="row-DUNNING_CONTACT_MAX_PER_DAY">.*?</tr>', html, re.S)
    assert row and '<td class="num">1</td>' in row.group(0)
    assert "environment variables" in html and "Civil Code" in html
    assert "<form" not in html.split('<main')[1].split("</main>")[0]  # read-only


def test_users_are_created_changed_deactivated_and_their_password_reset(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "admin1")
    form = {"csrf_token": token, "username": "wang.fang", "display_name": "王芳", "role": "sales",
            "email": "wang.fang@bspack.example.cn", "locale": "zh_CN", "employee_no": "S-0012",
            "password": PASSWORD, "password_again": PASSWORD}
    resp = client.post("/settings/users", data=form)
    assert resp.status_code == 303
    user_url = resp.headers["Location"]
    page = client.get(user_url).get_data(as_text=True)
    assert "王芳" in page and "业务员" in page and 'value="S-0012"' in page
    taken = client.post("/settings/users", data={**form, "username": "wang.fang2"})
    assert taken.status_code == 422 and "工号 S-0012 已属于用户 wang.fang" in taken.get_data(as_text=True)

    again = client.post("/settings/users", data=form)
    assert again.status_code == 422
    assert "用户名已存在" in again.get_data(as_text=True) and 'value="王芳"' in again.get_data(as_text=True)
    bad = client.post("/settings/users", data={**form, "username": "Wang Fang"})
    assert bad.status_code == 422 and "用户名只能包含" in bad.get_data(as_text=True)

    listed = client.get("/settings/users?role=sales").get_data(as_text=True)
    assert 'data-testid="row-user-wang.fang"' in listed and 'data-testid="row-user-clerk1"' not in listed

    salesperson = client.application.test_client()
    log_in(salesperson, "wang.fang")
    assert client.post(user_url, data={"csrf_token": token, "display_name": "王芳", "role": "clerk",
                                       "email": "", "locale": "en", "employee_no": "S-0012"}).status_code == 303
    assert "财务文员" in client.get(user_url).get_data(as_text=True)

    reset = client.post(f"{user_url}/password", data={"csrf_token": token, "new_password": "short",
                                                      "new_password_again": "short"})
    assert reset.status_code == 422 and "密码至少 8 位" in reset.get_data(as_text=True)
    reset = client.post(f"{user_url}/password", data={"csrf_token": token, "new_password": "a new secret 9",
                                                      "new_password_again": "a new secret 9"})
    assert reset.status_code == 303
    assert salesperson.get("/").status_code == 302  # the reset logged them out
    log_in(salesperson, "wang.fang", "a new secret 9")

    assert client.post(f"{user_url}/active", data={"csrf_token": token, "active": "no"}).status_code == 303
    assert "已停用" in client.get(user_url).get_data(as_text=True)
    assert salesperson.get("/").status_code == 302
    login = form_token(salesperson.get("/login").get_data(as_text=True), "login_token")
    refused = salesperson.post("/login", data={"username": "wang.fang", "password": "a new secret 9",
                                               "login_token": login})
    assert refused.status_code == 401


def test_the_user_list_exports_and_the_export_is_audited(client: FlaskClient, users: Users, core: Core) -> None:
    log_in(client, "admin1", lang="en")
    resp = client.get("/settings/users?export=xlsx&sort=username&dir=asc")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("User name", "Name", "Role")
    assert [r[0] for r in rows[1:]] == ["admin1", "clerk1", "lawyer1", "legal1"]
    assert "export" in _audit(core, "user")


def test_a_token_is_shown_once_works_and_is_revoked(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "admin1")
    resp = client.post("/settings/tokens", data={"csrf_token": token, "username": "clerk1", "name": "用友 U8 接口",
                                                 "days": "30"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    found = re.search(r'value="([^"]+)" size="60"[^>]*data-testid="token-secret"', html)
    assert found
    api_token = found.group(1)
    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200 and me.json is not None and me.json["username"] == "clerk1"
    # the list shows the prefix, never the token
    listed = client.get("/settings/tokens?user=clerk1").get_data(as_text=True)
    assert "用友 U8 接口" in listed and api_token not in listed and api_token[:10] in listed
    row = re.search(r'data-testid="token-revoke-(\d+)"', listed)
    assert row
    assert client.post(f"/settings/tokens/{row.group(1)}/revoke", data={"csrf_token": token}).status_code == 303
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert "已撤销" in client.get("/settings/tokens?state=revoked").get_data(as_text=True)
    exported = client.get("/settings/tokens?export=xlsx&user=clerk1")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "用户", "令牌名称")
    assert {r[2] for r in rows[1:]} == {"tests", "用友 U8 接口"} and all(api_token not in str(r) for r in rows)


def test_a_token_for_nobody_or_for_too_long_is_refused(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "admin1", lang="en")
    resp = client.post("/settings/tokens", data={"csrf_token": token, "username": "nobody", "name": "x",
                                                 "days": "30"})
    assert resp.status_code == 422 and "no such user" in resp.get_data(as_text=True)
    resp = client.post("/settings/tokens", data={"csrf_token": token, "username": "clerk1", "name": "x",
                                                 "days": "99999"})
    assert resp.status_code == 422 and "days must be from 1 to 3650" in resp.get_data(as_text=True)
    resp = client.post("/settings/tokens", data={"csrf_token": token, "username": "clerk1", "name": "x",
                                                 "days": "ten"})
    assert resp.status_code == 422 and "whole number of days" in resp.get_data(as_text=True)
    assert client.post("/settings/tokens/999999/revoke", data={"csrf_token": token}).status_code == 404


def test_what_does_not_exist_is_the_404_page(client: FlaskClient, users: Users) -> None:
    token = log_in(client, "admin1")
    assert client.get("/settings/policies/4242").status_code == 404
    assert client.get("/settings/users/4242").status_code == 404
    resp = client.post("/settings/users/4242/active", data={"csrf_token": token, "active": "no"})
    assert resp.status_code == 404 and "text/html" in resp.headers["Content-Type"]
