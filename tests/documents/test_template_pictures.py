"""Pictures of every shipped template: each kind in Chinese and English, rendered with its catalogue
sample, printed by the service's own LibreOffice converter (the UNO bridge the documents service
uses) and turned into page images with pdftoppm, kept in test-artifacts/templates/ for a person to
look at. The same PDFs are checked for what a picture can hide:

- the Chinese is set in Simplified Chinese glyph forms. Noto CJK is one font collection whose faces
  share a single CFF table named ``NotoSerifCJKjp``, so the name a PDF gives (pypdf lists it) is the
  same whichever face was used; the glyphs tell them apart: for a character drawn differently in
  Japanese (直, 骨, 关...), the glyph the PDF embeds must be the SC face's;
- no line of a paragraph holds nothing but the end of a 大写 amount ('分）。');
- no word runs off the page (text clipped at an edge).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.documents.shipped import ARTIFACTS, render, shipped
from tests.tools import missing_tool
from workflow.documents.catalogue import CATALOGUE
from workflow.documents.pdf import LibreOfficeConverter

pytestmark = pytest.mark.integration

TOOLS = ("soffice", "pdftoppm", "pdftotext", "fc-match")
DPI = 70
DAXIE_TAIL = re.compile(r"^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]{0,2}[）)][。，；.]?$")


def _sfnt_faces(path: str) -> dict[str, dict[int, int]]:
    """family name → (code point → glyph id) for each face of a TrueType/OpenType collection
    (Windows Unicode full-repertoire cmap, format 12): just enough of the format for this check."""
    data = Path(path).read_bytes()
    if data[:4] == b"ttcf":
        count = struct.unpack(">I", data[8:12])[0]
        offsets: tuple[int, ...] = struct.unpack(f">{count}I", data[12:12 + 4 * count])
    else:
        offsets = (0,)
    faces: dict[str, dict[int, int]] = {}
    for base in offsets:
        tables = {}
        for i in range(struct.unpack(">H", data[base + 4:base + 6])[0]):
            tag, _sum, offset, _len = struct.unpack(">4sIII", data[base + 12 + 16 * i:base + 28 + 16 * i])
            tables[tag] = offset
        name_at = tables[b"name"]
        _fmt, records, strings = struct.unpack(">HHH", data[name_at:name_at + 6])
        names = {}
        for i in range(records):
            platform, _enc, _lang, name_id, length, offset = struct.unpack(
                ">6H", data[name_at + 6 + 12 * i:name_at + 18 + 12 * i])
            if platform == 3 and name_id in (1, 16):
                start = name_at + strings + offset
                names[name_id] = data[start:start + length].decode("utf-16-be")
        cmap_at = tables[b"cmap"]
        cmap: dict[int, int] = {}
        for i in range(struct.unpack(">H", data[cmap_at + 2:cmap_at + 4])[0]):
            platform, encoding, offset = struct.unpack(">HHI", data[cmap_at + 4 + 8 * i:cmap_at + 12 + 8 * i])
            sub = cmap_at + offset
            if (platform, encoding) != (3, 10) or struct.unpack(">H", data[sub:sub + 2])[0] != 12:
                continue
            for g in range(struct.unpack(">I", data[sub + 12:sub + 16])[0]):
                first, last, glyph = struct.unpack(">III", data[sub + 16 + 12 * g:sub + 28 + 12 * g])
                for code in range(first, last + 1):
                    cmap[code] = glyph + code - first
        faces[names.get(16, names.get(1, ""))] = cmap
    return faces


@cache
def _noto_faces(sans: bool, bold: bool) -> dict[str, dict[int, int]]:
    family = "Noto Sans CJK SC" if sans else "Noto Serif CJK SC"
    path = subprocess.run(["fc-match", "-f", "%{file}", f"{family}:style={'Bold' if bold else 'Regular'}"],
                          capture_output=True, text=True, check=True).stdout
    return _sfnt_faces(path)


def cjk_glyph_forms(pdf: Path) -> tuple[set[str], dict[str, int]]:
    """The CJK fonts' names as the PDF gives them, and for the Han characters whose SC and JP
    glyphs differ, how many of each form the PDF uses ("SC", "JP")."""
    names: set[str] = set()
    forms = {"SC": 0, "JP": 0}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            if "CJK" not in name:
                continue
            names.add(name.split("+")[-1])
            program = font["/FontDescriptor"].get_object()
            data = next(program[k].get_object().get_data() for k in ("/FontFile", "/FontFile3", "/FontFile2")
                        if k in program)
            # LibreOffice writes the subset as Type 1 with glyphs named after their id in the collection
            glyph_of = {int(code): int(gid) for code, gid in re.findall(rb"dup (\d+) /cid(\d+) put", data)}
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            char_of = {int(c, 16): int(u, 16) for c, u in re.findall(r"<([0-9A-F]{2})>\s*<([0-9A-F]{4})>", to_unicode)}
            faces = _noto_faces("Sans" in name, "Bold" in name)
            sc, jp = faces["Noto Sans CJK SC" if "Sans" in name else "Noto Serif CJK SC"], \
                faces["Noto Sans CJK JP" if "Sans" in name else "Noto Serif CJK JP"]
            for code, glyph in glyph_of.items():
                char = char_of.get(code)
                if char is None or not 0x4E00 <= char <= 0x9FFF or sc.get(char) == jp.get(char):
                    continue
                if glyph == sc.get(char):
                    forms["SC"] += 1
                elif glyph == jp.get(char):
                    forms["JP"] += 1
    return names, forms


def _clipped_words(pdf: Path) -> list[str]:
    """Words whose box leaves the page: text cut off at an edge."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        width, height = float(page[0]), float(page[1])
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', page[2]):
            if float(x0) < 0 or float(y0) < 0 or float(x1) > width or float(y1) > height:
                out.append(word)
    return out


def test_pictures_of_every_template_in_both_languages() -> None:
    missing_tools = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing_tools:
        missing_tool(f"not installed: {', '.join(missing_tools)}")
    converter = LibreOfficeConverter(str(shutil.which("soffice")))
    if not converter.available:
        missing_tool("no Python with LibreOffice's uno module (python3-uno)")
    docs = [(kind, lang, render(kind, lang, CATALOGUE[kind].sample_context())) for kind, lang, _ in shipped()]
    try:
        pdfs = converter.convert_many([data for _, _, data in docs])
    finally:
        converter.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for (kind, lang, _), data in zip(docs, pdfs, strict=True):
        stem = f"{kind}.{lang}"
        pdf = ARTIFACTS / f"{stem}.pdf"
        pdf.write_bytes(data)
        for old in ARTIFACTS.glob(f"{stem}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(ARTIFACTS / stem)], check=True, timeout=120)
        pages = list(ARTIFACTS.glob(f"{stem}-*.png"))
        if len(pages) != len(PdfReader(pdf).pages):
            problems.append(f"{stem}: {len(pages)} pictures of {len(PdfReader(pdf).pages)} pages")
        names, forms = cjk_glyph_forms(pdf)
        if not names:
            problems.append(f"{stem}: the Chinese is not set in an embedded CJK font")
        if lang == "zh" and (forms["JP"] or forms["SC"] < 20):
            problems.append(f"{stem}: glyph forms {forms} in {sorted(names)}: not Simplified Chinese")
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        orphans = [line.strip() for line in text.splitlines() if DAXIE_TAIL.match(line.strip())]
        if orphans:
            problems.append(f"{stem}: a line holds only the end of a 大写 amount: {orphans}")
        clipped = _clipped_words(pdf)
        if clipped:
            problems.append(f"{stem}: text runs off the page: {clipped[:5]}")
    assert not problems, "\n".join(problems)


def test_the_glyph_check_tells_japanese_forms_from_chinese(tmp_path: Path) -> None:
    """The font check above can fail: the same text marked Japanese comes out in JP forms."""
    if any(shutil.which(tool) is None for tool in TOOLS):
        missing_tool("LibreOffice or poppler not installed")
    converter = LibreOfficeConverter(str(shutil.which("soffice")))
    if not converter.available:
        missing_tool("no Python with LibreOffice's uno module (python3-uno)")
    import io
    import zipfile

    data = render("dunning_letter_1", "zh", CATALOGUE["dunning_letter_1"].sample_context())
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename.startswith("word/"):
                part = part.replace(b'w:eastAsia="zh-CN"', b'w:eastAsia="ja-JP"').replace(
                    b"SimSun", b"Noto Serif CJK JP").replace(b"SimHei", b"Noto Sans CJK JP")
            dst.writestr(info, part)
    try:
        pdf_bytes = converter.convert(out.getvalue())
    finally:
        converter.close()
    pdf = tmp_path / "jp.pdf"
    pdf.write_bytes(pdf_bytes)
    names, forms = cjk_glyph_forms(pdf)
    assert forms["JP"] > 20 and forms["SC"] == 0, (names, forms)
