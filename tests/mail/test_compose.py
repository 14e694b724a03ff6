"""What the debtor receives: one UTF-8 message to the designated contacts only, the case in the
subject, Reply-To and Message-ID, the letter attached under its Chinese name, the same bytes every
time it is composed."""

from __future__ import annotations

import email
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage

import pytest

from tests.conftest import SYSTEM_ACTOR
from tests.mail.letters import DEBTOR, FINANCE, TINY_PDF, memory_outbox, queue, row, seed_debtor, with_pdf
from tests.uow import run
from workflow.core import Core
from workflow.documents.models import GeneratedDocument
from workflow.errors import DomainError
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import attempts_of
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.usefixtures("shipped_templates")


def _sent(desk_transport_sent: Sequence[tuple[object, bytes]]) -> EmailMessage:
    raw = desk_transport_sent[-1][1]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_the_letter_goes_to_the_designated_contact_only_with_the_case_everywhere(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, document_id=with_pdf(core, debtor.document_id))
    assert desk.outbox.send(oid) == "sent"
    envelope, raw = desk.transport.sent[0]
    # not purchasing (not designated), not the bounced address, not the contact without one
    assert envelope.recipients == (FINANCE,)
    assert envelope.sender == f"ar+{debtor.case_ref}@dunning.example"
    msg = _sent(desk.transport.sent)
    assert msg["To"] == FINANCE
    assert msg["From"].addresses[0].addr_spec == "ar@dunning.example"
    assert msg["From"].addresses[0].display_name == "应收账款部 Accounts Receivable"
    assert msg["Reply-To"] == f"ar+{debtor.case_ref}@dunning.example"
    assert msg["Subject"] == f"【催款函】{DEBTOR} 应收账款 [{debtor.case_ref}]"
    assert msg["Message-ID"].startswith(f"<{debtor.case_ref}.") and msg["Message-ID"].endswith("@dunning.example>")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"].datetime.utcoffset().total_seconds() == 8 * 3600  # written in Beijing time
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "CNY 42500.50" in text  # the outstanding total the letter states
    assert "2026年8月31日" in text  # the earliest due date
    assert f"催款函全文见附件《催款函-{debtor.case_ref}.pdf》" in text
    assert "回复本邮件" in text
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"催款函-{debtor.case_ref}.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == TINY_PDF
    # RFC 2231 for the Chinese file name, and nothing but ASCII on the wire
    assert b"filename*=utf-8''" in raw
    raw.decode("ascii")


def test_without_a_pdf_the_docx_goes_and_an_english_contact_reads_english(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, language="en", automated=False)
    assert desk.outbox.send(oid) == "sent"
    msg = _sent(desk.transport.sent)
    assert msg["Subject"] == (f"Payment demand: Shanghai Huadong Electromechanical Co., Ltd., accounts receivable "
                              f"[{debtor.case_ref}]")
    assert msg["Auto-Submitted"] is None  # a clerk sent it
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "CNY 42500.50" in text and "31 August 2026" in text
    [attached] = list(msg.iter_attachments())
    assert attached.get_filename() == f"Payment_demand-{debtor.case_ref}.docx"
    assert attached.get_content_type().endswith("wordprocessingml.document")


def test_composing_the_same_row_twice_gives_the_same_bytes(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, document_id=with_pdf(core, debtor.document_id))
    desk.outbox.send(oid)
    sent = row(core, oid)
    assert sent.raw_sha256 is not None

    def recompose(uow: UnitOfWork) -> bytes:
        r = uow.session.get(OutboxMessage, oid)
        assert r is not None and r.document_id is not None
        first = min(a.started_at for a in attempts_of(uow.session, oid))
        return desk.outbox.compose(r, first, uow.session.get(GeneratedDocument, r.document_id))

    again = run(core, SYSTEM_ACTOR, recompose)
    assert again == desk.transport.sent[0][1] == core.files.get(sent.raw_sha256)


def test_no_designated_contact_means_nothing_is_queued(core: Core) -> None:
    debtor = seed_debtor(core, contacts=False)
    desk = memory_outbox(core)
    with pytest.raises(DomainError) as refused:
        queue(desk, debtor)
    assert refused.value.status == 422
    assert refused.value.problems[0].field == "contacts"
    assert desk.enqueued == []
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.query(OutboxMessage).count() == 0

