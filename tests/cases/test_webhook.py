"""The credit-hold webhook against a real HTTP server on the loopback: signed with HMAC, retried
with backoff when the receiver fails, logged, delivered once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.cases.casebook import LEGAL, owing_customer
from tests.conftest import Users
from tests.uow import run
from workflow.cases.holds import MAX_ATTEMPTS, Webhook, set_credit_hold
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core

SECRET = "s3cret-shared-with-the-erp"


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # status codes to give, in order; then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.received.append(({k: v for k, v in self.headers.items()}, body))
            status = box.answers.pop(0) if box.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/credit"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path: Path, receiver: Receiver) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", credit_hold_webhook_url=receiver.url,
                    webhook_secret=SECRET)


def webhook(core: Core) -> Webhook:
    hook = core.services.cases.webhook
    assert hook is not None
    return hook


def verified(headers: dict[str, str], body: bytes) -> bool:
    """What the receiver does: recompute the signature over "<timestamp>.<body>"."""
    expected = hmac.new(SECRET.encode(), headers["X-Dunning-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Dunning-Signature"], f"sha256={expected}")


def test_a_hold_is_pushed_signed_and_logged(client: FlaskClient, users: Users, receiver: Receiver) -> None:
    book = owing_customer(client, users)
    resp = client.post(f"/api/v1/customers/{book.customer_id}/credit-hold",
                       json={"hold": True, "reason": "逾期超过 60 天，停止供货"}, headers=users.clerk)
    assert resp.status_code == 200
    [(headers, body)] = receiver.received
    assert verified(headers, body)
    assert not verified({**headers, "X-Dunning-Timestamp": str(int(headers["X-Dunning-Timestamp"]) + 1)}, body)
    payload = json.loads(body)
    assert payload == {"event": "credit_hold.set", "hold": True, "reason": "逾期超过 60 天，停止供货",
                       "at": "2026-11-26T02:00:00+00:00",
                       "customer": {"id": book.customer_id, "code": "C001", "name": "深圳市华星光电技术有限公司",
                                    "credit_code": payload["customer"]["credit_code"]}}
    assert body == json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    log = client.get("/api/v1/webhooks/deliveries", headers=users.admin).json
    [row] = log["items"]
    assert (row["id"], row["status"], row["attempts"], row["last_status_code"]) == (
        int(headers["X-Dunning-Delivery"]), "delivered", 1, 200)
    assert client.get("/api/v1/webhooks/deliveries", headers=users.clerk).status_code == 403
    # setting it again changes nothing and pushes nothing
    client.post(f"/api/v1/customers/{book.customer_id}/credit-hold", json={"hold": True, "reason": "again"},
                headers=users.clerk)
    assert len(receiver.received) == 1
    client.post(f"/api/v1/customers/{book.customer_id}/credit-hold", json={"hold": False, "reason": "已付清"},
                headers=users.clerk)
    released = json.loads(receiver.received[1][1])
    assert (released["event"], released["hold"]) == ("credit_hold.released", False)


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(client: FlaskClient, users: Users, core: Core,
                                                                   receiver: Receiver, clock: FixedClock) -> None:
    book = owing_customer(client, users)
    receiver.answers = [500]
    assert run(core, LEGAL, set_credit_hold, book.customer_id, "level 3 reached", {"level": 3},
               webhook=webhook(core)) is True
    [row] = client.get("/api/v1/webhooks/deliveries", headers=users.admin).json["items"]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
    assert row["next_attempt_at"] == "2026-11-26T02:00:30+00:00"  # 30 s after the first failure
    assert webhook(core).deliver_due() == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    assert webhook(core).deliver_due() == 1
    [row] = client.get("/api/v1/webhooks/deliveries", headers=users.admin).json["items"]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 2, 200)
    first, second = receiver.received
    assert first[0]["X-Dunning-Delivery"] == second[0]["X-Dunning-Delivery"] == str(row["id"])
    assert first[1] == second[1] and verified(*second)
    # once delivered, delivering again does nothing
    assert webhook(core).deliver(row["id"]) == "delivered"
    assert len(receiver.received) == 2


def test_a_receiver_that_never_answers_2xx_ends_failed(client: FlaskClient, users: Users, core: Core,
                                                      receiver: Receiver, clock: FixedClock) -> None:
    book = owing_customer(client, users)
    receiver.answers = [503] * (MAX_ATTEMPTS + 5)
    run(core, LEGAL, set_credit_hold, book.customer_id, "level 3 reached", None, webhook=webhook(core))
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(timedelta(hours=6))
        webhook(core).deliver_due()
    [row] = client.get("/api/v1/webhooks/deliveries?status=failed", headers=users.admin).json["items"]
    assert row["attempts"] == MAX_ATTEMPTS and row["last_status_code"] == 503 and row["next_attempt_at"] is None
    assert len(receiver.received) == MAX_ATTEMPTS


def test_an_unreachable_receiver_is_an_error_not_a_crash(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    hook = Webhook("http://127.0.0.1:9/nowhere", SECRET, core.unit_of_work)
    run(core, LEGAL, set_credit_hold, book.customer_id, "level 3", None, webhook=hook)
    [row] = client.get("/api/v1/webhooks/deliveries", headers=users.admin).json["items"]
    assert row["status"] == "pending" and row["last_status_code"] is None and row["last_error"]
