"""The service as an operator runs it: the console script and gunicorn over wsgi.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dunning_console_script_lists_its_commands() -> None:
    out = subprocess.run([str(BIN / "dunning"), "--help"], capture_output=True, text=True, check=True)
    for command in ("check-settings", "db", "user", "audit"):
        assert command in out.stdout


def test_cli_bad_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path)}
    subprocess.run([str(BIN / "dunning"), "db", "upgrade"], env=env, check=True, capture_output=True)
    res = subprocess.run([str(BIN / "dunning"), "user", "create", "Bad Name!", "--name", "x", "--role", "clerk"],
                         env=env, capture_output=True, text=True)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "username" in res.stderr


@pytest.mark.integration
def test_gunicorn_serves_wsgi_app(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path)}
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2) as r:
                    doc = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert doc["info"]["title"] == "Dunning Desk API"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
