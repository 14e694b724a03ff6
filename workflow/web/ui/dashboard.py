"""The dashboard: what needs a clerk's attention today."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from workflow.web.ui.page import nav_item, page, render

bp = Blueprint("ui_dashboard", __name__)
nav_item("Dashboard", "ui_dashboard.dashboard", order=0)


@page(bp, "/")
def dashboard() -> ResponseReturnValue:
    return render("ui/dashboard/index.html")
