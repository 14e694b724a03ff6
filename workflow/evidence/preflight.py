"""Pre-flight: which originals cannot go into the bundle as they are, and why (bilingual).

The same checks run again while the bundle is assembled (a file can be fine in the report and still
fail to read), so a bad original always ends up as a page naming the item and the problem; it never
silently vanishes. The checks read headers and structure, not every pixel: decoding every scan of a
1,000-page bundle would cost seconds for no gain.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from workflow.evidence.spec import DOCX, EML, IMAGE_TYPES, JPEG, PDF, PNG, SUPPORTED_TYPES, TIFF, SourceFile
from workflow.filestore import FileStore

MISSING = "原件在文件库中不存在 / the original is missing from the file store"
ENCRYPTED = "PDF 已加密，无法编入 / the PDF is encrypted and cannot be included"
UNREADABLE_EMAIL = "邮件文件无法解析 / the email file cannot be read"
EMPTY = "该证据没有文件 / the item has no file"


def too_large(size: int, cap: int) -> str:
    return (f"文件过大（{size:,} 字节，上限 {cap:,} 字节），无法编入 / "
            f"the file is too large ({size:,} bytes, the limit is {cap:,})")


def corrupt(kind: str, why: str) -> str:
    return f"{kind} 文件已损坏，无法读取（{why}） / the {kind} file is corrupt and cannot be read ({why})"


def unsupported(content_type: str) -> str:
    return (f"不支持的文件类型 {content_type}，无法编入（原件见 ZIP） / "
            f"unsupported file type {content_type} (the original is in the ZIP)")


def converter_failed(why: str) -> str:
    return f"DOCX 无法转换为 PDF（{why}） / the DOCX could not be converted to PDF ({why})"


def open_pdf(stream: BinaryIO) -> tuple[PdfReader | None, str | None]:
    """A readable PdfReader, or the problem. An owner-password-only PDF (printing restrictions on a
    bank slip) opens with the empty user password and is included; anything else encrypted is not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(stream)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        return None, ENCRYPTED
                # pypdf raises NotImplementedError for encryption schemes it cannot read
                except (PyPdfError, NotImplementedError, DependencyError):
                    return None, ENCRYPTED
            count = len(reader.pages)
            if count == 0:
                return None, corrupt("PDF", "没有页面 / no pages")
            for page in reader.pages:
                page.cropbox  # noqa: B018 - resolves each page's tree entry: a broken one fails here, not mid-build
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return None, corrupt("PDF", type(exc).__name__)
    return reader, None



def image_problem(data: bytes, content_type: str) -> str | None:
    """Header and structure checks: a truncated JPEG lacks its end marker; PNG chunks carry CRCs."""
    kind = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}[content_type]
    if content_type == JPEG:
        if not data.startswith(b"\xff\xd8"):
            return corrupt(kind, "不是 JPEG 数据 / not JPEG data")
        if b"\xff\xd9" not in data[-4096:]:
            return corrupt(kind, "文件不完整 / truncated")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        if content_type == TIFF:
            with Image.open(io.BytesIO(data)) as img:
                for frame in range(getattr(img, "n_frames", 1)):
                    img.seek(frame)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        return corrupt(kind, type(exc).__name__)
    return None


def image_frames(data: bytes) -> int:
    """Pages img2pdf makes of an image: one per frame of a multi-page TIFF, else one."""
    with Image.open(io.BytesIO(data)) as img:
        return int(getattr(img, "n_frames", 1))


def check(source: SourceFile, files: FileStore, max_bytes: int) -> str | None:
    """The problem with one original, or None when it can go in."""
    if not files.exists(source.sha256):
        return MISSING
    size = files.size(source.sha256)
    if size > max_bytes:
        return too_large(size, max_bytes)
    if source.content_type not in SUPPORTED_TYPES:
        return unsupported(source.content_type)
    if source.content_type == PDF:
        with files.open(source.sha256) as stream:
            return open_pdf(stream)[1]
    if source.content_type in IMAGE_TYPES:
        with files.open(source.sha256) as stream:
            return image_problem(stream.read(), source.content_type)
    if source.content_type == DOCX:
        with files.open(source.sha256) as stream:
            if stream.read(4) != b"PK\x03\x04":
                return corrupt("DOCX", "不是 DOCX（ZIP）文件 / not a DOCX (ZIP) file")
    if source.content_type == EML and size == 0:
        return UNREADABLE_EMAIL
    return None


def preflight(spec_files: Iterable[SourceFile], files: FileStore, max_bytes: int) -> dict[str, str]:
    """sha256 → problem, for every original that cannot go in as it is (absent when it can)."""
    problems: dict[str, str] = {}
    for source in spec_files:
        if source.sha256 in problems:
            continue
        problem = check(source, files, max_bytes)
        if problem is not None:
            problems[source.sha256] = problem
    return problems
