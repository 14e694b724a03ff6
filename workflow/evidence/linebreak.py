"""Chinese line breaking for the bundle's pages (禁则: no line starts with closing punctuation).

reportlab's CJK wrapping hangs one closing mark in the right margin but lets the next one start a
line, so "…8月31日）。" printed "。" alone at the head of a line — in a court document. Lines are
broken here first and handed to reportlab with explicit breaks: a closing mark (and what precedes
it) moves down together, an opening bracket never ends a line, and a Latin word or number (an
amount, an email address) is not cut when a break point within it can be avoided.
"""

from __future__ import annotations

from collections.abc import Callable

# may not start a line: closing brackets and quotes, sentence and clause marks, ellipsis, units
NO_START = frozenset("。，、；：？！）】」』》〉〕］｝’”…‥·—～％‰℃,.;:?!)]}%")
# may not end a line: opening brackets and quotes, currency signs
NO_END = frozenset("（【「『《〈〔［｛‘“([{¥￥$")
MAX_BACKOFF = 4  # closing marks pulled down with their character
MAX_WORD = 24  # a Latin run longer than this is cut where it must


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` in lines no wider than ``width`` (``measure`` gives a character's width); the
    text's own line ends are kept."""
    out: list[str] = []
    for source in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for ch in source:
            w = measure(ch)
            if line and used + w > width:
                cut = _cut(line, ch)
                out.append("".join(line[:cut]).rstrip())
                line = line[cut:]
                while line and line[0] == " ":
                    line.pop(0)
                used = sum(measure(c) for c in line)
                if ch == " " and not line:
                    continue
            line.append(ch)
            used += w
        out.append("".join(line))
    return out


def _cut(line: list[str], nxt: str) -> int:
    """Where to end ``line`` when ``nxt`` no longer fits: at its end if the rules allow, else as
    near its end as they allow; a break no rule allows falls back to the end of the width."""
    k = _latin_word_start(line, len(line), nxt)
    for _ in range(MAX_BACKOFF):
        head = line[k] if k < len(line) else nxt
        if k > 1 and (head in NO_START or line[k - 1] in NO_END):
            k = _latin_word_start(line, k - 1, line[k - 1])
        else:
            return k
    return len(line)


def _latin_word_start(line: list[str], k: int, head: str) -> int:
    """``k``, or the start of the Latin word (an amount, an address) that a break at ``k`` would cut."""
    if not (_latin(head) and k > 0 and _latin(line[k - 1])):
        return k
    j = k
    while j > 1 and k - j < MAX_WORD and _latin(line[j - 1]):
        j -= 1
    return j if k - j < MAX_WORD and j > 1 else k
