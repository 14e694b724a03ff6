"""The credit API: who sees which ratings (lawyers their assigned customers, salespeople their own),
orders other systems report (bad input is a 4xx naming the field), recommendations confirmed and
dismissed through the API, the recompute's roles; and the ``dunning credit`` commands."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.credit.ledger import JOBS, CreditBook, days_ago
from tests.ledger.books import committed
from tests.uow import run
from workflow.accounts.actor import SYSTEM
from workflow.cases.models import WebhookDelivery
from workflow.core import Core
from workflow.credit.models import ExposureOrder
from workflow.ledger.models import Customer

API = "/api/v1"


def _sales_headers(core: Core) -> tuple[int, dict[str, str]]:
    user = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="sales1", display_name="刘业务",
               role="sales", password="correct horse battery", email="liu@ourfirm.example")
    token = run(core, SYSTEM_ACTOR, core.services.accounts.issue_token, "sales1", "tests").token
    return user.id, {"Authorization": f"Bearer {token}"}


def _three_customers(core: Core, users: Users, sales_id: int) -> CreditBook:
    """KH4001 assigned to the lawyer, KH4002 sold by the salesperson, KH4003 nobody's."""
    book = CreditBook(core)
    book.customer("KH4001", "上海浦东新区东方物流有限公司")
    book.customer("KH4002", "江苏常熟华美服饰有限公司", salesperson=sales_id)
    book.customer("KH4003", "浙江义乌小商品进出口有限公司")
    with committed(core) as s:
        c = s.get(Customer, book.customers["KH4001"])
        assert c is not None
        c.assigned_lawyer_id = users.lawyer_id
    for code in book.customers:
        book.paid_invoice(code, days_ago(45), None)
    core.services.credit.recompute(JOBS)
    return book


def test_lawyers_and_salespeople_see_only_their_customers_ratings(core: Core, client: FlaskClient,
                                                                  users: Users) -> None:
    sales_id, sales = _sales_headers(core)
    book = _three_customers(core, users, sales_id)
    ids = book.customers

    def listed(headers: dict[str, str]) -> set[str]:
        body = client.get(f"{API}/credit/ratings", headers=headers).get_json()
        return {row["customer_code"] for row in body["items"]}

    assert listed(users.clerk) == {"KH4001", "KH4002", "KH4003"}
    assert listed(users.lawyer) == {"KH4001"}
    assert listed(sales) == {"KH4002"}
    for headers, mine in ((users.lawyer, "KH4001"), (sales, "KH4002")):
        for code, cid in ids.items():
            r = client.get(f"{API}/customers/{cid}/rating", headers=headers)
            assert r.status_code == (200 if code == mine else 404), (code, r.status_code)
    body = client.get(f"{API}/customers/{ids['KH4002']}/rating", headers=sales).get_json()
    # open 45 days: 22.5 + 4.5 + 30 = 57 → 43 → C
    assert (body["current"]["grade"], body["current"]["score"]) == ("C", 43)
    assert [r["figure"] for r in body["current"]["reasons"]] == ["avg_days_late", "worst_days_late", "late_share"]
    assert body["current"]["reasons"][0]["zh"] == "近 12 个月平均超出账期 45.0 天：扣 22.5 分"
    assert body["history"] == [{"as_of": "2026-11-26", "score": 43, "grade": "C"}]
    assert client.post(f"{API}/credit/recompute", json={}, headers=sales).status_code == 403
    assert client.post(f"{API}/credit/recompute", json={}, headers=users.lawyer).status_code == 403


def test_ratings_list_by_grade_and_sorted(core: Core, client: FlaskClient, users: Users) -> None:
    book = CreditBook(core)
    book.customer("KH4004", "福州马尾船舶配件有限公司")
    book.customer("KH4005", "泉州晋江鞋业有限公司")
    book.paid_invoice("KH4005", days_ago(45), None)
    r = client.post(f"{API}/credit/recompute", json={}, headers=users.clerk)
    assert r.status_code == 200 and r.get_json()["grades"] == {"A": 1, "C": 1}
    rows = client.get(f"{API}/credit/ratings", headers=users.admin).get_json()["items"]
    assert [(x["customer_code"], x["grade"]) for x in rows] == [("KH4005", "C"), ("KH4004", "A")]
    rows = client.get(f"{API}/credit/ratings?sort=-score", headers=users.admin).get_json()["items"]
    assert [x["customer_code"] for x in rows] == ["KH4004", "KH4005"]
    rows = client.get(f"{API}/credit/ratings?grade=A", headers=users.admin).get_json()["items"]
    assert [x["customer_code"] for x in rows] == ["KH4004"]
    r = client.get(f"{API}/credit/ratings?grade=E", headers=users.admin)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "query.grade"


def test_orders_are_validated_field_by_field(core: Core, client: FlaskClient, users: Users) -> None:
    book = CreditBook(core)
    cid = book.customer("KH4006", "武汉光谷激光设备有限公司", limit="100000.00")
    url = f"{API}/customers/{cid}/orders"
    good = {"source": "erp", "external_ref": "SO-2026-1101", "amount": "30000.00", "currency": "CNY"}
    for bad, field in (({"amount": "-5"}, "amount"), ({"amount": "abc"}, "amount"), ({"amount": "1.001"}, "amount"),
                       ({"currency": "RMBX"}, "currency"), ({"currency": "XYZ"}, "currency"),
                       ({"status": "lost"}, "status"), ({"source": "E R P"}, "source"),
                       ({"external_ref": ""}, "external_ref"), ({"ordered_on": "2026-13-01"}, "ordered_on"),
                       ({"colour": "red"}, "colour")):
        r = client.post(url, json={**good, **bad}, headers=users.clerk)
        assert r.status_code == 422, (bad, r.get_json())
        assert r.get_json()["errors"][0]["field"] == field, (bad, r.get_json())
    assert client.post(url, json=good, headers=users.lawyer).status_code == 403
    assert client.post(f"{API}/customers/999999/orders", json=good, headers=users.clerk).status_code == 404
    r = client.post(url, json=good, headers=users.clerk)
    assert r.status_code == 201
    body = r.get_json()
    assert (body["exposure"], body["over_limit"], body["recommendation_id"]) == ("30000.00", False, None)
    # the same source and ref again: an update, now over the limit of 100,000 → a recommendation at once
    r = client.post(url, json={**good, "amount": "120000.00", "status": "shipped"}, headers=users.clerk)
    assert r.status_code == 200
    body = r.get_json()
    assert (body["amount"], body["status"], body["exposure"], body["over_limit"]) == \
        ("120000.00", "shipped", "120000.00", True)
    assert body["recommendation_id"] is not None
    other = book.customer("KH4007", "长春一汽配套零部件有限公司")
    r = client.post(f"{API}/customers/{other}/orders", json=good, headers=users.clerk)
    assert r.status_code == 409
    r = client.delete(f"{url}/{body['id']}", headers=users.clerk)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert client.delete(f"{API}/customers/{other}/orders/{body['id']}", headers=users.clerk).status_code == 404
    orders = client.get(url, headers=users.clerk).get_json()["items"]
    assert [(o["external_ref"], o["status"]) for o in orders] == [("SO-2026-1101", "cancelled")]
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        assert uow.session.scalars(select(ExposureOrder.status)).all() == ["cancelled"]


def test_recommendations_confirmed_and_dismissed_through_the_api(core: Core, client: FlaskClient,
                                                                  users: Users) -> None:
    book = CreditBook(core)
    held = book.customer("KH4008", "西安高新区秦川电子有限公司", limit="10000.00")
    kept = book.customer("KH4009", "兰州新区陇原化工有限公司", limit="10000.00")
    for code in ("KH4008", "KH4009"):
        book.invoice(code, days_ago(3), days_ago(-27), "25000.00")
    core.services.credit.recompute(JOBS)
    pending = client.get(f"{API}/credit/recommendations?status=pending", headers=users.clerk).get_json()["items"]
    by_customer = {r["customer_id"]: r["id"] for r in pending}
    assert set(by_customer) == {held, kept}
    assert client.get(f"{API}/credit/recommendations", headers=users.lawyer).get_json()["items"] == []
    r = client.post(f"{API}/credit/recommendations/{by_customer[held]}/confirm", json={"note": "同意"},
                    headers=users.lawyer)
    assert r.status_code == 403
    r = client.post(f"{API}/credit/recommendations/{by_customer[held]}/confirm", json={"note": "同意"},
                    headers=users.legal)
    assert r.status_code == 200 and r.get_json()["status"] == "confirmed"
    assert client.post(f"{API}/credit/recommendations/{by_customer[held]}/confirm", json={},
                       headers=users.legal).status_code == 409
    r = client.post(f"{API}/credit/recommendations/{by_customer[kept]}/dismiss", json={}, headers=users.clerk)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "note"
    r = client.post(f"{API}/credit/recommendations/{by_customer[kept]}/dismiss", json={"note": "已收到预付款"},
                    headers=users.clerk)
    assert r.status_code == 200 and r.get_json()["status"] == "dismissed"
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        holds = dict(uow.session.execute(select(Customer.id, Customer.credit_hold)).all())
        assert holds == {held: True, kept: False}
        # no webhook URL is configured in these tests: the hold is recorded, nothing is pushed
        assert uow.session.scalars(select(WebhookDelivery)).all() == []
    rating = client.get(f"{API}/customers/{held}/rating", headers=users.clerk).get_json()
    assert rating["credit_hold"] is True and rating["current"]["recommendations"] == []


def test_flags_listed_and_cleared_through_the_api(core: Core, client: FlaskClient, users: Users) -> None:
    from datetime import date, timedelta

    book = CreditBook(core)
    cid = book.customer("KH4010", "贵阳花溪大数据服务有限公司")
    for month, late in ((7, 1), (8, 3), (9, 9), (10, 27)):
        book.paid_invoice("KH4010", date(2026, month, 1), date(2026, month, 1) + timedelta(days=late))
    core.services.credit.recompute(JOBS)
    [flag] = client.get(f"{API}/credit/flags?customer_id={cid}", headers=users.clerk).get_json()["items"]
    assert flag["kind"] == "payments_slipping" and flag["open"] is True
    assert flag["zh"] == "付款逐月拖延（平均逾期天数连续三个月上升）"
    assert client.post(f"{API}/credit/flags/{flag['id']}/clear", json={}, headers=users.lawyer).status_code == 403
    r = client.post(f"{API}/credit/flags/{flag['id']}/clear", json={"note": "已核实"}, headers=users.clerk)
    assert r.status_code == 200 and r.get_json()["open"] is False
    assert client.post(f"{API}/credit/flags/{flag['id']}/clear", json={}, headers=users.clerk).status_code == 409
    assert client.get(f"{API}/credit/flags", headers=users.clerk).get_json()["items"] == []
    closed = client.get(f"{API}/credit/flags?open=false", headers=users.clerk).get_json()["items"]
    assert [f["clear_note"] for f in closed] == ["已核实"]


def test_the_credit_commands(core: Core, runner: object) -> None:
    from flask.testing import FlaskCliRunner

    assert isinstance(runner, FlaskCliRunner)
    book = CreditBook(core)
    book.customer("KH4011", "昆明滇池花卉进出口有限公司")
    book.paid_invoice("KH4011", days_ago(45), None)
    result = runner.invoke(args=["credit", "rate"])
    assert result.exit_code == 0, result.output
    assert "信用评级 2026-11-26：客户 1 个（A 级 0，B 级 0，C 级 1，D 级 0）" in result.output
    result = runner.invoke(args=["credit", "show", "KH4011"])
    assert result.exit_code == 0, result.output
    assert "2026-11-26：C 级，43 分" in result.output and "近 12 个月平均超出账期 45.0 天：扣 22.5 分" in result.output
    result = runner.invoke(args=["credit", "rate", "--customer", "KH9999"])
    assert result.exit_code == 2 and "KH9999" in result.output
