"""Debtors, cases and the letters we sent them, as the corpus replies (mailbox/samples) expect them:
our domain is hx-jidian.cn, letters carry ``<AR-2026-0042.k3f9x2@hx-jidian.cn>``, replies come from
the debtors' finance clerks. Plus a small builder of replies and delivery reports for the routes the
corpus does not cover."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import CREDITOR
from tests.uow import run
from workflow.cases.lifecycle import open_case
from workflow.cases.models import DunningCase
from workflow.core import Core
from workflow.ledger.models import Contact, CreditorEntity, Customer, Invoice
from workflow.mail.inbound import InboundMessage
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork

SAMPLES = Path(__file__).resolve().parents[2] / "mailbox" / "samples"
OUR_DOMAIN = "hx-jidian.cn"
MAIL_FROM = f"ar@{OUR_DOMAIN}"


def label(name: str) -> dict[str, Any]:
    entries = json.loads((SAMPLES / "labels.json").read_text(encoding="utf-8"))
    found: dict[str, Any] = next(e for e in entries if e["file"].endswith(name))
    return found


def sample(name: str) -> bytes:
    return (SAMPLES / "replies" / name).read_bytes() if (SAMPLES / "replies" / name).exists() else \
        (SAMPLES / "bounces" / name).read_bytes()


@dataclass
class Debtor:
    creditor_id: int
    customer_id: int
    case_id: int
    ref: str
    outbox_id: int
    message_id: str
    contact_id: int
    invoice_ids: list[int]


def letter_id(ref: str, token: str = "k3f9x2") -> str:
    return f"<{ref}.{token}@{OUR_DOMAIN}>"


def debtor(core: Core, ref: str, email: str, *, code: str = "C1", creditor_id: int | None = None,
           token: str = "k3f9x2", owed: str = "128450.00", clerk_id: int | None = None) -> Debtor:
    """A customer whose finance clerk is ``email``, owing ``owed`` (two invoices, overdue), with an
    open case numbered ``ref`` and our first demand (sent on 2026-11-20, Message-ID ``<ref.token@…>``)."""
    now = core.clock.now()

    def build(uow: UnitOfWork) -> Debtor:
        s = uow.session
        cid = creditor_id
        if cid is None:
            creditor = CreditorEntity(**{**CREDITOR, "email": MAIL_FROM}, created_at=now)
            s.add(creditor)
            s.flush()
            cid = creditor.id
        customer = Customer(code=code, legal_name=f"债务人{code}有限公司", kind="private_large", created_at=now,
                            assigned_clerk_id=clerk_id)
        s.add(customer)
        s.flush()
        contact = Contact(customer_id=customer.id, name="财务", role="finance", email=email, receives_dunning=True)
        s.add(contact)
        half = (Decimal(owed) / 2).quantize(Decimal("0.01"))
        invoices = []
        for n, (issue, due, amount) in enumerate([(date(2026, 8, 1), date(2026, 8, 31), half),
                                                  (date(2026, 9, 1), date(2026, 10, 31), Decimal(owed) - half)]):
            inv = Invoice(creditor_id=cid, customer_id=customer.id, number=f"{code}-FP-{n + 1}", issue_date=issue,
                          due_date=due, amount=amount, currency="CNY", paid_amount=Decimal("0.00"),
                          credited_amount=Decimal("0.00"), written_off=False, created_at=now)
            s.add(inv)
            invoices.append(inv)
        s.flush()
        case, _ = open_case(uow, cid, customer.id, reason="overdue")
        case.ref = ref  # the corpus's case numbers
        mid = letter_id(ref, token)
        out = OutboxMessage(case_id=case.id, customer_id=customer.id, document_id=None, kind="dunning_letter_1",
                            language="zh", automated=True, contact_on=date(2026, 11, 20), message_id=mid,
                            sender=MAIL_FROM, reply_to=f"ar+{ref}@{OUR_DOMAIN}", recipients=[email], cc=[],
                            subject=f"【催款函】应收账款 [{ref}]", body_text="……", status="sent", attempts=1,
                            next_attempt_at=now, raw_sha256="0" * 64, raw_size=1, smtp_reply="250 ok",
                            transport="smtp", sent_at=datetime(2026, 11, 20, 2, 0, tzinfo=now.tzinfo),
                            created_by="jobs", created_at=now)
        s.add(out)
        s.flush()
        return Debtor(cid, customer.id, case.id, ref, out.id, mid, contact.id, [i.id for i in invoices])

    return run(core, SYSTEM_ACTOR, build)


def reply(*, sender: str, to: str = MAIL_FROM, subject: str = "回复：催款函", body: str,
          in_reply_to: str | None = None, when: datetime | None = None, message_id: str | None = None,
          attachment: tuple[str, str, bytes] | None = None, headers: dict[str, str] | None = None) -> bytes:
    """A plain reply as a mail client would send it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when or datetime(2026, 11, 26, 9, 30).astimezone())
    msg["Message-ID"] = message_id or f"<{abs(hash((sender, subject, body)))}@client.example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    if attachment:
        name, ctype, data = attachment
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


def dsn(*, failed: str, original_message_id: str, status: str = "5.1.1",
        diagnostic: str = "550 5.1.1 <{addr}>: Recipient address rejected: User unknown in virtual mailbox table",
        action: str = "failed") -> bytes:
    """An RFC 3464 delivery report about one of our letters, as Postfix writes it."""
    boundary = "DSN-boundary-1"
    diag = diagnostic.format(addr=failed)
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        f"To: {MAIL_FROM}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Thu, 26 Nov 2026 09:40:00 +0800\r\n"
        "Message-ID: <20261126014000.ABC123@mx.example.net>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.net.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n"
        f"<{failed}>: host mx.example.net said: {diag}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {diag}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: =?utf-8?b?5bqU5pS26LSm5qy+6YOo?= <{MAIL_FROM}>\r\nTo: {failed}\r\n"
        "Subject: =?utf-8?b?44CQ5YKs5qy+5Ye944CR?=\r\n"
        f"Message-ID: {original_message_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def inbound(core: Core, inbound_id: int) -> InboundMessage:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def all_inbound(core: Core) -> list[InboundMessage]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        rows = list(uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        for r in rows:
            uow.session.expunge(r)
        return rows


def case_of(core: Core, case_id: int) -> DunningCase:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        case = uow.session.get(DunningCase, case_id)
        assert case is not None
        uow.session.expunge(case)
        return case


def drop(core: Core, raw: bytes, name: str) -> Path:
    """Put a message into the Maildir inbox as an MDA would (written to tmp/, renamed into new/)."""
    root = core.settings.mailbox_dir / "inbox"
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    tmp = root / "tmp" / name
    tmp.write_bytes(raw)
    target = root / "new" / name
    tmp.rename(target)
    return target


def days(n: int) -> timedelta:
    return timedelta(days=n)


def with_letter(core: Core, d: Debtor) -> int:
    """Our first demand as a real letter made from the ledger (listing both invoices), attached to
    the outbox row the debtor's reply answers."""
    from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger

    def no_claim(uow: UnitOfWork, customer_id: int, as_of: date, creditor_id: int) -> Any:
        raise AssertionError("the first dunning letter states no accrued penalty")

    def make(uow: UnitOfWork) -> int:
        doc = generate_from_ledger(uow, core.services.documents, no_claim, d.customer_id,
                                   LedgerDocument(kind="dunning_letter_1", pdf=False, case_id=d.case_id,
                                                  as_of=date(2026, 11, 20)))
        out = uow.session.get(OutboxMessage, d.outbox_id)
        assert out is not None
        out.document_id = doc.id
        return doc.id

    return run(core, SYSTEM_ACTOR, make)
