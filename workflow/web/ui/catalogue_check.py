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

from workflow.web.ui.i18n import catalogue

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


def main() -> int:
    gaps = missing()
    seen: set[str] = set()
    for filename, lineno, msgid in gaps:
        if msgid not in seen:
            seen.add(msgid)
            print(f"{filename}:{lineno}\t{msgid}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
