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
        deadline = time.monotonic() + 120  # start-up on a loaded machine; not a measurement
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


@pytest.mark.integration
def test_dunning_up_serves_the_demo_with_the_printed_logins(tmp_path: Path) -> None:
    """The README's first command, after the install: a new user gets a working service with data."""
    import http.cookiejar
    import re

    port = _free_port()
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path / "instance")}
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "dunning"), "up", "--port", str(port)], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1", timeout=2) as r:
                    assert json.loads(r.read())["api"] == "/api/v1"
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.5)
        printed = log.read_text()
        assert f"http://127.0.0.1:{port}" in printed
        # the printed URL opens the desk: its login page, in Chinese
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert r.url.endswith("/login?next=/") and "催款台" in r.read().decode()
        match = re.search(r"clerk\s+(\S+) / (\S+)", printed)
        assert match, printed
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login", method="POST",
            data=json.dumps({"username": match[1], "password": match[2]}).encode(),
            headers={"Content-Type": "application/json"})
        opener.open(login, timeout=10).read()
        with opener.open(f"http://127.0.0.1:{port}/api/v1/customers?per_page=1", timeout=10) as r:
            assert json.loads(r.read())["total"] >= 30
        with opener.open(f"http://127.0.0.1:{port}/api/v1/invoices?per_page=1", timeout=10) as r:
            assert json.loads(r.read())["total"] >= 500
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dunning_up_on_a_taken_port_says_which_to_pass(tmp_path: Path) -> None:
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path / "instance")}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = subprocess.run([str(BIN / "dunning"), "up", "--port", str(port)], env=env, capture_output=True,
                             text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"端口 {port} 已被占用" in lines[0] and "--port" in lines[0], res.stderr
    assert "http://" not in res.stdout  # no URL of a server that is not ours
