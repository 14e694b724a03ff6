"""Pre-flight: every original that cannot go into the bundle as it is gets a bilingual reason."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter

from tests.evidence import samples
from workflow.evidence.preflight import preflight
from workflow.evidence.spec import DOCX, EML, JPEG, PDF, PNG, TIFF, SourceFile
from workflow.filestore import LocalFileStore, MemoryFileStore

CAP = 200_000


def owner_locked_pdf() -> bytes:
    """Printing restrictions only (empty user password): opens without a password, as bank slips do."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="bank-only", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_each_kind_of_bad_original_is_named_with_its_problem(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    jpeg = samples.scan("送货单")
    good = {
        "contract": SourceFile(store.put(samples.pdf_doc("买卖合同", 2)), "买卖合同.pdf", PDF),
        "scan": SourceFile(store.put(jpeg), "送货单.jpg", JPEG),
        "png": SourceFile(store.put(samples.scan("seal", fmt="PNG")), "盖章页.png", PNG),
        "tiff": SourceFile(store.put(samples.tiff_pages(3)), "回执.tif", TIFF),
        "eml": SourceFile(store.put(samples.email(b"%PDF-1.4")), "催款函.eml", EML),
        "bank": SourceFile(store.put(owner_locked_pdf()), "银行回单.pdf", PDF),
    }
    bad = {
        "encrypted": SourceFile(store.put(samples.encrypted_pdf()), "加密.pdf", PDF),
        "corrupt_pdf": SourceFile(store.put(b"%PDF-1.7\n1 0 obj<<>>\n%%EOF garbage"), "坏.pdf", PDF),
        "truncated_jpeg": SourceFile(store.put(jpeg[: len(jpeg) // 2]), "付款凭证.jpg", JPEG),
        "not_png": SourceFile(store.put(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "坏.png", PNG),
        "fake_docx": SourceFile(store.put("增值税专用发票".encode()), "发票.docx", DOCX),
        "unsupported": SourceFile(store.put(b"Rar!\x1a\x07\x00"), "扫描件.rar", "application/vnd.rar"),
        "too_large": SourceFile(store.put(b"%PDF" + b"0" * CAP), "大.pdf", PDF),
        "missing": SourceFile("ab" * 32, "丢失.pdf", PDF),
    }
    problems = preflight([*good.values(), *bad.values()], store, CAP)
    assert set(problems) == {f.sha256 for f in bad.values()}
    by_kind = {k: problems[f.sha256] for k, f in bad.items()}
    assert by_kind["encrypted"] == "PDF 已加密，无法编入 / the PDF is encrypted and cannot be included"
    assert by_kind["corrupt_pdf"].startswith("PDF 文件已损坏")
    assert by_kind["truncated_jpeg"].startswith("JPEG 文件已损坏") and "truncated" in by_kind["truncated_jpeg"]
    assert by_kind["not_png"].startswith("PNG 文件已损坏")
    assert by_kind["fake_docx"].startswith("DOCX 文件已损坏")
    assert "application/vnd.rar" in by_kind["unsupported"] and "不支持" in by_kind["unsupported"]
    assert by_kind["too_large"].startswith("文件过大") and f"{CAP:,}" in by_kind["too_large"]
    assert by_kind["missing"].startswith("原件在文件库中不存在")
    assert all(" / " in p for p in problems.values())  # Chinese first, then English


def test_the_same_original_twice_is_reported_once() -> None:
    store = MemoryFileStore()
    broken = SourceFile(store.put(b"\xff\xd8\xff\xe0 not really"), "a.jpg", JPEG)
    again = SourceFile(broken.sha256, "b.jpg", JPEG)
    assert list(preflight([broken, again], store, CAP)) == [broken.sha256]
