"""Markdown table rows read as sentences, and quoted as candidates."""

from __future__ import annotations

from assistant.models import RetrievedChunk
from assistant.rag.answer_model import AnswerModel, identity
from assistant.rag.features import QUESTION_FEATURES, SENTENCE_FEATURES, analyse_question
from assistant.rag.selection import score_candidates
from assistant.rag.tables import is_table_line, table_rows

TEXT = ("Esito della graduatoria:\n| Progetto | Partner | Contributo |\n|---|---|---|\n"
        "| SmartRehab | Alpimed Devices S.r.l. (Trentino) | 135.000 € |\n"
        "| OlioLongevo | Oleabio Nutraceutica S.r.l. (Puglia) | 98.000 € |\n\n"
        "Il punteggio più alto è andato a VascuLab, con 91 punti su 100.")


def test_each_data_row_is_one_sentence_with_its_header_labels() -> None:
    rows = table_rows(TEXT)
    assert len(rows) == 2  # not the header, not the rule
    offset, row = max(rows.items())
    assert TEXT[offset:].startswith("| OlioLongevo")
    assert row.startswith("Progetto: OlioLongevo; Partner: Oleabio Nutraceutica S.r.l")
    assert row.endswith("Contributo: 98.000 €.") and ". (" not in row
    assert table_rows("Nessuna tabella.") == {} and is_table_line("  | a | b |")


def test_a_row_is_a_candidate_and_a_header_is_not() -> None:
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Graduatoria",
                           text=TEXT, start=100, end=100 + len(TEXT), score=1.0)
    q = analyse_question("Quanto contributo ha ricevuto OlioLongevo?", "it", lambda t: 1.0)
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    texts = {c.text: c.start for c in score_candidates(q, [chunk], None, model).cands}
    row = next(t for t in texts if "OlioLongevo" in t)
    assert row.startswith("Progetto: OlioLongevo") and texts[row] == 100 + TEXT.index("| Olio")
    assert not any(t.startswith("|") or "Progetto: Progetto" in t for t in texts)


def test_a_passage_cut_inside_a_table_reads_its_rows_with_the_tables_header() -> None:
    rest = "| OlioLongevo | Oleabio Nutraceutica S.r.l. (Puglia) | 98.000 € |\n\nFine."
    rows = table_rows(rest, "| Progetto | Partner | Contributo |")
    assert rows == {0: "Progetto: OlioLongevo; Partner: Oleabio Nutraceutica S.r.l\u2024 "
                       "(Puglia); Contributo: 98.000 €."}
    assert table_rows(rest) == {}  # without it, the first row would be a header
