"""The BM25 tiers: derived from the manifest's tokens, persisted, filtered, per visibility."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bm25s
import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.load import article_document, member_document
from assistant.models import Document, Filters
from assistant.stores import lexical
from assistant.stores.lexical import LexicalIndex, LexicalTier, tier_key
from assistant.stores.manifest import Manifest
from assistant.text import analyze

PUB, ALL = ("public",), ("public", "members")


def _article(doc_id: str, title: str, body: str, **meta: Any) -> Document:
    return article_document(doc_id, title, body, meta)


DOCS = [
    _article("a1", "Bando voucher", "Il bando finanzia l'internazionalizzazione delle PMI.",
             date="2024-02-10", tags=["bandi", "export"]),
    _article("a2", "Forum di Roma", "Il forum annuale si è tenuto a Roma con 400 partecipanti.",
             date="2024-04-18", tags=["eventi"]),
    _article("a3", "Quote associative", "Le quote associative riservate ai soci zafferanox.",
             date="2025-01-05", tags=["soci"], visibility="members"),
    _article("a4", "Nota senza data", "Una nota interna sui partecipanti al forum."),
    member_document({"name": "BioRigenera S.r.l.", "kind": "company", "region": "Lombardia",
                     "sectors": ["medicina rigenerativa", "biotecnologie"],
                     "description": "Scaffold per la rigenerazione della cartilagine."},
                    "m1"),
    member_document({"name": "Diagnostica Arno", "kind": "company", "region": "Toscana",
                     "sectors": ["diagnostica"], "description": "Test diagnostici rapidi."},
                    "m2"),
]


def _commit(m: Manifest, doc: Document) -> None:
    m.mark_pending(doc)
    m.commit_doc(doc, chunk_document(doc))


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    m = Manifest(tmp_path / "manifest.sqlite")
    for d in DOCS:
        _commit(m, d)
    return m


def _docs(hits: list[tuple[str, float]]) -> set[str]:
    return {cid.split("::")[0] for cid, _ in hits}


def _search(idx: LexicalIndex, query: str, vis: tuple[str, ...] = ALL,
            filters: Filters | None = None) -> set[str]:
    return _docs(idx.tier(vis).search(analyze(query), 50, filters))


def test_italian_analysis_matches_inflections(manifest: Manifest, tmp_path: Path) -> None:
    idx = LexicalIndex(manifest, tmp_path)
    # "partecipante" vs "partecipanti", "forum" in two documents, accents folded
    assert _search(idx, "partecipante al forum") >= {"a2", "a4"}
    assert _search(idx, "internazionalizzazióne") == {"a1"}


def test_member_only_chunks_never_in_public_tier(manifest: Manifest, tmp_path: Path) -> None:
    idx = LexicalIndex(manifest, tmp_path)
    assert _search(idx, "zafferanox quote soci", ALL) >= {"a3"}
    assert "a3" not in _search(idx, "zafferanox quote soci", PUB)
    assert not any(r.visibility == "members" for r in idx.tier(PUB).rows.values())
    # a visibility set is one tier whatever its order
    assert idx.tier(("members", "public")) is idx.tier(ALL)
    with pytest.raises(ValueError):
        tier_key(("public", "secret"))


@pytest.mark.parametrize(("filters", "query", "expected"), [
    (Filters(doc_type="member"), "rigenerazione cartilagine bando diagnostici", {"m1", "m2"}),
    (Filters(doc_type="article"), "rigenerazione cartilagine bando diagnostici", {"a1"}),
    (Filters(tags=["EXPORT", "eventi"]), "bando forum partecipanti", {"a1", "a2"}),
    (Filters(tags=["eventi"]), "bando forum partecipanti", {"a2"}),
    (Filters(sectors=["diagnostica"]), "test rigenerazione", {"m2"}),
    (Filters(region="lombardia"), "test rigenerazione", {"m1"}),
    (Filters(date_from="2024-03-01"), "bando forum partecipanti quote", {"a2", "a3"}),
    (Filters(date_to="2024-03-01"), "bando forum partecipanti quote", {"a1"}),
    (Filters(date_from="2024-01-01", date_to="2024-12-31"), "bando forum quote", {"a1", "a2"}),
])
def test_each_filter_applies_inside_the_ranking(manifest: Manifest, tmp_path: Path,
                                                filters: Filters, query: str,
                                                expected: set[str]) -> None:
    idx = LexicalIndex(manifest, tmp_path)
    assert _search(idx, query, ALL, filters) == expected
    # the unfiltered search sees more, so the filter (not the query) did the work
    assert _search(idx, query, ALL) > expected


def test_follows_add_update_remove(manifest: Manifest, tmp_path: Path) -> None:
    idx = LexicalIndex(manifest, tmp_path)
    assert _search(idx, "ornitorinco", PUB) == set()
    _commit(manifest, _article("a5", "Animali", "Un ornitorinco al forum."))
    assert _search(idx, "ornitorinco", PUB) == {"a5"}
    _commit(manifest, _article("a5", "Animali", "Un castoro al forum."))
    assert _search(idx, "ornitorinco", PUB) == set()
    assert _search(idx, "castoro", PUB) == {"a5"}
    manifest.remove_doc("a5")
    assert _search(idx, "castoro", PUB) == set()


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = bm25s.BM25.index

    def spy(self: bm25s.BM25, *a: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(bm25s.BM25, "index", spy)
    return calls


def test_persisted_tier_is_loaded_not_rebuilt(manifest: Manifest, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = _search(LexicalIndex(manifest, tmp_path), "bando partecipanti", PUB)
    saved = json.loads((tmp_path / "bm25_public" / "assistant.json").read_text())
    assert saved["analyzer"] == lexical.ANALYZER and saved["version"] == manifest.version
    builds = _no_rebuild(monkeypatch)
    assert _search(LexicalIndex(manifest, tmp_path), "bando partecipanti", PUB) == first
    assert builds == []


@pytest.mark.parametrize("tamper", ["analyzer", "version", "corrupt"])
def test_stale_or_foreign_saved_tier_is_rebuilt(manifest: Manifest, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                tamper: str) -> None:
    _search(LexicalIndex(manifest, tmp_path), "bando", PUB)
    path = tmp_path / "bm25_public"
    if tamper == "analyzer":  # an index saved by another analyser (e.g. English stemmer)
        monkeypatch.setattr(lexical, "ANALYZER", "some-other-analyzer/v9")
    elif tamper == "version":  # the manifest changed while no process was looking
        _commit(manifest, _article("a6", "Altro", "Un altro bando."))
    else:
        for f in path.glob("*.npy"):
            f.write_bytes(b"garbage")
    builds = _no_rebuild(monkeypatch)
    assert "a1" in _search(LexicalIndex(manifest, tmp_path), "bando", PUB)
    assert builds == [1]
    saved = json.loads((path / "assistant.json").read_text())
    assert saved["analyzer"] == lexical.ANALYZER and saved["version"] == manifest.version


def test_empty_tier_and_unknown_terms(tmp_path: Path) -> None:
    idx = LexicalIndex(Manifest(tmp_path / "m.sqlite"), tmp_path)
    assert idx.tier(PUB).search(["bando"], 10) == []
    tier = LexicalTier(list(Manifest(tmp_path / "m.sqlite").iter_chunks()))
    assert tier.search([], 10) == []


def test_adjacent_pairs_break_ties_between_equal_bags_of_words(tmp_path: Path) -> None:
    m = Manifest(tmp_path / "m.sqlite")
    _commit(m, _article("b", "Storia", "L'impero aveva una grande capitale ricca."))
    _commit(m, _article("a", "Storia", "La capitale dell'impero era grande e ricca."))
    tier = LexicalIndex(m, tmp_path).tier(PUB)
    assert sorted(tier.rows["a::0"].tokens) == sorted(tier.rows["b::0"].tokens)
    hits = tier.search(analyze("capitale dell'impero"), 10)
    assert [cid for cid, _ in hits] == ["a::0", "b::0"] and hits[0][1] > hits[1][1]


def test_other_language_analysis_adds_missing_terms(tmp_path: Path) -> None:
    m = Manifest(tmp_path / "m.sqlite")
    _commit(m, _article("en", "Mission", "Companies visited the Kansai region.", lang="en"))
    tier = LexicalIndex(m, tmp_path).tier(PUB)
    query = "aziende in visita nel Kansai"
    assert tier.search(analyze(query, "it"), 10) == []  # Italian stem of the name differs
    assert _docs(tier.search(analyze(query, "it"), 10, None, analyze(query, "en"))) == {"en"}
