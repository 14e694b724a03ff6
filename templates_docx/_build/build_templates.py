"""Build the shipped DOCX templates into templates_docx/{kind}.{zh|en}.docx.

Run from the repository root:  .venv/bin/python templates_docx/_build/build_templates.py
The output is deterministic (fixed zip timestamps), so rebuilding an unchanged template changes
no bytes and git shows only real edits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from contract import sales_contract  # noqa: E402
from docbuilder import Doc  # noqa: E402
from letters import dunning_letter, lawyer_letter, payment_reminder  # noqa: E402
from records import interest_sheet, repayment_agreement, statement  # noqa: E402

OUT = HERE.parent

BUILDERS: dict[str, Callable[[str], Doc]] = {
    "sales_contract": sales_contract,
    "payment_reminder": payment_reminder,
    "dunning_letter_1": lambda lang: dunning_letter(lang, 1),
    "dunning_letter_2": lambda lang: dunning_letter(lang, 2),
    "dunning_letter_3": lambda lang: dunning_letter(lang, 3),
    "statement": statement,
    "lawyer_letter": lawyer_letter,
    "repayment_agreement": repayment_agreement,
    "interest_sheet": interest_sheet,
}


def build(out: Path = OUT, kinds: list[str] | None = None) -> list[Path]:
    written = []
    for kind, builder in BUILDERS.items():
        if kinds and kind not in kinds:
            continue
        for lang in ("zh", "en"):
            path = out / f"{kind}.{lang}.docx"
            builder(lang).save(path)
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help="only these kinds (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: templates_docx/)")
    args = parser.parse_args()
    for path in build(args.out, args.kinds or None):
        print(path)


if __name__ == "__main__":
    main()
