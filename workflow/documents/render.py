"""Fast, deterministic DOCX rendering with docxtpl's tag rules in the sandboxed environment.

``compile_template`` does the expensive work once per template version: unzip (``package``
checks every XML part is free of DTDs and entities and bounded in depth), let docxtpl patch the
XML of the body, headers, footers, footnotes and document properties (joining tags Word split
across runs, ``{%tr %}`` rows...), parse that with Jinja, and deflate the members that never
change. ``CompiledTemplate.render`` is then just Jinja plus deflating the rendered parts and
writing the zip: python-docx is not on the hot path. Output is byte-identical for the same
template version and context.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from posixpath import dirname, join, normpath
from typing import Any

from defusedxml import ElementTree as SafeET
from docxtpl import DocxTemplate
from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from lxml import etree  # type: ignore[import-untyped]

from workflow.documents.package import Packed, check_xml_part, pack, read_members, write_zip
from workflow.documents.sandbox import DocumentSandbox, literal_braces, make_environment
from workflow.errors import FieldProblem, ValidationFailed
from workflow.filestore import sha256_hex

_REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_REL_PARTS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes",
}
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
_DECL = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_TC_LOOP = re.compile(r"{%\s*tc\s")
_TAGS = re.compile(r"<[^>]+>")
_LXML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)

# docxtpl's XML patching needs no loaded document: borrow its methods without python-docx
_DOCXTPL: Any = DocxTemplate.__new__(DocxTemplate)


def _problem(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


@dataclass(frozen=True)
class Part:
    name: str
    template: Template
    source: str  # the patched XML Jinja parsed
    ast: nodes.Template
    fix_tables: bool
    renumber_drawings: bool
    # docxtpl's {_{ … }_} for literal braces written in the template itself (values are handled
    # by the environment's finalize, so a template without them never scans its output for them)
    literal_braces: bool = False


@dataclass(frozen=True)
class CompiledTemplate:
    sha256: str
    order: tuple[str, ...]
    static: Mapping[str, Packed]
    parts: Mapping[str, Part]

    def render(self, context: Mapping[str, Any], level: int = 1) -> bytes:
        # level 1: rendered parts are small and deflate is on every render; static members got 6
        rendered: dict[str, Packed] = {}
        for name, part in self.parts.items():
            rendered[name] = pack(name, _render_part(part, context), level)
        return write_zip(rendered[n] if n in rendered else self.static[n] for n in self.order)


def _render_part(part: Part, context: Mapping[str, Any]) -> bytes:
    try:
        xml = part.template.render(context)
    except SecurityError as exc:
        raise _problem("template", "unsafe_template", f"模板试图执行不安全的操作，已拒绝：{exc}",
                       f"the template tried an unsafe operation and was refused: {exc}") from None
    except UndefinedError as exc:
        raise _problem("context", "missing_variable", f"数据缺少模板需要的变量：{exc.message}",
                       f"the data lacks a variable the template needs: {exc.message}") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise _problem("context", "bad_value", f"数据中的值无法按模板格式化：{exc}",
                       f"a value in the data cannot be formatted as the template asks: {exc}") from None
    except TemplateError as exc:
        raise _problem("template", "render_failed", f"模板渲染失败：{exc}", f"rendering failed: {exc}") from None
    data = xml.encode("utf-8")  # the checks below are memchr scans on bytes: far faster than on str
    if part.literal_braces:
        data = literal_braces(data)
    if b"\n" in data or b"\t" in data or b"\a" in data or b"\f" in data:
        # line breaks and tabs in values become <w:br/>, <w:tab/>, as docxtpl does
        data = _DOCXTPL.resolve_listing(data.decode("utf-8")).encode("utf-8")
    # characters XML forbids cannot be here: the template was parsed as XML, and every value
    # passed the environment's finalize (sandbox.clean_value) on its way in
    if part.fix_tables or part.renumber_drawings:
        # only templates with column loops or pictures pay for a parse of the rendered XML
        tree = _DOCXTPL.fix_tables(data.decode("utf-8")) if part.fix_tables else etree.fromstring(data, _LXML)
        if part.renumber_drawings:
            for n, elt in enumerate(tree.iter(_DOCPR), start=1001):
                elt.set("id", str(n))
        data = etree.tostring(tree, encoding="utf-8")
    return _DECL + data


def _targets(members: Mapping[str, bytes], rels_name: str, base: str, types: set[str]) -> list[str]:
    if rels_name not in members:
        return []
    root = SafeET.fromstring(members[rels_name])
    found = []
    for rel in root.iter(_PKG_RELS):
        if rel.get("Type") in types and rel.get("TargetMode") != "External":
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else normpath(join(base, target))
            found.append(path)
    return found


def templated_part_names(members: Mapping[str, bytes]) -> list[str]:
    docs = _targets(members, "_rels/.rels", "", {_REL_DOC})
    if not docs or docs[0] not in members:
        raise _problem("file", "not_docx", "找不到 Word 正文部件（word/document.xml）",
                       "the Word main document part (word/document.xml) is missing")
    main = docs[0]
    folder = dirname(main)
    rels = join(folder, "_rels", main.rsplit("/", 1)[-1] + ".rels")
    names = [main] + [n for n in _targets(members, rels, folder, _REL_PARTS) if n in members]
    core = "docProps/core.xml"
    if core in members and (b"{{" in members[core] or b"{%" in members[core]):
        names.append(core)
    return names


def syntax_problem(part_name: str, source: str, exc: TemplateSyntaxError) -> ValidationFailed:
    """Name the error and show the paragraphs around it, as the author sees them in Word."""
    lines = source.splitlines()
    at = max((exc.lineno or 1) - 1, 0)
    around = []
    for i in range(max(at - 2, 0), min(at + 3, len(lines))):
        text = _TAGS.sub("", lines[i]).strip()
        if text:
            around.append(("» " if i == at else "  ") + text)
    snippet = "\n".join(around)
    return ValidationFailed(
        [FieldProblem("file", "jinja_syntax", f"模板语法错误（{part_name}）：{exc.message}\n{snippet}",
                      f"template syntax error ({part_name}): {exc.message}\n{snippet}")],
        extra={"part": part_name, "error": exc.message or "", "context": snippet},
    )


def compile_template(data: bytes, env: DocumentSandbox | None = None) -> CompiledTemplate:
    env = env or make_environment()
    # every XML part has passed package.check_xml_part: no DTD or entities, nesting depth bounded
    members = read_members(data)
    part_names = templated_part_names(members)
    parts: dict[str, Part] = {}
    for name in part_names:
        root = etree.fromstring(members[name], _LXML)
        raw = etree.tostring(root, encoding="unicode")
        tc_loop = bool(_TC_LOOP.search(_TAGS.sub("", raw)))
        source = _DOCXTPL.patch_xml(raw)
        try:
            ast = env.parse(source)
            template = env.from_string(ast)
        except TemplateSyntaxError:
            # docxtpl puts each paragraph on its own line only so errors have a useful line
            # number; the rendered output does not need it, so only the error path pays for it
            lined = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
            try:
                env.parse(lined)
            except TemplateSyntaxError as exc:
                raise syntax_problem(name, lined, exc) from None
            raise
        is_body = name == part_names[0]
        parts[name] = Part(name, template, source, ast, fix_tables=is_body and tc_loop,
                           renumber_drawings=is_body and "docPr" in source and "{%" in source,
                           literal_braces="{_" in source or "_}" in source)
    static = {name: pack(name, body) for name, body in members.items() if name not in parts}
    return CompiledTemplate(sha256_hex(data), tuple(members), static, parts)


class TemplateCache:
    """Compiled templates by SHA-256 (content-addressed, so safe to share), least recently used out.

    One per process, owned by the composition root (``workflow.services``)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[str, CompiledTemplate] = OrderedDict()
        self._lock = threading.Lock()
        self.environment = make_environment()

    def get(self, data_or_sha: bytes | str, loader: Any = None) -> CompiledTemplate:
        sha = data_or_sha if isinstance(data_or_sha, str) else sha256_hex(data_or_sha)
        with self._lock:
            hit = self._items.get(sha)
            if hit is not None:
                self._items.move_to_end(sha)
                return hit
        data = data_or_sha if isinstance(data_or_sha, bytes) else loader(sha)
        compiled = compile_template(data, self.environment)
        with self._lock:
            self._items[sha] = compiled
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return compiled


def check_rendered(docx: bytes, compiled: CompiledTemplate) -> None:
    """The rendered parts must be well-formed XML and nest no deeper than any DOCX we accept (a
    loop placed across paragraphs or table cells can open elements it never closes), or Word and
    our own readers will refuse the file."""
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:  # our own output, written just now
        for name in compiled.parts:
            try:
                check_xml_part(name, zf.read(name))
            except ValidationFailed as exc:
                if exc.problems[0].code != "xml_invalid":
                    raise
                why = exc.problems[0].en.split(": ", 1)[-1]
                raise _problem("file", "broken_output", f"模板生成的 {name} 不是有效的 XML"
                               f"（常见原因：{{%tr %}} 或 {{%p %}} 标签放错位置）：{why}",
                               f"the template produces invalid XML in {name} (often a misplaced {{%tr %}} or "
                               f"{{%p %}} tag): {why}") from None
