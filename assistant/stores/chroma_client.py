"""The Chroma client: an embedded folder or a Chroma server, with finite timeouts."""

from __future__ import annotations

from typing import Any

import httpx

from assistant.settings import Settings

OUR_PREFIXES = ("assistant_", "chunks_", "sentences_")  # manifest, chunk and sentence vectors


def make_client(settings: Settings) -> Any:
    """A Chroma client: the embedded folder in ``index/chroma`` or a Chroma server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if settings.chroma_host:
        headers = {}
        if settings.chroma_token is not None:
            headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
        client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                     headers=headers,
                                     settings=ChromaSettings(anonymized_telemetry=False))
        set_http_timeout(client, settings.chroma_timeout_s)
        return client
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path),
                                     settings=ChromaSettings(anonymized_telemetry=False))


def set_http_timeout(client: Any, seconds: float) -> None:
    """Give a Chroma ``HttpClient`` finite timeouts (its default is to wait forever).

    Connecting gets at most 2 s: a server that is down answers 503 quickly instead
    of holding every API request until the request deadline.
    """
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds, connect=min(2.0, seconds))


def wipe_server(client: Any) -> None:
    """Drop every collection of ours from the server (``ingest --rebuild``)."""
    for col in client.list_collections():
        name = getattr(col, "name", col)
        if str(name).startswith(OUR_PREFIXES):
            client.delete_collection(str(name))
