"""Cut a contract into articles and sentences the rules can read.

Contracts arrive as free text: numbered articles (第八条 / Article 8 / 8. / 八、), sub-items on their
own lines, full-width digits and punctuation from Word, sometimes one long paragraph. Each sentence
keeps its original wording (shown to the user as ``clause_text``) next to a normalised form (NFKC:
full-width digits, letters, %, colons and brackets become ASCII) that the rules match against, and
knows the article it belongs to, because a payment trigger in one sentence may get its deadline in
the next.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+条|article\s+\d+|clause\s+\d+|section\s+\d+"
    r"|\d{1,2}\s*[、.．](?!\d)|[一二三四五六七八九十]{1,3}\s*、)",
    re.IGNORECASE,
)
# sentence ends: Chinese 。！？ always; ASCII . only when followed by a space and a capital or an
# opening bracket, so 0.05%, No. 3 and "art. 7" of a statute stay inside their sentence
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[a-z)\]\"'”][.])\s+(?=[A-Z(\"“])")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def normalise(text: str) -> str:
    """NFKC (full-width → ASCII), unify quotes and squeeze runs of spaces; keeps line breaks."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", text)


@dataclass(frozen=True)
class Sentence:
    text: str  # as written, for the finding's clause_text
    norm: str  # normalised, for matching
    article: int  # index into Document.articles


@dataclass(frozen=True)
class Document:
    sentences: tuple[Sentence, ...]
    articles: tuple[str, ...]  # normalised text of each article
    norm: str  # the whole normalised text

    def article_of(self, sentence: Sentence) -> str:
        return self.articles[sentence.article]


def _split_sentences(paragraph: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(paragraph)]
    return [p for p in parts if p]


def segment(text: str) -> Document:
    """Split ``text`` into sentences grouped by article."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    articles: list[list[str]] = []
    sentences: list[Sentence] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        norm_line = normalise(line)
        if not articles or _HEADING.match(norm_line):
            articles.append([])
        articles[-1].append(norm_line)
        for part in _split_sentences(line):
            sentences.append(Sentence(part, normalise(part).strip(), len(articles) - 1))
    article_texts = tuple("\n".join(lines) for lines in articles)
    return Document(tuple(sentences), article_texts, "\n".join(article_texts))
