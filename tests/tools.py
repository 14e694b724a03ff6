"""Tools the suite needs from the machine (LibreOffice, poppler): missing on a developer's machine, a
test skips; missing under CI, it fails, because .ci/run installs every one of them and a skip there
would hide a broken install."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing_tool(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (under CI .ci/run must install it)", pytrace=False)
    pytest.skip(reason)
