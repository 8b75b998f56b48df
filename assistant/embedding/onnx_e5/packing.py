"""Encoder rows: one window per row, or several packed into one row as independent segments.

A *segment* is one encoder window (``<s> … </s>``). Packing puts the segments of
a group of texts (a chunk and its sentences) side by side in one row: each
segment keeps its own positions (restarting at 0) and attends only to its own
tokens (a block-diagonal mask), so its final hidden states, and hence its
mean-pooled vector, are those of a pass of its own, up to floating-point
rounding. What packing saves is model calls and padding: a chunk's short
sentences no longer run as separate rows padded to the longest of a batch.

:func:`row_inputs` turns rows into the encoder's inputs: token ids, position
ids and the per-query key mask ``[B, L, L]`` (1 = may attend).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROW_CAP = 1024  # tokens per packed row: bounds the L x L attention of one row


@dataclass(frozen=True)
class Window:
    """One encoder input: token ids of a text's window and where it pools to."""

    text: int
    ids: np.ndarray
    weight: float
    start: int = 0  # position of its first content token in the text's content tokens


Row = list[Window]


def row_len(row: Row) -> int:
    return sum(len(w.ids) for w in row)


def pack_rows(windows: list[Window], groups: list[int] | None, cap: int = ROW_CAP
              ) -> list[Row]:
    """Rows for ``windows``: without ``groups`` one window per row; with them
    (``groups[text]`` = the group of each text), a group's windows share rows of at
    most ``cap`` tokens, filled in order (a window longer than ``cap`` gets its own)."""
    if groups is None:
        return [[w] for w in windows]
    by_group: dict[int, list[Window]] = {}
    for w in windows:
        by_group.setdefault(groups[w.text], []).append(w)
    rows: list[Row] = []
    for members in by_group.values():
        row: Row = []
        for w in members:
            if row and row_len(row) + len(w.ids) > cap:
                rows.append(row)
                row = []
            row.append(w)
        rows.append(row)
    return rows


def batches(rows: list[Row], budget: int) -> list[list[Row]]:
    """Rows sorted by length, grouped so that rows x longest row <= ``budget`` tokens
    (little padding, bounded attention memory); a longer row runs alone."""
    out: list[list[Row]] = []
    cur: list[Row] = []
    for row in sorted(rows, key=row_len):
        if cur and (len(cur) + 1) * row_len(row) > budget:
            out.append(cur)
            cur = []
        cur.append(row)
    if cur:
        out.append(cur)
    return out


def row_inputs(batch: list[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                          list[tuple[int, int, int, Window]]]:
    """Token ids [n, L], position ids [n, L], key mask [n, L, L] int32 and the
    segments ``(row, first, end, window)`` of a batch of rows.

    Each segment attends to itself only; a padding position attends to itself (its
    output is never read), so no softmax row is empty.
    """
    n, length = len(batch), max(row_len(r) for r in batch)
    ids = np.zeros((n, length), dtype=np.int64)
    pos = np.zeros((n, length), dtype=np.int64)
    mask = np.zeros((n, length, length), dtype=np.int32)
    segments: list[tuple[int, int, int, Window]] = []
    for r, row in enumerate(batch):
        a = 0
        for w in row:
            b = a + len(w.ids)
            ids[r, a:b] = w.ids
            pos[r, a:b] = np.arange(len(w.ids))
            mask[r, a:b, a:b] = 1
            segments.append((r, a, b, w))
            a = b
        pad = np.arange(a, length)
        mask[r, pad, pad] = 1
    return ids, pos, mask, segments


def focus_mask(mask: np.ndarray, segments: list[tuple[int, int, int, Window]],
               ranges: dict[int, list[tuple[int, int]]]) -> np.ndarray:
    """The key mask of the focus branch: ``mask`` with each spanned window narrowed.

    ``ranges[text]`` are the content-token ranges [a, b) of a text's spans (prefix
    included, the first one starting after the title). In a window of such a text,
    the head (``<s>`` and the content tokens before the first span) attends to
    itself; a span's tokens attend to the head and to their own span; any other
    token (``</s>``, text between spans) to the head and to itself.
    """
    out = mask.copy()
    for r, a, b, w in segments:
        spans = ranges.get(w.text)
        if not spans:
            continue
        size = b - a
        lo, hi = w.start, w.start + size - 2  # content positions this window holds
        head = 1 + max(0, min(spans[0][0], hi) - lo)  # <s> and the title, in this window
        block = np.zeros((size, size), dtype=np.int32)
        block[:, :head] = 1
        np.fill_diagonal(block, 1)
        for sa, sb in spans:
            x, y = max(sa, lo), min(sb, hi)
            if x < y:
                block[1 + x - lo:1 + y - lo, 1 + x - lo:1 + y - lo] = 1
        out[r, a:b, a:b] = block
    return out
