"""Proper nouns as the corpus writes them, to read questions typed in lower case.

Users type "forum 2024 vs forum 2025" or "le delegazioni a boston, osaka e singapore";
the splitter recognises entities by their capitals. A word counts as a proper noun
when the corpus writes it capitalised (away from the start of a sentence) in most of
its occurrences: "Boston", "MEDICA", "Ponti", "Forum". :func:`truecase` gives such
words of a question their usual spelling and leaves every other word alone, so the
lexicon is learned from the documents, never written by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from assistant.text import fold

_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;»\"(\-*#|]\s*|\n\s*)$")
MIN_SEEN = 2  # occurrences a word needs before its spelling is trusted
MIN_SHARE = 0.8  # share of capitalised occurrences that makes a word a proper noun


class ProperNouns:
    """Spelling of the words the corpus writes capitalised (folded word -> spelling)."""

    def __init__(self, texts: Iterable[str]) -> None:
        upper: Counter[str] = Counter()
        total: Counter[str] = Counter()
        spelling: dict[str, Counter[str]] = {}
        for text in texts:
            for m in _WORD.finditer(text):
                w = m.group()
                if _SENTENCE_START.search(text[max(0, m.start() - 3):m.start()]):
                    continue  # a capital there says nothing
                key = fold(w)
                total[key] += 1
                if w[:1].isupper():
                    upper[key] += 1
                    spelling.setdefault(key, Counter())[w] += 1
        self.spelling = {k: spelling[k].most_common(1)[0][0] for k, n in upper.items()
                         if n >= MIN_SEEN and n >= MIN_SHARE * total[k] and len(k) >= 3}

    def truecase(self, question: str) -> str:
        """``question`` with its lower-case proper nouns spelled as in the corpus."""
        def fix(m: re.Match[str]) -> str:
            w = m.group()
            if not w.islower():
                return w
            return self.spelling.get(fold(w), w)
        return _WORD.sub(fix, question)
