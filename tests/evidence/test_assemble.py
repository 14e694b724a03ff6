"""The bundle PDF as a court (and a lawyer's PDF reader) sees it: pages, stamps, labels, bookmarks,
links, the email evidence, problem pages, determinism and untouched scans."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination

from tests.evidence import samples
from tests.tools import missing_tool
from workflow.documents.pdf import LibreOfficeConverter, NullConverter, find_uno_python
from workflow.errors import Unavailable
from workflow.evidence import pages
from workflow.evidence.assemble import assemble
from workflow.evidence.spec import DOCX, EML, JPEG, PDF, PNG, TEXT, TIFF, BuiltBundle, SourceFile
from workflow.filestore import LocalFileStore, MemoryFileStore


class Case:
    def __init__(self, store: MemoryFileStore | LocalFileStore) -> None:
        self.store = store
        self.jpeg = samples.scan("delivery note 0312")
        self.eml = samples.email(samples.pdf_doc("催款函", 1))
        self.contract = self.put(samples.pdf_doc("买卖合同", 3), "买卖合同.pdf", PDF)
        self.delivery = self.put(self.jpeg, "送货单-0312.jpg", JPEG)
        self.receipts = self.put(samples.tiff_pages(2), "回执.tif", TIFF)
        self.stamp_png = self.put(samples.scan("seal", fmt="PNG"), "对账单盖章页.png", PNG)
        self.invoices = self.put("发票号\t开票日期\t金额\nHD-2025-118\t2025-11-18\t128,450.00\n".encode(),
                                 "增值税专用发票清单.txt", TEXT)
        self.letter = self.put(self.eml, "催款函-20260312.eml", EML)
        self.bank = self.put(samples.encrypted_pdf(), "银行回单.pdf", PDF)
        self.broken = self.put(self.jpeg[: len(self.jpeg) // 2], "付款凭证.jpg", JPEG)
        self.landscape = self.put(samples.pdf_doc("对账单", 1, landscape=True), "对账单.pdf", PDF)
        self.items = (
            samples.item(1, "contract", "一、合同", "买卖合同", (self.contract,)),
            samples.item(2, "delivery", "二、送货单与发票", "送货单（签收）及回执", (self.delivery, self.receipts),
                         purpose="证明原告已按约交付货物，被告签收"),
            samples.item(3, "delivery", "二、送货单与发票", "增值税专用发票", (self.invoices,),
                         purpose="证明原告已开具增值税专用发票，金额共计人民币128,450.00元；" * 3),
            samples.item(4, "statements", "三、对账与催款", "对账单（被告盖章确认）", (self.landscape, self.stamp_png),
                         purpose="证明被告确认欠款金额，诉讼时效中断"),
            samples.item(5, "statements", "三、对账与催款", "催款函及发送邮件", (self.letter,),
                         purpose="证明原告于2026年3月12日催款，催款函已到达被告"),
            samples.item(6, "payments", "四、付款", "银行回单与付款凭证", (self.bank, self.broken),
                         purpose="证明被告部分付款"),
            samples.item(7, "payments", "四、付款", "被告承诺付款的微信记录", (), purpose="证明被告承诺付款",
                         problem="文件过大（40,000,000 字节，上限 30,000,000 字节），无法编入 / the file is too large"),
        )
        self.spec = samples.bundle(self.items)

    def put(self, data: bytes, name: str, ctype: str) -> SourceFile:
        return SourceFile(self.store.put(data), name, ctype)


@pytest.fixture(scope="module")
def case() -> Case:
    return Case(MemoryFileStore())


@pytest.fixture(scope="module")
def built(case: Case, tmp_path_factory: pytest.TempPathFactory) -> BuiltBundle:
    return assemble(case.spec, case.store, NullConverter(), tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def reader(built: BuiltBundle) -> Iterator[PdfReader]:
    with built.pdf_path.open("rb") as fh:
        yield PdfReader(fh)


@pytest.fixture(scope="module")
def texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def entry(built: BuiltBundle, number: int) -> dict[str, Any]:
    return next(i for i in built.manifest["items"] if i["number"] == number)


def test_page_count_matches_items_and_manifest(built: BuiltBundle, reader: PdfReader) -> None:
    # cover 1 + index 1 + contract 3 + scan 1 + TIFF 2 + text 1 + statement 1 + PNG 1 + email 2
    # + two problem pages for item 6 + one for item 7
    assert len(reader.pages) == built.page_count == built.manifest["pages"] == 16
    assert [(i["first_page"], i["last_page"]) for i in built.manifest["items"]] == [
        (3, 5), (6, 8), (9, 9), (10, 11), (12, 13), (14, 15), (16, 16)]


def test_every_page_is_stamped_and_labelled_with_its_number(reader: PdfReader, texts: list[str]) -> None:
    total = len(reader.pages)
    for n, text in enumerate(texts, start=1):
        assert pages.stamp_text(n, total) in text, f"page {n}"
    assert reader.page_labels == [str(n) for n in range(1, total + 1)]


def displayed(page: Any, x: float, y: float) -> tuple[float, float]:
    """A point of the page's user space as seen on screen (origin at the displayed bottom left)."""
    box = page.cropbox
    llx, lly, urx, ury = float(box.left), float(box.bottom), float(box.right), float(box.top)
    return {0: (x - llx, y - lly), 90: (y - lly, urx - x), 180: (urx - x, ury - y),
            270: (ury - y, x - llx)}[page.rotation % 360]


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_stamp_reads_upright_at_the_foot_of_a_rotated_page(rotate: int, tmp_path: Path) -> None:
    store = MemoryFileStore()
    source = SourceFile(store.put(samples.rotated_pdf(rotate)), "回执.pdf", PDF)
    built = assemble(samples.bundle((samples.item(1, "receipts", "一、回执", "回执", (source,)),)), store,
                     NullConverter(), tmp_path)
    with built.pdf_path.open("rb") as fh:
        page = PdfReader(fh).pages[2]
        assert page.rotation == rotate and pages.stamp_text(3, 3) in page.extract_text()
        assert_stamp_at_the_foot(page)


def assert_stamp_at_the_foot(page: Any) -> None:
    last = page["/Contents"][-1].get_object().get_data().decode()
    a, b, _, _, e, f = (float(v) for v in re.findall(r"q ([-\d. ]+) cm /DunningPageStamp Do", last)[0].split())
    # the stamp's baseline, from its left end to its right end, as displayed
    (x0, y0), (x1, y1) = displayed(page, e, f), displayed(page, a * pages.STAMP_W + e, b * pages.STAMP_W + f)
    shown_width = float(page.cropbox.height if page.rotation % 180 else page.cropbox.width)
    assert x1 - x0 == pytest.approx(pages.STAMP_W) and y0 == pytest.approx(y1)  # left to right, level
    assert 0 < y0 < 40 and (x0 + x1) / 2 == pytest.approx(shown_width / 2)


def test_stamp_sits_at_the_foot_of_a_landscape_page(built: BuiltBundle, reader: PdfReader) -> None:
    page = reader.pages[entry(built, 4)["first_page"] - 1]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    assert_stamp_at_the_foot(page)


def test_cover_names_the_parties_and_the_amount_in_words(texts: list[str]) -> None:
    cover = texts[0]
    for words in ("AR-2026-0007", samples.CREDITOR, samples.DEBTOR, "¥128,450.00", "壹拾贰万捌仟肆佰伍拾元整",
                  "张丽（法务部）", "2026年3月20日"):
        assert words in cover


def test_index_lists_every_item_with_the_pages_it_really_has(built: BuiltBundle, texts: list[str]) -> None:
    index = re.sub(r"\s+", "", texts[1])
    for item in built.manifest["items"]:
        pages_text = (str(item["first_page"]) if item["first_page"] == item["last_page"]
                      else f"{item['first_page']}–{item['last_page']}")
        assert item["name"].replace(" ", "") in index
        assert pages_text in index
    assert "证明原告已开具增值税专用发票" in index and "提交人：张丽（法务部）" in index


def test_one_bookmark_per_item_under_its_group_at_the_listed_page(built: BuiltBundle, reader: PdfReader) -> None:
    outline = reader.outline
    groups: list[tuple[str, list[tuple[str, int]]]] = []
    for node in outline:
        if isinstance(node, list):
            groups[-1][1].extend((d.title or "", reader.get_destination_page_number(d)) for d in node
                                 if isinstance(d, Destination))
        else:
            assert isinstance(node, Destination)
            groups.append((node.title or "", []))
    assert [g for g, _ in groups] == ["一、合同", "二、送货单与发票", "三、对账与催款", "四、付款"]
    marks = [m for _, children in groups for m in children]
    assert marks == [(f"{i['number']}. {i['name']}", i["first_page"] - 1) for i in built.manifest["items"]]


def test_every_index_row_links_to_its_item_first_page(built: BuiltBundle, reader: PdfReader) -> None:
    targets = []
    for annot in reader.pages[1].get("/Annots", []):
        link = annot.get_object()
        assert link["/Subtype"] == "/Link"
        dest = link["/Dest"]
        targets.append(reader.get_page_number(dest[0].get_object()))
    assert targets == [i["first_page"] - 1 for i in built.manifest["items"]]


def test_email_page_shows_headers_body_attachments_and_the_stored_hash(
        case: Case, built: BuiltBundle, texts: list[str]) -> None:
    first = entry(built, 5)["first_page"]
    page, appendix = texts[first - 1], texts[first]
    for words in ("上海华东机电 财务部 <ar@hdjd.com.cn>", "华星光电 应付账款 <ap@csot.example.cn>", "legal@hdjd.com.cn",
                  "Thu, 12 Mar 2026 10:15:02 +0800", "2026-03-12 10:15:02+08:00", "催款函（第1次）：HD-2025-118",
                  samples.MESSAGE_ID, "尚欠我司货款人民币128,450.00元", "催款函.pdf"):
        assert words in page, words
    eml_sha = hashlib.sha256(case.eml).hexdigest()
    assert eml_sha == case.letter.sha256
    assert eml_sha in page.replace("\n", "") and eml_sha in appendix.replace("\n", "")
    assert "原始邮件头" in appendix and "Message-ID: " + samples.MESSAGE_ID in appendix
    assert "Subject: =?gbk?" in appendix  # the raw header, not its decoding


def test_bad_originals_become_pages_naming_the_item_and_the_problem(built: BuiltBundle, texts: list[str]) -> None:
    bank = entry(built, 6)
    assert bank["last_page"] - bank["first_page"] == 1
    encrypted, broken = texts[bank["first_page"] - 1], texts[bank["last_page"] - 1]
    assert "银行回单与付款凭证" in encrypted and "银行回单.pdf" in encrypted and "PDF 已加密" in encrypted
    assert "付款凭证.jpg" in broken and "JPEG 文件已损坏" in broken
    assert "已加密" in bank["problem"] and "已损坏" in bank["problem"]
    oversized = entry(built, 7)
    assert "被告承诺付款的微信记录" in texts[oversized["first_page"] - 1]
    assert "文件过大" in texts[oversized["first_page"] - 1] and oversized["problem"].startswith("文件过大")


def test_the_jpeg_goes_in_byte_for_byte(case: Case, built: BuiltBundle, reader: PdfReader) -> None:
    page = reader.pages[entry(built, 2)["first_page"] - 1]
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()
              if x.get_object().get("/Subtype") == "/Image"]
    assert len(images) == 1 and images[0]["/Filter"] == "/DCTDecode"
    assert images[0]._data == case.jpeg


def test_manifest_names_every_original_with_its_hash_and_size(case: Case, built: BuiltBundle) -> None:
    item = entry(built, 2)
    assert item["files"] == [
        {"sha256": case.delivery.sha256, "filename": "送货单-0312.jpg", "content_type": JPEG, "size": len(case.jpeg)},
        {"sha256": case.receipts.sha256, "filename": "回执.tif", "content_type": TIFF,
         "size": case.store.size(case.receipts.sha256)},
    ]
    assert all(hashlib.sha256(case.store.get(f["sha256"])).hexdigest() == f["sha256"]
               for i in built.manifest["items"] for f in i["files"])
    assert built.manifest["generator"] == "dunning-desk" and built.manifest["font"]["file"] == "wqy-zenhei.ttc"


def test_building_twice_gives_the_same_bytes(case: Case, built: BuiltBundle, tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "store")
    for sha in {f.sha256 for i in case.items for f in i.files}:
        store.put(case.store.get(sha))
    again = assemble(case.spec, store, NullConverter(), tmp_path / "again")
    assert again.pdf_path.read_bytes() == built.pdf_path.read_bytes()
    assert again.manifest == built.manifest
    assert list((tmp_path / "again").iterdir()) == [again.pdf_path]  # no intermediate pages left behind


def test_a_pdf_locked_only_against_printing_goes_in_and_an_empty_bundle_still_builds(tmp_path: Path) -> None:
    from tests.evidence.test_preflight import owner_locked_pdf

    store = MemoryFileStore()
    slip = SourceFile(store.put(owner_locked_pdf()), "银行回单.pdf", PDF)
    built = assemble(samples.bundle((samples.item(1, "payments", "一、付款", "银行回单", (slip,)),)), store,
                     NullConverter(), tmp_path / "one")
    assert built.page_count == 3 and built.manifest["items"][0]["problem"] is None
    empty = assemble(samples.bundle(()), store, NullConverter(), tmp_path / "empty")
    with empty.pdf_path.open("rb") as fh:
        texts = [p.extract_text() for p in PdfReader(fh).pages]
    assert empty.page_count == 2 and "证 据 目 录" in texts[1] and pages.stamp_text(2, 2) in texts[1]


def test_a_long_index_spans_pages_and_its_ranges_still_match(tmp_path: Path) -> None:
    store = MemoryFileStore()
    items = tuple(
        samples.item(n, f"g{n // 10}", f"第{n // 10 + 1}组", f"送货单 第{n}号",
                     (SourceFile(store.put(f"送货单 {n}\n".encode()), f"{n}.txt", TEXT),),
                     purpose="证明原告已按约交付货物、被告已签收，且货物数量、规格与合同约定一致。" * 2)
        for n in range(1, 41))
    built = assemble(samples.bundle(items), store, NullConverter(), tmp_path)
    with built.pdf_path.open("rb") as fh:
        reader = PdfReader(fh)
        first = built.manifest["items"][0]["first_page"]
        assert first > 3  # the index took at least two pages
        for item in built.manifest["items"]:
            assert f"送货单 {item['number']}" in reader.pages[item["first_page"] - 1].extract_text()
        links = [a.get_object() for p in reader.pages[1:first - 1] for a in p.get("/Annots", [])]
        assert [reader.get_page_number(a["/Dest"][0].get_object()) for a in links] == [
            i["first_page"] - 1 for i in built.manifest["items"]]
        assert pages.stamp_text(len(reader.pages), len(reader.pages)) in reader.pages[-1].extract_text()


def test_missing_cjk_font_is_a_clear_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "KNOWN_FONT_PATHS", ())
    monkeypatch.setattr(pages.shutil, "which", lambda _name: None)
    with pytest.raises(Unavailable) as err:
        pages.find_font()
    assert "fonts-wqy-zenhei" in err.value.message("zh") and "fonts-wqy-zenhei" in err.value.message("en")


@pytest.mark.integration
def test_docx_original_goes_through_libreoffice(tmp_path: Path) -> None:
    if not Path("/usr/bin/soffice").exists() or find_uno_python() is None:
        missing_tool("LibreOffice with python3-uno is not installed")
    import docx  # python-docx comes with docxtpl

    document = docx.Document()
    document.add_paragraph("增值税专用发票 No. 44031720 开票方：上海华东机电设备有限公司")
    buf = io.BytesIO()
    document.save(buf)
    store = MemoryFileStore()
    source = SourceFile(store.put(buf.getvalue()), "发票.docx", DOCX)
    converter = LibreOfficeConverter("/usr/bin/soffice", timeout=120)
    try:
        built = assemble(samples.bundle((samples.item(1, "invoices", "一、发票", "增值税专用发票", (source,)),)),
                         store, converter, tmp_path)
    finally:
        converter.close()
    with built.pdf_path.open("rb") as fh:
        text = PdfReader(fh).pages[2].extract_text()
    assert "增值税专用发票 No. 44031720" in text and pages.stamp_text(3, 3) in text
