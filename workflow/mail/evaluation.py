"""How well reply handling does on a labelled corpus (``mailbox/samples/labels.json``).

Reports intent accuracy per labelled intent, the extraction hit rate per field, the texts that
leaked a value of our own quoted letter, and how accurate the confident answers are (the threshold
that lets a case move without a clerk). ``dunning reply evaluate DIR`` prints it; the corpus test
fails on it. Reads files, so not pure, but touches nothing else.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workflow.mail.classify import Classification, classify

CONFIDENT = 0.8  # the default threshold above which a case may move without a clerk

# label field → how to read the same fact from our JSON
_FIELDS = ("promised_date", "amount", "currency", "paid_date", "reference", "dispute_reason", "promises",
           "return_date", "case_ref", "bounce_status", "bounce_recipients", "invalid_recipients")


@dataclass
class Miss:
    file: str
    what: str
    expected: object
    got: object


@dataclass
class Evaluation:
    total: int = 0
    per_intent: dict[str, list[int]] = field(default_factory=dict)  # intent → [right, total]
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    fields: dict[str, list[int]] = field(default_factory=dict)  # field → [hits, labelled]
    misses: list[Miss] = field(default_factory=list)
    leaks: list[Miss] = field(default_factory=list)
    confident: list[int] = field(default_factory=lambda: [0, 0])  # [right, total] at ≥ CONFIDENT
    errors: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        right = sum(r for r, _ in self.per_intent.values())
        return right / self.total if self.total else 0.0

    def intent_accuracy(self, *intents: str) -> float:
        right = sum(self.per_intent.get(i, [0, 0])[0] for i in intents)
        total = sum(self.per_intent.get(i, [0, 0])[1] for i in intents)
        return right / total if total else 1.0

    @property
    def extraction_hit_rate(self) -> float:
        hits = sum(h for h, _ in self.fields.values())
        labelled = sum(n for _, n in self.fields.values())
        return hits / labelled if labelled else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "messages": self.total,
            "accuracy": round(self.accuracy, 4),
            "per_intent": {k: {"right": r, "total": n, "accuracy": round(r / n, 4) if n else None}
                           for k, (r, n) in sorted(self.per_intent.items())},
            "extraction_hit_rate": round(self.extraction_hit_rate, 4),
            "fields": {k: {"hits": h, "labelled": n} for k, (h, n) in sorted(self.fields.items())},
            "confident": {"threshold": CONFIDENT, "right": self.confident[0], "total": self.confident[1]},
            "leaks": [m.__dict__ for m in self.leaks],
            "intent_misses": [m.__dict__ for m in self.misses if m.what == "intent"],
            "field_misses": [m.__dict__ for m in self.misses if m.what != "intent"],
            "errors": [m.__dict__ for m in self.errors],
        }


def _got(result: dict[str, Any], name: str) -> object:
    bounce = result.get("bounce") or {}
    if name == "bounce_status":
        return bounce.get("status") if bounce else None
    if name == "bounce_recipients":
        return sorted(bounce.get("recipients", [])) if bounce else None
    if name == "invalid_recipients":
        return sorted(bounce.get("invalid_recipients", [])) if bounce else []
    if name == "promises":
        return [(p["date"], p["amount"]) for p in result.get("promises", [])]
    return result.get(name)


def _expected(label: dict[str, Any], name: str) -> object:
    bounce = label.get("bounce") or {}
    if name == "bounce_status":
        return bounce.get("status") if bounce else None
    if name == "bounce_recipients":
        return sorted(bounce.get("recipients", [])) if bounce else None
    if name == "invalid_recipients":
        return sorted(label.get("invalid_recipients") or [])
    if name == "promises":
        return [(p.get("date"), p.get("amount")) for p in label.get("promises") or []]
    return label.get(name)


def _labelled(label: dict[str, Any], name: str) -> bool:
    """Whether the field counts for this message: it has a value, or the intent is one where it must."""
    value = _expected(label, name)
    if name in ("bounce_status", "bounce_recipients", "invalid_recipients"):
        return label.get("intent") == "bounce"
    if name == "promises":
        return bool(value)
    if name == "case_ref":
        # "sender": nothing in the message names the case; only the contacts in the database can
        return value is not None and label.get("match") != "sender"
    return value not in (None, [], "")


def _leaks(file: str, label: dict[str, Any], result: dict[str, Any]) -> list[Miss]:
    out: list[Miss] = []
    extracted = json.dumps({k: result.get(k) for k in ("promises", "promised_date", "amount", "paid_date",
                                                        "reference", "dispute_reason", "return_date")},
                           ensure_ascii=False)
    for needle in label.get("must_not_contain") or []:
        if needle and (needle in (result.get("reply_text") or "") or needle in extracted):
            out.append(Miss(file, "must_not_contain", needle, "found"))
    quoted = label.get("quoted_letter") or {}
    values = {v for v in quoted.values() if v}
    mine = {result.get("promised_date"), result.get("amount"), result.get("paid_date")}
    for p in result.get("promises") or []:
        mine |= {p.get("date"), p.get("amount")}
    for v in sorted(values & {m for m in mine if m}):
        out.append(Miss(file, "quoted_value", v, "extracted"))
    return out


def evaluate(directory: Path, *, fallback_day: date) -> Evaluation:
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    ev = Evaluation()
    for label in labels:
        file = str(label["file"])
        path = directory / file
        try:
            result: Classification = classify(path.read_bytes(), fallback_day=fallback_day)
        except Exception as exc:  # a crash on one message is a finding, not the end of the report
            ev.errors.append(Miss(file, "error", None, repr(exc)))
            continue
        got = result.as_json()
        expected = str(label["intent"])
        ev.total += 1
        bucket = ev.per_intent.setdefault(expected, [0, 0])
        bucket[1] += 1
        ev.confusion[(expected, result.intent)] += 1
        if result.intent == expected:
            bucket[0] += 1
        else:
            ev.misses.append(Miss(file, "intent", expected, result.intent))
        if result.confidence >= CONFIDENT:
            ev.confident[1] += 1
            ev.confident[0] += int(result.intent == expected)
        for name in _FIELDS:
            if not _labelled(label, name):
                continue
            slot = ev.fields.setdefault(name, [0, 0])
            slot[1] += 1
            want, have = _expected(label, name), _got(got, name)
            if want == have:
                slot[0] += 1
            else:
                ev.misses.append(Miss(file, name, want, have))
        for phrase in label.get("reply_text_contains") or []:
            slot = ev.fields.setdefault("reply_text_contains", [0, 0])
            slot[1] += 1
            if phrase in result.reply_text:
                slot[0] += 1
            else:
                ev.misses.append(Miss(file, "reply_text_contains", phrase, result.reply_text[:200]))
        ev.leaks += _leaks(file, label, got)
    return ev
