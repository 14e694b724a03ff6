"""CLI commands: documents (render a document, list and upload templates)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from workflow.calc.schemas import ClaimQuery
from workflow.cli import cli_core, cli_run, cli_unit_of_work, help_text, say
from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LawFirm, Lawyer
from workflow.documents.models import GeneratedDocument
from workflow.documents.registry import TemplateRegistry
from workflow.documents.service import DocumentService
from workflow.errors import invalid
from workflow.unit_of_work import UnitOfWork


def register(cli: click.Group) -> None:
    cli.add_command(render)
    cli.add_command(pending_pdfs)
    cli.add_command(templates)


def _documents() -> DocumentService:
    return cli_core().services.documents


def _registry() -> TemplateRegistry:
    return cli_core().services.templates


def register_shipped_templates() -> None:
    """Register the shipped templates not yet in the database (``dunning db upgrade`` and ``up``)."""
    report = cli_run(_registry().sync_shipped)
    n = len(report.registered)
    click.echo(say(f"模板：已登记 {n} 个内置模板", f"templates: {n} shipped templates registered"))
    for name, why in report.rejected.items():
        click.echo(say(f"  未登记 {name}：{why}", f"  rejected {name}: {why}"), err=True)


def write_document(doc: GeneratedDocument, out_dir: Path, stem: str | None = None) -> list[Path]:
    """Its DOCX (and PDF, if one was made) into ``out_dir``; the downloads are audit-logged as the
    API's are, in one unit of work after the one that made the document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = ["docx"] + (["pdf"] if doc.pdf_sha256 else [])
    written: list[Path] = []
    with cli_unit_of_work() as uow:
        for fmt in formats:
            d = _documents().download(uow, doc.id, fmt)
            path = out_dir / (f"{stem}.{fmt}" if stem else d.filename)
            path.write_bytes(d.data)
            written.append(path)
    return written


def pdf_notice(doc: GeneratedDocument) -> str:
    """Why a document has no PDF, in the user's language (stored as "中文 / English")."""
    zh, _, en = (doc.pdf_notice or "PDF 不可用 / PDF is unavailable").partition(" / ")
    return say(zh, en or zh)


def _json(path: Path, field: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(field, "json_invalid", f"JSON 格式错误：{exc}", f"invalid JSON: {exc}") from None


def _from_ledger(kind: str, language: str, pdf: bool, as_of: date | None, creditor: int | None,
                 invoices: tuple[str, ...], number: str, lawyer_file: Path | None, final: bool) -> LedgerDocument:
    firm = lawyer = None
    if lawyer_file is not None:
        data = _json(lawyer_file, "lawyer")
        if not isinstance(data, dict) or not isinstance(data.get("law_firm"), dict) \
                or not isinstance(data.get("lawyer"), dict):
            raise invalid("lawyer", "not_object", "律师信息文件应为 {\"law_firm\": {...}, \"lawyer\": {...}}",
                          "the lawyer file must hold {\"law_firm\": {...}, \"lawyer\": {...}}")
        try:
            firm, lawyer = LawFirm(**{"name_en": "", "address_en": "", "phone": "", "email": "",
                                      **data["law_firm"]}), \
                Lawyer(**{"name_en": "", "phone": "", "email": "", **data["lawyer"]})
        except TypeError as exc:
            raise invalid("lawyer", "bad_fields", f"律师信息字段有误：{exc}", f"bad law firm or lawyer fields: {exc}") \
                from None
    return LedgerDocument(kind=kind, language=language, as_of=as_of, creditor_id=creditor, invoices=invoices,
                          number=number, pdf=pdf, law_firm=firm, lawyer=lawyer, draft=not final)


def _read_claim(uow: UnitOfWork, customer_id: int, as_of: date, creditor_id: int) -> Any:
    return cli_core().services.claims.claim(uow, customer_id, ClaimQuery(as_of=as_of, creditor_id=creditor_id))


@click.command("render", help=help_text(
    "生成文书（由 --context 的数据，或由台账为 --customer 生成），保存，并把 DOCX（及 PDF）写入 --out 文件夹。",
    "Generate a document (from --context, or from the ledger for --customer), store it, and write its DOCX "
    "(and PDF) into the --out folder."))
@click.argument("kind", help=help_text("文书种类，例如 statement、dunning_letter_1、lawyer_letter（见 templates list）",
                                       "the kind of document, e.g. statement, dunning_letter_1, lawyer_letter (see "
                                       "templates list)"))
@click.option("--context", "context_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=help_text("文书数据的 JSON 文件（手工填写的数据会先经检查）",
                             "JSON file with the document's data (typed by hand: checked first)"))
@click.option("--customer", "customer_id", type=click.IntRange(1), default=None,
              help=help_text("改由台账为这一客户生成文书（代替 --context）",
                             "build the document from the ledger for this customer instead of --context"))
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help=help_text("配合 --customer：余额截至此日（默认今天）",
                             "with --customer: balances as of this day (default today)"))
@click.option("--creditor", "creditor_id", type=click.IntRange(1), default=None,
              help=help_text("配合 --customer：客户欠我方多个主体时，指定其中之一",
                             "with --customer: our company, when the customer owes more than one"))
@click.option("--invoice", "invoices", multiple=True,
              help=help_text("配合 --customer：只含这些发票号（可重复）",
                             "with --customer: only these invoice numbers (repeat)"))
@click.option("--number", default="",
              help=help_text("配合 --customer：函件编号", "with --customer: the letter's reference"))
@click.option("--lawyer-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help=help_text("律师函：JSON {\"law_firm\": {...}, \"lawyer\": {...}}",
                             "lawyer_letter: JSON {\"law_firm\": {...}, \"lawyer\": {...}}"))
@click.option("--final", is_flag=True,
              help=help_text("律师函：不带“草稿”标记（仅限律师或法务）",
                             "lawyer_letter: without the DRAFT mark (a lawyer or legal only)"))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help=help_text("写入文件的文件夹", "the folder to write the files into"))
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help=help_text("文书的语言", "the document's language"))
@click.option("--pdf/--no-pdf", default=True, show_default=True,
              help=help_text("是否同时生成 PDF（需要 LibreOffice）", "also make a PDF (needs LibreOffice)"))
def render(kind: str, context_file: Path | None, customer_id: int | None, as_of: datetime | None,
           creditor_id: int | None, invoices: tuple[str, ...], number: str, lawyer_file: Path | None, final: bool,
           out_dir: Path, language: str, pdf: bool) -> None:
    if (context_file is None) == (customer_id is None):
        raise click.UsageError(say("请给出 --context 文件或 --customer 客户编号中的一项",
                                   "give either --context FILE or --customer ID"))
    # the PDF is made once this unit of work has committed, before cli_run returns
    if customer_id is not None:
        req = _from_ledger(kind, language, pdf, as_of.date() if as_of else None, creditor_id, invoices, number,
                           lawyer_file, final)
        doc = cli_run(generate_from_ledger, _documents(), _read_claim, customer_id, req)
    else:
        assert context_file is not None
        doc = cli_run(_documents().generate, kind, language, _json(context_file, "context"), pdf, typed=True)
    for path in write_document(doc, out_dir):
        sha = doc.pdf_sha256 if path.suffix == ".pdf" else doc.docx_sha256
        click.echo(f"{path}  sha256={sha}")
    if pdf and not doc.pdf_sha256:
        click.echo(f"PDF: {pdf_notice(doc)}", err=True)


@click.command("pending-pdfs", help=help_text("补做进程在文书提交之后、PDF 生成之前中断而遗留的 PDF。",
                                              "Make the PDFs left pending when a process stopped between a "
                                              "document's commit and its PDF."))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help=help_text("本次最多处理的份数", "at most this many documents in this run"))
def pending_pdfs(limit: int) -> None:
    docs = cli_run(_documents().finish_pending, limit)
    for doc in docs:
        notice = f" ({pdf_notice(doc)})" if doc.pdf_notice else ""
        click.echo(say(f"文书 {doc.id}：{doc.pdf_status}{notice}", f"document {doc.id}: {doc.pdf_status}{notice}"))
    click.echo(say(f"已处理 {len(docs)} 份待生成的 PDF", f"{len(docs)} pending PDF(s) handled"))


@click.group(help=help_text("文书模板：版本、上传", "Document templates: versions, uploads."))
def templates() -> None:
    pass


@templates.command("list", help=help_text("列出全部模板版本；* 标出每种文书、每种语言当前启用的版本。",
                                          "Every template version; * marks the active one for its kind and "
                                          "language."))
def templates_list() -> None:
    with cli_unit_of_work(read_only=True) as uow:
        for v in _registry().versions(uow.session):
            mark = "*" if v.active else " "
            click.echo(f"{mark} {v.kind:<20} {v.language}  v{v.version:<3} {v.source:<8} {v.sha256[:12]}  "
                       f"{v.uploaded_by}  {v.created_at:%Y-%m-%d %H:%M}")


@templates.command("upload", help=help_text("检查 DOCX 模板，通过后保存为新的启用版本。",
                                            "Check a DOCX template and, if it passes, store it as the new active "
                                            "version."))
@click.argument("kind", help=help_text("文书种类", "the kind of document"))
@click.argument("language", type=click.Choice(["zh", "en"]), help=help_text("模板的语言", "the template's language"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=help_text("DOCX 文件", "the DOCX file"))
def templates_upload(kind: str, language: str, file: Path) -> None:
    data = file.read_bytes()
    version = cli_run(_registry().upload, kind, language, data)
    click.echo(say(f"已接受：{kind} {language} v{version.version} sha256={version.sha256}",
                   f"accepted: {kind} {language} v{version.version} sha256={version.sha256}"))
