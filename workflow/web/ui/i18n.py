"""The pages' languages: Chinese by default, English by a switch.

Messages are written in English in the code and the templates (``_("Cases")``) and translated in
gettext catalogues, one per area of the desk: ``workflow/web/translations/zh_CN/LC_MESSAGES/*.po``.
The catalogues are read as they are, once per process, and merged (no compiled ``.mo`` files to
keep in step with them); ``tests/web/test_i18n.py`` checks that every message of every page and
template has its Chinese translation.

The language of a page is, in order: the language the user switched to (a cookie), the language
of their profile, the installation's default (``DUNNING_LOCALE``).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import g, request
from flask_babel import Babel, Domain

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
LANG_COOKIE = "dunning_lang"
LOCALES = ("zh_CN", "en")


@cache
def catalogue(locale: str) -> Translations | NullTranslations:
    """Every catalogue of ``locale`` merged into one (English needs none: it is the source)."""
    folder = CATALOGUES / locale / "LC_MESSAGES"
    if not folder.is_dir():
        return NullTranslations()
    merged: Translations | None = None
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as f:
            cat = read_po(f, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, cat, use_fuzzy=False)
        buf.seek(0)
        loaded = Translations(buf, domain=po.stem)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged if merged is not None else NullTranslations()


class CatalogueDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, reading our merged catalogues instead of ``.mo`` files."""

    def get_translations(self) -> Translations | NullTranslations:
        return catalogue(page_locale())


def page_locale() -> str:
    cached: str | None = g.get("page_locale")
    if cached:
        return cached
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen not in LOCALES:
        actor = g.get("actor")
        chosen = actor.locale if actor is not None and actor.locale in LOCALES else ""
    if not chosen:
        from workflow.web.api.base import core

        chosen = core().settings.locale
    g.page_locale = chosen
    return chosen


def is_zh() -> bool:
    return page_locale() == "zh_CN"


def pick(zh: str, en: str) -> str:
    """For text the domain already carries in both languages (an error's zh and en message)."""
    return zh if is_zh() else en


def install(app: Any) -> None:
    babel = Babel()
    babel.init_app(app, default_locale="zh_CN", default_timezone="Asia/Shanghai", locale_selector=page_locale)
    # Flask-Babel builds its domain from .mo files on first use; ours reads the .po catalogues
    babel.domain_instance = CatalogueDomain()


def html_lang() -> str:
    return "zh-CN" if is_zh() else "en"


