"""A case with the evidence a lawyer would file, made the way the product makes it: a contract with
its signed scan uploaded (JPEG), two invoices (one with a scanned PNG), a demand letter sent through
the outbox (MemoryTransport, so the exact bytes sent are stored), the debtor's reply with a
remittance slip read by the inbox, a payment; shared by the bundle tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.inbox.desk import reply
from tests.mail.letters import FINANCE, memory_outbox, queue, seed_debtor, with_pdf
from tests.uow import run
from workflow.core import Core
from workflow.ledger.models import Contract, Customer, Invoice
from workflow.ledger.payments import record_payment
from workflow.ledger.schemas import PaymentIn
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork


def picture(text: str, size: tuple[int, int] = (620, 877), fmt: str = "JPEG") -> bytes:
    """A scan as a phone takes one: a page with some lines on it (deterministic bytes)."""
    img = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(img)
    for y in range(80, size[1] - 80, 40):
        draw.line((60, y, size[0] - 60, y), fill=(90, 90, 90), width=2)
    draw.text((60, 30), text, fill=(20, 20, 20))
    draw.rectangle((size[0] - 200, size[1] - 200, size[0] - 60, size[1] - 60), outline=(200, 30, 30), width=6)
    buf = io.BytesIO()
    img.save(buf, fmt, quality=85) if fmt == "JPEG" else img.save(buf, fmt)
    return buf.getvalue()


def picture_pdf(text: str) -> bytes:
    """A one-page PDF, as LibreOffice would have printed the letter (the tests' converter is none)."""
    buf = io.BytesIO()
    Image.open(io.BytesIO(picture(text))).save(buf, "PDF", resolution=72)
    return buf.getvalue()


@dataclass
class EvidenceCase:
    creditor_id: int
    customer_id: int
    case_id: int
    ref: str
    contract_id: int
    scan_sha256: str
    outbox_id: int
    eml_sha256: str
    inbound_id: int


def evidence_case(core: Core, *, clerk_id: int | None = None, lawyer_id: int | None = None) -> EvidenceCase:
    """The case; ``clerk_id``/``lawyer_id`` are assigned to its customer."""
    d = seed_debtor(core)
    scan = picture("Purchase contract HX-2026-017 signed")
    invoice_scan = picture("Invoice FP-0801", (700, 500), "PNG")

    def ledger(uow: UnitOfWork) -> tuple[int, str]:
        s = uow.session
        customer = s.get(Customer, d.customer_id)
        assert customer is not None
        customer.assigned_clerk_id = clerk_id
        customer.assigned_lawyer_id = lawyer_id
        contract = Contract(creditor_id=d.creditor_id, customer_id=d.customer_id, number="HX-2026-017",
                            title="工业设备买卖合同", signed_on=date(2026, 6, 15), signed_place="上海市浦东新区",
                            currency="CNY", total=Decimal("42500.50"), created_at=uow.now())
        s.add(contract)
        s.flush()
        invoices = list(s.scalars(select(Invoice).where(Invoice.customer_id == d.customer_id).order_by(Invoice.id)))
        for inv in invoices:
            inv.contract_id = contract.id
        att = core.services.attachments.upload(uow, Contract, contract.id, "合同扫描件.jpg", scan)
        core.services.attachments.upload(uow, Invoice, invoices[0].id, "发票FP-0801.png", invoice_scan)
        return contract.id, att.sha256

    contract_id, scan_sha = run(core, SYSTEM_ACTOR, ledger)

    # the first demand, as a PDF letter, sent: the stored bytes are the proof it went out
    desk = memory_outbox(core)
    letter = with_pdf(core, d.document_id, picture_pdf("Demand letter No. 1"))
    oid = queue(desk, d, document_id=letter)
    assert desk.outbox.send(oid) == "sent"

    def sent(uow: UnitOfWork) -> tuple[str, str]:
        row = uow.session.get(OutboxMessage, oid)
        assert row is not None and row.raw_sha256 is not None
        return row.message_id, row.raw_sha256

    message_id, eml_sha = run(core, SYSTEM_ACTOR, sent)

    # the debtor's answer, with the bank's remittance slip, read by the inbox
    raw = reply(sender=f"王会计 <{FINANCE}>", to=core.settings.mail_from or "ar@example.cn",
                subject="回复：【催款函】应收账款", in_reply_to=message_id,
                when=datetime.fromisoformat("2026-11-25T09:30:00+08:00"),
                message_id="<reply-0001@huadong-jidian.test>",
                body="您好，已收到贵司催款函。我司已于11月24日支付10000元，余款将于12月15日前付清。\n王会计",
                attachment=("汇款回单.jpg", "image/jpeg", picture("Remittance slip 10000.00")))
    stored = core.services.inbox.store(raw, mailbox="INBOX")
    core.services.inbox.process(stored.id)

    run(core, SYSTEM_ACTOR, lambda uow: record_payment(uow, PaymentIn.model_validate(
        {"creditor_id": d.creditor_id, "customer_id": d.customer_id, "received_on": "2026-11-24",
         "amount": "10000.00", "currency": "CNY", "bank_reference": "HX20261124-0001"})))
    return EvidenceCase(d.creditor_id, d.customer_id, d.case_id, d.case_ref, contract_id, scan_sha, oid, eml_sha,
                        stored.id)
