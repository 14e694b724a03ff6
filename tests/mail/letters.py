"""A debtor with designated and non-designated contacts, an open case and a letter made from the
ledger, for the outbox tests; and an ``Outbox`` on a MemoryTransport with a recording enqueue."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from docx import Document

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import CREDITOR
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.lifecycle import open_case
from workflow.core import Core
from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger
from workflow.documents.models import GeneratedDocument, PdfStatus
from workflow.ledger.models import Contact, CreditorEntity, Customer, Invoice
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import LocalRateLimiter, Outbox
from workflow.mail.transport import MemoryTransport
from workflow.unit_of_work import UnitOfWork

CLERK = Actor(user_id=None, username="clerk-zhang", role=Role.CLERK)
DEBTOR = "上海华东机电设备有限公司"
FINANCE = "caiwu@huadong-jidian.test"  # designated: receives dunning mail
# a real PDF of one empty page: what LibreOffice would have attached
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Debtor:
    creditor_id: int
    customer_id: int
    case_id: int
    case_ref: str
    document_id: int
    contacts: dict[str, int] = field(default_factory=dict)


def seed_debtor(core: Core, *, code: str = "HD001", contacts: bool = True, creditor_id: int | None = None) -> Debtor:
    """上海华东机电设备有限公司 owes 30,000.00 (due 2026-08-31) and 12,500.50 (due 2026-09-30); its
    finance contact receives dunning mail, purchasing does not, one address bounced, one has none."""
    now = core.clock.now()

    def build(uow: UnitOfWork) -> Debtor:
        s = uow.session
        cid = creditor_id
        if cid is None:
            creditor = CreditorEntity(**CREDITOR, created_at=now)
            s.add(creditor)
            s.flush()
            cid = creditor.id
        customer = Customer(code=code, legal_name=DEBTOR, legal_name_en="Shanghai Huadong Electromechanical Co., Ltd.",
                            kind="private_large", created_at=now)
        s.add(customer)
        s.flush()
        ids: dict[str, int] = {}
        if contacts:
            for name, role, email, receives, bounced in [
                ("王会计", "finance", FINANCE, True, False),
                ("李采购", "purchasing", "li.caigou@huadong-jidian.test", False, False),
                ("赵出纳", "finance", "zhao.old@huadong-jidian.test", True, True),
                ("钱经理", "finance", None, True, False),
            ]:
                c = Contact(customer_id=customer.id, name=name, role=role, email=email, receives_dunning=receives,
                            email_invalid_since=now if bounced else None)
                s.add(c)
                s.flush()
                ids[name] = c.id
        for number, issue, due, amount in [("FP-0801", date(2026, 8, 1), date(2026, 8, 31), "30000.00"),
                                           ("FP-0903", date(2026, 9, 1), date(2026, 9, 30), "12500.50")]:
            s.add(Invoice(creditor_id=cid, customer_id=customer.id, number=f"{code}-{number}", issue_date=issue,
                          due_date=due, amount=Decimal(amount), currency="CNY", paid_amount=Decimal("0.00"),
                          credited_amount=Decimal("0.00"), written_off=False, created_at=now))
        s.flush()
        case, _ = open_case(uow, cid, customer.id, reason="overdue invoices")
        doc = generate_from_ledger(uow, core.services.documents, _no_claim, customer.id,
                                   LedgerDocument(kind="dunning_letter_1", pdf=False, case_id=case.id))
        return Debtor(cid, customer.id, case.id, case.ref, doc.id, ids)

    return run(core, SYSTEM_ACTOR, build)


def _no_claim(uow: UnitOfWork, customer_id: int, as_of: date, creditor_id: int) -> Any:
    raise AssertionError("the first dunning letter states no accrued penalty")


def with_pdf(core: Core, document_id: int, pdf: bytes = TINY_PDF) -> int:
    """A copy of the document whose PDF was made (the tests have no LibreOffice)."""
    def copy(uow: UnitOfWork) -> int:
        src = uow.session.get(GeneratedDocument, document_id)
        assert src is not None
        sha = core.files.put(pdf)
        doc = GeneratedDocument(kind=src.kind, language=src.language, template_version_id=src.template_version_id,
                                context=src.context, case_id=src.case_id, customer_id=src.customer_id,
                                docx_sha256=src.docx_sha256, docx_size=src.docx_size, pdf_sha256=sha,
                                pdf_size=len(pdf), pdf_status=PdfStatus.MADE.value, pdf_notice=None,
                                made_by=src.made_by, made_at=src.made_at)
        uow.session.add(doc)
        uow.session.flush()
        return doc.id

    return run(core, SYSTEM_ACTOR, copy)


def docx_with(core: Core, like_document_id: int, paragraphs: list[str]) -> int:
    """A document whose DOCX says ``paragraphs`` (a letter someone edited by hand)."""
    d = Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()

    def make(uow: UnitOfWork) -> int:
        src = uow.session.get(GeneratedDocument, like_document_id)
        assert src is not None
        doc = GeneratedDocument(kind=src.kind, language=src.language, template_version_id=src.template_version_id,
                                context=src.context, case_id=src.case_id, customer_id=src.customer_id,
                                docx_sha256=core.files.put(data), docx_size=len(data), pdf_sha256=None,
                                pdf_size=None, pdf_status=PdfStatus.NOT_REQUESTED.value, pdf_notice=None,
                                made_by=src.made_by, made_at=src.made_at)
        uow.session.add(doc)
        uow.session.flush()
        return doc.id

    return run(core, SYSTEM_ACTOR, make)


@dataclass
class Desk:
    core: Core
    outbox: Outbox
    transport: MemoryTransport
    enqueued: list[int]


def memory_outbox(core: Core, **settings: Any) -> Desk:
    transport = MemoryTransport()
    enqueued: list[int] = []
    outbox = Outbox(settings=core.settings.with_(**settings), files=core.files, transport=transport,
                    unit_of_work=core.unit_of_work, calendar=core.services.calc.calendar,
                    enqueue_send=enqueued.append, limiter=LocalRateLimiter(100_000))
    return Desk(core, outbox, transport, enqueued)


def queue(desk: Desk, debtor: Debtor, *, document_id: int | None = -1, kind: str = "dunning_letter_1",
          language: str = "zh", automated: bool = True, not_before: datetime | None = None) -> int:
    doc = debtor.document_id if document_id == -1 else document_id

    def go(uow: UnitOfWork) -> int:
        return desk.outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id, document_id=doc,
                                 kind=kind, language=language, automated=automated, contact_on=uow.today(),
                                 not_before=not_before).id

    return run(desk.core, CLERK, go)


def row(core: Core, outbox_id: int) -> OutboxMessage:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        r = uow.session.get(OutboxMessage, outbox_id)
        assert r is not None
        uow.session.expunge(r)
        return r
