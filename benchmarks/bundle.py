"""Evidence bundle: a 1,000-page bundle of 50 items against a naive merge, same run.

    .venv/bin/python benchmarks/bundle.py [--repeat 3] [--scan-dpi 150]

The originals (30 multi-page text PDFs of 24 pages, 16 items of 17 JPEG scans each at A4 and
--scan-dpi, 4 emails with a PDF attachment) go into a LocalFileStore in a temporary folder. Each
variant then runs --repeat times as a fresh process that reports its wall time and its peak RSS
(``ru_maxrss``); printed are the median time and the largest peak:

- bundle: ``assemble()`` itself — img2pdf for every scan, the email pages, cover, a multi-page
  证据目录 drawn to a fixed point, stamps, labels, bookmarks, links, all streamed from the store.
- naive: ``PdfWriter.append`` of the same PDFs and of the scans already converted to PDF (the
  conversion is not timed; emails are left out, having no PDF form), then ``merge_page`` of a
  reportlab stamp page onto every page, and write.

Targets for 1,000 pages: bundle ≤ 1.5× naive time and ≤ 300 MB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
TARGET_MB = 300
PDF_ITEMS, PDF_PAGES = 30, 24
SCAN_ITEMS, SCANS = 16, 17
EMAILS = 4


def prepare(folder: Path, dpi: int) -> None:
    """Write the originals into a store under ``folder`` and the spec (as JSON) beside it."""
    import img2pdf

    from tests.evidence import samples
    from workflow.evidence.spec import EML, JPEG, PDF
    from workflow.filestore import LocalFileStore

    store = LocalFileStore(folder / "store")
    size = (round(8.27 * dpi), round(11.69 * dpi))
    items = []
    naive = []
    number = 0
    for n in range(PDF_ITEMS):
        number += 1
        data = samples.pdf_doc(f"送货单及对账单 第{n + 1}册", PDF_PAGES)
        sha = store.put(data)
        items.append((number, "delivery", "二、送货单与对账单", f"送货单 第{n + 1}册",
                      [(sha, f"delivery-{n + 1}.pdf", PDF)]))
        naive.append(str(store._path(sha)))
    for n in range(SCAN_ITEMS):
        number += 1
        files = []
        for k in range(SCANS):
            jpeg = samples.scan(f"signed delivery note {n}-{k}", size=size, quality=70)
            sha = store.put(jpeg)
            files.append((sha, f"scan-{n}-{k}.jpg", JPEG))
            converted = folder / f"naive-scan-{n}-{k}.pdf"
            converted.write_bytes(img2pdf.convert(jpeg))
            naive.append(str(converted))
        items.append((number, "receipts", "三、签收回执", f"签收回执扫描件 第{n + 1}组", files))
    for n in range(EMAILS):
        number += 1
        sha = store.put(samples.email(samples.pdf_doc("催款函", 1), number=n + 1))
        items.append((number, "letters", "四、催款函", f"催款函及发送邮件（第{n + 1}次）",
                      [(sha, f"letter-{n + 1}.eml", EML)]))
    (folder / "spec.json").write_text(json.dumps({"items": items, "naive": naive}, ensure_ascii=False))


def run_bundle(folder: Path) -> int:
    from tests.evidence import samples
    from workflow.documents.pdf import NullConverter
    from workflow.evidence.assemble import assemble
    from workflow.evidence.spec import SourceFile
    from workflow.filestore import LocalFileStore

    raw = json.loads((folder / "spec.json").read_text())
    items = tuple(samples.item(number, group, title, name, tuple(SourceFile(*f) for f in files),
                               purpose="证明原告已按约交付货物，被告已签收确认；货物数量、规格与合同约定一致")
                  for number, group, title, name, files in raw["items"])
    out = folder / "bundle-out"
    return assemble(samples.bundle(items), LocalFileStore(folder / "store"), NullConverter(), out).page_count


def run_naive(folder: Path) -> int:
    from pypdf import PdfReader, PdfWriter

    from workflow.evidence import pages

    writer = PdfWriter()
    for path in json.loads((folder / "spec.json").read_text())["naive"]:
        writer.append(path)
    total = len(writer.pages)
    stamp_path = folder / "naive-stamps.pdf"
    pages.stamps(stamp_path, total)
    stamps = PdfReader(stamp_path)
    for n, page in enumerate(writer.pages):
        page.merge_page(stamps.pages[n])
    with (folder / "naive-out.pdf").open("wb") as fh:
        writer.write(fh)
    return total


def child(variant: str, folder: Path) -> None:
    start = time.perf_counter()
    count = run_bundle(folder) if variant == "bundle" else run_naive(folder)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": count, "seconds": seconds, "peak_mb": peak_mb}))


def measure(variant: str, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", variant, "--folder", str(folder)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scan-dpi", type=int, default=150)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder)
        return
    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as tmp:
        folder = Path(tmp)
        prepare(folder, args.scan_dpi)
        store_mb = sum(p.stat().st_size for p in (folder / "store").rglob("*") if p.is_file()) / 2**20
        runs: dict[str, list[dict[str, float]]] = {"naive": [], "bundle": []}
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            for variant in runs:
                runs[variant].append(measure(variant, folder))
        print(f"{PDF_ITEMS + SCAN_ITEMS + EMAILS} items, originals {store_mb:.0f} MB "
              f"({SCAN_ITEMS * SCANS} JPEG scans at {args.scan_dpi} dpi), {args.repeat} runs each")
        result = {}
        for variant, rows in runs.items():
            seconds = statistics.median(r["seconds"] for r in rows)
            peak = max(r["peak_mb"] for r in rows)
            result[variant] = (seconds, peak)
            print(f"  {variant:7s} {int(rows[0]['pages']):5d} pages  {seconds:6.2f} s  peak RSS {peak:6.0f} MB")
        ratio = result["bundle"][0] / result["naive"][0]
        ok = ratio <= TARGET_RATIO and result["bundle"][1] <= TARGET_MB
        print(f"  bundle / naive time {ratio:.2f}× (target ≤ {TARGET_RATIO}×); bundle peak "
              f"{result['bundle'][1]:.0f} MB (target ≤ {TARGET_MB} MB) — {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
