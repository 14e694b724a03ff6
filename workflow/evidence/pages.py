"""The pages the bundle draws itself: cover, 证据目录, email page and raw-headers appendix, text,
problem pages and the page-number stamps.

Drawn with reportlab in a TrueType CJK font that is embedded (subset) in every page that uses it: a
court's reader must show the Chinese without the fonts of the machine that built the bundle.
reportlab cannot embed CFF-outline OpenType (the Noto CJK fonts), so WenQuanYi Zen Hei (TrueType
outlines) is used. Every document is made with ``invariant=1`` so that the same input draws the same
bytes (no dates, fixed identifiers).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from workflow.errors import Unavailable
from workflow.evidence.linebreak import break_lines
from workflow.evidence.spec import BundleSpec
from workflow.law.words import rmb_upper

FONT = "DunningZenHei"
FONT_FAMILY = "WenQuanYi Zen Hei"
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
)
PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
BOTTOM = 22 * mm  # leaves the stamp's strip at the foot of the page free
STAMP_W, STAMP_H = 150.0, 20.0


@dataclass(frozen=True)
class FontInfo:
    family: str
    file: str  # the file's name only: the manifest must not depend on where fonts live


def find_font() -> Path:
    for known in KNOWN_FONT_PATHS:
        if Path(known).is_file():
            return Path(known)
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Zen Hei"], capture_output=True,
                             text=True, check=False, timeout=10).stdout.strip()
        if out.endswith("wqy-zenhei.ttc") and Path(out).is_file():
            return Path(out)
    raise Unavailable("证据材料 PDF 不可用：本机未安装中文字体 WenQuanYi Zen Hei（Debian 软件包 fonts-wqy-zenhei）",
                      "The evidence bundle PDF is unavailable: the CJK font WenQuanYi Zen Hei is not installed "
                      "(Debian package fonts-wqy-zenhei)")


@cache
def font() -> FontInfo:
    """Register the CJK font once per process: parsing a face of the 17 MB collection takes ~0.3 s and
    ~35 MB, so the raw headers use the same face rather than the collection's monospaced one."""
    path = find_font()
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FontInfo(FONT_FAMILY, path.name)


def _style(size: float = 10.5, *, leading: float | None = None, align: int = 0) -> ParagraphStyle:
    font()
    return ParagraphStyle(f"s{size}{align}", fontName=FONT, fontSize=size, leading=leading or size * 1.45,
                          wordWrap="CJK", alignment=align)


class CjkParagraph(Paragraph):  # type: ignore[misc]  # reportlab ships no types
    """Plain text whose lines are broken by the Chinese rules (``linebreak.py``) for the width it
    is laid out at, then drawn by reportlab with those breaks."""

    def __init__(self, text: str | None, style: ParagraphStyle | None = None, *args: Any, **kwargs: Any) -> None:
        # reportlab builds the halves of a split paragraph from frags (text None): they keep their breaks
        self._plain = text if text is not None and kwargs.get("frags") is None else None
        self._broken_for: float | None = None
        super().__init__(None if text is None else escape(text).replace("\n", "<br/>"), style, *args, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._plain is not None and availWidth != self._broken_for:
            st = self.style
            name, size = st.fontName, st.fontSize
            room = availWidth - st.leftIndent - st.rightIndent - 0.5  # float slack: reportlab must not re-break
            lines = break_lines(self._plain, room, lambda ch: pdfmetrics.stringWidth(ch, name, size))
            plain, broken_for = self._plain, availWidth
            Paragraph.__init__(self, "<br/>".join(escape(line) for line in lines), st)
            self._plain, self._broken_for = plain, broken_for
        return super().wrap(availWidth, availHeight)  # type: ignore[no-any-return]


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph: escaped, line ends kept, broken by the Chinese line rules."""
    return CjkParagraph(text, style)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def amount_lines(amount: str, currency: str) -> str:
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return amount
    figures = f"{value:,.2f}"
    if currency.upper() in ("CNY", "RMB"):
        return f"¥{figures}（人民币{rmb_upper(value)}）"
    return f"{currency} {figures}"


PARTY_LABELS = {"creditor": "申请人 / 债权人", "debtor": "被申请人 / 债务人"}


def _doc(path: Path, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                             bottomMargin=BOTTOM, invariant=1, title=title, author="", subject="",
                             creator="dunning-desk", producer="dunning-desk")


def _build(path: Path, title: str, story: list[Flowable]) -> int:
    doc = _doc(path, title)
    doc.build(story)
    return int(doc.page)


# ---------------------------------------------------------------- cover


def cover(path: Path, spec: BundleSpec) -> int:
    font()
    c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(spec.title)
    c.setCreator("dunning-desk")
    c.setProducer("dunning-desk")
    c.setFont(FONT, 26)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 70 * mm, "证 据 材 料")
    c.setFont(FONT, 14)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 82 * mm, spec.title)
    rows: list[tuple[str, str]] = [("案件编号", spec.case_ref)]
    for role, name in spec.parties.items():
        rows.append((PARTY_LABELS.get(role, role), name))
    rows.append(("请求金额", amount_lines(spec.claim_amount, spec.currency)))
    rows.extend(spec.meta.items())
    rows.append(("提交人", spec.submitter))
    rows.append(("提交日期", chinese_date(spec.submitted_on)))
    label_style = _style(12)
    value_style = _style(12)
    table = Table([[para(k, label_style), para(v, value_style)] for k, v in rows],
                  colWidths=[42 * mm, PAGE_W - 2 * MARGIN - 62 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                               ("LINEBELOW", (1, 0), (1, -1), 0.4, colors.grey)]))
    _, height = table.wrap(PAGE_W - 2 * MARGIN, PAGE_H)
    table.drawOn(c, MARGIN + 10 * mm, PAGE_H - 105 * mm - height)
    c.showPage()
    c.save()
    return 1


# ---------------------------------------------------------------- 证据目录


@dataclass(frozen=True)
class IndexRow:
    number: int
    group_title: str
    name: str
    source: str
    purpose: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> str:
        return str(self.first_page) if self.first_page == self.last_page else f"{self.first_page}–{self.last_page}"


@dataclass(frozen=True)
class LinkBox:
    page: int  # 0-based page of the index document
    rect: tuple[float, float, float, float]
    number: int  # the item's 序号


COLUMNS = (("序号", 13 * mm), ("证据名称", 40 * mm), ("来源", 30 * mm), ("证明目的", 65 * mm), ("页码", 22 * mm))


def index(path: Path, spec: BundleSpec, rows: Sequence[IndexRow]) -> tuple[int, list[LinkBox]]:
    """Draw the 证据目录 over as many pages as the rows need; the header row repeats on each page.

    Drawn row by row on a canvas (not a platypus table) so that each row's rectangle is known: it
    becomes the Link annotation to the item's first page."""
    font()
    c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle("证据目录")
    c.setCreator("dunning-desk")
    c.setProducer("dunning-desk")
    cell = _style(10)
    head = _style(10.5)
    group_style = _style(10.5)
    pad = 3.0
    width = sum(w for _, w in COLUMNS)
    links: list[LinkBox] = []
    page = 0
    y = 0.0

    def cells(values: Sequence[str], style: ParagraphStyle) -> tuple[list[Paragraph], float]:
        ps = [para(v, style) for v in values]
        height = max(p.wrap(w - 2 * pad, PAGE_H)[1] for p, (_, w) in zip(ps, COLUMNS, strict=True))
        return ps, height + 2 * pad

    def draw_row(ps: list[Paragraph], height: float, fill: Any = None) -> None:
        nonlocal y
        x = MARGIN
        if fill is not None:
            c.setFillColor(fill)
            c.rect(MARGIN, y - height, width, height, stroke=0, fill=1)
            c.setFillColor(colors.black)
        for p, (_, w) in zip(ps, COLUMNS, strict=True):
            p.drawOn(c, x + pad, y - height + pad + (height - 2 * pad - p.height))
            c.rect(x, y - height, w, height, stroke=1, fill=0)
            x += w
        y -= height

    def new_page(first: bool) -> None:
        nonlocal y, page
        if not first:
            c.showPage()
            page += 1
        y = PAGE_H - MARGIN
        c.setLineWidth(0.5)
        if first:
            c.setFont(FONT, 18)
            c.drawCentredString(PAGE_W / 2, y - 16, "证 据 目 录")
            y -= 30
            parties = " 诉 ".join(spec.parties[r] for r in ("creditor", "debtor") if r in spec.parties)
            for line in (f"案件编号：{spec.case_ref}", parties):
                if line:
                    p = para(line, _style(10.5, align=TA_CENTER))
                    _, h = p.wrap(width, PAGE_H)
                    p.drawOn(c, MARGIN, y - h)
                    y -= h + 2
            y -= 6
        else:
            c.setFont(FONT, 10.5)
            c.drawString(MARGIN, y - 11, "证据目录（续）")
            y -= 18
        ps, h = cells([name for name, _ in COLUMNS], head)
        draw_row(ps, h, colors.Color(0.9, 0.9, 0.9))

    new_page(True)
    group = None
    for row in rows:
        ps, h = cells([str(row.number), row.name, row.source, row.purpose, row.pages], cell)
        heading: Paragraph | None = None
        gh = 0.0
        if row.group_title != group:
            heading = para(row.group_title, group_style)
            gh = heading.wrap(width - 2 * pad, PAGE_H)[1] + 2 * pad
        if y - gh - h < BOTTOM:  # a group heading never stays alone at a page's foot
            new_page(False)
        if heading is not None:
            heading.drawOn(c, MARGIN + pad, y - gh + pad)
            c.rect(MARGIN, y - gh, width, gh, stroke=1, fill=0)
            y -= gh
            group = row.group_title
        links.append(LinkBox(page, (MARGIN, y - h, MARGIN + width, y), row.number))
        draw_row(ps, h)
    foot = para(f"提交人：{spec.submitter}　　　　提交日期：{chinese_date(spec.submitted_on)}", _style(10.5))
    _, fh = foot.wrap(width, PAGE_H)
    if y - 14 - fh < BOTTOM:
        new_page(False)
    foot.drawOn(c, MARGIN, y - 14 - fh)
    c.showPage()
    c.save()
    return page + 1, links


# ---------------------------------------------------------------- items drawn as pages


def _heading(number: int, name: str, kind: str) -> list[Flowable]:
    return [para(f"证据 {number}：{name}", _style(13)), para(kind, _style(9.5)), Spacer(0, 4 * mm)]


def _fields_table(rows: Sequence[tuple[str, str]]) -> Table:
    label, value = _style(9.5), _style(9.5)
    table = Table([[para(k, label), para(v, value)] for k, v in rows],
                  colWidths=[34 * mm, PAGE_W - 2 * MARGIN - 34 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.94, 0.94, 0.94))]))
    return table


def _lines(text: str, style: ParagraphStyle) -> list[Flowable]:
    """One paragraph per line, so a long body splits across pages at line boundaries."""
    out: list[Flowable] = []
    for line in text.split("\n"):
        out.append(para(line, style) if line.strip() else Spacer(0, style.leading * 0.6))
    return out


@dataclass(frozen=True)
class EmailFacts:
    from_: str
    to: str
    cc: str
    date_header: str
    date: datetime | None
    subject: str
    message_id: str
    body: str
    attachments: tuple[tuple[str, str, int, str], ...]  # name, content type, size, sha256
    raw_headers: str
    eml_sha256: str
    eml_size: int
    filename: str


def human_size(size: int) -> str:
    return f"{size:,} 字节 / bytes"


def email_pages(path: Path, number: int, name: str, mail: EmailFacts) -> int:
    when = mail.date.isoformat(sep=" ") if mail.date is not None else "（无法解析 / unparseable）"
    story: list[Flowable] = _heading(number, name, f"电子邮件 / Email — {mail.filename}")
    story.append(_fields_table([
        ("发件人 From", mail.from_), ("收件人 To", mail.to), ("抄送 Cc", mail.cc or "—"),
        ("日期 Date", f"{mail.date_header}\n{when}"), ("主题 Subject", mail.subject),
        ("Message-ID", mail.message_id or "—"),
        (".eml SHA-256", mail.eml_sha256),
    ]))
    story += [Spacer(0, 4 * mm), para("正文 / Body", _style(11)), Spacer(0, 1.5 * mm)]
    story += _lines(mail.body, _style(9.5))
    story += [Spacer(0, 4 * mm), para("附件 / Attachments", _style(11)), Spacer(0, 1.5 * mm)]
    if mail.attachments:
        small = _style(8.5)
        table = Table([[para("名称 Name", small), para("类型 Type", small), para("大小 Size", small),
                        para("SHA-256", small)]]
                      + [[para(n, small), para(t, small), para(human_size(s), small), para(h, _style(7.5))]
                         for n, t, s, h in mail.attachments],
                      colWidths=[45 * mm, 30 * mm, 25 * mm, PAGE_W - 2 * MARGIN - 100 * mm])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
        story.append(table)
    else:
        story.append(para("无 / none", _style(9.5)))
    story += [PageBreak(), para(f"证据 {number} 附录：原始邮件头 / Appendix: raw headers", _style(12)),
              Spacer(0, 2 * mm),
              para(f"存储的 .eml 文件 {mail.filename}\nSHA-256：{mail.eml_sha256}\n"
                   f"大小 / size：{human_size(mail.eml_size)}", _style(9.5)),
              Spacer(0, 3 * mm)]
    story += _lines(mail.raw_headers, _style(8, leading=10.5))
    return _build(path, name, story)


def text_pages(path: Path, number: int, name: str, filename: str, text: str) -> int:
    story = _heading(number, name, f"文本 / Text — {filename}") + _lines(text, _style(10))
    return _build(path, name, story)


def problem_page(path: Path, number: int, name: str, problem: str, filename: str | None = None) -> int:
    story = _heading(number, name, "无法编入的材料 / Material that could not be included")
    if filename:
        story.append(para(f"文件 / file：{filename}", _style(10.5)))
        story.append(Spacer(0, 3 * mm))
    story.append(para(problem, _style(12)))
    story.append(Spacer(0, 3 * mm))
    if "不存在" not in problem:  # a missing original is not in the ZIP either
        story.append(para("原件见随附的原始文件（ZIP）。/ The original is in the accompanying ZIP.", _style(9.5)))
    return _build(path, name, story)


# ---------------------------------------------------------------- stamps


def stamp_text(number: int, total: int) -> str:
    return f"第 {number} 页 共 {total} 页"


def stamps(path: Path, total: int, progress: Callable[[int], None] | None = None) -> None:
    """One small page per page number; all share one embedded font subset (digits and 第页共)."""
    font()
    c = Canvas(str(path), pagesize=(STAMP_W, STAMP_H), invariant=1, pageCompression=0)
    for n in range(1, total + 1):
        text = stamp_text(n, total)
        w = pdfmetrics.stringWidth(text, FONT, 9)
        c.setFillColor(colors.white)
        c.rect((STAMP_W - w) / 2 - 4, 2, w + 8, STAMP_H - 4, stroke=0, fill=1)
        c.setFillColor(colors.black)
        c.setFont(FONT, 9)
        c.drawCentredString(STAMP_W / 2, 7, text)
        c.showPage()
        if progress is not None:
            progress(n)
    c.save()
