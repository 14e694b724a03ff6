"""The bundle's ZIP: the PDF, the manifest and every original, byte-for-byte the same for the same inputs.

A court or the other side may be handed the ZIP and its SHA-256 and later be handed it again: two
builds from the same inputs must give the same bytes. So every entry has a fixed date, fixed
permissions and a name derived only from the item and the original (never the build's time or a
temporary path), entries are written in sorted order, and the originals are copied from the file
store in chunks, never held whole in memory.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workflow.evidence.spec import BundleSpec
from workflow.filestore import CHUNK, FileStore

# already compressed (PDF streams, JPEG/PNG, DOCX is itself a ZIP): deflating again costs time for nothing
_STORED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_NAME = 120  # characters of one path segment; long mail subjects make long attachment names


@dataclass(frozen=True)
class Original:
    """One original as it goes into the ZIP."""

    path: str  # inside the ZIP, e.g. originals/03-合同及签收单/合同扫描件.jpg
    sha256: str
    content_type: str
    item: int


def safe_name(name: str, fallback: str) -> str:
    """A file name that is one harmless path segment on every system a lawyer may unzip on."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    if not cleaned:
        cleaned = fallback
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        keep_ext = bool(dot) and 0 < len(ext) <= 10
        cleaned = stem[:MAX_NAME - len(ext) - 1] + "." + ext if keep_ext else cleaned[:MAX_NAME]
    return cleaned


def originals(spec: BundleSpec) -> list[Original]:
    """Every item's files under ``originals/NN-<item name>/``, each name unique within its folder."""
    out: list[Original] = []
    for item in sorted(spec.items, key=lambda i: i.number):
        folder = f"originals/{item.number:02d}-{safe_name(item.name, 'item')}"
        seen: set[str] = set()
        done: set[str] = set()
        for n, f in enumerate(item.files, start=1):
            if f.sha256 in done:  # the same object listed twice in one item is one file
                continue
            done.add(f.sha256)
            name = safe_name(f.filename, f"file-{n}")
            if name.casefold() in seen:  # two attachments both called scan.jpg
                stem, dot, ext = name.rpartition(".")
                name = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
            seen.add(name.casefold())
            out.append(Original(f"{folder}/{name}", f.sha256, f.content_type, item.number))
    return out


def _info(name: str, when: date, compress: int, size: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(when.year, 1980), when.month, when.day, 0, 0, 0))
    info.compress_type = compress
    info.create_system = 3  # unix, whatever the building host
    info.external_attr = 0o100644 << 16
    if size is not None:
        info.file_size = size  # lets zipfile decide up front whether the entry needs ZIP64
    return info


def write_zip(target: Path, *, pdf_name: str, pdf_path: Path, manifest: bytes,
              entries: Iterable[Original], files: FileStore, when: date) -> None:
    """The ZIP at ``target``: PDF first, then manifest.json, then the originals in path order."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as zf:
        with pdf_path.open("rb") as src, zf.open(_info(pdf_name, when, zipfile.ZIP_STORED,
                                                       pdf_path.stat().st_size), "w") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        zf.writestr(_info("manifest.json", when, zipfile.ZIP_DEFLATED), manifest)
        for e in sorted(entries, key=lambda e: e.path):
            compress = zipfile.ZIP_STORED if e.content_type in _STORED_TYPES else zipfile.ZIP_DEFLATED
            info = _info(e.path, when, compress, files.size(e.sha256))
            with files.open(e.sha256) as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
