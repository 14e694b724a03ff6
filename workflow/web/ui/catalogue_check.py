"""Which messages of the desk have no Chinese translation yet.

    python -m workflow.web.ui.catalogue_check     # lists them (file:line  message); exit 1 if any

Messages are found the way ``pybabel extract`` finds them: ``_()``, ``gettext``, ``ngettext`` and
``lazy_gettext`` calls in the desk's Python modules and ``{{ _("...") }}`` / ``{% trans %}`` in its
templates. ``tests/web/test_i18n.py`` runs the same check.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from workflow.web.ui.i18n import CATALOGUES, catalogue

UI = Path(__file__).resolve().parent
# nav_item(label, ...) and Column(key, label, ...) take message ids the page translates when drawn
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "nav_item": (1,), "Column": (2,)}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def messages() -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(UI), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": ""}}):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.append((filename, lineno, msgid))
    return found


def missing(locale: str = "zh_CN") -> list[tuple[str, int, str]]:
    translations = catalogue(locale)
    out = []
    for filename, lineno, msgid in messages():
        if translations.gettext(msgid) == msgid:
            out.append((filename, lineno, msgid))
    return out


def conflicts(locale: str = "zh_CN") -> dict[str, dict[str, str]]:
    """Messages two areas translate differently. The catalogues are merged into one, so only one
    wording would show everywhere: a message with two meanings needs two messages ("Due" a date,
    "Due in period" an amount), and one meaning gets one wording across the desk."""
    seen: dict[str, dict[str, str]] = {}
    for po in sorted((CATALOGUES / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            cat = read_po(f, locale=locale)
        for m in cat:
            if m.id and m.string:
                key = m.id if isinstance(m.id, str) else m.id[0]
                text = m.string if isinstance(m.string, str) else m.string[0]
                seen.setdefault(key, {})[po.stem] = text
    return {k: v for k, v in seen.items() if len(set(v.values())) > 1}


def main() -> int:
    for msgid, wordings in conflicts().items():
        print(f"translated differently\t{msgid}\t{wordings}")
    gaps = missing()
    seen: set[str] = set()
    for filename, lineno, msgid in gaps:
        if msgid not in seen:
            seen.add(msgid)
            print(f"{filename}:{lineno}\t{msgid}")
    return 1 if gaps or conflicts() else 0


if __name__ == "__main__":
    sys.exit(main())
