"""Pictures of a whole bundle, for a person to look at: the realistic case (signed contract scan,
invoice scan, the demand sent and its .eml, the debtor's reply, a payment, the 利息计算表 printed by
the service's own LibreOffice, the limitation summary) built through the API's service and job,
each page rendered by pdftoppm into test-artifacts/bundle/. Checked: one picture per page, none
empty or blank, and no item fell back to a problem page (LibreOffice converted the DOCX)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import SYSTEM_ACTOR, TEMPLATE_CACHE
from tests.evidence.bundlecase import evidence_case
from tests.tools import missing_tool
from tests.uow import run
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.documents.pdf import LibreOfficeConverter
from workflow.evidence.models import Bundle
from workflow.filestore import MemoryFileStore
from workflow.models import Base

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "bundle"
DPI = 50


@pytest.fixture
def office_core(settings: Settings, clock: FixedClock) -> Iterator[Core]:
    """A Core whose PDFs are made by LibreOffice, as in production."""
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            missing_tool(f"{tool} is not installed")
    converter = LibreOfficeConverter(str(shutil.which("soffice")))
    if not converter.available:
        missing_tool("no Python with LibreOffice's uno module (python3-uno)")
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=clock, files=MemoryFileStore(), pdf=converter, template_cache=TEMPLATE_CACHE)
    Base.metadata.create_all(core.db.engine)
    yield core
    core.close()


def test_pictures_of_the_bundle(office_core: Core) -> None:
    core = office_core
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    case = evidence_case(core)
    bundle_id = run(core, SYSTEM_ACTOR, lambda uow: core.services.bundles.request(uow, case.ref).id)
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        row = uow.session.get(Bundle, bundle_id)
        assert row is not None and row.status == "ready", row and row.error
        pdf_sha, pages, manifest = row.pdf_sha256, row.page_count, row.manifest
    assert pdf_sha is not None and pages is not None and manifest is not None
    problems = {i["name"]: i["problem"] for i in manifest["items"] if i["problem"]}
    assert not problems, problems
    groups = [i["group"] for i in manifest["items"]]
    for group in ("contract", "invoices", "letters", "replies", "payments", "calculation"):
        assert group in groups

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        old.unlink()
    pdf = ARTIFACTS / f"{case.ref}.pdf"
    pdf.write_bytes(core.files.get(pdf_sha))
    assert len(PdfReader(pdf).pages) == pages
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(ARTIFACTS / case.ref)], check=True,
                   timeout=300)
    pictures = sorted(ARTIFACTS.glob(f"{case.ref}-*.png"))
    assert len(pictures) == pages
    for picture in pictures:
        with Image.open(picture) as img:
            assert img.width > 100 and img.height > 100, picture.name
            low, high = img.convert("L").getextrema()
            assert low < 128 < high, f"{picture.name} is blank"  # every page has something printed on it
