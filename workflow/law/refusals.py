"""Why the law engine declines to answer, in both languages, naming the input at fault.

A calculation that would have to guess (a rate not yet published, a holiday calendar not yet
announced) is refused rather than printed: a wrong number on a court filing is worse than none.
"""

from __future__ import annotations


class LawRefusal(ValueError):
    """``field`` is the dotted input path the caller should fix ("" for the request as a whole)."""

    def __init__(self, field: str, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field = field
        self.code = code
        self.zh = zh
        self.en = en

    def at(self, field: str) -> LawRefusal:
        """The same refusal re-addressed to the caller's own field name."""
        return LawRefusal(field, self.code, self.zh, self.en)
