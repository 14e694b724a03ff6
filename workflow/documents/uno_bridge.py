"""Runs under the system Python that has LibreOffice's ``uno`` module (Debian: python3-uno), not
in our virtualenv. It starts one headless soffice, connects over a private pipe, and converts DOCX
to PDF for as long as its parent keeps it: no soffice start-up per document.

Protocol on stdin/stdout, frames of two big-endian uint32 lengths (JSON header, body) + data:
  ready  → {"ready": true, "office_pid": N}
  request ← {"sizes": [n1, n2, ...]} + the DOCX files concatenated
  replies → one frame per document, in order: {"ok": true} + PDF, or {"ok": false, "error": "..."}
If the office process dies, the bridge says so and exits; the parent starts a new one.
"""

import contextlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

HEAD = struct.Struct(">II")


def send(header: dict[str, object], body: bytes = b"") -> None:
    head = json.dumps(header).encode()
    sys.stdout.buffer.write(HEAD.pack(len(head), len(body)) + head + body)
    sys.stdout.buffer.flush()


def prop(name: str, value: object) -> object:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe: str, office: "subprocess.Popen[bytes]") -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if office.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def office_binary_pid(launcher: int) -> int:
    """soffice is a script that runs oosplash, which starts soffice.bin: report the one doing the work."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == launcher:
                return int(entry)
        time.sleep(0.05)
    return launcher


def main() -> None:
    soffice, work = sys.argv[1], tempfile.mkdtemp(prefix="dunning-lo-")
    pipe = f"dunning_{os.getpid()}"
    office = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
         f"-env:UserInstallation=file://{work}/profile", f"--accept=pipe,name={pipe};urp;"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    office_pid = office.pid
    try:
        desktop = connect(pipe, office)
        office_pid = office_binary_pid(office.pid)
        send({"ready": True, "office_pid": office_pid})
        stdin = sys.stdin.buffer
        n = 0
        while True:
            raw = stdin.read(HEAD.size)
            if len(raw) < HEAD.size:
                return
            head_len, body_len = HEAD.unpack(raw)
            sizes = json.loads(stdin.read(head_len))["sizes"]
            body = stdin.read(body_len)
            offset = 0
            for size in sizes:
                n += 1
                src, dst = f"{work}/{n}.docx", f"{work}/{n}.pdf"
                with open(src, "wb") as fh:
                    fh.write(body[offset:offset + size])
                offset += size
                try:
                    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0,
                                                       (prop("Hidden", True), prop("ReadOnly", True)))
                    if doc is None:
                        send({"ok": False, "error": "LibreOffice could not open the DOCX"})
                        continue
                    try:
                        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "writer_pdf_Export"),))
                    finally:
                        doc.close(True)
                    with open(dst, "rb") as fh:
                        send({"ok": True}, fh.read())
                except Exception as exc:
                    if office.poll() is not None or not os.path.exists(f"/proc/{office_pid}") \
                            or "Disposed" in type(exc).__name__:
                        send({"ok": False, "error": f"office process died: {exc}", "fatal": True})
                        return
                    send({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
                finally:
                    for path in (src, dst):
                        if os.path.exists(path):
                            os.unlink(path)
    finally:
        for pid in (office_pid, office.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        office.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
