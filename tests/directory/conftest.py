"""A small corpus of member profiles (one member-only, one from a CSV row) and two
articles, indexed once per session; tests that write get a private copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.protocols import Embedder as EmbedderSeam
from assistant.settings import Settings
from tests.fakes import FakeEmbedder
from tests.support import build_index, write_corpus


def profile(name: str, kind: str, region: str, city: str, sectors: list[str], founded: int,
            employees: int, visibility: str = "public", about: str = "") -> str:
    return (f"name: {name}\nkind: {kind}\nregion: {region}\ncity: {city}\n"
            f"sectors: [{', '.join(sectors)}]\nfounded: {founded}\nemployees: {employees}\n"
            f"visibility: {visibility}\ndescription: |\n  {about or name + ' è un socio.'}\n")


SECRET = "Cellula Segreta S.p.A."
DOCS = {
    "members/rigenera.yaml": profile(
        "Rigenera Lab S.r.l.", "company", "Lombardia", "Milano",
        ["medicina rigenerativa", "biotecnologie"], 2015, 22,
        about="Rigenera Lab sviluppa scaffold bioattivi per la cartilagine."),
    "members/cellula.yaml": profile(
        SECRET, "company", "Lombardia", "Pavia", ["medicina rigenerativa", "terapie avanzate"],
        2019, 30, visibility="members", about="Cellula produce terapie cellulari."),
    "members/dolomed.yaml": profile(
        "Dolomed Devices S.r.l.", "company", "Trentino-Alto Adige", "Trento",
        ["medtech", "medicina rigenerativa"], 2018, 12,
        about="Dolomed progetta bioreattori per tessuti ingegnerizzati."),
    "members/bolzamed.yaml": profile(
        "Bolzamed S.r.l.", "company", "Trentino-Alto Adige", "Bolzano", ["medtech"], 2001, 140,
        about="Bolzamed produce strumenti chirurgici."),
    "members/ateneo.yaml": profile(
        "Politecnico Subalpino", "university", "Piemonte", "Torino",
        ["biotecnologie", "bioinformatica"], 1906, 4200,
        about="Il Politecnico forma ingegneri biomedici."),
    "members/altri.csv": (
        "name,kind,region,city,sectors,founded,employees,visibility,lang,description\n"
        "Ospedale del Lago,hospital,Lombardia,Como,ricerca clinica;terapie avanzate,1950,900,"
        "public,it,L'Ospedale del Lago è un ospedale di Como.\n"),
    "articles/missione-osaka.md": """---
title: "Missione a Osaka: sei soci alla fiera Japan Health"
date: 2025-06-20
tags: [missioni internazionali]
---
La missione a Osaka si è svolta dal 25 al 28 giugno 2025 in occasione di Japan Health.
Sei soci del cluster, tra cui Rigenera Lab, hanno incontrato oltre 70 stakeholder giapponesi.
""",
    "articles/bando-seed.md": """---
title: "Bando VITALIA Seed 2025"
date: 2025-02-10
tags: [bandi]
---
Il Cluster VITALIA apre il Bando Seed 2025 con una dotazione di 2 milioni di euro.
Le domande vanno presentate entro il 30 aprile 2025 tramite il portale del cluster.
""",
}


def _build(base: Path, embedder: EmbedderSeam) -> Path:
    build_index(Settings(corpus_dir=write_corpus(base / "corpus", DOCS),
                         index_dir=base / "index"), embedder)
    return base


def _copy(tmp_path: Path, base: Path) -> Settings:
    shutil.copytree(base / "corpus", tmp_path / "corpus")
    shutil.copytree(base / "index", tmp_path / "index")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def dir_base(tmp_path_factory: pytest.TempPathFactory, fake_embedder: FakeEmbedder) -> Path:
    """``<base>/corpus`` and ``<base>/index``, ingested once (copy before writing), with
    hash vectors: the table, the routing and the lists do not depend on the model."""
    return _build(tmp_path_factory.mktemp("directory"), fake_embedder)


@pytest.fixture(scope="session")
def dir_base_real(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The same, embedded with the real model."""
    return _build(tmp_path_factory.mktemp("directory-real"), embedder)


@pytest.fixture
def dir_settings(tmp_path: Path, dir_base: Path) -> Settings:
    return _copy(tmp_path, dir_base)


@pytest.fixture
def assistant(dir_settings: Settings, fake_embedder: FakeEmbedder) -> Iterator[Assistant]:
    """An offline assistant (no LLM) over a private copy of the small index."""
    a = Assistant(dir_settings, Index(dir_settings, embedder=fake_embedder))
    yield a
    a.index.close()


@pytest.fixture
def real_assistant(tmp_path: Path, dir_base_real: Path,
                   embedder: Embedder) -> Iterator[Assistant]:
    """The same with the real model: for what the model decides (a sector guessed by
    similarity, an answer the fitted answer model picks from retrieved sentences)."""
    s = _copy(tmp_path, dir_base_real)
    a = Assistant(s, Index(s, embedder=embedder))
    yield a
    a.index.close()
