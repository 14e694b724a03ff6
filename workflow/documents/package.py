"""Reading an untrusted DOCX zip within limits, and writing a DOCX deterministically.

Reading: member count, total and per-member uncompressed size and compression ratio are checked
against the central directory *and* enforced while inflating (a zip may lie in its headers). Every
XML part is parsed with defusedxml (a DTD or entity declaration is refused, never expanded) and
refused when its elements nest deeper than ``MAX_XML_DEPTH``: the readers after this one (lxml,
docxtpl, our own walks over the tree) may recurse per level, so depth is bounded before any of
them sees the part, counting as the parser goes instead of walking a built tree.

Writing: members in a fixed order with a fixed timestamp (1980-01-01, the zip epoch), so the
same parts give byte-identical files. Unchanged members are deflated once per template version
and their compressed bytes reused for every document made from it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from workflow.errors import FieldProblem, ValidationFailed

MAX_MEMBERS = 1000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024  # embedded CJK fonts are large; bombs are far larger
MAX_RATIO = 200  # XML compresses ~10-30x; 1 GB of zeros compresses ~1000x
RATIO_FLOOR = 1024 * 1024  # small members may have any ratio: they cannot hurt
_DOS_EPOCH = ((1980 - 1980) << 9 | 1 << 5 | 1, 0)  # (date, time) fields: 1980-01-01 00:00
# Word's own deepest parts (a table in a text box in a nested table cell) stay well under 60 levels;
# a hostile part nests thousands of content controls to crash whatever walks it recursively
MAX_XML_DEPTH = 100
XML_SUFFIXES = (".xml", ".rels")


def _reject(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


def _open(data: bytes, field: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject(field, "not_docx", "文件不是有效的 DOCX（ZIP）文件",
                      "the file is not a valid DOCX (ZIP) file") from None
    if len(zf.infolist()) > MAX_MEMBERS:
        zf.close()
        raise _reject(field, "zip_too_many_members", f"压缩包成员过多（上限 {MAX_MEMBERS}）",
                      f"too many zip members (limit {MAX_MEMBERS})")
    return zf


def check_zip_member(info: zipfile.ZipInfo, budget: int, *, field: str, label: str, unreadable: str) -> None:
    """One member of an Office file (DOCX, XLSX), by its central-directory entry: not encrypted,
    stored or deflated, and within ``budget`` and the ratio cap. ``unreadable`` is the caller's code
    for a file it cannot vouch for."""
    if info.flag_bits & 0x1:
        raise _reject(field, "zip_encrypted", f"{label} 文件已加密，请先取消密码",
                      f"the {label} file is encrypted: remove the password")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # Word and Excel write only these two; zipfile would fail on others mid-read
        raise _reject(field, unreadable, f"{label} 成员使用了不支持的压缩方式：{info.filename}",
                      f"{label} member uses an unsupported compression method: {info.filename}")
    if info.file_size > budget or bomb_ratio(info.file_size, info.compress_size):
        raise _zip_bomb(field)


def bomb_ratio(inflated: int, compressed: int) -> bool:
    return inflated > RATIO_FLOOR and inflated > MAX_RATIO * max(compressed, 1)


def _check_member(info: zipfile.ZipInfo, field: str, budget: int) -> None:
    check_zip_member(info, budget, field=field, label="DOCX", unreadable="not_docx")


def read_members(data: bytes, field: str = "file") -> dict[str, bytes]:
    """All members of a DOCX, in their stored order, or a 422 naming what is wrong; every XML part
    has passed ``check_xml_part``."""
    with _open(data, field) as zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > MAX_TOTAL_UNCOMPRESSED:
            raise _zip_bomb(field)
        members: dict[str, bytes] = {}
        total = 0
        for info in infos:
            name = info.filename
            if name in members or name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise _reject(field, "zip_bad_name", f"压缩包成员名称无效：{name}", f"invalid zip member name: {name}")
            _check_member(info, field, MAX_TOTAL_UNCOMPRESSED - total)
            body = _read_limited(zf, info, MAX_TOTAL_UNCOMPRESSED - total, field)
            total += len(body)
            members[name] = body
    for name, body in members.items():
        if name.lower().endswith(XML_SUFFIXES):
            check_xml_part(name, body, field)
    if "[Content_Types].xml" not in members:
        raise _reject(field, "not_docx", "缺少 [Content_Types].xml，不是 Word 文档",
                      "missing [Content_Types].xml: not a Word document")
    return members


def read_member(data: bytes, name: str, max_bytes: int, field: str = "file") -> bytes | None:
    """One member of a DOCX under the same limits as ``read_members`` (and at most ``max_bytes``),
    without inflating the others; None when the archive has no such member. The bytes are not
    parsed: for an XML part use ``read_xml_member``."""
    with _open(data, field) as zf:
        info = next((i for i in zf.infolist() if i.filename == name), None)
        if info is None:
            return None
        _check_member(info, field, max_bytes)
        return _read_limited(zf, info, max_bytes, field)


def read_xml_member(data: bytes, name: str, max_bytes: int, field: str = "file") -> Element | None:
    """One XML part of a DOCX, parsed by ``parse_xml_part`` under the zip limits of ``read_member``."""
    body = read_member(data, name, max_bytes, field)
    return None if body is None else parse_xml_part(name, body, field)


class _DepthCounter:
    """A parser target that keeps no tree: it only counts open elements, refusing the one too many."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _TooDeep

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class _DepthLimitedBuilder(TreeBuilder):
    """ElementTree's builder, refusing the element one level too deep before it is built."""

    def __init__(self, max_depth: int) -> None:
        super().__init__()
        self.max_depth = max_depth
        self.depth = 0

    def start(self, tag: Any, attrs: dict[Any, Any]) -> Element:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _TooDeep
        return super().start(tag, attrs)

    def end(self, tag: Any) -> Element:
        self.depth -= 1
        return super().end(tag)


class _TooDeep(Exception):
    pass


def _parse(name: str, data: bytes, field: str, target: Any, max_depth: int) -> Any:
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        return parser.close()
    except _TooDeep:
        raise _reject(field, "xml_too_deep", f"{name} 的 XML 元素嵌套超过 {max_depth} 层，已拒绝",
                      f"{name} nests XML elements more than {max_depth} levels deep; refused") from None
    except DefusedXmlException:
        raise _reject(field, "xml_entities", f"{name} 含有 DTD 或实体声明（可能是实体膨胀攻击），已拒绝",
                      f"{name} contains a DTD or entity declarations (possible entity expansion); refused",
                      ) from None
    except ParseError as exc:
        raise _reject(field, "xml_invalid", f"{name} 不是格式正确的 XML：{exc}",
                      f"{name} is not well-formed XML: {exc}") from None


def check_xml_part(name: str, data: bytes, field: str = "file", max_depth: int = MAX_XML_DEPTH) -> None:
    """Refuse, with a 422 naming ``field`` and the part, XML with a DTD or entity declarations,
    malformed XML, or elements nested deeper than ``max_depth``; builds no tree. Call it before
    handing an untrusted part to any other parser or recursive walk."""
    _parse(name, data, field, _DepthCounter(max_depth), max_depth)


def parse_xml_part(name: str, data: bytes, field: str = "file", max_depth: int = MAX_XML_DEPTH) -> Element:
    """The element tree of an untrusted XML part, under the same refusals as ``check_xml_part``."""
    root: Element = _parse(name, data, field, _DepthLimitedBuilder(max_depth), max_depth)
    return root


def _zip_bomb(field: str) -> ValidationFailed:
    return zip_bomb(field)


def zip_bomb(field: str) -> ValidationFailed:
    return _reject(field, "zip_bomb", "解压后体积过大或压缩比异常（疑似 ZIP 炸弹）",
                   "uncompressed size or compression ratio too large (looks like a zip bomb)")


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, field: str) -> bytes:
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(65536):
                out += chunk
                if len(out) > budget or bomb_ratio(len(out), info.compress_size):
                    raise _zip_bomb(field)
    # method and encryption were checked before (_check_member); what is left is damage
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise _reject(field, "not_docx", f"压缩包成员损坏：{info.filename}",
                      f"corrupt zip member: {info.filename}") from None
    return bytes(out)


@dataclass(frozen=True)
class Packed:
    """A member ready to be written: its name and raw deflate data, CRC and sizes."""

    name: bytes
    crc: int
    size: int
    compressed: bytes


def pack(name: str, data: bytes, level: int = 6) -> Packed:
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    raw = comp.compress(data) + comp.flush()
    return Packed(name.encode("utf-8"), zlib.crc32(data), len(data), raw)


def write_zip(members: Iterable[Packed]) -> bytes:
    """A deterministic zip: fixed timestamps, no extra fields, the order given."""
    out = io.BytesIO()
    central = io.BytesIO()
    count = 0
    date_, time_ = _DOS_EPOCH[0], _DOS_EPOCH[1]
    for m in members:
        offset = out.tell()
        flags = 0x800  # names are UTF-8
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, time_, date_, m.crc,
                              len(m.compressed), m.size, len(m.name), 0))
        out.write(m.name)
        out.write(m.compressed)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, time_, date_, m.crc,
                                  len(m.compressed), m.size, len(m.name), 0, 0, 0, 0, 0, offset))
        central.write(m.name)
        count += 1
    cd_offset = out.tell()
    cd = central.getvalue()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), cd_offset, 0))
    return out.getvalue()
