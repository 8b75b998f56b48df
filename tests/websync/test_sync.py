"""``sync_sites`` against the fixture website served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.models import Caller
from assistant.settings import Settings
from assistant.websync.extract import doc_id_for
from assistant.websync.fetch import FetchOptions
from assistant.websync.run import SyncOptions, SyncReport, sync_sites
from evals.fixture_site import ALLOWED, Site, cluster_site, serve_site


@pytest.fixture
def site() -> Iterator[Site]:
    s = cluster_site()
    with serve_site(s):
        yield s


@pytest.fixture
def index(tmp_path: Path, embedder: Embedder) -> Iterator[Index]:
    idx = Index(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"),
                embedder=embedder)
    yield idx
    idx.close()


def run(index: Index, site: Site, prune: bool = False,
        max_pages: int | None = None) -> SyncReport:
    fetch = FetchOptions(timeout_s=2.0, retries=1, backoff_s=0.05, per_host=3, delay_s=0.0)
    opts = SyncOptions([site.base + "/sitemap_index.xml", site.base + "/feed.xml"],
                       prune=prune, max_pages=max_pages, fetch=fetch)
    return sync_sites(index, opts)


def test_first_sync_indexes_exactly_the_allowed_articles(index: Index, site: Site) -> None:
    report = run(index, site)
    b = site.base
    docs = index.manifest.docs()
    assert set(docs) == {doc_id_for(b + p) for p in ALLOWED}
    assert sorted(report.new) == sorted(b + p for p in ALLOWED)
    bando = docs[doc_id_for(b + "/news/bando-ponti")]
    assert bando.title == "Bando Ponti di Innovazione 2025"
    assert bando.doc_type == "article" and bando.visibility == "public"
    assert bando.meta["date"] == "2025-02-10"
    assert bando.meta["author"] == "Redazione VITALIA"
    assert bando.meta["url"] == b + "/news/bando-ponti"
    assert docs[doc_id_for(b + "/eventi/forum-biotech")].meta["date"] == "2025-09-18"
    # the feed's tracking address is the same canonical article, not a second document
    assert b + "/news/bando-ponti?utm_source=rss" in report.unchanged
    # failures carry status and reason; robots.txt refusals are skipped, not failed
    assert report.failed[b + "/news/pagina-mancante"]["status"] == 404
    slow = report.failed[b + "/eventi/lento"]
    assert slow["status"] == 0 and "timed out" in slow["reason"]
    assert set(report.failed) == {b + "/news/pagina-mancante", b + "/eventi/lento"}
    assert report.skipped == {b + "/riservato/verbale": "disallowed by robots.txt"}
    assert ("/riservato/verbale", 200) not in site.hits
    assert not report.ok


def test_boilerplate_dropped_and_glued_words_repaired(index: Index, site: Site) -> None:
    run(index, site)
    text = index.manifest.doc_text(doc_id_for(site.base + "/news/missione-osaka")) or ""
    assert "una missione internazionale" in text and "unamissione" not in text
    assert "un importante polo" in text and "oltre 70" in text
    for doc_id in index.manifest.docs():
        body = index.manifest.doc_text(doc_id) or ""
        for junk in ("cookie", "Articoli correlati", "diritti riservati", "Chi siamo",
                     "Condividi", "P.IVA"):
            assert junk not in body, (doc_id, junk)


def test_cited_answer_links_to_the_page(index: Index, site: Site) -> None:
    run(index, site)
    ans = Assistant(index.settings, index).ask(
        "Qual è la dotazione del bando Ponti di Innovazione?", Caller(role="member"))
    assert ans.grounded and ans.citations
    assert ans.citations[0].url == site.base + "/news/bando-ponti"
    assert "1,2 milioni" in ans.text


def test_second_sync_unchanged_then_change_and_prune(index: Index, site: Site) -> None:
    b = site.base
    first = run(index, site)
    assert first.embed_calls >= 0 and len(first.new) == len(ALLOWED)
    site.hits.clear()
    second = run(index, site)
    assert (second.new, second.updated, second.removed) == ([], [], [])
    assert set(second.unchanged) == {b + p for p in ALLOWED} | {
        b + "/news/bando-ponti?utm_source=rss"}
    assert second.embed_calls == 0
    # conditional GETs: every article answered 304, none was sent again
    # (the slow page's 200s are the abandoned requests, answered late)
    assert not [k for k in site.hits if k[1] == 200 and k[0] != "/eventi/lento"
                and k[0].startswith(("/news/", "/eventi/"))]
    assert sum(n for (p, s), n in site.hits.items() if s == 304) == len(ALLOWED) + 1

    with site.lock:
        site.articles["/news/piano-attivita"].paragraphs.append(
            "Aggiornamento: a marzo si è aggiunto un quinto gruppo di lavoro sull'oncologia.")
        site.articles["/news/piano-attivita"].version = 2
        site.news_sitemap.remove("/news/archivio-2019")
    third = run(index, site)  # without --prune a page that left the sitemap stays
    assert third.updated == [b + "/news/piano-attivita"] and third.removed == []
    assert third.embed_calls > 0
    text = index.manifest.doc_text(doc_id_for(b + "/news/piano-attivita")) or ""
    assert "quinto gruppo di lavoro" in text
    assert doc_id_for(b + "/news/archivio-2019") in index.manifest.docs()

    fourth = run(index, site, prune=True)
    assert fourth.removed == [b + "/news/archivio-2019"]
    assert fourth.updated == [] and fourth.embed_calls == 0
    docs = index.manifest.docs()
    assert doc_id_for(b + "/news/archivio-2019") not in docs
    assert len(docs) == len(ALLOWED) - 1


def test_prune_keeps_everything_when_a_sitemap_fails(index: Index, site: Site) -> None:
    run(index, site)
    with site.lock:
        site.news_sitemap.clear()
        site.events_sitemap.clear()
    site.robots += "Disallow: /sitemap-news.xml\n"  # the news sitemap becomes unreadable
    report = run(index, site, prune=True)
    # the sitemap index was read only in part: nothing it listed may be pruned
    assert site.base + "/sitemap-news.xml" in report.failed
    assert report.removed == []
    assert len(index.manifest.docs()) == len(ALLOWED)


def test_ingest_leaves_synced_pages_alone(index: Index, site: Site) -> None:
    run(index, site)
    index.settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    report = index.ingest()
    assert report.removed == []
    assert len(index.manifest.docs()) == len(ALLOWED)


def test_a_crash_mid_write_is_redone_by_the_next_sync(index: Index, site: Site,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = index.vectors.add_sentences
    calls = 0

    def crash_on_third(*args: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated crash between the vectors and the commit")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(index.vectors, "add_sentences", crash_on_third)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(index, site)
    assert index.stats()["pending"] == 1
    monkeypatch.setattr(index.vectors, "add_sentences", real)
    report = run(index, site)
    assert len(report.updated) == 1 and len(report.new) == len(ALLOWED) - 3
    stats = index.stats()
    assert stats["pending"] == 0 and stats["by_type"]["article"]["documents"] == len(ALLOWED)
    assert sum(stats["vectors"].values()) == stats["by_type"]["article"]["chunks"]


def test_max_pages_fetches_the_first_listed_pages_only(index: Index, site: Site) -> None:
    report = run(index, site, max_pages=2)
    b = site.base
    assert report.new == [b + "/news/bando-ponti", b + "/news/missione-osaka"]
    assert report.not_fetched == 8  # 10 listed: 6 sitemap news, 2 events, 2 feed items
    assert not site.hits.get(("/news/piano-attivita", 200))


def test_a_synced_page_is_embedded_once(tmp_path: Path, site: Site) -> None:
    """Chunk and sentence vectors of a batch of pages are computed together and written
    as they are: no page goes through the model a second time when it is stored."""
    from tests.fakes import FakeEmbedder

    class Recording(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def embed_passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
            self.texts.extend(texts)
            return super().embed_passages(texts, progress)

    emb = Recording()
    idx = Index(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"),
                embedder=emb)
    try:
        report = run(idx, site)
        assert len(report.new) == len(ALLOWED)
        assert emb.texts and len(emb.texts) == len(set(emb.texts))
        assert report.embed_calls == len(emb.texts)
    finally:
        idx.close()
