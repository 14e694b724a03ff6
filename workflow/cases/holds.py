"""Credit hold (stop supply) and the signed webhook that tells other systems about it.

Setting or releasing a hold changes the customer, records why and since when, audits it, and — when
an endpoint is configured (``credit_hold_webhook_url``) — writes a ``WebhookDelivery`` row in the same
unit of work. The row is delivered after commit, so another system hears of a hold exactly when it
exists; a receiver that is down is retried with backoff until it answers 2xx or the attempts run out.

Each POST carries the canonical JSON body (sorted keys, no spaces, UTF-8) and:

- ``X-Dunning-Timestamp``: Unix seconds of this attempt;
- ``X-Dunning-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed with
  ``webhook_secret`` (the receiver recomputes it, and refuses old timestamps to stop replays);
- ``X-Dunning-Delivery``: the delivery's id, the same on every retry, for the receiver's dedupe —
  a crash between the receiver's 2xx and our commit re-sends the same delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from workflow.accounts.actor import SYSTEM
from workflow.accounts.models import Role
from workflow.cases.models import CustomerDunning, WebhookDelivery
from workflow.errors import NotFound, invalid
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

HOLD_ROLES = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10.0
# a sender that died mid-attempt leaves the row claimed until this has passed, then it is retried
CLAIM_SECONDS = 120
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)

UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]


def canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min ... at most 6 h."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LONGEST_WAIT)


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float = TIMEOUT_SECONDS) -> PostResult:
    """POST with the standard library; any failure is an answer, never an exception."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(65536)
            return PostResult(int(resp.status), None)
    except urllib.error.HTTPError as exc:
        return PostResult(int(exc.code), f"HTTP {exc.code} {exc.reason}"[:500])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return PostResult(None, f"{type(exc).__name__}: {reason}"[:500])


class Webhook:
    """The configured endpoint, its secret, and how a delivery is run after commit."""

    def __init__(self, url: str, secret: str, unit_of_work: UnitOfWorkFactory,
                 post: Callable[[str, bytes, Mapping[str, str]], PostResult] = http_post) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError("the credit-hold webhook URL must be http:// or https://")
        self.url = url
        self.secret = secret
        self.unit_of_work = unit_of_work
        self.post = post
        # how a committed delivery is started: at once by default; services.py may hand it to a job queue
        self.schedule: Callable[[int], object] = self.deliver

    def deliver(self, delivery_id: int) -> str:
        """One attempt at ``delivery_id`` if it is due; its status afterwards. Safe to call twice:
        a delivered or failed row, or one another sender holds, is left alone."""
        with self.unit_of_work(SYSTEM) as uow:
            row = uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
            if row is None:
                raise NotFound("推送", "webhook delivery", delivery_id)
            now = uow.now()
            if row.status != "pending" or (row.next_attempt_at is not None and row.next_attempt_at > now):
                return row.status
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)  # claimed for this attempt
            attempt, url, body = row.attempts, row.url, canonical(row.payload)
            timestamp = str(int(now.timestamp()))
        result = self.post(url, body, {
            "X-Dunning-Timestamp": timestamp, "X-Dunning-Signature": signature(self.secret, timestamp, body),
            "X-Dunning-Delivery": str(delivery_id)})
        with self.unit_of_work(SYSTEM) as uow:
            row = uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
            assert row is not None
            now = uow.now()
            row.last_status_code = result.status_code
            row.last_error = result.error
            if result.ok:
                row.status, row.delivered_at, row.next_attempt_at = "delivered", now, None
            elif attempt >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = "failed", None
                log.warning("credit-hold webhook %s failed after %s attempts: %s", delivery_id, attempt, result.error)
            else:
                row.next_attempt_at = now + backoff(attempt)
            return row.status

    def deliver_due(self, limit: int = 100) -> int:
        """Attempt every pending delivery that is due (retries, and rows whose sender died); how many."""
        with self.unit_of_work(SYSTEM, read_only=True) as uow:
            ids = list(uow.session.scalars(select(WebhookDelivery.id).where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= uow.now())
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))
        for delivery_id in ids:
            self.deliver(delivery_id)
        return len(ids)


def _settings_row(uow: UnitOfWork, customer_id: int) -> CustomerDunning:
    row = uow.session.get(CustomerDunning, customer_id, with_for_update=True)
    if row is None:
        row = CustomerDunning(customer_id=customer_id, statement_schedule="monthly", updated_at=uow.now())
        uow.session.add(row)
    return row


def _customer(uow: UnitOfWork, customer_id: int) -> Customer:
    uow.require(HOLD_ROLES, "无权设置信用冻结", "You may not set or release a credit hold")
    customer = uow.session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound("客户", "customer", customer_id)
    return customer


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise invalid("reason", "required", "请说明原因", "give the reason")
    if len(text) > 2000:
        raise invalid("reason", "too_long", "最多 2000 个字符", "at most 2000 characters")
    return text


def _change(uow: UnitOfWork, customer: Customer, hold: bool, reason: str, evidence: Mapping[str, Any] | None,
            webhook: Webhook | None) -> None:
    settings = _settings_row(uow, customer.id)
    now = uow.now()
    before = {"credit_hold": customer.credit_hold, "reason": settings.credit_hold_reason,
              "since": settings.credit_hold_since.isoformat() if settings.credit_hold_since else None}
    customer.credit_hold = hold
    settings.credit_hold_reason = reason if hold else None
    settings.credit_hold_since = now if hold else None
    settings.updated_at = now
    uow.session.flush()
    event = "credit_hold.set" if hold else "credit_hold.released"
    uow.audit(f"customer.{event}", "customer", customer.id, before,
              {"credit_hold": hold, "reason": reason, "since": now.isoformat() if hold else None,
               "evidence": dict(evidence or {})})
    if webhook is None:
        return
    payload = {"event": event, "hold": hold, "reason": reason, "at": now.isoformat(),
               "customer": {"id": customer.id, "code": customer.code, "name": customer.legal_name,
                            "credit_code": customer.credit_code}}
    delivery = WebhookDelivery(event=event, customer_id=customer.id, url=webhook.url, payload=payload,
                               status="pending", attempts=0, next_attempt_at=now, created_at=now)
    uow.session.add(delivery)
    uow.session.flush()
    delivery_id = delivery.id

    def start() -> None:
        webhook.schedule(delivery_id)

    uow.after_commit(start)


def set_credit_hold(uow: UnitOfWork, customer_id: int, reason: str, evidence: Mapping[str, Any] | None = None,
                    *, webhook: Webhook | None = None) -> bool:
    """Stop supplying the customer; ``False`` when the hold was already set (nothing changes, nothing
    is pushed again). Pass the configured ``webhook`` (``core.services.cases.webhook``, or call
    ``core.services.cases.set_credit_hold``) so other systems hear of it."""
    customer = _customer(uow, customer_id)
    if customer.credit_hold:
        return False
    _change(uow, customer, True, _reason(reason), evidence, webhook)
    return True


def release_credit_hold(uow: UnitOfWork, customer_id: int, reason: str, *, webhook: Webhook | None = None) -> bool:
    customer = _customer(uow, customer_id)
    if not customer.credit_hold:
        return False
    _change(uow, customer, False, _reason(reason), {"by": uow.actor.username}, webhook)
    return True


def describe_delivery(row: WebhookDelivery) -> dict[str, Any]:
    return {"id": row.id, "event": row.event, "customer_id": row.customer_id, "url": row.url,
            "payload": row.payload, "status": row.status, "attempts": row.attempts,
            "last_status_code": row.last_status_code, "last_error": row.last_error,
            "next_attempt_at": row.next_attempt_at, "created_at": row.created_at, "delivered_at": row.delivered_at}


def delivery_log(uow: UnitOfWork, page: int = 1, per_page: int = 50, status: str | None = None) -> dict[str, Any]:
    uow.require_admin()
    stmt = select(WebhookDelivery)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    s = uow.session
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = s.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return {"items": [describe_delivery(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def hold_of(uow: UnitOfWork, customer_id: int) -> tuple[str | None, datetime | None]:
    row = uow.session.get(CustomerDunning, customer_id)
    return (row.credit_hold_reason, row.credit_hold_since) if row is not None else (None, None)
