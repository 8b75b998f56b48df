from assistant.models import RetrievedChunk
from assistant.rag.citations import CitationRewriter, check, validate


def _sources(n: int) -> list[RetrievedChunk]:
    return [RetrievedChunk(chunk_id=f"c{i}", doc_id=f"d{i}", doc_type="article", title=f"T{i}",
                           text=f"passage {i}", start=0, end=9, score=1.0) for i in range(n)]


def test_out_of_range_marker_never_survives() -> None:
    text, cites = validate("Primo fatto [2]. Fatto inventato [7]. Altro [4].", _sources(4))
    assert "[7]" not in text
    assert text == "Primo fatto [1]. Fatto inventato. Altro [2]."
    assert [c.doc_id for c in cites] == ["d1", "d3"]
    assert check(text, cites)


def test_grouped_markers_are_split_and_renumbered_by_first_use() -> None:
    text, cites = validate("A [3, 1]. B [1]. C [0].", _sources(3))
    assert text == "A [1][2]. B [2]. C."
    assert [c.doc_id for c in cites] == ["d2", "d0"]


def test_stream_never_emits_an_invalid_number_at_any_split_point() -> None:
    reply = "Uno [1]. Due [12]. Tre [2,9]. Quattro [3"
    whole, _ = validate(reply, _sources(3))
    for cut in range(len(reply) + 1):
        for cut2 in range(cut, len(reply) + 1, 3):
            rw = CitationRewriter(_sources(3))
            emitted = [rw.feed(reply[:cut]), rw.feed(reply[cut:cut2]), rw.feed(reply[cut2:])]
            emitted.append(rw.flush())
            for piece in emitted:
                assert "[12" not in piece and "9]" not in piece and "[3" not in piece
            assert check("".join(emitted), rw.citations())


def test_check_detects_a_dangling_marker() -> None:
    _, cites = validate("A [1].", _sources(2))
    assert not check("A [1]. B [2].", cites)
