"""Offline briefs: verbatim cited facts, many documents, window/tags and visibility."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.draft import DraftRequest
from assistant.facade import Assistant
from assistant.models import Caller
from tests.draft.conftest import RESERVED
from tests.draft.helpers import assert_valid, assert_verbatim, cited_docs, facts

STAFF, MEMBER, ANON = Caller(role="staff"), Caller(role="member"), Caller()
TOPIC = "missioni internazionali del cluster nel 2025"


def test_demo_brief_is_cited_verbatim_and_broad(demo: Assistant) -> None:
    d = demo.draft(DraftRequest(topic=TOPIC, kind="brief"), STAFF)
    assert d.mode == "extractive" and d.kind == "brief" and not d.degraded
    assert d.markdown.startswith("# Bozza di lavoro (brief) — non è un articolo")
    for heading in ("## Fatti chiave", "## Persone, organizzazioni, cifre e date",
                    "## Soci collegati", "## Fonti"):
        assert heading in d.markdown
    assert_valid(d, demo)
    assert_verbatim(d)
    assert len(cited_docs(d)) >= 4
    assert len(facts(d.markdown)) >= 8
    assert "articles/2025-06-missione-osaka-risultati.md" in cited_docs(d)
    assert cited_docs(d, "member"), "related members are listed"
    assert d.sources_used == len(d.citations) and d.words > 150
    sources = d.markdown.split("\n## Fonti\n", 1)[1]
    assert all(c.title in sources for c in d.citations)


def test_demo_brief_respects_window_and_tags(demo: Assistant) -> None:
    req = DraftRequest(topic="missioni internazionali", since="2025", until="2025-12",
                       tags=["missioni internazionali"], include_members=False)
    d = demo.draft(req, STAFF)
    assert_valid(d, demo)
    assert d.citations and len(cited_docs(d)) >= 3
    rows = demo.index.manifest.docs()
    for c in d.citations:
        assert c.doc_type == "article" and c.date is not None
        assert date(2025, 1, 1) <= date.fromisoformat(c.date) <= date(2025, 12, 31)
        assert "missioni internazionali" in rows[c.doc_id].meta["tags"]
    assert "- **Periodo:** 2025-01-01 → 2025-12-31" in d.markdown


def test_demo_members_only_content_follows_the_role(demo: Assistant) -> None:
    req = DraftRequest(topic="calendario delle missioni internazionali 2027", kind="brief")
    rows = demo.index.manifest.docs()
    secret = "articles/2026-10-missioni-2027-calendario-riservato.md"
    as_member = demo.draft(req, MEMBER)
    assert secret in cited_docs(as_member)
    assert "riservato ai soci" in as_member.markdown
    assert any("riservate ai soci" in w for w in as_member.warnings)
    in_english = demo.draft(req.model_copy(update={"lang": "en"}), MEMBER)
    assert any("members-only" in w for w in in_english.warnings)
    assert "## Key facts" in in_english.markdown and "riservate" not in in_english.markdown
    anon = demo.draft(req, ANON)
    assert_valid(anon, demo)
    assert anon.citations
    assert all(rows[c.doc_id].visibility == "public" for c in anon.citations)
    assert "Corea del Sud" not in anon.markdown
    assert not any("riservate ai soci" in w for w in anon.warnings)


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_small_brief_never_leaks_or_quotes_injections(small: Assistant, role: str) -> None:
    d = small.draft(DraftRequest(topic="missioni internazionali del cluster"),
                    Caller(role=role))  # type: ignore[arg-type]
    assert_valid(d, small)
    assert_verbatim(d)
    assert "CANARY" not in d.markdown and "Ignora" not in d.markdown
    leaked = {c.doc_id for c in d.citations} & set(RESERVED)
    assert bool(leaked) == (role == "member")
    assert ("RISERVATO-5521" in d.markdown) <= (role == "member")
    if role == "anonymous":
        assert "Segreto Devices" not in d.markdown


def test_brief_lists_people_figures_dates_and_members(small: Assistant) -> None:
    d = small.draft(DraftRequest(topic="missioni internazionali a Osaka e Boston"), STAFF)
    who = d.markdown.split("## Persone, organizzazioni, cifre e date", 1)[1]
    assert "Elena Marchetti [" in who and "Paolo Giordani [" in who
    assert "78 incontri B2B [" in who
    assert "dal 9 al 13 giugno 2025 [" in who
    assert "**Rigenera Lab S.r.l.** — Milano, Lombardia" in d.markdown
    assert "Modalità offline" in d.markdown  # an article was asked for, a brief is given


@pytest.mark.parametrize("req", [
    DraftRequest(topic="missioni internazionali", since="2030"),
    DraftRequest(topic="ricetta del tiramisù della nonna"),
    DraftRequest(topic="🙂🙂🙂"),
])
def test_nothing_found_gives_no_draft_and_no_citations(small: Assistant,
                                                       req: DraftRequest) -> None:
    d = small.draft(req, STAFF)
    assert d.citations == [] and "nessuna bozza senza fonti" in d.markdown
