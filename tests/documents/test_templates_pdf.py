"""Every shipped template, rendered with its sample data and printed to PDF by LibreOffice: the text
layer holds every amount, the 大写, the names and the dates, with the CJK fonts embedded. The
page images are made by test_template_pictures.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.documents.shipped import expected_strings, render, shipped, squeeze
from tests.tools import missing_tool
from workflow.documents.catalogue import CATALOGUE

pytestmark = pytest.mark.integration

TOOLS = ("soffice", "pdftotext", "pdffonts")


def _convert(work: Path) -> list[Path]:
    docs = []
    for kind, lang, _path in shipped():
        target = work / f"{kind}.{lang}.docx"
        target.write_bytes(render(kind, lang, CATALOGUE[kind].sample_context()))
        docs.append(str(target))
    # a private profile: a LibreOffice already running for someone else must not swallow the job
    profile = (work / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), *docs], check=True, capture_output=True, timeout=240)
    return [Path(doc).with_suffix(".pdf") for doc in docs]


def test_every_template_prints_its_figures_names_and_dates(tmp_path: Path) -> None:
    """One test, one LibreOffice run for all eighteen (a process per document would cost ~1 s each)."""
    missing_tools = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing_tools:
        missing_tool(f"not installed: {', '.join(missing_tools)}")
    problems: list[str] = []
    for pdf in _convert(tmp_path):
        if not pdf.is_file():
            problems.append(f"LibreOffice made no PDF of {pdf.stem}")
            continue
        kind, lang = pdf.stem.split(".")
        text = squeeze(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                      text=True, check=True).stdout)
        lacking = [s for s in expected_strings(kind, lang, CATALOGUE[kind].sample_context())
                   if squeeze(s) not in text]
        if lacking:
            problems.append(f"{pdf.name} lacks {lacking[:8]}")
        if "{{" in text or "{%" in text:
            problems.append(f"{pdf.name} shows a template tag")
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        if "CJK" not in fonts:
            problems.append(f"{pdf.name}: Chinese is not set in an embedded CJK font")
        pages = len(PdfReader(pdf).pages)
        if kind == "statement" and pages < 3:
            problems.append(f"{pdf.name}: 60+ movements should run over several pages, got {pages}")
    assert not problems, "\n".join(problems)
