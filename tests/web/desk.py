"""Logging in to the desk with the Flask test client, as a browser would (form + CSRF field)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

PASSWORD = "correct horse battery"


def form_token(html: str, name: str = "csrf_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in the page"
    return found.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD, *, lang: str | None = None) -> str:
    """Logs in through the login form; returns the CSRF token the pages' forms carry."""
    if lang:
        client.set_cookie("dunning_lang", lang)
    page = client.get("/login")
    token = form_token(page.get_data(as_text=True), "login_token")
    resp = client.post("/login", data={"username": username, "password": password, "login_token": token,
                                       "next": "/"})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    home = client.get("/")
    assert home.status_code == 200
    return form_token(home.get_data(as_text=True))
