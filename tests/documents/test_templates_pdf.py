"""Every shipped template, rendered with its sample data and printed to PDF by LibreOffice: the text
layer holds every amount, the 大写, the names and the dates, with the CJK fonts embedded. The
page images are kept in test-artifacts/templates/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.documents.shipped import ARTIFACTS, expected_strings, render, shipped, squeeze
from workflow.documents.catalogue import CATALOGUE

pytestmark = pytest.mark.integration

TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdffonts")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    work = tmp_path_factory.mktemp("pdf")
    docs = []
    for kind, lang, _path in shipped():
        target = work / f"{kind}.{lang}.docx"
        target.write_bytes(render(kind, lang, CATALOGUE[kind].sample_context()))
        docs.append(str(target))
    # a private profile: a LibreOffice already running for someone else must not swallow the job
    profile = (work / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), *docs], check=True, capture_output=True, timeout=240)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    out = {}
    for doc in docs:
        pdf = Path(doc).with_suffix(".pdf")
        assert pdf.is_file(), f"LibreOffice made no PDF of {Path(doc).name}"
        shutil.copy(pdf, ARTIFACTS / pdf.name)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / pdf.stem)], check=True, timeout=60)
        out[pdf.stem] = pdf
    return out


@pytest.mark.parametrize(("kind", "lang"), [(k, lang) for k, lang, _ in shipped()],
                         ids=[f"{k}.{lang}" for k, lang, _ in shipped()])
def test_pdf_text_has_every_figure_name_and_date(pdfs: dict[str, Path], kind: str, lang: str) -> None:
    pdf = pdfs[f"{kind}.{lang}"]
    text = squeeze(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout)
    missing = [s for s in expected_strings(kind, lang, CATALOGUE[kind].sample_context()) if squeeze(s) not in text]
    assert not missing, f"{pdf.name} lacks {missing[:8]}"
    assert "{{" not in text and "{%" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, f"{pdf.name}: Chinese is not set in an embedded CJK font:\n{fonts}"
    pages = sorted(ARTIFACTS.glob(f"{kind}.{lang}-*.png"))
    assert pages, "no page images"
    if kind == "statement":
        assert len(pages) >= 3  # 60+ movements run over several pages, header row repeated
