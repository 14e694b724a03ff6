"""Reading what clerks upload: CSV in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030, comma or tab
separated, or an XLSX workbook with one sheet per kind. Produces plain rows; nothing is parsed yet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow.errors import DomainError, invalid
from workflow.ledger.imports.schema import Kind, detect_kind, norm_header

HEADER_SEARCH_ROWS = 10  # exports often start with a title line or two above the header


@dataclass
class Sheet:
    name: str  # the sheet name, or the file name for CSV
    headers: list[str]
    header_row: int  # 1-based row number of the header, as the spreadsheet shows it
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (row number, cells)
    kind: Kind | None = None


def _bad_file(zh: str, en: str) -> DomainError:
    return invalid("file", "unreadable_file", zh, en)


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312, what Chinese Excel writes
    except UnicodeDecodeError as exc:
        raise _bad_file(
            "无法识别文件编码（支持 UTF-8 与 GBK/GB18030）",
            "cannot tell the file encoding (UTF-8 and GBK/GB18030 are supported)",
        ) from exc


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


def read_csv(name: str, data: bytes) -> list[Sheet]:
    content = decode_csv(data)
    first = content.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        numbered: list[tuple[int, list[Any]]] = list(enumerate(reader, start=1))  # the reader's rows are lists
    except csv.Error as exc:
        raise _bad_file(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from exc
    sheet = _split(name, numbered, text_only=True)
    return [sheet] if sheet else []


def read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _bad_file("无法读取 XLSX 工作簿", "cannot read the XLSX workbook") from exc
    sheets = []
    try:
        for ws in wb.worksheets:
            numbered = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
            sheet = _split(ws.title, numbered)
            if sheet is not None:
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
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _bad_file("不是 CSV 或 XLSX 文件", "not a CSV or XLSX file")
    return read_csv(filename, data)
