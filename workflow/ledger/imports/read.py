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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from workflow.errors import DomainError, FieldProblem, ValidationFailed, invalid
from workflow.ledger.imports.schema import Kind, detect_kind, norm_header

HEADER_SEARCH_ROWS = 10  # exports often start with a title line or two above the header
MAX_ROWS = 1_048_576  # Excel's sheet limit: rows of a file, titles and blank rows included
MAX_CELL_CHARS = 32_767  # Excel's cell limit
MAX_MEMBERS = 1000
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024  # a 1,000,000-row sheet is ~250 MB of XML
MAX_SHARED_STRINGS = 128 * 1024 * 1024  # openpyxl holds the whole string table in memory
MAX_RATIO = 200  # sheet XML compresses ~10-30x; a zip bomb ~1000x
RATIO_FLOOR = 1024 * 1024  # a small member may have any ratio: it cannot hurt
# longest stretch of XML bytes without a '<': a cell's text is at most MAX_CELL_CHARS characters of at
# most 4 UTF-8 bytes (escaped, 6 for '&quot;'); anything longer cannot be a valid cell and is refused
# before a parser would build it in memory
MAX_XML_RUN = 6 * MAX_CELL_CHARS

# what may not be in a cell: C0/C1 controls, DEL, lone surrogates, Unicode line separators. Tab, CR
# and LF are the CSV's own structure; inside a cell they are found through ``Sheet.suspect``
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_CELL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


@dataclass
class Sheet:
    name: str  # the sheet name, or the file name for CSV
    headers: list[str]
    header_row: int  # 1-based row number of the header, as the spreadsheet shows it
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (row number, cells)
    kind: Kind | None = None
    # some cell may hold a control character or a line break: the importer then checks every cell
    # (a clean file, the rule, costs one scan of its text instead)
    suspect: bool = False


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


def decode_csv(data: bytes) -> str:
    """The file's text, or a 422 naming the first line that does not fit.

    A BOM decides (UTF-8 or UTF-16) and every line must then be valid in it. Without one: strict
    UTF-8 if the whole file is UTF-8. Otherwise GB18030 (a superset of GBK and GB2312, what Excel
    writes on a Chinese Windows) — but only if the lines before the first non-UTF-8 one are plain
    ASCII, the whole file decodes, and no other line is valid UTF-8 with Chinese in it: a UTF-8 file
    with one GBK row (or the reverse) is refused, naming the line, instead of being stored as mojibake.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(
                _line_at(body, exc.start), "文件以 UTF-8 BOM 开头", "the file starts with a UTF-8 BOM"
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            prefix = data[: exc.start - exc.start % 2].decode("utf-16", errors="replace")
            line = prefix.count("\n") + 1
            raise _line_problem(
                "invalid_encoding",
                line,
                f"第 {line} 行不是有效的 UTF-16 编码（文件以 UTF-16 BOM 开头）",
                f"line {line} is not valid UTF-16 (the file starts with a UTF-16 BOM)",
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    bad_line = _line_at(data, first_bad)
    start = data.rfind(b"\n", 0, first_bad) + 1
    if not data[:start].isascii():  # earlier lines are UTF-8 with Chinese in them: this one is the odd one
        raise _line_problem(
            "mixed_encoding",
            bad_line,
            f"第 {bad_line} 行不是 UTF-8 编码，而前面的行是 UTF-8：同一文件混用了编码，请整个另存为 UTF-8",
            f"line {bad_line} is not UTF-8 while the lines before it are: the file mixes encodings; "
            "save all of it as UTF-8",
        )
    try:
        content = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start)
        raise _line_problem(
            "invalid_encoding",
            line,
            f"第 {line} 行既不是 UTF-8 也不是 GBK/GB18030 编码，请将文件另存为 UTF-8",
            f"line {line} is neither UTF-8 nor GBK/GB18030; save the file as UTF-8",
        ) from None
    for number, raw in enumerate(data[start:].split(b"\n"), start=bad_line):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # GBK, as expected
        raise _line_problem(
            "mixed_encoding",
            number,
            f"第 {number} 行是 UTF-8 编码，而第 {bad_line} 行是 GBK：同一文件混用了编码，请整个另存为 UTF-8",
            f"line {number} is UTF-8 while line {bad_line} is GBK: the file mixes encodings; save all of it as UTF-8",
        )
    return content


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


def _split(name: str, numbered: Iterable[tuple[int, list[Any]]], *, text_only: bool = False) -> Sheet | None:
    """Find the header row (the first of the top rows naming a known layout), keep the rest."""
    if text_only:  # CSV cells are all text: a row is blank when its joined text is, checked in C
        rows = [(n, cells) for n, cells in numbered if "".join(cells).strip()]
    else:
        rows = [(n, cells) for n, cells in numbered if not _blank(cells)]
    if not rows:
        return None
    header_at = 0
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if detect_kind([norm_header(c) for c in cells], name, by_name_alone=False) is not None:
            header_at = i
            break
    number, header_cells = rows[header_at]
    headers = ["" if c is None else str(c) for c in header_cells]
    return Sheet(name=name, headers=headers, header_row=number, rows=rows[header_at + 1 :])


def _lines(content: str) -> Iterator[str]:
    """The text's lines, each with its line break, for the csv reader: io.StringIO would first copy
    the whole text at four bytes a character (230 MB for a 1,000,000-row file)."""
    find, pos, end = content.find, 0, len(content)
    while pos < end:
        nl = find("\n", pos)
        stop = end if nl < 0 else nl + 1
        yield content[pos:stop]
        pos = stop


def read_csv(name: str, data: bytes) -> list[Sheet]:
    content = decode_csv(data)
    nul = content.find("\x00")
    if nul >= 0:
        line = content.count("\n", 0, nul) + 1
        raise _line_problem(
            "control_character",
            line,
            f"第 {line} 行含有 NUL 字符（不是文本文件？）",
            f"line {line} contains a NUL character (not a text file?)",
        )
    first = content.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(_lines(content), delimiter=delimiter)
    try:
        numbered: list[tuple[int, list[Any]]] = list(enumerate(islice(reader, MAX_ROWS + 1), start=1))
    except csv.Error as exc:
        raise _bad_file(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from exc
    if len(numbered) > MAX_ROWS:
        raise _too_many_rows("文件" if name.isascii() else f"「{name}」")
    # a record spanning lines has a line break in a cell; a tab in a comma-separated file, a quote in
    # a tab-separated one or any other control character may put one there too
    suspect = (
        reader.line_num != len(numbered)
        or _CONTROL.search(content) is not None
        or "\r" in content.replace("\r\n", "\n")
        or ("\t" in content if delimiter == "," else '"' in content)
    )
    del content
    sheet = _split(name, numbered, text_only=True)
    if sheet is None:
        return []
    sheet.suspect = suspect
    return [sheet]


# ---------------------------------------------------------------- XLSX


def _zip_problem(code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", code, zh, en)])


def _zip_bomb() -> ValidationFailed:
    return _zip_problem(
        "zip_bomb",
        "XLSX 解压后体积过大或压缩比异常（疑似 ZIP 炸弹）",
        "the XLSX's uncompressed size or compression ratio is too large (looks like a zip bomb)",
    )


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
                if size > budget or (size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1)):
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
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
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
            if info.flag_bits & 0x1:
                raise _zip_problem(
                    "zip_encrypted", "XLSX 文件已加密，请先取消密码", "the XLSX is encrypted: remove the password"
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _bad_file(
                    f"XLSX 成员使用了不支持的压缩方式：{info.filename}",
                    f"XLSX member uses an unsupported compression method: {info.filename}",
                )
            budget = MAX_XLSX_UNCOMPRESSED - total
            if info.filename.endswith("sharedStrings.xml"):
                budget = min(budget, MAX_SHARED_STRINGS)
            ratio = info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            if info.file_size > budget or ratio:
                raise _zip_bomb()
            total += _scan_member(zf, info, budget)


def _xlsx_rows(ws: Any, title: str, budget: list[int]) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows, numbered as Excel shows them; counts against the file's row budget and
    flags the sheet as suspect when a text cell holds a control character."""
    for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
        budget[0] -= 1
        if budget[0] < 0:
            raise _too_many_rows(f"工作簿「{title}」" if title else "工作簿")
        cells = list(r)
        for v in cells:
            if type(v) is str:
                if len(v) > MAX_CELL_CHARS:
                    raise _cell_too_long(f"工作表「{title}」第 {i} 行", f"row {i} of sheet '{title}'")
                if _CELL_CONTROL.search(v):
                    budget[1] = 1
        yield i, cells


def read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    check_workbook_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _bad_file("无法读取 XLSX 工作簿", "cannot read the XLSX workbook") from exc
    sheets = []
    budget = [MAX_ROWS, 0]  # rows left for the file; 1 once a control character was seen
    try:
        for ws in wb.worksheets:
            budget[1] = 0
            sheet = _split(ws.title, _xlsx_rows(ws, ws.title, budget))
            if sheet is not None:
                sheet.suspect = bool(budget[1]) or _CELL_CONTROL.search(ws.title) is not None
                sheets.append(sheet)
    finally:
        wb.close()
    return sheets


def read_file(filename: str, data: bytes) -> list[Sheet]:
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _bad_file(
            "不支持旧版 .xls 格式，请另存为 .xlsx 或 CSV", "the old .xls format is not supported: save as .xlsx or CSV"
        )
    # anything else is taken for text: binary junk fails decoding or the NUL check, naming the line
    return read_csv(filename, data)
