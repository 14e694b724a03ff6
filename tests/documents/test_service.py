"""Generating documents inside the caller's unit of work: the record and its audit entries commit
with the rest of the use case or not at all, and the PDF is made only after the commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.uow import read, run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.models import GeneratedDocument
from workflow.documents.pdf import ConversionFailed
from workflow.errors import Forbidden
from workflow.unit_of_work import UnitOfWork


class RecordingConverter:
    """Stands in for LibreOffice: notes what it was given and when, or fails as told."""

    def __init__(self, core_of: dict[str, Core]) -> None:
        self.core_of = core_of
        self.calls: list[int] = []  # how many documents were committed when each conversion ran
        self.fail = False

    @property
    def available(self) -> bool:
        return True

    def convert(self, docx: bytes) -> bytes:
        self.calls.append(read(self.core_of["core"], SYSTEM_ACTOR, lambda uow: uow.session.scalar(
            select(func.count()).select_from(GeneratedDocument)) or 0))
        if self.fail:
            raise ConversionFailed("the office crashed")
        return b"%PDF-1.7 " + docx[:16]

    def convert_many(self, docs: list[bytes]) -> list[bytes]:
        return [self.convert(d) for d in docs]

    def close(self) -> None:
        return None


@pytest.fixture
def converter() -> RecordingConverter:
    return RecordingConverter({})


@pytest.fixture
def core(any_db: Core, converter: RecordingConverter) -> Core:
    """On SQLite and PostgreSQL, with the stand-in converter (services are built on first use)."""
    any_db.pdf_port = converter
    converter.core_of["core"] = any_db
    run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    return any_db


def letter(uow: UnitOfWork, core: Core, pdf: bool = True) -> GeneratedDocument:
    return core.services.documents.generate(uow, "dunning_letter_1", "zh",
                                            CATALOGUE["dunning_letter_1"].sample_context(), pdf=pdf)


def counts_in(uow: UnitOfWork) -> tuple[int, int]:
    """Generated documents, and audit entries about them."""
    docs = uow.session.scalar(select(func.count()).select_from(GeneratedDocument)) or 0
    entries = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "generated_document")) or 0
    return docs, entries


def counts(core: Core) -> tuple[int, int]:
    return read(core, SYSTEM_ACTOR, counts_in)


def test_the_pdf_is_made_after_the_commit_and_recorded(core: Core, converter: RecordingConverter) -> None:
    doc = run(core, SYSTEM_ACTOR, letter, core)
    assert converter.calls == [1]  # the document was already committed when LibreOffice got it
    assert doc.pdf_status == "made" and doc.pdf_sha256 is not None
    stored = read(core, SYSTEM_ACTOR, lambda uow: uow.session.get(GeneratedDocument, doc.id))
    assert stored is not None and (stored.pdf_status, stored.pdf_sha256) == ("made", doc.pdf_sha256)
    assert core.files.get(doc.pdf_sha256).startswith(b"%PDF")
    assert counts(core) == (1, 2)  # document.generate, then document.pdf


def test_a_rolled_back_unit_of_work_leaves_no_document_no_audit_entry_and_converts_nothing(
        core: Core, converter: RecordingConverter) -> None:
    class Later(Exception):
        pass

    def generate_then_fail(uow: UnitOfWork) -> None:
        letter(uow, core)
        assert counts_in(uow) == (1, 1)  # written, in this transaction
        raise Later

    with pytest.raises(Later):
        run(core, SYSTEM_ACTOR, generate_then_fail)
    assert counts(core) == (0, 0)
    assert converter.calls == []


def test_documents_made_together_commit_together(core: Core, converter: RecordingConverter) -> None:
    def two(uow: UnitOfWork) -> list[GeneratedDocument]:
        return [letter(uow, core), letter(uow, core, pdf=False)]

    first, second = run(core, SYSTEM_ACTOR, two)
    assert converter.calls == [2]  # one PDF asked for, made after both were committed
    assert (first.pdf_status, second.pdf_status) == ("made", "not_requested")


def test_a_failed_conversion_is_recorded_and_the_docx_stays(core: Core, converter: RecordingConverter) -> None:
    converter.fail = True
    doc = run(core, SYSTEM_ACTOR, letter, core)
    assert doc.pdf_status == "failed" and doc.pdf_sha256 is None
    assert doc.pdf_notice is not None and "the office crashed" in doc.pdf_notice
    got = run(core, SYSTEM_ACTOR, core.services.documents.download, doc.id, "docx")
    assert got.data == core.files.get(doc.docx_sha256)


def test_the_pdf_outcome_is_written_once(core: Core) -> None:
    doc = run(core, SYSTEM_ACTOR, letter, core)

    def overwrite(uow: UnitOfWork) -> None:
        stored = uow.session.get(GeneratedDocument, doc.id)
        assert stored is not None
        stored.pdf_status = "failed"
        uow.session.flush()

    with pytest.raises(PermissionError):
        run(core, SYSTEM_ACTOR, overwrite)


def test_lawyers_may_not_generate_or_download(core: Core) -> None:
    lawyer = Actor(user_id=None, username="lawyer", role=Role.LAWYER)
    with pytest.raises(Forbidden):
        run(core, lawyer, letter, core)
    doc = run(core, SYSTEM_ACTOR, lambda uow: letter(uow, core, pdf=False))
    with pytest.raises(Forbidden):
        run(core, lawyer, core.services.documents.download, doc.id, "docx")
    assert counts(core) == (1, 1)


def test_a_pdf_left_pending_by_a_stopped_process_is_made_later(core: Core, converter: RecordingConverter) -> None:
    # the process stopped after the commit, before its PDF step: the record says pending
    def crashed(uow: UnitOfWork) -> GeneratedDocument:
        doc = letter(uow, core)
        uow._after_commit.clear()  # standing in for the process dying here
        return doc

    doc = run(core, SYSTEM_ACTOR, crashed)
    assert converter.calls == [] and doc.pdf_status == "pending"
    handled = run(core, SYSTEM_ACTOR, core.services.documents.finish_pending)
    assert [d.id for d in handled] == [doc.id] and handled[0].pdf_status == "made"
    assert run(core, SYSTEM_ACTOR, core.services.documents.finish_pending) == []
    stored = read(core, SYSTEM_ACTOR, lambda uow: uow.session.get(GeneratedDocument, doc.id))
    assert stored is not None and stored.pdf_status == "made"
