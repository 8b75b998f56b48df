"""The one constructor of the stores: manifest, dense vectors and lexical index.

Embedded mode keeps everything in ``index_dir`` (SQLite manifest, Chroma folder, saved
BM25 tiers). Server mode (``ASSISTANT_CHROMA_HOST``) keeps the manifest and the vectors
in a Chroma server shared by every worker, and builds BM25 in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.settings import Settings
from assistant.stores.chroma_client import make_client, wipe_server
from assistant.stores.chroma_manifest import ChromaManifest
from assistant.stores.lexical import LexicalIndex, SharedLexicalIndex
from assistant.stores.manifest import Manifest, ManifestStore
from assistant.stores.vector import VectorStore


@dataclass
class Stores:
    """Every store of one index; ``client`` is the Chroma client they share."""

    manifest: ManifestStore
    vectors: VectorStore
    lexical: LexicalIndex
    client: Any


def open_stores(settings: Settings, wipe_server_first: bool = False) -> Stores:
    """Open (creating when missing) the stores ``settings`` point at.

    ``wipe_server_first`` drops our collections from a Chroma server before opening
    (a rebuild; the embedded folder is wiped by the caller, which owns its lock).
    The manifest is integrity-checked, so a corrupt or unreachable one raises here.
    """
    manifest: ManifestStore | None = None
    if not settings.chroma_host:
        manifest = Manifest(settings.index_dir / "manifest.sqlite")
    try:
        if manifest is not None:
            manifest.check()
        client = make_client(settings)
        if settings.chroma_host:
            if wipe_server_first:
                wipe_server(client)
            manifest = ChromaManifest(client, settings.chroma_sync_ms / 1000)
            manifest.check()
            lexical: LexicalIndex = SharedLexicalIndex(manifest, settings.index_dir)
        else:
            assert manifest is not None
            lexical = LexicalIndex(manifest, settings.index_dir)
        return Stores(manifest, VectorStore(client), lexical, client)
    except BaseException:
        if manifest is not None:
            manifest.close()
        raise
