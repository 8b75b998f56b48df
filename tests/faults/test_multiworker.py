"""Server mode: several API workers over one Chroma server see one index.

A document written through worker A is found through worker B within a bounded
time (the generation-token poll, ``ASSISTANT_CHROMA_SYNC_MS``), replacements and
deletes likewise, a burst of writes through both converges, and ``assistant serve
--workers 2`` runs on the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant.embed import Embedder
from tests.api.conftest import AUTH, SECRET_DOC, SECRET_WORD
from tests.faults.conftest import ChromaServer, Serve, scratch_dir, server_index

pytestmark = pytest.mark.fault
SYNC_MS = 200
BOUND_S = 5.0  # poll interval + one rebuild, with a wide margin for a loaded machine
STAFF = AUTH["staff"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, api_base: Path,
         fast_embedder: Embedder) -> Iterator[tuple[Serve, Serve, Path, ChromaServer]]:
    """Two ``assistant serve`` processes ("machines": own index folders and embedding
    caches) on one Chroma server holding the API test corpus."""
    with scratch_dir(tmp_path_factory.mktemp("pair")) as base:
        chroma = ChromaServer(base / "chroma-data").start()
        corpus = server_index(base, api_base, chroma, fast_embedder)
        env = {**chroma.env(), "ASSISTANT_CHROMA_SYNC_MS": str(SYNC_MS)}
        a = Serve(base / "a" / "index", corpus, env)
        b = Serve(base / "b" / "index", corpus, env)
        try:
            a.wait_ready(), b.wait_ready()
            yield a, b, corpus, chroma
        finally:
            a.stop(), b.stop()
            chroma.stop()


def hits(url: str, query: str, headers: dict[str, str] | None = None) -> list[dict]:
    r = httpx.post(f"{url}/v1/search", json={"query": query, "k": 3}, headers=headers or {},
                   timeout=60)
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def found(url: str, query: str, doc_id: str, headers: dict[str, str] | None = None) -> bool:
    return doc_id in {h["doc_id"] for h in hits(url, query, headers)}


def passage(url: str, query: str, doc_id: str) -> str:
    """The text of ``doc_id``'s passages among the hits ('' if it is not found)."""
    return " ".join(h["text"] for h in hits(url, query) if h["doc_id"] == doc_id)


def wait_until(predicate: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``predicate()`` held; fails after ``seconds``."""
    t0 = time.monotonic()
    while not predicate():
        assert time.monotonic() - t0 < seconds, f"not within {seconds:g} s"
        time.sleep(0.05)
    return time.monotonic() - t0


def put(url: str, doc_id: str, title: str, text: str, **meta: str) -> None:
    r = httpx.put(f"{url}/v1/documents/{doc_id}", headers=STAFF, timeout=60,
                  json={"title": title, "text": text, "metadata": meta})
    assert r.status_code in (200, 201), r.text


def test_write_through_one_worker_is_found_through_another(pair) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _ = pair
    assert found(b.url, "bando Ponti di Innovazione", "articles/bando-ponti.md")
    assert not found(b.url, f"progetto {SECRET_WORD}", SECRET_DOC)  # anonymous
    assert found(b.url, f"progetto {SECRET_WORD}", SECRET_DOC, AUTH["member"])

    put(a.url, "news/antares", "Nota Antares",
        "Il progetto Antares studia i nanomateriali quantistici per la diagnostica.")
    lag = wait_until(lambda: found(b.url, "Antares nanomateriali", "news/antares"), BOUND_S)
    got = httpx.get(f"{b.url}/v1/documents/news/antares", timeout=30)
    assert got.status_code == 200 and "nanomateriali" in got.json()["text"]

    put(a.url, "news/riservata", "Nota riservata",
        "Il progetto Borea finanzia la sala operatoria ibrida.", visibility="members")
    wait_until(lambda: found(b.url, "progetto Borea", "news/riservata", AUTH["member"]),
               BOUND_S)
    assert not found(b.url, "progetto Borea", "news/riservata")  # still per caller

    put(b.url, "news/antares", "Nota Antares",
        "Il progetto Antares ora studia i biosensori indossabili.")
    wait_until(lambda: "biosensori" in passage(a.url, "Antares biosensori", "news/antares"),
               BOUND_S)  # the new text, not the old one (dense search finds either)
    assert httpx.delete(f"{b.url}/v1/documents/news/antares", headers=STAFF,
                        timeout=30).status_code == 204
    wait_until(lambda: not found(a.url, "Antares biosensori", "news/antares"), BOUND_S)
    listed = httpx.get(f"{a.url}/v1/documents", headers=STAFF, timeout=30).json()
    assert "news/antares" not in {d["doc_id"] for d in listed["items"]}
    print(f"write on A visible on B after {lag:.2f} s")


def test_burst_of_writes_across_workers_converges(pair) -> None:  # type: ignore[no-untyped-def]
    """Writes of distinct documents through both workers, queries on both meanwhile:
    no 5xx, and afterwards both workers hold exactly the live documents."""
    a, b, _, _ = pair
    statuses: list[int] = []

    def write(i: int) -> None:
        url = (a.url, b.url)[i % 2]
        put(url, f"burst/{i}", f"Nota {i}", f"Il codice burst{i}z riguarda la sede {i}.")
        if i % 3 == 0:
            r = httpx.delete(f"{url}/v1/documents/burst/{i}", headers=STAFF, timeout=60)
            statuses.append(r.status_code)

    def read(i: int) -> None:
        r = httpx.post(f"{(a.url, b.url)[i % 2]}/v1/search", json={"query": "bando Ponti"},
                       timeout=60)
        statuses.append(r.status_code)
        if r.status_code == 200:  # a document nobody writes is never missed
            assert "articles/bando-ponti.md" in {h["doc_id"] for h in r.json()["results"]}

    with ThreadPoolExecutor(6) as pool:
        jobs = [pool.submit(write, i) for i in range(12)]
        jobs += [pool.submit(read, i) for i in range(40)]
        for j in jobs:
            j.result()
    assert all(s < 500 for s in statuses), statuses
    for url in (a.url, b.url):
        for i in range(12):
            want = i % 3 != 0
            wait_until(lambda u=url, i=i, w=want: found(u, f"burst{i}z", f"burst/{i}") == w,
                       BOUND_S)


def test_serve_with_two_workers_on_a_chroma_server(pair) -> None:  # type: ignore[no-untyped-def]
    _, _, corpus, chroma = pair
    env = {**chroma.env(), "ASSISTANT_CHROMA_SYNC_MS": str(SYNC_MS)}
    srv = Serve(corpus.parent / "w" / "index", corpus, env, ("--workers", "2"))
    try:
        srv.wait_ready()
        put(srv.url, "news/orione", "Nota Orione", "Il progetto Orione mappa il microbioma.")
        # whichever worker takes each request, the document is there for all of them
        wait_until(lambda: all(found(srv.url, "Orione microbioma", "news/orione")
                               for _ in range(6)), BOUND_S)
    finally:
        srv.stop()
