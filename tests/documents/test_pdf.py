"""PDF through the long-lived LibreOffice converter: Chinese as text, fonts embedded, restarts."""

from __future__ import annotations

import io
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, TEMPLATE_CACHE
from tests.tools import missing_tool
from tests.uow import read, run
from workflow.clock import FixedClock
from workflow.config import PROJECT_ROOT, Settings, SettingsError
from workflow.core import build_core
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.models import GeneratedDocument
from workflow.documents.pdf import LibreOfficeConverter, LibreOfficePool, find_uno_python, make_converter, pdf_processes
from workflow.documents.render import compile_template
from workflow.filestore import MemoryFileStore
from workflow.models import Base
from workflow.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration

LETTER = PROJECT_ROOT / "templates_docx" / "dunning_letter_1.zh.docx"


@pytest.fixture(scope="module")
def converter() -> Iterator[LibreOfficeConverter]:
    if not Path("/usr/bin/soffice").exists() or find_uno_python() is None:
        missing_tool("LibreOffice with python3-uno is not installed")
    conv = LibreOfficeConverter("/usr/bin/soffice", timeout=120)
    yield conv
    conv.close()


def letter_docx() -> tuple[bytes, dict[str, object]]:
    ctx = CATALOGUE["dunning_letter_1"].sample_context()
    return compile_template(LETTER.read_bytes()).render(ctx), ctx


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_chinese_comes_out_as_text_with_embedded_fonts(converter: LibreOfficeConverter, tmp_path: Path) -> None:
    docx, ctx = letter_docx()
    pdf = converter.convert(docx)
    text = pdf_text(pdf, tmp_path).replace(" ", "")
    customer, creditor = ctx["customer"], ctx["creditor"]
    assert isinstance(customer, dict) and isinstance(creditor, dict)
    assert customer["name"] in text and creditor["name"] in text
    assert "催款函" in text.replace("\n", "")
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            fonts[str(font["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("CJK" in name or "Zen" in name or "Song" in name or "Hei" in name for name in fonts), fonts


def test_batch_and_restart_after_the_office_is_killed(converter: LibreOfficeConverter) -> None:
    docx, _ = letter_docx()
    pdfs = converter.convert_many([docx, docx, docx])
    assert len(pdfs) == 3 and all(p.startswith(b"%PDF") for p in pdfs)
    pid = converter.office_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    restarts = converter.restarts
    assert converter.convert(docx).startswith(b"%PDF")
    assert converter.restarts == restarts + 1
    assert converter.office_pid not in (None, pid)


def test_generated_document_stores_pdf(converter: LibreOfficeConverter, tmp_path: Path, clock: FixedClock) -> None:
    settings = Settings(instance_path=tmp_path / "i", mailbox_dir=tmp_path / "m", mail_transport="memory",
                        pdf_converter="libreoffice", secret_key="x")
    settings.instance_path.mkdir(parents=True)
    core = build_core(settings, clock=clock, files=MemoryFileStore(), pdf=converter, template_cache=TEMPLATE_CACHE)
    Base.metadata.create_all(core.db.engine)
    try:
        run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)

        def make(uow: UnitOfWork) -> GeneratedDocument:
            made = core.services.documents.generate(uow, "dunning_letter_1", "zh",
                                                    CATALOGUE["dunning_letter_1"].sample_context(), pdf=True)
            assert made.pdf_status == "pending"  # LibreOffice runs once the transaction has committed
            return made

        doc = run(core, SYSTEM_ACTOR, make)
        assert doc.pdf_status == "made" and doc.pdf_sha256 is not None
        assert core.files.get(doc.pdf_sha256).startswith(b"%PDF")
        stored = read(core, SYSTEM_ACTOR, lambda uow: uow.session.scalars(select(GeneratedDocument)).one())
        assert (stored.pdf_status, stored.pdf_sha256, stored.pdf_size) == ("made", doc.pdf_sha256, doc.pdf_size)
    finally:
        core.db.dispose()


def test_make_converter_follows_settings(converter: LibreOfficeConverter, tmp_path: Path) -> None:
    base = Settings(instance_path=tmp_path)
    assert not make_converter(base.with_(pdf_converter="none")).available
    assert make_converter(base.with_(pdf_converter="auto")).available
    missing = make_converter(base.with_(pdf_converter="libreoffice", soffice_path=str(tmp_path / "no-soffice")))
    assert not missing.available


def test_pool_of_two_offices_keeps_the_batch_order(tmp_path: Path) -> None:
    if not Path("/usr/bin/soffice").exists() or find_uno_python() is None:
        missing_tool("LibreOffice with python3-uno is not installed")
    template = compile_template(LETTER.read_bytes())
    docs, numbers = [], []
    for i in range(5):
        ctx = CATALOGUE["dunning_letter_1"].sample_context()
        ctx["letter"]["number"] = f"沪宝催〔2026〕第{701 + i}号"
        numbers.append(ctx["letter"]["number"])
        docs.append(template.render(ctx))
    pool = LibreOfficePool("/usr/bin/soffice", processes=2, timeout=120)
    try:
        pool.start()
        pids = {w.office_pid for w in pool.workers}
        assert len(pids) == 2 and None not in pids  # two long-lived offices, started once
        pdfs = pool.convert_many(docs)
        assert {w.office_pid for w in pool.workers} == pids  # the same offices did the work: none per document
        texts = [pdf_text(pdf, tmp_path).replace(" ", "") for pdf in pdfs]
        assert [next(n for n in numbers if n in t) for t in texts] == numbers
    finally:
        pool.close()


@pytest.mark.parametrize("raw", ["two", "-1", "17", "1.5"])
def test_a_bad_process_count_is_refused_with_its_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="DUNNING_PDF_PROCESSES"):
        Settings.from_env({"DUNNING_PDF_PROCESSES": raw})


def test_default_process_count_is_one_per_core_up_to_two() -> None:
    assert Settings.from_env({"DUNNING_PDF_PROCESSES": "0"}).pdf_processes == 0
    assert pdf_processes(0) == min(2, os.cpu_count() or 1)
    assert pdf_processes(Settings.from_env({"DUNNING_PDF_PROCESSES": "3"}).pdf_processes) == 3
