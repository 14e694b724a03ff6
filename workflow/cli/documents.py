"""CLI commands: documents (render a document, list and upload templates)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import click

from workflow.cli import cli_core, cli_run, cli_unit_of_work
from workflow.documents.models import GeneratedDocument
from workflow.documents.registry import TemplateRegistry
from workflow.documents.service import DocumentService
from workflow.errors import invalid


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
    click.echo(f"模板 / templates: {len(report.registered)} shipped templates registered")
    for name, why in report.rejected.items():
        click.echo(f"  rejected {name}: {why}", err=True)


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


@click.command("render")
@click.argument("kind")
@click.option("--context", "context_file", required=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="JSON file with the document's data")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--pdf/--no-pdf", default=True, show_default=True)
def render(kind: str, context_file: Path, out_dir: Path, language: str, pdf: bool) -> None:
    """Generate a document, store it, and write its DOCX (and PDF) into OUT."""
    try:
        context = json.loads(context_file.read_text(encoding="utf-8"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("context", "json_invalid", f"JSON 格式错误：{exc}", f"invalid JSON: {exc}") from None
    # the PDF is made once this unit of work has committed, before cli_run returns
    doc = cli_run(_documents().generate, kind, language, context, pdf, typed=True)
    for path in write_document(doc, out_dir):
        sha = doc.pdf_sha256 if path.suffix == ".pdf" else doc.docx_sha256
        click.echo(f"{path}  sha256={sha}")
    if pdf and not doc.pdf_sha256:
        click.echo(f"PDF: {doc.pdf_notice}", err=True)


@click.command("pending-pdfs")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
def pending_pdfs(limit: int) -> None:
    """Make the PDFs left pending when a process stopped between a document's commit and its PDF."""
    docs = cli_run(_documents().finish_pending, limit)
    for doc in docs:
        click.echo(f"document {doc.id}: {doc.pdf_status}" + (f" ({doc.pdf_notice})" if doc.pdf_notice else ""))
    click.echo(f"{len(docs)} pending PDF(s) handled")


@click.group()
def templates() -> None:
    """Document templates: versions, uploads."""


@templates.command("list")
def templates_list() -> None:
    """Every template version; * marks the active one for its kind and language."""
    with cli_unit_of_work(read_only=True) as uow:
        for v in _registry().versions(uow.session):
            mark = "*" if v.active else " "
            click.echo(f"{mark} {v.kind:<20} {v.language}  v{v.version:<3} {v.source:<8} {v.sha256[:12]}  "
                       f"{v.uploaded_by}  {v.created_at:%Y-%m-%d %H:%M}")


@templates.command("upload")
@click.argument("kind")
@click.argument("language", type=click.Choice(["zh", "en"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def templates_upload(kind: str, language: str, file: Path) -> None:
    """Check a DOCX template and, if it passes, store it as the new active version."""
    data = file.read_bytes()
    version = cli_run(_registry().upload, kind, language, data)
    click.echo(f"accepted: {kind} {language} v{version.version} sha256={version.sha256}")
