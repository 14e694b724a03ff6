"""The contract excerpts and letters of ``corpus.json``, as clerks really write them, in Chinese and
English, each with the findings a lawyer expects.

A contract excerpt lists ``fires`` (rule → severity that must be among the findings) and ``silent``
(rules that must not fire); rules in neither are not asserted for it. Whole contracts live in
``samples/``. The linter runs with the one-year LPR at 3.00% and the default lines (warning above
4×, note above 1.5×).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Excerpt:
    id: str
    text: str
    fires: dict[str, str] = field(default_factory=dict)
    silent: frozenset[str] = frozenset()
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Letter:
    id: str
    text: str
    worst: str | None  # the most severe finding expected; None for a clean letter
    categories: frozenset[str] = frozenset()


def sample(name: str) -> str:
    return (HERE / "samples" / name).read_text(encoding="utf-8")


def _load() -> tuple[tuple[Excerpt, ...], tuple[Letter, ...]]:
    raw = json.loads((HERE / "corpus.json").read_text(encoding="utf-8"))
    excerpts = tuple(
        Excerpt(e["id"], e["text"] if "text" in e else sample(e["file"]), dict(e["fires"]),
                frozenset(e["silent"]), dict(e.get("context", {})))
        for e in raw["contracts"])
    letters = tuple(Letter(x["id"], x["text"], x["worst"], frozenset(x["categories"])) for x in raw["letters"])
    return excerpts, letters


EXCERPTS, LETTERS = _load()
CLEAN_ZH = sample("clean_zh.txt")
CLEAN_EN = sample("clean_en.txt")
ZH_PARTIES = (
    "出卖人（甲方）：上海宝钢包装股份有限公司\n住所：上海市宝山区同济路1000号\n"
    "买受人（乙方）：深圳市华星光电技术有限公司\n住所：深圳市光明新区塘明大道9-2号\n"
)
