"""One received message, decoded the way Chinese mail needs: bytes in, text and facts out.

The standard library gets Chinese mail wrong silently: with ``policy.default`` a ``gb2312``-labelled
subject or body holding a GBK-only character (镕, 堃, 喆) comes out with U+FFFD, ``make_header``
raises on it, and Exchange's ``<[...]>`` Message-IDs raise IndexError on access (cpython #105802).
So the message is parsed with ``compat32`` (which never interprets a header on access) and every
header and body is decoded here: each RFC 2047 chunk and each payload with its mapped codec (the
whole GB family as GB18030, Big5 as Big5-HKSCS), raw 8-bit headers recovered from their bytes as
UTF-8 else GB18030. Nothing is decoded with ``errors="ignore"``; a malformed header or part never
loses the message.

Pure: bytes in, a ``Decoded`` out; no I/O. Attachments are measured and hashed (they become
evidence); their names are made safe to store.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what common providers accept for one message
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # per attachment kept as evidence; larger ones are only described
MAX_PARTS = 200  # a message with more MIME parts is hostile or broken; the rest are not looked at
MAX_TEXT_CHARS = 200_000  # of body text; quote stripping and matching work on at most this much

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991

GB_LABELS = frozenset({
    "gb2312", "gbk", "cp936", "ms936", "windows-936", "x-gbk", "euc-cn", "x-euc-cn", "gb_2312-80", "csgb2312",
    "gb18030", "gb-2312", "chinese", "csgbk", "x-cp936",
})
BIG5_LABELS = frozenset({"big5", "big5-hkscs", "big5hkscs", "cn-big5", "x-x-big5", "csbig5", "cp950", "x-big5"})

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = {0xA0: " ", 0x3000: " ", 0x2007: " ", 0x202F: " "}


class MessageTooLarge(ValueError):
    def __init__(self, size: int, limit: int = MAX_MESSAGE_BYTES) -> None:
        super().__init__(f"message of {size} bytes exceeds {limit}")
        self.size = size
        self.limit = limit


def codec_for(label: str | None) -> str | None:
    """The Python codec to decode text labelled ``label`` with (None when unknown or absent)."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    if name in GB_LABELS:
        return "gb18030"
    if name in BIG5_LABELS:
        return "big5hkscs"
    if name in ("unknown-8bit", "x-unknown", "8bit", "unknown"):
        return None
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    return {"gbk": "gb18030", "gb2312": "gb18030", "big5": "big5hkscs"}.get(found, found)


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text of ``data``: the labelled codec if it decodes cleanly, else UTF-8, else GB18030 (senders
    mislabel), else the labelled codec (or UTF-8) with U+FFFD for what cannot be read."""
    declared = codec_for(label)
    for name in dict.fromkeys(c for c in (declared, "utf-8", "gb18030") if c):
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace")


_SURROGATE = re.compile("[\udc80-\udcff]")


def _unescape_raw(value: str) -> str:
    """A header value as parsed from bytes: 8-bit bytes arrive as surrogates; recover and decode them."""
    if value.isascii() or _SURROGATE.search(value) is None:
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"))


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded-words decoded chunk by chunk with mapped codecs."""
    value = _unescape_raw(value)
    if "=?" not in value:
        return _unfold(value)
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded-word: the raw text is still better than nothing
        return _unfold(value)
    out: list[str] = []
    for chunk, label in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, label) if label else decode_bytes(chunk))
    return _unfold("".join(out))


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False, default=b"")  # empty when over MAX_ATTACHMENT_BYTES
    too_large: bool = False

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "content_type": self.content_type, "size": self.size, "sha256": self.sha256,
                "too_large": self.too_large}


@dataclass
class Decoded:
    message: Message
    raw_headers: list[tuple[str, str]]  # (lower-case name, value as parsed), in order; decoded on access
    subject: str
    from_name: str
    from_address: str
    date: datetime | None
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    to: list[str]
    text: str  # the body as text (HTML-only mail converted), cleaned for matching
    from_html: bool
    attachments: list[Attachment]
    defects: list[str]

    def header(self, name: str) -> str | None:
        key = name.lower()
        return next((_decoded(v) for n, v in self.raw_headers if n == key), None)

    def all(self, name: str) -> list[str]:
        key = name.lower()
        return [_decoded(v) for n, v in self.raw_headers if n == key]


# ---------------------------------------------------------------- text cleaning


def clean_text(text: str) -> str:
    """What matching works on: entities resolved (QQ's text part has literal ``&nbsp;``), no-break
    and ideographic spaces as spaces, zero-width characters gone, line ends as ``\\n``."""
    if "&" in text:
        text = html.unescape(text)
    text = text.translate(ZERO_WIDTH).translate(_SPACES)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def for_matching(text: str) -> str:
    """``clean_text`` plus full-width colons and parentheses as ASCII, for rules only (never shown)."""
    return text.replace("：", ":").replace("（", "(").replace("）", ")")


# ---------------------------------------------------------------- HTML to text


# containers that hold the quoted letter in the clients' HTML: a separator line is written before
# them so the quote stripper sees the same thing as in their text parts
_QUOTE_CONTAINER = re.compile(
    r"divRplyFwdMsg|gmail_quote|yahoo_quoted|moz-cite-prefix|protonmail_quote|"
    r"border-top:\s*solid\s*#?E1E1E1|border-top:\s*solid\s*#?B5C4DF|Arial Narrow|ntes-mailmaster-quote|"
    r"replyContent|origbody",
    re.IGNORECASE,
)
QUOTE_MARK_LINE = "________________________________"
_BLOCK = frozenset({"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "pre", "hr",
                    "blockquote", "ul", "ol", "dl", "dt", "dd", "article", "header", "footer"})
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote_depth = 0
        self.chars = 0

    def _break(self) -> None:
        line = "".join(self.current).strip()
        self.current = []
        prefix = "> " * self.quote_depth
        if line or (self.lines and self.lines[-1] != ""):
            self.lines.append(prefix + line if line else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "br":
            self._break()
            return
        if tag in _BLOCK:
            self._break()
        if tag == "td":
            self.current.append(" ")
        marker = " ".join(v or "" for k, v in attrs if k in ("id", "class", "style", "name"))
        if marker and _QUOTE_CONTAINER.search(marker):
            self._break()
            self.lines.append(QUOTE_MARK_LINE)
        if tag == "blockquote":
            self.quote_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _BLOCK:
            self._break()
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip or self.chars > MAX_TEXT_CHARS:
            return
        self.chars += len(data)
        self.current.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _TextParser()
    try:
        parser.feed(markup[: MAX_TEXT_CHARS * 4])
        parser.close()
    except Exception:  # html.parser is lenient; anything it still trips on leaves what it had read
        pass
    parser._break()
    return "\n".join(parser.lines).strip()


# ---------------------------------------------------------------- attachment names

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')


def safe_name(raw: str | None, index: int, content_type: str) -> str:
    """A file name that is safe to store and show: no path, no controls or bidi overrides, no
    leading dots, at most 120 characters with the extension kept."""
    name = unicodedata.normalize("NFC", (raw or "").translate(ZERO_WIDTH))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().lstrip(".").strip()
    if not name:
        ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "text/plain": ".txt",
               "message/rfc822": ".eml"}.get(content_type, ".bin")
        return f"attachment-{index}{ext}"
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:120]
    return name


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            raw = part.get_param("name")
        except Exception:
            raw = None
        if isinstance(raw, tuple):  # an RFC 2231 triple
            charset, _, text = raw
            name = decode_bytes(text.encode("latin-1", "replace"), charset or None)
        elif isinstance(raw, str):
            name = raw
    if name is None:
        return None
    name = _unescape_raw(name)
    if "=?" in name:  # Foxmail and Outlook put RFC 2047 words inside the quotes
        name = decode_words(name)
    return name


# ---------------------------------------------------------------- the message


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _charset(part: Message) -> str | None:
    try:
        cs = part.get_param("charset")
    except Exception:
        return None
    if isinstance(cs, tuple):
        cs = cs[2]
    return str(cs) if cs else None


def part_text(part: Message) -> str:
    """A text part's payload decoded with its (mapped) charset; never raises."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(data[: MAX_TEXT_CHARS * 4], _charset(part))


def _disposition(part: Message) -> str:
    try:
        value = part.get("Content-Disposition")
    except Exception:
        return ""
    return str(value or "").split(";", 1)[0].strip().lower()


def leaf_parts(msg: Message) -> list[Message]:
    """The message's own leaf parts in order, not descending into attached messages or the parts of
    a delivery report after its first (those are the report and the returned letter)."""
    out: list[Message] = []

    def visit(part: Message, depth: int) -> None:
        if len(out) >= MAX_PARTS or depth > 20:
            return
        ctype = _content_type(part)
        if part.is_multipart() and not ctype.startswith("message/"):
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            if ctype == "multipart/report":
                children = children[:1]
            for child in children:
                if isinstance(child, Message):
                    visit(child, depth + 1)
            return
        out.append(part)

    visit(msg, 0)
    return out


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    return re.findall(r"<[^<>\s]+>", value)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or none: the sender's clock is most likely Chinese
        when = when.replace(tzinfo=SHANGHAI)
    return when


def _headers(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(name).lower(), str(value)) for name, value in msg.raw_items()]
    except Exception:
        return []


def _decoded(value: str) -> str:
    try:
        return decode_words(value)
    except Exception:  # a header we cannot read must never lose the message
        return ""


def _raw_header(msg: Message, name: str) -> str | None:
    try:
        for key, value in msg.raw_items():
            if key.lower() == name:
                return _unescape_raw(str(value))
    except Exception:
        return None
    return None


def parse(raw: bytes, *, limit: int = MAX_MESSAGE_BYTES) -> Decoded:
    """Decode one message. Raises MessageTooLarge over ``limit``; anything else malformed is tolerated."""
    if len(raw) > limit:
        raise MessageTooLarge(len(raw), limit)
    msg = message_from_bytes(raw, policy=compat32)
    headers = _headers(msg)

    def first(name: str) -> str | None:
        return next((_decoded(v) for n, v in headers if n == name), None)

    raw_from = _raw_header(msg, "from") or ""
    name_raw, address = parseaddr(raw_from)
    from_name = decode_words(name_raw).strip().strip('"') if name_raw else ""
    try:
        to = [a.lower() for _, a in getaddresses([_raw_header(msg, "to") or "", _raw_header(msg, "cc") or ""]) if a]
    except Exception:
        to = []

    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    for part in leaf_parts(msg):
        ctype = _content_type(part)
        disposition = _disposition(part)
        name = _filename(part)
        is_body_text = ctype in ("text/plain", "text/html") and disposition != "attachment" and not name
        if is_body_text:
            (plain if ctype == "text/plain" else markup).append(part_text(part))
            continue
        if ctype.startswith("multipart/"):
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes):
            inner = part.get_payload()
            data = inner.as_bytes() if isinstance(inner, Message) else (
                inner[0].as_bytes() if isinstance(inner, list) and inner and isinstance(inner[0], Message)
                else b"")
        too_large = len(data) > MAX_ATTACHMENT_BYTES
        attachments.append(Attachment(
            name=safe_name(name, len(attachments) + 1, ctype), content_type=ctype, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=b"" if too_large else data, too_large=too_large,
        ))

    from_html = not any(p.strip() for p in plain) and bool(markup)
    body = "\n".join(plain) if not from_html else "\n".join(html_to_text(m) for m in markup)
    return Decoded(
        message=msg, raw_headers=headers, subject=first("subject") or "", from_name=from_name,
        from_address=address.strip().lower(), date=_date(first("date")),
        message_id=next(iter(_ids(first("message-id"))), None),
        in_reply_to=_ids(first("in-reply-to")), references=_ids(first("references")), to=to,
        text=clean_text(body[:MAX_TEXT_CHARS]), from_html=from_html, attachments=attachments,
        defects=[type(d).__name__ for d in getattr(msg, "defects", [])],
    )
