"""Names the pages show for values stored as codes (roles...). Written with ``lazy_gettext`` so the
catalogue check sees every one of them; areas keep their own labels next to their pages."""

from __future__ import annotations

from flask_babel import lazy_gettext

ROLES = {
    "clerk": lazy_gettext("Finance clerk"),
    "legal": lazy_gettext("Legal"),
    "lawyer": lazy_gettext("Lawyer"),
    "admin": lazy_gettext("Administrator"),
    "sales": lazy_gettext("Salesperson"),
}


def role(code: object) -> str:
    key = str(getattr(code, "value", code))
    return str(ROLES.get(key, key))
