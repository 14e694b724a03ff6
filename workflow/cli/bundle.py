"""CLI commands: a case's evidence bundle (``dunning bundle build|list``).

``build`` asks for the bundle and builds it in this process (not by a job), then writes the PDF,
the ZIP and the manifest; the downloads are audit-logged as the API's are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from workflow.cli import cli_core, cli_run, cli_unit_of_work, help_text, say
from workflow.errors import Conflict
from workflow.evidence.models import BundleStatus
from workflow.evidence.service import Bundles, describe, pdf_filename, zip_filename
from workflow.filestore import CHUNK
from workflow.unit_of_work import UnitOfWork

_REF = help_text("案件编号，如 AR-2026-0042", "the case reference, e.g. AR-2026-0042")


def register(cli: click.Group) -> None:
    cli.add_command(bundle)


def _bundles() -> Bundles:
    return cli_core().services.bundles


@click.group("bundle", help=help_text("证据材料：生成案件的证据目录、PDF 与原件压缩包",
                                      "Evidence bundles: a case's evidence list, PDF and ZIP of originals."))
def bundle() -> None:
    pass


@bundle.command("build", help=help_text(
    "生成案件的证据材料，并写出 PDF、ZIP（PDF、清单与全部原件）和 manifest.json",
    "Build the case's bundle and write its PDF, the ZIP (PDF, manifest and every original) and manifest.json."))
@click.argument("ref", help=_REF)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help=help_text("输出目录", "the folder to write to"))
def bundle_build(ref: str, out_dir: Path) -> None:
    service = _bundles()

    def ask(uow: UnitOfWork) -> tuple[int, str]:
        row = service.request(uow, ref, enqueue=False)
        return row.id, service.case(uow, ref).ref

    bundle_id, case_ref = cli_run(ask)
    status = service.build(bundle_id)
    if status != BundleStatus.READY.value:
        with cli_unit_of_work(read_only=True) as uow:
            row, _ = service.get(uow, bundle_id)
            error = row.error or status
        raise Conflict(f"证据材料 {bundle_id} 未生成：{error}", f"bundle {bundle_id} was not built: {error}")
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {"pdf": out_dir / pdf_filename(case_ref), "zip": out_dir / zip_filename(case_ref),
               "manifest": out_dir / "manifest.json"}
    with cli_unit_of_work() as uow:
        for what, path in targets.items():
            d = service.download(uow, bundle_id, what)
            with d.stream as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
    with cli_unit_of_work(read_only=True) as uow:
        row, _ = service.get(uow, bundle_id)
        pages = row.page_count
    click.echo(say(f"证据材料 {bundle_id}：{case_ref}，共 {pages} 页",
                   f"bundle {bundle_id}: {case_ref}, {pages} pages"))
    for path in targets.values():
        click.echo(str(path))


@bundle.command("list", help=help_text("案件的证据材料（最新在前）", "The case's bundles, newest first."))
@click.argument("ref", help=_REF)
def bundle_list(ref: str) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        case_ref = _bundles().case(uow, ref).ref
        rows = [describe(b, case_ref) for b in _bundles().of_case(uow, ref)]
    if not rows:
        click.echo(say(f"{case_ref}：尚无证据材料", f"{case_ref}: no bundles yet"))
    for r in rows:
        pages = "-" if r["page_count"] is None else str(r["page_count"])
        line = f"{r['id']}\t{r['status']}\t{r['requested_at'][:16]}\t{r['requested_by']}\t{pages}"
        click.echo(line + (f"\t{r['error']}" if r["error"] else ""))
