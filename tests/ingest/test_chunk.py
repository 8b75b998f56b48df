"""Chunking: exact offsets, bounded sizes, sentence boundaries, header paths, overlap."""

from __future__ import annotations

import re

import pytest

from assistant.ingest.chunk import chunk_document, estimate_tokens, sentence_spans
from assistant.ingest.load import member_document
from assistant.models import Chunk, Document

MAX, OVERLAP = 60, 15

# sentences of 8-14 words; every one is unique so its offset in the text is unambiguous
SUBJECTS = ["Il cluster", "La missione", "Il bando", "Il consiglio direttivo", "La fiera",
            "Il gruppo di lavoro", "L'assemblea dei soci", "La nuova piattaforma"]
ACTIONS = ["ha coinvolto {n} imprese del settore biomedicale in tre regioni italiane",
           "prevede {n} incontri con investitori e partner industriali stranieri",
           "ha raccolto {n} candidature da startup e piccole imprese innovative",
           "ha approvato {n} nuovi progetti di ricerca clinica e traslazionale"]


def sentences(k: int, seed: int) -> list[str]:
    out = []
    for i in range(k):
        subj = SUBJECTS[(i + seed) % len(SUBJECTS)]
        act = ACTIONS[(i * 3 + seed) % len(ACTIONS)].format(n=seed * 100 + i)
        out.append(f"{subj} {act}.")
    return out


SECTIONS = {
    "": sentences(3, 1),
    "## Bandi": sentences(9, 2),
    "### Scadenze": sentences(6, 3),
    "## Eventi": sentences(8, 4),
}


def guide() -> tuple[Document, dict[str, list[str]]]:
    parts = []
    for header, sents in SECTIONS.items():
        if header:
            parts.append(header)
        # two paragraphs per section, sentences within a paragraph on one line
        half = len(sents) // 2
        parts.append(" ".join(sents[:half]) + "\n\n" + " ".join(sents[half:]))
    doc = Document(doc_id="articles/guida.md", doc_type="article", title="Guida ai servizi",
                   text="\n\n".join(parts),
                   metadata={"visibility": "members", "tags": ["bandi"], "date": "2025-01-02",
                             "lang": "it"})
    return doc, SECTIONS


def by_section(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = {}
    for c in chunks:
        out.setdefault(c.metadata["section"], []).append(c)
    return out


def test_offsets_are_exact_slices() -> None:
    doc, _ = guide()
    chunks = chunk_document(doc, MAX, OVERLAP)
    assert len(chunks) >= 6
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.text == c.text.strip() and c.text


def test_sizes_are_bounded_and_chunks_are_packed() -> None:
    doc, sections = guide()
    chunks = chunk_document(doc, MAX, OVERLAP)
    for c in chunks:
        assert estimate_tokens(c.text) <= MAX, c.text
    for group in by_section(chunks).values():
        for c in group[:-1]:  # only the last chunk of a section may be short
            assert estimate_tokens(c.text) >= MAX // 2, c.text


def test_sentence_boundaries_are_respected() -> None:
    doc, sections = guide()
    starts, ends = set(), set()
    for sents in sections.values():
        for s in sents:
            i = doc.text.index(s)
            starts.add(i)
            ends.add(i + len(s))
    chunks = chunk_document(doc, MAX, OVERLAP)
    for c in chunks:
        assert c.start in starts, f"chunk starts mid-sentence: {c.text[:40]!r}"
        assert c.end in ends, f"chunk ends mid-sentence: {c.text[-40:]!r}"
    # every sentence is whole inside at least one chunk: nothing is lost
    for sents in sections.values():
        for s in sents:
            assert any(s in c.text for c in chunks), s


def test_header_path_in_metadata_and_not_in_text() -> None:
    doc, _ = guide()
    chunks = chunk_document(doc, MAX, OVERLAP)
    groups = by_section(chunks)
    assert list(groups) == ["", "Bandi", "Bandi > Scadenze", "Eventi"]
    for section, group in groups.items():
        header = section.split(" > ")[-1] if section else ""
        for c in group:
            assert "#" not in c.text
            expected = SECTIONS[f"{'#' * (section.count('>') + 2)} {header}" if header else ""]
            assert any(s in c.text for s in expected)


def test_title_and_section_prefix_only_the_embedded_text() -> None:
    doc, _ = guide()
    for c in chunk_document(doc, MAX, OVERLAP):
        section = c.metadata["section"]
        prefix = "Guida ai servizi" + (f"\n{section}" if section else "")
        assert c.embed_text == f"{prefix}\n{c.text}"
        assert not c.text.startswith("Guida ai servizi")
        assert c.metadata["title"] == "Guida ai servizi"
        assert c.metadata["doc_type"] == "article"
        assert c.metadata["visibility"] == "members"
        assert c.metadata["tags"] == ["bandi"] and c.metadata["date"] == "2025-01-02"
        assert c.lang == "it"


def test_title_is_not_repeated_when_the_text_starts_with_it() -> None:
    doc = Document(doc_id="a.html", doc_type="article", title="Fiera MEDICA",
                   text="Fiera MEDICA\nDodici soci hanno esposto a Düsseldorf.")
    (c,) = chunk_document(doc)
    assert c.embed_text == c.text
    assert c.metadata["section"] == ""


def test_small_overlap_between_consecutive_chunks() -> None:
    doc, _ = guide()
    overlap = 25  # room for one ~17-token sentence
    chunks = chunk_document(doc, MAX, overlap)
    overlaps = 0
    for group in by_section(chunks).values():
        for a, b in zip(group, group[1:], strict=False):
            assert a.start < b.start and a.end < b.end
            assert not doc.text[a.end:b.start].strip(), "text lost between two chunks"
            if b.start < a.end:
                overlaps += 1
                assert estimate_tokens(doc.text[b.start:a.end]) <= overlap + 1
                assert a.end - b.start < (a.end - a.start) / 2
    assert overlaps >= 2
    # a sentence longer than the overlap budget is never repeated; nor is anything at 0
    for ov in (OVERLAP, 0):
        for group in by_section(chunk_document(doc, MAX, ov)).values():
            for a, b in zip(group, group[1:], strict=False):
                assert b.start >= a.end
                assert not doc.text[a.end:b.start].strip()


def test_chunks_never_cross_sections() -> None:
    doc, _ = guide()
    header_offsets = [m.start() for m in re.finditer(r"^#+ ", doc.text, re.M)]
    for c in chunk_document(doc, MAX, OVERLAP):
        assert not any(c.start <= h < c.end for h in header_offsets)


def test_very_long_sentence_is_split_at_word_boundaries() -> None:
    words = [f"parola{i}" for i in range(400)]
    text = "Premessa breve. " + " ".join(words) + ". Conclusione finale del documento."
    doc = Document(doc_id="long.txt", doc_type="article", title="Lungo", text=text)
    chunks = chunk_document(doc, MAX, OVERLAP)
    assert len(chunks) >= 400 * 1.35 // MAX
    seen: list[str] = []
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert estimate_tokens(c.text) <= MAX
        assert c.start == 0 or not doc.text[c.start - 1].isalnum()
        assert c.end == len(doc.text) or not doc.text[c.end].isalnum()
        seen.extend(w.rstrip(".") for w in c.text.split() if w.startswith("parola"))
    assert sorted(set(seen), key=lambda w: int(w[6:])) == words


def test_member_profile_key_fields_in_first_chunk() -> None:
    description = " ".join(sentences(30, 5))
    doc = member_document({"name": "BioLab S.r.l.", "kind": "company", "region": "Lombardia",
                           "city": "Milano", "sectors": ["Biotech", "Medtech"], "founded": 2012,
                           "employees": 45, "website": "https://biolab.example",
                           "description": description}, "members/biolab.yaml")
    chunks = chunk_document(doc, MAX, OVERLAP)
    assert len(chunks) > 3
    first = chunks[0].text
    for field in ("BioLab S.r.l.", "Tipo: azienda", "Sede: Milano, Lombardia",
                  "Settori: biotech, medtech", "Fondazione: 2012", "Dipendenti: 45"):
        assert field in first, field
    assert all("Settori:" not in c.text for c in chunks[1:])
    assert all(c.metadata["doc_type"] == "member" and c.metadata["name"] == "BioLab S.r.l."
               for c in chunks)
    assert chunks[0].metadata["sectors"] == ["biotech", "medtech"]


def test_ids_are_deterministic_and_sequential() -> None:
    doc, _ = guide()
    a, b = chunk_document(doc, MAX, OVERLAP), chunk_document(doc, MAX, OVERLAP)
    assert [(c.chunk_id, c.start, c.end, c.embed_text) for c in a] == \
           [(c.chunk_id, c.start, c.end, c.embed_text) for c in b]
    assert [c.chunk_id for c in a] == [f"articles/guida.md::{i}" for i in range(len(a))]
    assert [c.index for c in a] == list(range(len(a)))


@pytest.mark.parametrize(("text", "lang"), [
    ("The cluster organised a mission to Boston with members from the medtech sector, "
     "and the results were presented at the annual forum.", "en"),
    ("Il cluster ha organizzato una missione a Boston con i soci del settore medtech e "
     "i risultati sono stati presentati al forum annuale.", "it"),
])
def test_language_is_detected_per_document(text: str, lang: str) -> None:
    (c,) = chunk_document(Document(doc_id="x", doc_type="article", title="T", text=text))
    assert c.lang == lang


def test_sentence_spans_handle_lists_and_abbreviations_of_numbers() -> None:
    text = "Tra i risultati:\n- 78 incontri B2B;\n- un accordo firmato.\nIl 12,6% del PIL. Fine."
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Tra i risultati:", "- 78 incontri B2B;", "- un accordo firmato.",
                     "Il 12,6% del PIL.", "Fine."]


def test_initials_titles_and_numbered_abbreviations_do_not_end_a_sentence() -> None:
    text = ("Lo dirige il Prof. Mario Rossi con E. W. Scripps e J. F. Kennedy. Vedi art. 3 e "
            "n. 12 del bando. Ha firmato Alfa S.p.A. Il progetto parte. He said no. Then 3 more.")
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Lo dirige il Prof. Mario Rossi con E. W. Scripps e J. F. Kennedy.",
                     "Vedi art. 3 e n. 12 del bando.", "Ha firmato Alfa S.p.A.",
                     "Il progetto parte.", "He said no.", "Then 3 more."]


def test_empty_sections_produce_no_chunks() -> None:
    doc = Document(doc_id="h.md", doc_type="article", title="T",
                   text="## Vuota\n\n## Piena\n\nUna frase sola.\n\n## Anche vuota\n")
    chunks = chunk_document(doc)
    assert [(c.metadata["section"], c.text) for c in chunks] == [("Piena", "Una frase sola.")]


def test_a_table_row_is_one_sentence_and_a_cut_table_keeps_its_header() -> None:
    rows = "".join(f"| Progetto {i} | Alfa S.r.l. (Veneto), Beta S.p.A. (Puglia) | {i}0.000 € |\n"
                   for i in range(12))
    text = f"Intro del bando.\n\n| Progetto | Partner | Contributo |\n|---|---|---|\n{rows}"
    row_spans = [(a, b) for a, b in sentence_spans(text) if text[a] == "|"]
    assert len(row_spans) == 14  # header, rule and 12 rows: "S.r.l. (Veneto)" splits none
    doc = Document(doc_id="d", source="d.md", doc_type="article", title="Graduatoria",
                   text=text)
    chunks = chunk_document(doc, max_tokens=MAX, overlap=OVERLAP)
    cut = [c for c in chunks if c.text.startswith("| Progetto ") and c.index > 0]
    assert cut and all(c.metadata["table_header"] == "| Progetto | Partner | Contributo |"
                       for c in cut)
    assert "table_header" not in chunks[0].metadata
