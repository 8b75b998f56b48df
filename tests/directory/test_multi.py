"""Questions about several things: members named in articles, part-by-part answers,
counts over a year and follow-ups on a listed answer, through the facade and the API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.models import Answer, Caller
from assistant.rag.citations import check
from assistant.rag.condense import Message
from assistant.settings import Settings
from tests.api.test_chat import sse_events
from tests.directory.conftest import profile
from tests.support import build_index, write_corpus

DOCS = {
    "members/alfa.yaml": profile("Alfamed S.r.l.", "company", "Veneto", "Padova", ["medtech"],
                                 2010, 30),
    "members/beta.yaml": profile("Betagen S.r.l.", "company", "Puglia", "Bari",
                                 ["biotecnologie"], 2015, 12),
    "members/gamma.yaml": profile("Ospedale Gamma", "hospital", "Lazio", "Roma",
                                  ["ricerca clinica"], 1950, 900),
    "members/delta.yaml": profile("Deltacare S.r.l.", "company", "Lazio", "Roma",
                                  ["sanità digitale"], 2019, 8),
    "articles/missione-lisbona.md": """---
title: "Missione a Lisbona: quattro soci e 40 incontri"
date: 2025-05-10
tags: [missioni internazionali]
---
La missione a Lisbona si è svolta a maggio 2025 e ha prodotto 40 incontri B2B.
Hanno partecipato:
- Alfamed S.r.l. (Padova)
- Betagen S.r.l. (Bari)
- Ospedale Gamma (Roma)
""",
    "articles/missione-oslo.md": """---
title: "Missione a Oslo: tre soci nel Nord Europa"
date: 2025-10-02
tags: [missioni internazionali]
---
La missione a Oslo si è svolta a ottobre 2025 e ha prodotto 25 incontri B2B.
La delegazione:
- Alfamed S.r.l. (Padova)
- Deltacare S.r.l. (Roma)
- Ospedale Gamma (Roma)
""",
    "articles/fiera-2024.md": """---
title: "Fiera Salus 2024: 300 visitatori allo stand"
date: 2024-11-20
tags: [eventi]
---
La Fiera Salus 2024 ha portato 300 visitatori allo stand collettivo del cluster.
""",
    "articles/fiera-2025.md": """---
title: "Fiera Salus 2025: 450 visitatori allo stand"
date: 2025-11-20
tags: [eventi]
---
La Fiera Salus 2025 ha portato 450 visitatori allo stand collettivo del cluster.
""",
    "articles/ossia-avvio.md": """---
title: "Parte lo studio Ossia sulle fratture del femore"
date: 2024-03-01
---
Lo studio Ossia arruolerà 80 pazienti con frattura del femore in due anni.
Il promotore è l'Ospedale Gamma di Roma.
""",
    "articles/ossia-punto.md": """---
title: "Ossia a metà strada"
date: 2025-02-01
---
Lo studio Ossia ha arruolato 35 pazienti degli 80 previsti.
I primi dati di sicurezza sono attesi in autunno.
""",
    "articles/ossia-chiusura.md": """---
title: "Ossia completa l'arruolamento"
date: 2026-01-15
---
Lo studio Ossia ha completato l'arruolamento con 80 pazienti, in anticipo di tre mesi.
""",
}


@pytest.fixture(scope="module")
def multi_base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    base = tmp_path_factory.mktemp("multi")
    build_index(Settings(corpus_dir=write_corpus(base / "corpus", DOCS),
                         index_dir=base / "index"), embedder)
    return base


@pytest.fixture(scope="module")
def multi(multi_base: Path, embedder: Embedder) -> Iterator[Assistant]:
    s = Settings(corpus_dir=multi_base / "corpus", index_dir=multi_base / "index")
    a = Assistant(s, Index(s, embedder=embedder))
    yield a
    a.index.close()


def _members(ans: Answer) -> set[str]:
    return {re.sub(r"\s*\[.*", "", m) for m in re.findall(r"([A-Z][\w .]+?) \[\d", ans.text)}


def test_members_of_an_event_are_listed_each_cited(multi: Assistant) -> None:
    ans = multi.ask("Quali soci hanno partecipato alla missione a Lisbona?", Caller())
    assert ans.grounded and check(ans.text, ans.citations)
    for name in ("Alfamed S.r.l.", "Betagen S.r.l.", "Ospedale Gamma"):
        assert re.search(re.escape(name) + r" \[\d\]", ans.text), ans.text
    assert "Deltacare" not in ans.text
    assert {c.doc_id for c in ans.citations} == {"articles/missione-lisbona.md"}


def test_both_events_intersect(multi: Assistant) -> None:
    ans = multi.ask("Quali soci erano sia alla missione a Lisbona sia alla missione a Oslo?",
                    Caller())
    assert "(2)" in ans.text and "Alfamed S.r.l. [1][2]" in ans.text
    assert "Betagen" not in ans.text and "Deltacare" not in ans.text
    assert check(ans.text, ans.citations) and len(ans.citations) == 2


def test_years_are_answered_one_line_each(multi: Assistant) -> None:
    ans = multi.ask("Quanti visitatori hanno avuto le Fiere Salus 2024 e 2025?", Caller())
    lines = ans.text.splitlines()
    assert lines[0].startswith("- **2024**") and "300" in lines[0] and "450" not in lines[0]
    assert lines[1].startswith("- **2025**") and "450" in lines[1]
    assert check(ans.text, ans.citations)
    assert {c.doc_id for c in ans.citations} == {"articles/fiera-2024.md",
                                                 "articles/fiera-2025.md"}


def test_count_over_a_year_lists_distinct_events(multi: Assistant) -> None:
    ans = multi.ask("Quante missioni ha fatto il cluster nel 2025?", Caller())
    assert "2 missioni" in ans.text and "Lisbona" in ans.text and "Oslo" in ans.text
    assert check(ans.text, ans.citations) and len(ans.citations) == 2


def test_how_something_went_over_time_is_one_dated_line_per_article(
        multi: Assistant) -> None:
    """Each article tells one moment of the study: the answer lists them oldest first,
    one cited line each, however the question is typed."""
    for question in ("Come è andato avanti nel tempo l'arruolamento dello studio Ossia?",
                     "come e andato avanti nel tempo l'arruolamento dello studio ossia"):
        ans = multi.ask(question, Caller())
        lines = [ln for ln in ans.text.splitlines() if ln.startswith("- ")]
        assert [ln[4:14] for ln in lines] == ["2024-03-01", "2025-02-01", "2026-01-15"], ans.text
        assert "80 pazienti" in lines[0] and "35 pazienti" in lines[1] and "80" in lines[2]
        assert ans.grounded and check(ans.text, ans.citations) and len(ans.citations) == 3
    single = multi.ask("Quanti pazienti arruolerà lo studio Ossia?", Caller())
    assert not single.text.startswith("In ordine di data")  # one moment: one answer


def test_follow_up_on_the_previous_list(multi: Assistant) -> None:
    history = [Message(role="user", content="Chi ha partecipato alla missione a Oslo?"),
               Message(role="assistant",
                       content="Alfamed S.r.l., Deltacare S.r.l. e Ospedale Gamma [1]."),
               Message(role="user", content="Quali di questi sono aziende del Lazio?")]
    ans = multi.ask(history, Caller())
    assert "Deltacare S.r.l." in ans.text and "Alfamed" not in ans.text
    assert "Ospedale Gamma" not in ans.text
    assert [c.doc_id for c in ans.citations] == ["members/delta.yaml"]


def test_which_of_the_listed_were_also_at_another_event(multi: Assistant) -> None:
    history = [Message(role="user", content="Chi ha partecipato alla missione a Lisbona?"),
               Message(role="assistant",
                       content="Alfamed S.r.l., Betagen S.r.l. e Ospedale Gamma [1]."),
               Message(role="user", content="Quali di loro erano anche alla missione a Oslo?")]
    ans = multi.ask(history, Caller())
    assert _members(ans) == {"Alfamed S.r.l.", "Ospedale Gamma"}, ans.text
    assert "Deltacare" not in ans.text  # at Oslo, but not in the previous answer
    assert check(ans.text, ans.citations)
    assert {c.doc_id for c in ans.citations} == {"articles/missione-oslo.md"}
    unnamed = [*history[:2], Message(role="user", content="Quali di loro erano nuovi soci?")]
    assert multi.multi.attendance.listed_at_event(unnamed, Caller(), None, "it") is None


def test_a_count_of_every_member_is_not_the_answer_to_an_event_follow_up(
        multi: Assistant) -> None:
    history = [Message(role="user", content="Dove si è svolta la Fiera Salus 2025?"),
               Message(role="assistant", content="La Fiera Salus 2025 [1]."),
               Message(role="user", content="e quanti soci c'erano?")]
    assert multi.directory.answer(history, Caller()) is None
    alone = [Message(role="user", content="Quanti soci ci sono?")]
    assert multi.directory.answer(alone, Caller()) is not None


def test_single_questions_are_left_to_retrieval(multi: Assistant) -> None:
    assert multi.multi.answer([Message(role="user", content="Dove si è svolta la missione a "
                                       "Lisbona?")], Caller()) is None


@pytest.mark.parametrize("question", [
    "Quali soci erano sia alla missione a Lisbona sia alla missione a Oslo?",
    "Come è andato avanti nel tempo l'arruolamento dello studio Ossia?"])
def test_streams_with_the_same_citations(multi: Assistant, multi_base: Path,
                                         question: str) -> None:
    expected = multi.ask(question, Caller())
    with TestClient(create_app(multi.settings, assistant=multi)) as c:
        body = {"stream": True, "messages": [{"role": "user", "content": question}]}
        events = sse_events(c.post("/v1/chat", json=body).text)
        done = events[-1][1]
        assert done["answer"] == expected.text
        assert [x["chunk_id"] for x in done["citations"]] == [
            x.chunk_id for x in expected.citations]
        raw = c.post("/v1/chat/completions", json=body).text
        chunks = [json.loads(line[6:]) for line in raw.splitlines()
                  if line.startswith("data: {")]
        text = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks)
        cites = next(ch["citations"] for ch in chunks if ch.get("citations"))
        assert text == expected.text
        assert [x["chunk_id"] for x in cites] == [x.chunk_id for x in expected.citations]
