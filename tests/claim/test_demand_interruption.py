"""A demand letter the product sent by email interrupts the limitation (民法典 195(一); 时效规定 8)
from the day the server accepted it, for the invoices it lists; a bounced one, one still waiting in
the outbox and a reminder sent before the due date do not. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.claim.test_claim_api import Users, _two_creditors
from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import make_app
from tests.uow import run
from workflow.core import Core
from workflow.mail.models import OutboxMessage, OutboxStatus


def _mail(core: Core, customer_id: int, document_id: int, kind: str, n: int, *, status: str,
          sent_at: datetime | None, bounced_at: datetime | None = None) -> None:
    with core.db.engine.begin() as conn:
        conn.execute(OutboxMessage.__table__.insert().values(
            customer_id=customer_id, document_id=document_id, kind=kind, language="zh", automated=True,
            contact_on=(sent_at or datetime(2026, 3, 1, tzinfo=UTC)).date(), message_id=f"<AR-2026-0001.t{n}@hx.test>",
            sender="ar@hx.test", reply_to="ar+AR-2026-0001@hx.test", recipients=["caiwu@huaxing.test"], cc=[],
            subject="【催款函】", body_text="请见附件", status=status, attempts=1,
            next_attempt_at=datetime(2026, 3, 1, tzinfo=UTC), raw_sha256="ab" * 32 if sent_at else None,
            smtp_reply="250 2.0.0 Ok: queued as 4XkQ1" if sent_at else None, sent_at=sent_at,
            bounced_at=bounced_at, created_by="system", created_at=datetime(2026, 3, 1, tzinfo=UTC)))


def test_a_delivered_demand_restarts_the_period_and_names_its_message(any_db: Core) -> None:
    client, users = make_app(any_db).test_client(), Users(any_db)
    run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    ledger, a, _ = _two_creditors(client, users)
    cid = ledger.customer_ids[0]
    letter = client.post(f"/api/v1/customers/{cid}/documents", headers=users.clerk,
                         json={"kind": "dunning_letter_1", "as_of": "2026-03-05", "creditor_id": a, "pdf": False})
    assert letter.status_code == 201, letter.json
    assert [r["number"] for r in letter.json["context"]["invoices"]] == ["A-001"]
    doc = letter.json["id"]
    # accepted on 2026-03-10 at 10:00 Shanghai (02:00 UTC): the demand's day
    _mail(any_db, cid, doc, "dunning_letter_1", 1, status=OutboxStatus.SENT.value,
          sent_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    # later ones that prove nothing: bounced, never sent, and a pre-due reminder
    _mail(any_db, cid, doc, "dunning_letter_2", 2, status=OutboxStatus.SENT.value,
          sent_at=datetime(2026, 4, 1, 2, 0, tzinfo=UTC), bounced_at=datetime(2026, 4, 1, 3, 0, tzinfo=UTC))
    _mail(any_db, cid, doc, "dunning_letter_3", 3, status=OutboxStatus.PENDING.value, sent_at=None)
    _mail(any_db, cid, doc, "payment_reminder", 4, status=OutboxStatus.SENT.value,
          sent_at=datetime(2026, 5, 6, 2, 0, tzinfo=UTC))
    claim = client.get(f"/api/v1/customers/{cid}/claim?as_of=2026-11-26&creditor_id={a}", headers=users.legal).json
    lim = {r["number"]: r for r in claim["invoices"]}["A-001"]["limitation"]
    # three years from 2026-03-11 end on 2029-03-10, a Saturday; 2029's notice is not loaded, so
    # weekends only: Monday 2029-03-12, provisional
    assert lim["last_interruption"]["kind"] == "demand"
    assert lim["last_interruption"]["date"] == "2026-03-10"
    assert (lim["expires_on"], lim["provisional"]) == ("2029-03-12", True)
    assert "<AR-2026-0001.t1@hx.test>" in lim["last_interruption"]["note"]
    assert "250 2.0.0" in lim["last_interruption"]["note"]
    # as of the day before it was sent, it is not there yet
    before = client.get(f"/api/v1/customers/{cid}/claim?as_of=2026-03-09&creditor_id={a}", headers=users.legal).json
    assert {r["number"]: r for r in before["invoices"]}["A-001"]["limitation"]["last_interruption"] is None
    assert date(2029, 3, 10).weekday() == 5
