"""Reading what clerks upload: CSV in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030, comma or tab
separated, or an XLSX workbook with one sheet per kind. Produces plain rows; nothing is parsed yet.

Untrusted input, read within limits: at most ``MAX_ROWS`` rows (Excel's own sheet limit) and
``MAX_CELL_CHARS`` characters a cell (Excel's own cell limit); an XLSX zip is checked like the DOCX
reader's (member count, total and per-member uncompressed size, compression ratio, against the
central directory and again while inflating) before openpyxl streams it, and no run of XML text
may be longer than a cell can be, so one huge cell cannot be parsed into memory.

Encodings are never guessed into mojibake (see ``decode_csv``): a file that is not consistently
one supported encoding is refused, naming the line.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from workflow.documents.package import bomb_ratio, check_zip_member, zip_bomb
from workflow.errors import DomainError, FieldProblem, ValidationFailed, invalid
from workflow.ledger.imports.schema import detect_kind, norm_header

HEADER_SEARCH_ROWS = 10  # exports often start with a title line or two above the header
MAX_ROWS = 1_048_576  # Excel's sheet limit: rows of a file, titles and blank rows included
MAX_CELL_CHARS = 32_767  # Excel's cell limit
MAX_MEMBERS = 1000
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024  # a 1,000,000-row sheet is ~250 MB of XML
MAX_SHARED_STRINGS = 128 * 1024 * 1024  # openpyxl holds the whole string table in memory
# longest stretch of XML bytes without a '<': a cell's text is at most MAX_CELL_CHARS characters of at
# most 4 UTF-8 bytes (escaped, 6 for '&quot;'); anything longer cannot be a valid cell and is refused
# before a parser would build it in memory
MAX_XML_RUN = 6 * MAX_CELL_CHARS

# what may not be in a cell: C0/C1 controls, DEL, lone surrogates, Unicode line separators. Tab, CR
# and LF are the CSV's own structure; inside a cell they are found through ``Sheet.suspect``
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_CELL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


RowSource = Callable[[], Iterator[tuple[int, list[Any]]]]
CHUNK_BYTES = 1 << 20  # text is decoded this much at a time, never the whole file at once


class Sheet:
    """One sheet (or a CSV file): its header and its data rows (number as the spreadsheet shows it,
    cells), blank rows left out. The rows are read from the file as they are asked for: ``slices``
    keeps only one slice in memory, ``rows`` all of them (small sheets, tests)."""

    def __init__(
        self,
        name: str,
        headers: list[str],
        header_row: int,
        rows: list[tuple[int, list[Any]]] | None = None,
        source: RowSource | None = None,
        suspect: bool = False,
    ) -> None:
        self.name = name  # the sheet name, or the file name for CSV
        self.headers = headers
        self.header_row = header_row  # 1-based row number of the header, as the spreadsheet shows it
        self._rows = rows
        self._source = source
        # some cell may hold a control character or a line break: the importer then checks every
        # cell (a clean file, the rule, costs one scan of its text instead). Set while reading.
        self.suspect = suspect

    @property
    def rows(self) -> list[tuple[int, list[Any]]]:
        if self._rows is None:
            self._rows = list(self._source()) if self._source is not None else []
        return self._rows

    def slices(self, size: int) -> Iterator[Sheet]:
        """The rows ``size`` at a time, each slice a sheet of its own with the same header."""
        if self._rows is not None or self._source is None:
            rows = self.rows
            for i in range(0, len(rows), size):
                yield self._part(rows[i : i + size])
            return
        it = self._source()
        while batch := list(islice(it, size)):
            yield self._part(batch)

    def _part(self, rows: list[tuple[int, list[Any]]]) -> Sheet:
        return Sheet(self.name, self.headers, self.header_row, rows, suspect=self.suspect)


def has_control(value: str) -> bool:
    return _CELL_CONTROL.search(value) is not None


def _bad_file(zh: str, en: str) -> DomainError:
    return invalid("file", "unreadable_file", zh, en)


def _line_problem(code: str, line: int, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", code, zh, en)], extra={"line": line})


def _line_at(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _not_utf8(line: int, why_zh: str, why_en: str) -> ValidationFailed:
    return _line_problem(
        "invalid_encoding",
        line,
        f"第 {line} 行不是有效的 UTF-8 编码（{why_zh}），请将整个文件另存为 UTF-8 或 GBK",
        f"line {line} is not valid UTF-8 ({why_en}); save the whole file as UTF-8 or GBK",
    )


def _chunks(data: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) pieces of about CHUNK_BYTES ending at a line break: in UTF-8 and GB18030 a
    newline byte is never part of another character, so each piece decodes on its own."""
    pos, end = start, len(data)
    while pos < end:
        cut = data.find(b"\n", pos + CHUNK_BYTES)
        stop = end if cut < 0 else cut + 1
        yield pos, data[pos:stop]
        pos = stop


@dataclass(frozen=True)
class Encoding:
    name: str  # a Python codec: utf-8, utf-16 or gb18030
    offset: int  # where the text starts (after a UTF-8 BOM)


def csv_encoding(data: bytes) -> Encoding:
    """The file's encoding, or a 422 naming the first line that does not fit. The whole file is
    checked, a piece at a time (the text is not kept: it is decoded again as it is read).

    A BOM decides (UTF-8 or UTF-16) and every line must then be valid in it. Without one: strict
    UTF-8 if the whole file is UTF-8. Otherwise GB18030 (a superset of GBK and GB2312, what Excel
    writes on a Chinese Windows) — but only if the lines before the first non-UTF-8 one are plain
    ASCII, the whole file decodes, and no other line is valid UTF-8 with non-ASCII text in it: a
    UTF-8 file with one GBK row (or the reverse) is refused, naming the line, instead of being
    stored as mojibake.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
        except UnicodeDecodeError as exc:
            prefix = data[: exc.start - exc.start % 2].decode("utf-16", errors="replace")
            line = prefix.count("\n") + 1
            raise _line_problem(
                "invalid_encoding",
                line,
                f"第 {line} 行不是有效的 UTF-16 编码（文件以 UTF-16 BOM 开头）",
                f"line {line} is not valid UTF-16 (the file starts with a UTF-16 BOM)",
            ) from None
        return Encoding("utf-16", 0)
    bom = data.startswith(b"\xef\xbb\xbf")
    offset = 3 if bom else 0
    first_bad = -1
    for pos, chunk in _chunks(data, offset):
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            first_bad = pos + exc.start
            break
    if first_bad < 0:
        return Encoding("utf-8", offset)
    bad_line = _line_at(data, first_bad)
    if bom:
        raise _not_utf8(bad_line, "文件以 UTF-8 BOM 开头", "the file starts with a UTF-8 BOM")
    start = data.rfind(b"\n", 0, first_bad) + 1
    if not data[:start].isascii():  # earlier lines are UTF-8 with Chinese in them: this one is the odd one
        raise _line_problem(
            "mixed_encoding",
            bad_line,
            f"第 {bad_line} 行不是 UTF-8 编码，而前面的行是 UTF-8：同一文件混用了编码，请整个另存为 UTF-8",
            f"line {bad_line} is not UTF-8 while the lines before it are: the file mixes encodings; "
            "save all of it as UTF-8",
        )
    for pos, chunk in _chunks(data, start):
        try:
            chunk.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = _line_at(data, pos + exc.start)
            raise _line_problem(
                "invalid_encoding",
                line,
                f"第 {line} 行既不是 UTF-8 也不是 GBK/GB18030 编码，请将文件另存为 UTF-8",
                f"line {line} is neither UTF-8 nor GBK/GB18030; save the file as UTF-8",
            ) from None
        # a line that reads as UTF-8 (no replacement character) with non-ASCII text is a UTF-8 line
        lines = chunk.decode("utf-8", errors="replace").split("\n")
        hit = next((i for i, line in enumerate(lines) if not line.isascii() and "\ufffd" not in line), None)
        if hit is not None:
            number = _line_at(data, pos) + hit
            raise _line_problem(
                "mixed_encoding",
                number,
                f"第 {number} 行是 UTF-8 编码，而第 {bad_line} 行是 GBK：同一文件混用了编码，请整个另存为 UTF-8",
                f"line {number} is UTF-8 while line {bad_line} is GBK: the file mixes encodings; "
                "save all of it as UTF-8",
            )
    return Encoding("gb18030", 0)


def _texts(data: bytes, enc: Encoding) -> Iterator[tuple[int, str]]:
    """(offset, text) pieces of the file, decoded one at a time."""
    if enc.name == "utf-16":  # rare (Excel's "Unicode text"): decoded whole
        yield 0, data.decode("utf-16")
        return
    for pos, chunk in _chunks(data, enc.offset):
        yield pos, chunk.decode(enc.name)


def decode_csv(data: bytes) -> str:
    """The whole text of a CSV file (see ``csv_encoding``); the importer reads it a piece at a time."""
    return "".join(t for _, t in _texts(data, csv_encoding(data)))


def _too_many_rows(where: str) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldProblem(
                "file",
                "too_many_rows",
                f"{where}超过 {MAX_ROWS:,} 行（Excel 工作表的上限），请分成几个文件导入",
                f"{where} has more than {MAX_ROWS:,} rows (Excel's sheet limit); import it in parts",
            )
        ]
    )


def _blank(cells: Iterable[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header(name: str, head: list[tuple[int, list[Any]]]) -> tuple[int, list[str]] | None:
    """The header among the first non-blank rows: the first naming a known layout, else the first."""
    if not head:
        return None
    number, header_cells = head[0]
    for n, cells in head:
        if detect_kind([norm_header(c) for c in cells], name, by_name_alone=False) is not None:
            number, header_cells = n, cells
            break
    return number, ["" if c is None else str(c) for c in header_cells]


def read_csv(name: str, data: bytes) -> list[Sheet]:
    enc = csv_encoding(data)
    first = ""
    for _, text in _texts(data, enc):
        first = text.split("\n", 1)[0]
        break
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    # a tab in a comma-separated file, a quote in a tab-separated one, any other control character
    # or a lone CR may put a control character or a line break in a cell; so may a record that
    # spans lines (found while reading)
    suspect = False
    for pos, text in _texts(data, enc):
        nul = text.find("\x00")
        if nul >= 0:
            line = (
                _line_at(data, pos) + text.count("\n", 0, nul) if enc.name != "utf-16" else text.count("\n", 0, nul) + 1
            )
            raise _line_problem(
                "control_character",
                line,
                f"第 {line} 行含有 NUL 字符（不是文本文件？）",
                f"line {line} contains a NUL character (not a text file?)",
            )
        suspect = suspect or (
            _CONTROL.search(text) is not None
            or text.count("\r") != text.count("\r\n")
            or ("\t" in text if delimiter == "," else '"' in text)
        )

    def records(after: int) -> Iterator[tuple[int, list[Any]]]:
        """Non-blank records numbered as the file counts them, from record ``after + 1`` on."""
        # one StringIO per decoded piece: lines are split in C, and no copy of the whole text is made
        lines = chain.from_iterable(io.StringIO(text, newline="") for _, text in _texts(data, enc))
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            for n, cells in enumerate(reader, start=1):
                # CSV cells are all text: a row is blank when its joined text is, checked in C
                if n > after and "".join(cells).strip():
                    if n > MAX_ROWS:
                        raise _too_many_rows("文件" if name.isascii() else f"「{name}」")
                    if reader.line_num != n and not sheet.suspect:
                        sheet.suspect = True  # a record spans lines: a cell holds a line break
                    yield n, cells
        except csv.Error as exc:
            raise _bad_file(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from exc

    sheet = Sheet(name, [], 0, suspect=suspect)  # its header is found next
    found = _header(name, list(islice(records(0), HEADER_SEARCH_ROWS)))
    if found is None:
        return []
    header_row, sheet.headers = found
    sheet.header_row = header_row

    def source() -> Iterator[tuple[int, list[Any]]]:
        return records(header_row)

    sheet._source = source
    return [sheet]


# ---------------------------------------------------------------- XLSX


def _zip_problem(code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", code, zh, en)])


def _zip_bomb() -> ValidationFailed:
    return zip_bomb("file")


def _cell_too_long(where_zh: str, where_en: str) -> ValidationFailed:
    return _zip_problem(
        "cell_too_long",
        f"{where_zh}有单元格超过 {MAX_CELL_CHARS:,} 个字符（Excel 单元格的上限）",
        f"{where_en} has a cell longer than {MAX_CELL_CHARS:,} characters (Excel's cell limit)",
    )


def _scan_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Inflate one member without keeping it: its real size (within ``budget`` and the ratio cap),
    and for XML no text run longer than a cell may be. Returns the bytes inflated."""
    size = 0
    run = 0  # bytes since the last '<', carried across chunks
    xml = info.filename.endswith((".xml", ".rels", ".vml"))
    far = re.compile(rb"<[^<]{%d}" % MAX_XML_RUN)
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                if size > budget or bomb_ratio(size, info.compress_size):
                    raise _zip_bomb()
                if not xml:
                    continue
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                else:
                    if run + first > MAX_XML_RUN or far.search(chunk):
                        raise _cell_too_long("工作簿", "the workbook")
                    run = len(chunk) - chunk.rfind(b"<") - 1
                if run > MAX_XML_RUN:
                    raise _cell_too_long("工作簿", "the workbook")
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError):
        raise _bad_file(f"XLSX 文件损坏：{info.filename}", f"corrupt XLSX member: {info.filename}") from None
    return size


def check_workbook_zip(data: bytes) -> None:
    """The zip limits, checked against the central directory and then while inflating each member."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _bad_file("无法读取 XLSX 工作簿", "cannot read the XLSX workbook") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _zip_problem(
                "zip_too_many_members",
                f"XLSX 压缩包成员过多（上限 {MAX_MEMBERS}）",
                f"too many members in the XLSX zip (limit {MAX_MEMBERS})",
            )
        if sum(i.file_size for i in infos) > MAX_XLSX_UNCOMPRESSED:
            raise _zip_bomb()
        total = 0
        for info in infos:
            budget = MAX_XLSX_UNCOMPRESSED - total
            if info.filename.endswith("sharedStrings.xml"):
                budget = min(budget, MAX_SHARED_STRINGS)
            # unsupported compression is refused here, before zipfile could fail on it mid-read
            check_zip_member(info, budget, field="file", label="XLSX", unreadable="unreadable_file")
            total += _scan_member(zf, info, budget)


def _xlsx_sheet(ws: Any, budget: list[int]) -> Sheet | None:
    """A worksheet read as it is asked for: rows counted against the file's row budget, each text
    cell checked for its length and for control characters (which make the sheet suspect)."""
    title = ws.title

    def numbered(min_row: int) -> Iterator[tuple[int, list[Any]]]:
        for i, r in enumerate(ws.iter_rows(min_row=min_row, values_only=True), start=min_row):
            budget[0] -= 1
            if budget[0] < 0:
                raise _too_many_rows(f"工作簿「{title}」" if title else "工作簿")
            cells = list(r)
            for v in cells:
                if type(v) is str:
                    if len(v) > MAX_CELL_CHARS:
                        raise _cell_too_long(f"工作表「{title}」第 {i} 行", f"row {i} of sheet '{title}'")
                    if sheet is not None and not sheet.suspect and _CELL_CONTROL.search(v):
                        sheet.suspect = True
            if not _blank(cells):
                yield i, cells

    sheet: Sheet | None = None
    head = list(islice(numbered(1), HEADER_SEARCH_ROWS))
    budget[0] += head[-1][0] if head else 0  # the header search is read again below; count it once
    found = _header(title, head)
    if found is None:
        return None
    header_row, headers = found
    sheet = Sheet(title, headers, header_row, source=lambda: numbered(header_row + 1))
    sheet.suspect = _CELL_CONTROL.search(title) is not None
    return sheet


@contextmanager
def open_sheets(filename: str, data: bytes) -> Iterator[list[Sheet]]:
    """The file's sheets, their rows read from ``data`` as the importer asks for them (an XLSX
    workbook stays open until the block ends)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _bad_file(
            "不支持旧版 .xls 格式，请另存为 .xlsx 或 CSV", "the old .xls format is not supported: save as .xlsx or CSV"
        )
    if not data.startswith(b"PK\x03\x04"):
        # anything else is taken for text: binary junk fails decoding or the NUL check, naming the line
        yield read_csv(filename, data)
        return
    from openpyxl import load_workbook

    check_workbook_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _bad_file("无法读取 XLSX 工作簿", "cannot read the XLSX workbook") from exc
    try:
        budget = [MAX_ROWS]  # rows left for the whole file
        sheets = [sh for ws in wb.worksheets if (sh := _xlsx_sheet(ws, budget)) is not None]
        yield sheets
    finally:
        wb.close()


def read_file(filename: str, data: bytes) -> list[Sheet]:
    """Every sheet with all its rows in memory: for small files and tests."""
    with open_sheets(filename, data) as sheets:
        for sheet in sheets:
            _ = sheet.rows
        return sheets
