"""Reply handling throughput: decode + strip quotes + classify over the corpus, against plain stdlib parsing.

    .venv/bin/python benchmarks/replies.py [--dir mailbox/samples] [--repeat 5]

Every .eml under DIR (replies and delivery reports) is read into memory once. Each round runs, on one
core, interleaved so both see the same machine load:

- plain: ``email.message_from_bytes(raw, policy=policy.default)`` and ``get_body(('plain', 'html'))
  .get_content()`` (what a naive reader would do; a message it cannot read counts as read);
- ours: ``workflow.mail.classify.classify(raw)`` — compat32 parse, our own decoding of every header
  and part, HTML to text, quote and signature stripping, bounce/auto-reply detection, intent and
  extraction.

Printed: messages per second of each (best round), and ours relative to plain.
Targets: ≥ 300 messages/s end to end on one core, and no slower than 2× plain parsing.
"""

from __future__ import annotations

import argparse
import email
import sys
import time
from datetime import date
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflow.mail.classify import classify  # noqa: E402

TARGET_RATE = 300.0
TARGET_RATIO = 2.0


def _plain(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=policy.default)
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
        return str(body.get_content()) if body is not None else ""
    except Exception:  # the stdlib raises on what it cannot read; a naive reader would skip it
        return ""


def _ours(raw: bytes) -> str:
    return classify(raw, fallback_day=date(2026, 11, 30)).intent


def _round(messages: list[bytes], fn: object) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for raw in messages:
        fn(raw)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "mailbox" / "samples")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    messages = [p.read_bytes() for p in sorted(args.dir.rglob("*.eml"))]
    if not messages:
        print(f"no .eml files under {args.dir}")
        return 2
    size = sum(len(m) for m in messages)
    for raw in messages:  # warm up: imports, regex compilation, codec lookups
        _plain(raw)
        _ours(raw)
    plain_best = ours_best = float("inf")
    for _ in range(args.repeat):
        plain_best = min(plain_best, _round(messages, _plain))
        ours_best = min(ours_best, _round(messages, _ours))
    n = len(messages)
    plain_rate, ours_rate = n / plain_best, n / ours_best
    ratio = ours_best / plain_best
    print(f"corpus: {n} messages, {size / 1024:.0f} KiB, best of {args.repeat} rounds, one core")
    print(f"plain stdlib parse + get_body:        {plain_rate:8.0f} msgs/s  ({plain_best * 1000 / n:.2f} ms/msg)")
    print(f"parse + strip + classify (ours):      {ours_rate:8.0f} msgs/s  ({ours_best * 1000 / n:.2f} ms/msg)")
    print(f"ours / plain time:                    {ratio:8.2f}×")
    ok_rate, ok_ratio = ours_rate >= TARGET_RATE, ratio <= TARGET_RATIO
    print(f"target ≥ {TARGET_RATE:.0f} msgs/s: {'met' if ok_rate else 'MISSED'}; "
          f"target ≤ {TARGET_RATIO:.0f}× plain: {'met' if ok_ratio else 'MISSED'}")
    return 0 if ok_rate and ok_ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
