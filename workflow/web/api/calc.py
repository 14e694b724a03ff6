"""API resources: calc."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calc", __name__)
