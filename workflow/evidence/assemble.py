"""Assemble the bundle PDF: cover, 证据目录, the items; stamped, labelled, bookmarked and linked.

Numbering: every page counts, the cover included (page 1), so the stamp "第 n 页 共 N 页", the PDF
page label and the page numbers in the 证据目录 are all the physical page number.

The 证据目录 needs every item's page range before it is drawn, and the items' first pages depend on
how many pages the 证据目录 itself takes. So the items are laid out first (each rendered to a PDF in
``workdir``, or measured in place when the original is a PDF), then the 证据目录 is drawn with a
guess at its own length and redrawn until the length it comes out at is the length it assumed.

Originals are read from the file store as streams and the result is written to ``workdir``; only
one original is open at a time while laying out. pypdf's writer holds every object it will write
until ``write``, so each page's large streams (scans above all) are moved to a spool file as soon as
the page is added and copied from there into the output; the readers' caches are dropped after each
original. Peak memory therefore grows with the page count, not with the size of the scans (see
``benchmarks/bundle.py``: 1,004 pages from 170 MB of scans in ~130 MB). The stamp is a form XObject per page number,
drawn by a content stream appended to the page (the page's own content is wrapped in q/Q), instead
of ``merge_page``, which would parse and rewrite every page's content stream.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import img2pdf
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from workflow.documents.pdf import PdfConverter
from workflow.errors import DomainError
from workflow.evidence import pages
from workflow.evidence.preflight import (
    EMPTY,
    MISSING,
    UNREADABLE_EMAIL,
    converter_failed,
    corrupt,
    image_frames,
    image_problem,
    open_pdf,
    unsupported,
)
from workflow.evidence.spec import DOCX, EML, IMAGE_TYPES, PDF, TEXT, BuiltBundle, BundleSpec, ItemSpec, SourceFile
from workflow.filestore import FileStore
from workflow.mail import mime

STAMP_NAME = NameObject("/DunningPageStamp")
STAMP_MARGIN = 12.0  # points between the page's bottom edge and the stamp
SPOOL_MIN_BYTES = 32 * 1024  # smaller streams stay in memory: the spool's bookkeeping would cost more
SCAN_BATCH_BYTES = 16 * 1024 * 1024  # scans converted in one img2pdf call (its output is held in memory)


@dataclass
class Segment:
    """A run of pages: a PDF in the file store (read in place) or one rendered into workdir."""

    pages: int
    sha256: str | None = None
    path: Path | None = None


@dataclass
class Laid:
    item: ItemSpec
    segments: list[Segment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    first_page: int = 0

    @property
    def pages(self) -> int:
        return sum(s.pages for s in self.segments)


class _Layout:
    def __init__(self, spec: BundleSpec, files: FileStore, pdf: PdfConverter, workdir: Path) -> None:
        self.spec = spec
        self.files = files
        self.pdf = pdf
        self.parts = workdir / "parts"
        self.parts.mkdir(parents=True, exist_ok=True)
        self.counter = 0

    def _path(self, stem: str) -> Path:
        self.counter += 1
        return self.parts / f"{self.counter:05d}-{stem}.pdf"

    def item(self, item: ItemSpec) -> Laid:
        laid = Laid(item)
        if item.problem is not None or not item.files:
            problem = item.problem or EMPTY
            path = self._path("problem")
            laid.segments.append(Segment(pages.problem_page(path, item.number, item.name, problem), path=path))
            laid.problems.append(problem)
            return laid
        scans: list[tuple[SourceFile, bytes, int]] = []
        for source in item.files:
            try:
                if source.content_type in IMAGE_TYPES:
                    data, frames = self._scan(source)
                    if scans and sum(len(d) for _, d, _ in scans) + len(data) > SCAN_BATCH_BYTES:
                        self._flush(laid, scans)
                    scans.append((source, data, frames))
                    continue
                self._flush(laid, scans)
                laid.segments.append(self._source(item, source))
            except _Problem as bad:
                self._flush(laid, scans)
                self._problem(laid, source, bad.problem)
        self._flush(laid, scans)
        return laid

    def _problem(self, laid: Laid, source: SourceFile, problem: str) -> None:
        path = self._path("problem")
        item = laid.item
        laid.segments.append(Segment(pages.problem_page(path, item.number, item.name, problem, source.filename),
                                     path=path))
        laid.problems.append(f"{source.filename}: {problem}")

    def _scan(self, source: SourceFile) -> tuple[bytes, int]:
        """A scan's bytes (one scan is held at a time, never a whole bundle) and its page count."""
        if not self.files.exists(source.sha256):
            raise _Problem(MISSING)
        with self.files.open(source.sha256) as stream:
            data = stream.read()
        problem = image_problem(data, source.content_type)
        if problem is not None:
            raise _Problem(problem)
        return data, image_frames(data)

    def _flush(self, laid: Laid, scans: list[tuple[SourceFile, bytes, int]]) -> None:
        """Consecutive scans of an item become one PDF: one img2pdf call and one reader, not one per scan."""
        if not scans:
            return
        batch = list(scans)
        scans.clear()
        path = self._path("scans")
        try:
            path.write_bytes(img2pdf.convert([d for _, d, _ in batch], layout_fun=_A4_FIT,
                                             rotation=img2pdf.Rotation.ifvalid))
        except (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, ValueError, OSError, KeyError) as exc:
            if len(batch) == 1:  # this one scan is what img2pdf refuses
                source = batch[0][0]
                self._problem(laid, source, corrupt(source.content_type.split("/")[-1].upper(), type(exc).__name__))
                return
            for one in batch:  # find the scan it refuses; the others still go in
                self._flush(laid, [one])
            return
        laid.segments.append(Segment(sum(f for _, _, f in batch), path=path))

    def _source(self, item: ItemSpec, source: SourceFile) -> Segment:
        if not self.files.exists(source.sha256):
            raise _Problem(MISSING)
        kind = source.content_type
        if kind == PDF:
            with self.files.open(source.sha256) as stream:
                reader, problem = open_pdf(stream)
                if reader is None:
                    raise _Problem(problem or MISSING)
                return Segment(len(reader.pages), sha256=source.sha256)
        if kind == DOCX:
            with self.files.open(source.sha256) as stream:
                docx = stream.read()
            try:
                converted = self.pdf.convert(docx)
            except DomainError as exc:
                raise _Problem(converter_failed(exc.one_line("en"))) from exc
            path = self._path("docx")
            path.write_bytes(converted)
            return _rendered(path)
        if kind == EML:
            path = self._path("email")
            return Segment(pages.email_pages(path, item.number, item.name, self._email(source)), path=path)
        if kind == TEXT:
            with self.files.open(source.sha256) as stream:
                text = mime.clean_text(mime.decode_bytes(stream.read()))
            path = self._path("text")
            return Segment(pages.text_pages(path, item.number, item.name, source.filename, text), path=path)
        raise _Problem(unsupported(kind))

    def _email(self, source: SourceFile) -> pages.EmailFacts:
        digest = hashlib.sha256()
        with self.files.open(source.sha256) as stream:
            raw = stream.read(mime.MAX_MESSAGE_BYTES + 1)
        digest.update(raw)
        try:
            decoded = mime.parse(raw)
        except mime.MessageTooLarge as exc:
            raise _Problem(UNREADABLE_EMAIL) from exc
        head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
        return pages.EmailFacts(
            from_=decoded.header("from") or "", to=", ".join(decoded.all("to")), cc=", ".join(decoded.all("cc")),
            date_header=decoded.header("date") or "", date=decoded.date, subject=decoded.subject,
            message_id=decoded.message_id or decoded.header("message-id") or "", body=decoded.text,
            attachments=tuple((a.name, a.content_type, a.size, a.sha256) for a in decoded.attachments),
            raw_headers=mime.decode_bytes(head).replace("\r\n", "\n"), eml_sha256=digest.hexdigest(),
            eml_size=len(raw), filename=source.filename,
        )


_A4_FIT = img2pdf.get_layout_fun(pagesize=(img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)),
                                 fit=img2pdf.FitMode.into, auto_orient=True)


class _Problem(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _rendered(path: Path) -> Segment:
    with path.open("rb") as stream:
        reader, problem = open_pdf(stream)
        if reader is None:
            raise _Problem(problem or "")
        return Segment(len(reader.pages), path=path)


def _rows(laid: list[Laid], first: int) -> list[pages.IndexRow]:
    rows = []
    page = first
    for entry in laid:
        entry.first_page = page
        rows.append(pages.IndexRow(entry.item.number, entry.item.group_title, entry.item.name, entry.item.source,
                                   entry.item.purpose, page, page + entry.pages - 1))
        page += entry.pages
    return rows


def _index(spec: BundleSpec, laid: list[Laid], path: Path) -> tuple[int, list[pages.LinkBox]]:
    """Draw the 证据目录 until its page count is the one its own page numbers assumed."""
    assumed = 1
    for _ in range(10):
        drawn, links = pages.index(path, spec, _rows(laid, 2 + assumed))
        if drawn == assumed:
            return drawn, links
        assumed = drawn
    raise RuntimeError("证据目录的页数不收敛 / the evidence list's page count does not settle")


def manifest(spec: BundleSpec, laid: list[Laid], total: int, files: FileStore) -> dict[str, Any]:
    items = []
    for entry in laid:
        item = entry.item
        items.append({
            "number": item.number, "name": item.name, "group": item.group, "group_title": item.group_title,
            "source": item.source, "purpose": item.purpose,
            "first_page": entry.first_page, "last_page": entry.first_page + entry.pages - 1,
            "files": [{"sha256": f.sha256, "filename": f.filename, "content_type": f.content_type,
                       "size": files.size(f.sha256) if files.exists(f.sha256) else None} for f in item.files],
            "problem": "; ".join(entry.problems) or None,
        })
    info = pages.font()
    return {"case_ref": spec.case_ref, "title": spec.title, "submitted_on": spec.submitted_on.isoformat(),
            "pages": total, "items": items, "font": {"family": info.family, "file": info.file},
            "generator": "dunning-desk"}


class _Stamper:
    """Page n gets the form XObject made from page n of the stamps PDF."""

    def __init__(self, writer: PdfWriter, stamps: PdfReader) -> None:
        self.writer = writer
        self.stamps = stamps
        self.open_q = writer._add_object(_stream(b"q\n"))

    def __call__(self, page: PageObject, number: int) -> None:
        src = self.stamps.pages[number - 1]
        content = src["/Contents"].get_object()
        assert isinstance(content, StreamObject)  # reportlab writes one content stream per page
        form = _stream(content.get_data())
        form.update({
            NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(pages.STAMP_W),
                                              FloatObject(pages.STAMP_H)]),
            NameObject("/Resources"): src["/Resources"].clone(self.writer),
        })
        matrix = _placement(page)
        tail = _stream(b"Q q " + " ".join(f"{v:.4f}" for v in matrix).encode() + b" cm " + STAMP_NAME.encode()
                       + b" Do Q\n")
        contents = page.get("/Contents")
        refs: list[Any] = []
        if contents is not None:
            target = contents.get_object()
            refs = list(target) if isinstance(target, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([self.open_q, *refs, self.writer._add_object(tail)])
        resources = page.get("/Resources")
        res = DictionaryObject(resources.get_object()) if resources is not None else DictionaryObject()
        xobjects = res.get("/XObject")
        xo = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
        xo[STAMP_NAME] = self.writer._add_object(form)
        res[NameObject("/XObject")] = xo
        page[NameObject("/Resources")] = res


class _Spooled(StreamObject):
    """A large stream (a scan, a heavy page) whose bytes wait in the spool file until written.

    pypdf's writer keeps every object it will write in memory; without this, a bundle of hundreds
    of MB of scans would be held whole until ``write``. Its dictionary stays (small); its data is
    copied from the spool into the output in chunks."""

    def __init__(self, source: StreamObject, spool: _Spool, offset: int, length: int) -> None:
        super().__init__()
        self.update({k: v for k, v in source.items() if k != "/Length"})
        self.spool = spool
        self.offset = offset
        self.length = length

    def get_data(self) -> bytes:
        return self.spool.read(self.offset, self.length)

    def write_to_stream(self, stream: Any, *args: Any) -> None:
        self[NameObject("/Length")] = NumberObject(self.length)
        DictionaryObject.write_to_stream(self, stream, *args)
        del self[NameObject("/Length")]
        stream.write(b"\nstream\n")
        self.spool.copy(self.offset, self.length, stream)
        stream.write(b"\nendstream")


class _Spool:
    """One scratch file for the large streams of the pages already added to the writer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: BinaryIO | None = None

    def __enter__(self) -> _Spool:
        self.fh = self.path.open("w+b")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()

    def page(self, writer: PdfWriter, page: PageObject) -> None:
        """Move the page's large content and image streams (one level of forms deep) to the spool."""
        contents = page.get("/Contents")
        refs: list[Any] = []
        if contents is not None:
            target = contents.get_object()
            refs = list(target) if isinstance(target, ArrayObject) else [contents]
        for ref in self._xobjects(page):
            refs.append(ref)
            form = ref.get_object()
            if isinstance(form, StreamObject) and form.get("/Subtype") == "/Form":
                refs.extend(self._xobjects(form))
        for ref in refs:
            self._spool(writer, ref)

    @staticmethod
    def _xobjects(holder: DictionaryObject) -> list[Any]:
        resources = holder.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        return list(xobjects.get_object().values()) if xobjects is not None else []

    def _spool(self, writer: PdfWriter, ref: Any) -> None:
        if not isinstance(ref, IndirectObject) or ref.pdf is not writer:
            return
        obj = ref.get_object()
        if isinstance(obj, _Spooled) or not isinstance(obj, StreamObject) or len(obj._data) < SPOOL_MIN_BYTES:
            return
        assert self.fh is not None
        self.fh.seek(0, 2)
        offset = self.fh.tell()
        self.fh.write(obj._data)
        spooled = _Spooled(obj, self, offset, len(obj._data))
        spooled.indirect_reference = ref
        writer._objects[ref.idnum - 1] = spooled

    def read(self, offset: int, length: int) -> bytes:
        assert self.fh is not None
        self.fh.seek(offset)
        return self.fh.read(length)

    def copy(self, offset: int, length: int, out: Any) -> None:
        assert self.fh is not None
        self.fh.seek(offset)
        while length > 0:
            chunk = self.fh.read(min(length, 1 << 20))
            if not chunk:
                raise OSError("spool file truncated")
            out.write(chunk)
            length -= len(chunk)


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _placement(page: PageObject) -> tuple[float, ...]:
    """The matrix that puts the stamp at the bottom centre of the page as it is displayed (/Rotate)."""
    box = page.cropbox
    llx, lly, urx, ury = float(box.left), float(box.bottom), float(box.right), float(box.top)
    cx, cy = (llx + urx) / 2, (lly + ury) / 2
    half = pages.STAMP_W / 2
    rotate = int(page.get("/Rotate", 0) or 0) % 360
    if rotate == 90:
        return (0, 1, -1, 0, urx - STAMP_MARGIN, cy - half)
    if rotate == 180:
        return (-1, 0, 0, -1, cx + half, ury - STAMP_MARGIN)
    if rotate == 270:
        return (0, -1, 1, 0, llx + STAMP_MARGIN, cy + half)
    return (1, 0, 0, 1, cx - half, lly + STAMP_MARGIN)


@contextlib.contextmanager
def _segment_reader(segment: Segment, files: FileStore) -> Iterator[PdfReader]:
    stream: BinaryIO = files.open(segment.sha256) if segment.sha256 else segment.path.open("rb")  # type: ignore[union-attr]
    with stream:
        reader = PdfReader(stream)  # checked while laying out (open_pdf); not walked a second time
        if reader.is_encrypted:
            reader.decrypt("")
        yield reader


def assemble(spec: BundleSpec, files: FileStore, pdf: PdfConverter, workdir: Path) -> BuiltBundle:
    """Build ``workdir/<case_ref>-evidence.pdf`` and its manifest. Same inputs, same bytes."""
    pages.font()  # fail before any work when the CJK font is missing
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _assemble(spec, files, pdf, workdir)
    finally:  # the intermediate pages: the bundle is what is kept
        shutil.rmtree(workdir / "parts", ignore_errors=True)


def _assemble(spec: BundleSpec, files: FileStore, pdf: PdfConverter, workdir: Path) -> BuiltBundle:
    layout = _Layout(spec, files, pdf, workdir)
    laid = [layout.item(item) for item in spec.items]
    cover_path = workdir / "parts" / "cover.pdf"
    index_path = workdir / "parts" / "index.pdf"
    pages.cover(cover_path, spec)
    index_pages, links = _index(spec, laid, index_path)
    total = 1 + index_pages + sum(entry.pages for entry in laid)
    stamps_path = workdir / "parts" / "stamps.pdf"
    pages.stamps(stamps_path, total)
    data = manifest(spec, laid, total, files)

    writer = PdfWriter()
    spool = _Spool(workdir / "parts" / "spool.bin")
    with warnings.catch_warnings(), stamps_path.open("rb") as stamp_stream, spool:
        warnings.simplefilter("ignore")
        stamper = _Stamper(writer, PdfReader(stamp_stream))
        number = 0

        def add(reader: PdfReader) -> None:
            nonlocal number
            for src in reader.pages:
                number += 1
                page = writer.add_page(src)
                spool.page(writer, page)
                stamper(page, number)

        for segment in [Segment(1, path=cover_path), Segment(index_pages, path=index_path)] + [
                s for entry in laid for s in entry.segments]:
            with _segment_reader(segment, files) as reader:
                add(reader)
                # the writer keeps every reader alive (so that id() is never reused for another);
                # its cache of parsed objects, scans included, must not live on with it
                reader.resolved_objects.clear()
        if number != total:
            raise RuntimeError(f"laid out {total} pages, wrote {number}")

        for box in links:
            entry = next(e for e in laid if e.item.number == box.number)
            writer.add_annotation(1 + box.page, Link(rect=box.rect, target_page_index=entry.first_page - 1,
                                                     border=[0, 0, 0]))
        parents: dict[str, IndirectObject] = {}
        for entry in laid:
            item = entry.item
            if item.group not in parents:
                parents[item.group] = writer.add_outline_item(title=item.group_title,
                                                                page_number=entry.first_page - 1)
            writer.add_outline_item(title=f"{item.number}. {item.name}", page_number=entry.first_page - 1,
                                    parent=parents[item.group])
        writer.set_page_label(0, total - 1, style=PageLabelStyle.DECIMAL, start=1)
        writer.add_metadata({"/Title": f"{spec.case_ref} 证据材料 — {spec.title}", "/Producer": "dunning-desk",
                             "/Creator": "dunning-desk", "/Author": spec.submitter})
        identity = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).digest()[:16]
        writer._ID = ArrayObject([ByteStringObject(identity), ByteStringObject(identity)])
        out = workdir / f"{_safe(spec.case_ref)}-evidence.pdf"
        with out.open("wb") as fh:
            writer.write(fh)
    writer.close()
    return BuiltBundle(pdf_path=out, page_count=total, manifest=data)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "bundle"


__all__ = ["assemble", "manifest"]
