"""BM25 over the manifest's stored tokens, one index per visibility tier.

Tokens are produced by :func:`assistant.text.analyze` (per-language Snowball
stemming + stopwords) at ingest and stored in the manifest, so the BM25 matrix is
derived data: it is rebuilt from those tokens whenever the manifest's version
changes and persisted with the analyser name, and a saved index made with another
analyser is never loaded (bm25s' own persistence forgets the stemmer).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from assistant.models import VISIBILITIES, Filters, RetrievedChunk
from assistant.stores.filtering import date_int
from assistant.stores.manifest import ChunkRow, ManifestStore
from assistant.text import COGNATE_MIN, COGNATE_RATIO, is_cognate

# the analyser (assistant.text.analyze) plus the index-side term expansion below
ANALYZER = "fold+stopwords+snowball/v1+bigrams/v1"
BM25_PARAMS = {"k1": 1.2, "b": 0.75}
log = logging.getLogger(__name__)


def _codes(values: list[str]) -> tuple[dict[str, int], np.ndarray]:
    """Categorical encoding: comparing int codes is ~20x faster than object arrays."""
    names, inverse = np.unique(np.array(values, dtype=str), return_inverse=True)
    return {str(n): i for i, n in enumerate(names)}, inverse.astype(np.int32)


@dataclass
class _Columns:
    """Per-row metadata as arrays, so filters become boolean masks cheaply."""

    doc_type: tuple[dict[str, int], np.ndarray]
    date: np.ndarray
    region: tuple[dict[str, int], np.ndarray]
    tags: dict[str, list[int]] = field(default_factory=dict)
    sectors: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[ChunkRow]) -> _Columns:
        tags: dict[str, list[int]] = defaultdict(list)
        sectors: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            for t in r.meta.get("tags", []):
                tags[str(t).strip().lower()].append(i)
            for s in r.meta.get("sectors", []):
                sectors[str(s).strip().lower()].append(i)
        return cls(
            doc_type=_codes([str(r.meta.get("doc_type", "")) for r in rows]),
            date=np.array([date_int(r.meta.get("date")) for r in rows], dtype=np.int64),
            region=_codes([str(r.meta.get("region", "")).strip().lower() for r in rows]),
            tags=dict(tags), sectors=dict(sectors))

    def mask(self, f: Filters) -> np.ndarray:
        """Rows that pass every filter (tags and sectors: any of the values)."""
        m = np.ones(len(self.date), dtype=bool)
        for value, (names, codes) in ((f.doc_type, self.doc_type),
                                      (f.region and f.region.strip().lower(), self.region)):
            if value:
                m &= codes == names.get(value, -1)
        for values, index in ((f.tags, self.tags), (f.sectors, self.sectors)):
            if values:
                any_of = np.zeros_like(m)
                for v in values:
                    any_of[index.get(v.strip().lower(), [])] = True
                m &= any_of
        if f.date_from:
            m &= self.date >= date_int(f.date_from)
        if f.date_to:
            m &= (self.date <= date_int(f.date_to)) & (self.date > 0)
        return m


def index_terms(tokens: list[str]) -> list[str]:
    """Unigrams plus adjacent pairs ("capital impero" from "capitale dell'impero").

    Stopwords are already gone, so a pair spans them; pairs reward phrase matches
    and names ("san raffaele"): +0.8 MRR@10 on our SQuAD-it dev split.
    """
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def tier_key(visibilities: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Canonical order of a visibility set; unknown visibilities are an error."""
    unknown = set(visibilities) - set(VISIBILITIES)
    if unknown:
        raise ValueError(f"unknown visibility {sorted(unknown)}")
    return tuple(v for v in VISIBILITIES if v in visibilities)


class LexicalTier:
    """One BM25 index over the chunks of a set of visibilities."""

    def __init__(self, rows: list[ChunkRow], bm25: bm25s.BM25 | None = None) -> None:
        self.ids = [r.chunk_id for r in rows]
        self.rows = {r.chunk_id: r for r in rows}
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.columns = _Columns.from_rows(rows)
        # (filters json, mask) as one attribute: swapped atomically between threads
        self._last_mask: tuple[str, np.ndarray] = ("", np.ones(0, dtype=bool))
        self.df = Counter(t for r in rows for t in set(r.tokens))
        if bm25 is None and rows:
            bm25 = bm25s.BM25(**BM25_PARAMS)
            bm25.index([index_terms(r.tokens) or ["\x00"] for r in rows], show_progress=False)
        self.bm25 = bm25

    @cached_property
    def vocabulary(self) -> list[str]:
        """Every stemmed term of the tier (built once: typo correction searches it)."""
        return list(self.df)

    @cached_property
    def main_language(self) -> str:
        """The language most chunks are written in ("" for an empty tier)."""
        langs = Counter(r.lang for r in self.rows.values())
        return langs.most_common(1)[0][0] if langs else ""

    @cached_property
    def _terms_by_language(self) -> dict[str, tuple[list[str], frozenset[str]]]:
        """Per language, its chunks' terms that can have a cognate: sorted (a stable
        order for the fuzzy search) and as a set."""
        out: dict[str, set[str]] = defaultdict(set)
        for r in self.rows.values():
            out[r.lang].update(t for t in r.tokens if len(t) >= COGNATE_MIN and t.isalpha())
        return {lang: (sorted(terms), frozenset(terms)) for lang, terms in out.items()}

    def cognates(self, terms: list[str], lang: str) -> list[str]:
        """Terms of the ``lang`` chunks that spell ``terms`` of another language almost
        alike ("contatt" -> "contact", "qualific" -> "qualifi"): an Italian question
        about an English page shares its words with it, not its stems."""
        vocab, own = self._terms_by_language.get(lang, ([], frozenset()))
        if not vocab:
            return []
        out: list[str] = []
        for t in terms:
            if len(t) < COGNATE_MIN or not t.isalpha() or t in own:
                continue
            hits = process.extract(t, vocab, scorer=fuzz.ratio, score_cutoff=COGNATE_RATIO,
                                   limit=3)
            out += [h[0] for h in hits if is_cognate(t, h[0])][:2]
        return out

    def passage(self, chunk_id: str, score: float = 1.0, lexical: float = 0.0,
                dense: float = 0.0) -> RetrievedChunk:
        """One chunk of this tier shaped as a retrieval hit, with the given scores:
        retrieval, the directory and briefs all cite passages of this one shape."""
        row = self.rows[chunk_id]
        md = row.meta
        return RetrievedChunk(
            chunk_id=chunk_id, doc_id=row.doc_id, doc_type=md.get("doc_type", "article"),
            title=md.get("title", ""), url=md.get("url", ""), text=row.text, start=row.start,
            end=row.end, score=score, lexical=lexical, dense=dense,
            metadata={k: v for k, v in md.items() if k not in ("title", "url")}
            | {"lang": row.lang, "visibility": row.visibility})

    def doc_freq(self, term: str) -> int:
        """Chunks containing a stemmed term."""
        return self.df.get(term, 0)

    def idf(self, term: str) -> float:
        """Corpus IDF of a stemmed term; a term no visible chunk has gets the maximum."""
        return math.log(1 + len(self.ids) / (1 + self.df.get(term, 0)))

    def search(self, tokens: list[str], n: int, filters: Filters | None = None,
               alt_tokens: list[str] | None = None) -> list[tuple[str, float]]:
        """Top ``n`` (chunk_id, BM25 score > 0) for analysed ``tokens``, filtered inside
        the ranking (a filtered-out chunk scores 0 and is dropped).

        ``alt_tokens``, the query analysed for the other language, adds only the
        terms that ``tokens`` lacks (an Italian question about an English page).
        """
        if self.bm25 is None or n <= 0:
            return []
        terms = index_terms(tokens)
        if alt_tokens:
            seen = set(terms)
            terms += [t for t in index_terms(alt_tokens) if t not in seen]
        vocab = self.bm25.vocab_dict
        ids = [vocab[t] for t in terms if t in vocab]
        if not ids:
            return []
        scores = self.bm25.get_scores_from_ids(ids)
        if filters is not None and not filters.is_empty():
            scores = scores * self.mask(filters)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


    def mask(self, filters: Filters) -> np.ndarray:
        """Rows passing ``filters`` (the last mask is kept: both signals ask for it)."""
        key = filters.model_dump_json()
        last = self._last_mask
        if last[0] == key:
            return last[1]
        mask = self.columns.mask(filters)
        self._last_mask = (key, mask)
        return mask

    def allows(self, chunk_id: str, mask: np.ndarray) -> bool:
        """Whether ``chunk_id`` is in this tier and passes ``mask``."""
        i = self.position.get(chunk_id)
        return i is not None and bool(mask[i])


class LexicalIndex:
    """Tiers keyed by the tuple of visibilities a caller may see.

    Thread-safe: the service answers queries from several threads while an API
    upload bumps the manifest version.
    """

    def __init__(self, manifest: ManifestStore, directory: Path) -> None:
        self.manifest = manifest
        self.dir = directory
        self.version = -1
        self.tiers: dict[tuple[str, ...], LexicalTier] = {}
        self._lock = threading.RLock()

    def tier(self, visibilities: tuple[str, ...] | list[str]) -> LexicalTier:
        """The index for exactly these visibilities, refreshed if the manifest moved on."""
        key = tier_key(visibilities)
        with self._lock:
            self.refresh()
            if key not in self.tiers:
                self.tiers[key] = self._load_or_build(key)
            return self.tiers[key]

    def refresh(self) -> None:
        """Forget the tiers if the manifest changed since they were built."""
        with self._lock:
            v = self.manifest.version
            if v != self.version:
                self.tiers.clear()
                self.version = v

    def _path(self, vis: tuple[str, ...]) -> Path:
        return self.dir / ("bm25_" + "+".join(vis))

    def _load_or_build(self, vis: tuple[str, ...]) -> LexicalTier:
        rows = list(self.manifest.iter_chunks(vis))
        path = self._path(vis)
        meta_path = path / "assistant.json"
        try:
            meta = json.loads(meta_path.read_text())
            if (meta["analyzer"] == ANALYZER and meta["params"] == BM25_PARAMS
                    and meta["version"] == self.version
                    and meta["ids"] == [r.chunk_id for r in rows]):
                return LexicalTier(rows, bm25s.BM25.load(str(path), show_progress=False))
        except (OSError, ValueError, KeyError, TypeError, EOFError):  # EOF: truncated .npy
            pass  # missing, stale, foreign or corrupt: rebuild from the manifest's tokens
        tier = LexicalTier(rows)
        self._save(tier, path, vis)
        return tier

    def _save(self, tier: LexicalTier, path: Path, vis: tuple[str, ...]) -> None:
        if tier.bm25 is None:
            return
        tmp = path.with_name(path.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tier.bm25.save(str(tmp))
            (tmp / "assistant.json").write_text(json.dumps(
                {"analyzer": ANALYZER, "params": BM25_PARAMS, "version": self.version,
                 "visibilities": list(vis),
                 "ids": tier.ids}))
            shutil.rmtree(path, ignore_errors=True)
            tmp.rename(path)
        except OSError as exc:  # a read-only or full disk only costs a rebuild next start
            log.warning("could not persist lexical index %s: %s", path, exc)
            shutil.rmtree(tmp, ignore_errors=True)


class SharedLexicalIndex(LexicalIndex):
    """BM25 tiers built in memory from the shared manifest, never saved to disk.

    Several workers may share one ``index_dir``; saved tiers would race each other,
    and building from the cached rows costs no more than loading.
    """

    def _load_or_build(self, vis: tuple[str, ...]) -> LexicalTier:
        return LexicalTier(list(self.manifest.iter_chunks(vis)))
