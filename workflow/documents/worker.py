"""A separate process, with memory and file limits, that checks and renders uploaded templates.

The Jinja sandbox stops a template from reaching Python internals; this process stops one from
exhausting the machine: its address space is capped (``RLIMIT_AS``), it may not create files or
processes, it gets no environment (no database URL, no secrets), and the parent kills it when a
job passes its time limit and starts a fresh one for the next job. Results come back as JSON and
raw bytes, never pickle, so even a compromised worker cannot run code in the web process.

Frame on the pipe: two big-endian uint32 lengths (JSON header, body), then the header, then the body.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from workflow.documents.frames import HEAD, read_frame, write_frame
from workflow.errors import DomainError, FieldProblem, ValidationFailed

DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY = 1024 * 1024 * 1024


def _problem_header(exc: DomainError) -> dict[str, Any]:
    return {"ok": False, "problems": [[p.field, p.code, p.zh, p.en] for p in exc.problems],
            "extra": exc.extra}


def _serve() -> None:  # pragma: no cover - runs in the child process
    import resource

    limit = int(os.environ.get("DUNNING_WORKER_MEMORY", DEFAULT_MEMORY))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    from workflow.documents.checks import inspect_template
    from workflow.documents.render import TemplateCache

    cache = TemplateCache(size=16)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        raw = stdin.read(HEAD.size)
        if len(raw) < HEAD.size:
            return
        head_len, body_len = HEAD.unpack(raw)
        header = json.loads(stdin.read(head_len))
        body = stdin.read(body_len)
        try:
            if header["op"] == "check":
                _, docx = inspect_template(cache, body, header["variables"], header["context"])
            else:
                docx = cache.get(body).render(header["context"])
            write_frame(stdout, {"ok": True}, docx)
        except DomainError as exc:
            write_frame(stdout, _problem_header(exc))
        except MemoryError:
            cache = TemplateCache(size=16)
            write_frame(stdout, {"ok": False, "problems": [[
                "file", "too_much_memory", "模板渲染所需内存超过上限，已中止",
                "rendering the template needs more memory than allowed; stopped"]], "extra": {}})
        except Exception as exc:
            write_frame(stdout, {"ok": False, "problems": [[
                "file", "render_failed", f"模板渲染失败：{type(exc).__name__}: {exc}",
                f"rendering failed: {type(exc).__name__}: {exc}"]], "extra": {}})


class RenderWorker:
    """The parent's handle on the worker process: one job at a time, restarted when needed."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, memory_bytes: int = DEFAULT_MEMORY) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def check(self, template: bytes, variables: Mapping[str, str], sample: Mapping[str, Any]) -> bytes:
        return self._call({"op": "check", "variables": dict(variables), "context": sample}, template)

    def render(self, template: bytes, context: Mapping[str, Any]) -> bytes:
        return self._call({"op": "render", "context": context}, template)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _start(self) -> subprocess.Popen[bytes]:
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "DUNNING_WORKER_MEMORY": str(self.memory_bytes)}
        return subprocess.Popen([sys.executable, "-I", "-m", "workflow.documents.worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, cwd="/", close_fds=True)

    def _call(self, header: Mapping[str, Any], body: bytes) -> bytes:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._discard()
                self._proc = self._start()
            proc = self._proc
            assert proc.stdin is not None and proc.stdout is not None
            try:
                write_frame(proc.stdin, header, body)
                reply, data = read_frame(proc.stdout.fileno(), time.monotonic() + self.timeout)
            except TimeoutError:
                self._discard()
                raise ValidationFailed([FieldProblem(
                    "file", "render_timeout", f"模板渲染超过 {self.timeout:g} 秒，已中止",
                    f"rendering the template took longer than {self.timeout:g} s; stopped")]) from None
            except (OSError, EOFError, ValueError):
                self._discard()
                raise ValidationFailed([FieldProblem(
                    "file", "render_crashed", "模板渲染进程意外退出（可能超出内存上限）",
                    "the rendering process died (probably over its memory limit)")]) from None
        if reply.get("ok"):
            return data
        raise ValidationFailed([FieldProblem(*p) for p in reply["problems"]], extra=reply.get("extra") or {})

    def _discard(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        with self._lock:
            self._discard()


if __name__ == "__main__":
    _serve()
