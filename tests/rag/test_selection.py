"""The learned answerer's parts: question analysis, features, model file, decisions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.models import RetrievedChunk
from assistant.rag.answer import conversation_first
from assistant.rag.answer_model import (
    CLIP,
    AnswerModel,
    HiddenLayer,
    ScoreModel,
    identity,
    load_model,
)
from assistant.rag.extractive import Candidate
from assistant.rag.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    DocContext,
    analyse_question,
    cognates,
    correct_terms,
    sentence_features,
    split_codes,
)
from assistant.rag.outcome import lacks_detail, only_announces, says_not_yet
from assistant.rag.selection import (
    Scored,
    corpus_knows,
    document_contexts,
    local_weights,
    missing_shares,
    on_asked_years,
    score_candidates,
    select,
    unknown_share,
    without,
)
from assistant.text import analyze
from evals.train_answer_model import fit_listwise, fit_logistic, out_of_fold, pick_threshold


def _row(question: str, sentence: str) -> dict[str, float]:
    q = analyse_question(question, "it", lambda t: 1.0)
    row = sentence_features(q, sentence, analyze(sentence), set(), set(), passage_score=1.0,
                            rank=0, pos=0, same_lang=True, dense=0.8, dense_best=0.8,
                            doc=DocContext(1.0, False, False, 0.0))
    return dict(zip(SENTENCE_FEATURES, row, strict=True))


def test_the_kind_asked_is_matched_by_a_time_of_day_or_a_length_of_time() -> None:
    """'Quando' or 'a che ora' is answered by a date or a time of day; 'quanto dura' by a
    span or a date, not by any number (the answer model learns how much each weighs)."""
    assert _row("A che ora iniziano i webinar?", "Si tengono dalle 17:00 alle 18:30.")[
        "asks_date_has"] == 1.0
    assert _row("A che ora iniziano i webinar?", "Sono sei webinar.")["asks_date_has"] == 0.0
    assert _row("Quanto dura il progetto?", "Ha una durata di 18 mesi.")[
        "asks_duration_has"] == 1.0
    assert _row("Quanto dura il progetto?", "Coinvolge 600 pazienti.")[
        "asks_duration_has"] == 0.0
    assert _row("Quanti pazienti coinvolge?", "Dura 18 mesi.")["asks_duration_has"] == 0.0
    # an English question asks for a figure with the same words' English forms
    assert _row("What percentage of members answered?", "Ha risposto il 64%.")[
        "asks_number_has"] == 1.0


def test_codes_without_hyphen_are_split_like_the_corpus_writes_them() -> None:
    assert split_codes("il PB214 e il kit xr12") == "il PB 214 e il kit xr 12"
    assert "214" in analyze(split_codes("PB214"))


def test_typos_are_mapped_to_the_closest_corpus_term() -> None:
    vocab = {"progett": 3, "finanz": 2}
    out = correct_terms(["proget", "finanz", "zzzzzzzz"], vocab.get, lambda: list(vocab))
    assert out == {"proget": "progett"}


def test_common_words_of_the_language_are_not_read_as_typos() -> None:
    vocab = {"contatt": 4, "milan": 3}
    q = analyse_question("quanto va in contanti a chi viene da Milno?", "it", lambda t: 1.0,
                         vocab.get, lambda: list(vocab))
    assert q.fuzzy == {"miln": "milan"}  # "contanti" (cash) is a word, not "contatti"


def test_words_of_another_language_count_when_spelt_almost_alike() -> None:
    it_terms = analyze("quanti contatti qualificati e pazienti", "it")
    en_terms = analyze("210 qualified contacts and 40 patients, no meetings", "en")
    assert set(cognates(it_terms, en_terms)) == {"contatt", "qualific", "pazient"}
    assert cognates(analyze("cavalli", "it"), analyze("horses", "en")) == []


def test_answer_type_features_see_the_asked_kind() -> None:
    has = _row("Quanti pazienti ha arruolato lo studio?", "Lo studio ha arruolato 34 pazienti.")
    lacks = _row("Quanti pazienti ha arruolato lo studio?", "Lo studio arruolerà pazienti.")
    assert has["asks_number_has"] == 1 and lacks["asks_number_lacks"] == 1
    assert _row("Quando scade il bando?", "Il bando scade il 15 aprile 2026.")["asks_date_has"]
    assert _row("Il bilancio 2026?", "Il bilancio 2024 era di 2 milioni.")["other_year"] == 1


def test_a_sentence_without_the_asked_attribute_is_marked() -> None:
    asked = "Qual è il fatturato di Cellumen Bio?"
    assert _row(asked, "Cellumen Bio ha chiuso un aumento di capitale.")["attr_lacks"] == 1
    assert _row(asked, "Il fatturato di Cellumen Bio è di 3 milioni.")["attr_lacks"] == 0


def _chunk(doc: str, title: str, date: str, score: float) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{doc}#{score}", doc_id=doc, doc_type="article",
                          title=title, text="Il Forum annuale si è tenuto a Roma nel 2024.",
                          start=0, end=1, score=score, metadata={"date": date})


def test_the_document_naming_the_asked_year_and_subject_is_recognised() -> None:
    q = analyse_question("Dove si è tenuto il Forum annuale 2024?", "it", lambda t: 1.0)
    chunks = [_chunk("bologna", "Forum 2025: a Bologna 510 iscritti", "2025-04-15", 1.0),
              _chunk("roma", "Forum annuale 2024: il 18 aprile a Roma", "2024-03-12", 0.8),
              _chunk("roma", "Forum annuale 2024: il 18 aprile a Roma", "2024-03-12", 0.5)]
    (bologna, _), (roma, _), (roma_low, own) = document_contexts(q, chunks)
    assert bologna.year_other and not bologna.year_match
    assert roma.year_match and not roma.year_other
    assert roma.title_rel == 0.0 and bologna.title_rel < 0
    assert roma_low.score == 0.8 and own == 0.5  # the document's best passage, and its own
    assert (bologna.recency, roma.recency) == (1.0, 0.0)  # the later article, the earlier
    undated = [_chunk("a", "Forum", "", 1.0), _chunk("b", "Forum", "2024-03-12", 0.5)]
    assert [d.recency for d, _ in document_contexts(q, undated)] == [0.5, 0.5]


def test_dropping_sentences_renormalises_the_rest() -> None:
    cands = [Candidate(0, i, f"frase {i}", 0.0, set()) for i in range(3)]
    rest = without(Scored(cands, [[0.0]] * 3, np.array([0.5, 0.3, 0.2])), [True, False, False])
    assert [c.start for c in rest.cands] == [1, 2]
    assert np.allclose(rest.probs, [0.6, 0.4])


def test_features_far_outside_the_training_range_are_clipped() -> None:
    n = len(QUESTION_FEATURES)
    m = ScoreModel(QUESTION_FEATURES, np.zeros(n), np.full(n, 0.01), np.ones(n), 0.0)
    assert float(m.score([[100.0] * n])[0]) == CLIP * n


def test_shipped_model_matches_the_code_features() -> None:
    model = load_model()
    assert model.sentence.features == SENTENCE_FEATURES
    assert model.answerable.features == QUESTION_FEATURES
    assert 0 < model.threshold < 1


def test_hidden_layer_round_trips_and_scores(tmp_path: Path) -> None:
    n = len(QUESTION_FEATURES)
    layer = HiddenLayer(np.eye(n)[:, :2], np.zeros(2), np.array([1.0, -1.0]))
    m = AnswerModel(identity(SENTENCE_FEATURES),
                    ScoreModel(QUESTION_FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0,
                               layer), 0.4, 0.5)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()))
    back = load_model(path).answerable
    row = [0.0] * n
    row[0], row[1] = 2.0, 0.5  # relu(2) - relu(0.5)
    assert back.hidden is not None and float(back.score([row])[0]) == 1.5


def test_a_hidden_layer_learns_what_a_linear_score_cannot() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, len(QUESTION_FEATURES)))
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).astype(float)  # answerable when both agree
    linear = fit_logistic(x, y, np.ones(400), steps=600)
    hidden = fit_logistic(x, y, np.ones(400), steps=600, hidden=8)

    def accuracy(m: ScoreModel) -> float:
        return float(((m.score(x.tolist()) > 0) == (y == 1)).mean())
    assert accuracy(linear) < 0.65 < 0.85 < accuracy(hidden)


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    m = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.4, 0.5)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()))
    back = load_model(path)
    assert back.threshold == 0.4 and back.sentence.features == SENTENCE_FEATURES


def test_second_sentence_only_with_a_comparable_share() -> None:
    cands = [Candidate(0, i * 100, f"frase numero {i} con parole diverse {i}", 0.0,
                       {f"t{i}", f"u{i}"}) for i in range(3)]
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    close = Scored(cands, [[0.0]] * 3, np.array([0.45, 0.40, 0.15]))
    far = Scored(cands, [[0.0]] * 3, np.array([0.80, 0.15, 0.05]))
    assert len(select(close, model)) == 2
    assert [c.start for c in select(far, model)] == [0]
    # with the chunks' documents, the second sentence comes from the best's document:
    # the runner-up of another document gives way to the best other one of the same
    cands[1].source = 1  # the runner-up is in the second chunk
    spread = Scored(cands, [[0.0]] * 3, np.array([0.40, 0.35, 0.25]))
    assert [c.start for c in select(spread, model, ["a", "b"])] == [0, 200]
    assert [c.start for c in select(spread, model, ["a", "a"])] == [0, 100]
    spread.probs = np.array([0.40, 0.45, 0.15])
    assert [c.start for c in select(spread, model, ["a", "b"])] == [100]  # 0.15 < 0.5 x 0.45


def test_a_second_sentence_completes_the_asked_words_the_best_one_lacks() -> None:
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    names = Candidate(0, 0, "La collaborazione con la Camera di Osaka è il filone principale.",
                      0.0, {"collabor", "camer", "osak", "filon"})
    asked = Candidate(0, 100, "Verranno attivati accordi di partnership.", 0.0,
                      {"verrann", "attiv", "accord", "partnership"})
    other = Candidate(0, 200, "Il forum ha riunito molti stakeholder.", 0.0,
                      {"forum", "riun", "stakeholder"})
    scored = Scored([names, other, asked], [[0.0]] * 3, np.array([0.60, 0.20, 0.10]))
    question = {"accord", "attiv", "camer", "osak"}
    assert [c.start for c in select(scored, model, None, question)] == [0, 100]
    assert [c.start for c in select(scored, model)] == [0]  # no asked words, no completion
    covered = {"camer", "osak", "collabor"}  # the best sentence holds them all
    assert [c.start for c in select(scored, model, None, covered)] == [0]


def test_an_announcement_does_not_answer_how_it_went() -> None:
    ann = Candidate(0, 0, "Il premio sarà assegnato a dicembre.", 0.0, set())
    fact = Candidate(0, 0, "Il premio è stato assegnato a VascuLab.", 0.0, set())
    assert only_announces("Chi ha vinto il premio?", [ann])
    assert not only_announces("Chi ha vinto il premio?", [fact])
    assert not only_announces("Quando sarà assegnato il premio?", [ann])
    talk = Candidate(0, 0, "Se ne parlerà al Summit di ottobre.", 0.0, set())
    assert only_announces("Chi ha vinto il premio?", [ann, talk])  # a future of any verb
    assert not only_announces("Chi ha vinto il premio?", [ann, fact])
    call = Candidate(0, 0, "Le proposte si presentano entro il 15 aprile.", 0.0, set())
    assert only_announces("Quante proposte sono arrivate?", [call])  # a past tense asks
    assert only_announces("How many proposals were received?", [call])  # what happened
    assert not only_announces("Quante proposte si possono presentare?", [call])


def test_a_sentence_saying_the_asked_thing_is_not_there_yet() -> None:
    """"Non abbiamo ancora dati di efficacia" answers "ci sono risultati di
    efficacia?" with a no; a "not yet" about something else does not."""
    quote = Candidate(0, 0, "«Non abbiamo ancora dati di efficacia, ma la tecnica è "
                      "riproducibile», spiega il responsabile.", 0.0, set())
    assert says_not_yet([quote], set(analyze("risultati efficacia")))
    assert not says_not_yet([quote], set(analyze("pazienti arruolati")))
    english = Candidate(0, 0, "Final results are not yet available.", 0.0, set())
    assert says_not_yet([english], {"avail"})
    other = Candidate(0, 0, "Lo studio ha arruolato 34 pazienti e non ha ancora concluso il "
                      "follow-up.", 0.0, set())
    assert not says_not_yet([other], set(analyze("pazienti arruolati")))


def test_unknown_words_and_missing_names_are_measured() -> None:
    known = {"bando", "scadenz"}.__contains__
    assert unknown_share("bando scadenza fatturato", known) == (1 / 3, 1)
    assert unknown_share("bando scadenza", known) == (0.0, 0)
    from assistant.models import RetrievedChunk

    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Missione Osaka",
                           text="La missione a Osaka nel 2025.", start=0, end=1, score=1.0)
    assert missing_shares("Com'è andata la missione in India nel 2025?", [chunk]) == (1.0, 0.0)
    assert missing_shares("Com'è andata la missione a Osaka?", [chunk]) == (0.0, 0.0)
    pil = RetrievedChunk(chunk_id="p", doc_id="p", doc_type="article", title="Kansai",
                         text="Il Kansai ha un PIL di 824 miliardi di dollari.", start=0, end=1,
                         score=1.0)
    assert missing_shares("What is the GDP of Kansai?", [pil]) == (0.0, 0.0)  # "PIL"
    assert missing_shares("What is the GDP of Kyushu?", [pil]) == (0.5, 0.0)
    osaka = RetrievedChunk(chunk_id="o", doc_id="o", doc_type="article", title="Missione",
                           text="La missione in Giappone ha prodotto 78 incontri.", start=0,
                           end=1, score=1.0)
    assert missing_shares("How many meetings did the Japan mission hold?", [osaka]) == (0.0, 0.0)
    assert missing_shares("How many meetings did the Korea mission hold?", [osaka]) == (1.0, 0.0)


def test_ordinary_words_of_another_language_are_not_unknown() -> None:
    """An English question over Italian content uses English words the content
    translates ("licence", "payments"): they are not evidence that the content lacks
    the subject, while a rare word or name still is."""
    doc_freq = {"licenz": 2, "pb": 1, "214": 1}.get
    question = "PB-214 licence deal: how much in milestone payments?"
    over_italian = corpus_knows(lambda t: doc_freq(t, 0), set(), question, "en", "it")
    assert unknown_share(question, over_italian) == (0.0, 0)
    over_english = corpus_knows(lambda t: doc_freq(t, 0), set(), question, "en", "en")
    assert unknown_share(question, over_english)[1] >= 3  # the same words, its own language
    rare = "Who founded Zorblaxia Therapeutics?"
    assert unknown_share(rare, corpus_knows(lambda t: 0, set(), rare, "en", "it"))[1] >= 1


def test_fitting_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    lists = []
    for _ in range(60):
        x = rng.normal(size=(6, len(SENTENCE_FEATURES)))
        y = np.zeros(6, dtype=bool)
        y[int(np.argmax(x[:, 1]))] = True  # the gold sentence is the one highest on "own"
        lists.append((x, y, 1.0))
    model = fit_listwise(lists, steps=200)
    assert int(np.argmax(np.abs(model.weights))) == 1
    xq = rng.normal(size=(200, len(QUESTION_FEATURES)))
    yq = (xq[:, 0] > 0).astype(float)
    lm: ScoreModel = fit_logistic(xq, yq, np.ones(200), steps=500)
    p = 1 / (1 + np.exp(-lm.score(xq.tolist())))
    assert ((p > 0.5) == (yq == 1)).mean() > 0.9
    t = pick_threshold(p, yq, np.zeros(200), 0.03)
    assert np.mean(p[yq == 1] < t) <= 0.03


def test_out_of_fold_probabilities_are_not_optimistic() -> None:
    """Labels no feature explains: a model with a hidden layer fits them on its own
    rows, but the rows it did not see are guessed at chance. The refusal threshold is
    picked on those."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, len(QUESTION_FEATURES)))
    y = (rng.random(120) < 0.5).astype(float)
    weight = np.ones(120)
    fitted = fit_logistic(x, y, weight, l2=0.0, steps=1500, hidden=16)
    in_sample = ((fitted.score(x.tolist()) > 0) == (y == 1)).mean()
    held_out = ((out_of_fold(x, y, weight, hidden=16, folds=4) > 0.5) == (y == 1)).mean()
    assert in_sample > 0.8 and held_out < 0.65


def test_out_of_fold_by_group_keeps_a_group_out_of_its_own_fit() -> None:
    """Each group (a SQuAD article) has its own label and a feature that names it:
    folds that split groups let the model read the label off that feature; folds of
    whole groups cannot, as the group is never seen before it is predicted."""
    rng = np.random.default_rng(2)
    groups = [f"article/{i % 8}" for i in range(160)]
    x = rng.normal(scale=0.1, size=(160, len(QUESTION_FEATURES)))
    for i in range(160):
        x[i, i % 8] += 3.0  # the group's own feature
    y = np.array([float(i % 8 < 4) for i in range(160)])
    weight = np.ones(160)
    mixed = ((out_of_fold(x, y, weight, hidden=0, folds=4) > 0.5) == (y == 1)).mean()
    whole = ((out_of_fold(x, y, weight, hidden=0, folds=4, groups=groups) > 0.5)
             == (y == 1)).mean()
    assert mixed > 0.95 and whole < 0.8


def test_the_word_few_candidates_hold_weighs_most() -> None:
    q = analyse_question("Chi coordina il gruppo di lavoro?", "it", lambda t: 1.0)
    topic = set(analyze("gruppo lavoro"))
    local = local_weights(q, [topic, topic, topic | set(analyze("coordina"))])
    (asked,) = analyze("coordina")
    assert all(local.weights[asked] > local.weights[t] for t in topic)
    assert local.rarest == {asked}
    absent = local_weights(q, [topic, topic, topic])
    assert absent.weights[asked] > local.weights[asked]  # held by none: a near miss


def test_sentences_about_other_years_than_the_asked_ones_give_way() -> None:
    chunks = [_chunk("b26", "Ponti di Innovazione 2026", "2026-01-10", 1.0),
              _chunk("b24", "Ponti di Innovazione 2024", "2024-05-02", 0.8)]
    cands = [Candidate(0, 0, "Il bando 2026 mette a disposizione 1.500.000 euro.", 0.0, set()),
             Candidate(1, 0, "Il bando ha una dotazione di 1.200.000 euro.", 0.0, set())]
    scored = Scored(cands, [[0.0], [1.0]], np.array([0.7, 0.3]))
    kept = on_asked_years(scored, "la dotazione del bando 2024", chunks)
    assert [c.source for c in kept.cands] == [1] and kept.probs.tolist() == [1.0]
    assert on_asked_years(scored, "la dotazione del bando", chunks) is scored  # no year
    only = Scored(cands[:1], [[0.0]], np.array([1.0]))
    assert on_asked_years(only, "la dotazione del bando 2024", chunks) is only  # the
    # check then refuses: no sentence is about the asked year


def test_the_conversations_document_comes_first_in_retrieval_order() -> None:
    profile, a1, a2 = (_chunk("members/x", "X", "", 1.0),
                       *(_chunk("articles/plant", "Plant", "2025-10-01", s) for s in (0.8, 0.7)))
    other = _chunk("articles/other", "Other", "2025-01-01", 0.9)
    assert conversation_first([profile, a1, other, a2], "articles/plant") == [
        a1, a2, profile, other]
    assert conversation_first([profile, a1], None) == [profile, a1]
    assert conversation_first([profile, a1], "articles/none") == [profile, a1]


def test_a_day_or_a_time_asked_needs_one_quoted() -> None:
    """"Che giorno si fa il Forum 2027?" is not answered by "aprile 2027, Padova"."""
    month = Candidate(0, 0, "Aprile 2027, Padova: il Forum annuale si terrà in Veneto.", 0.0,
                      set())
    day = Candidate(0, 0, "Il Forum si terrà giovedì 22 aprile 2027 a Padova.", 0.0, set())
    assert lacks_detail("che giorno si fa il forum 2027 a padova?", [month])
    assert not lacks_detail("che giorno si fa il forum 2027 a padova?", [day])
    assert not lacks_detail("quando si fa il forum 2027?", [month])  # a month answers "when"
    assert lacks_detail("A che ora inizia il Forum?", [day])
    assert not lacks_detail("What time does it start?", [Candidate(
        0, 0, "Registration opens at 9:30.", 0.0, set())])


def test_glossary_words_count_across_languages() -> None:
    """An English question's "deadline" is held by an Italian sentence's "scadenza",
    both ways, as a near-identical spelling is ("pazienti" / "patients")."""
    from assistant.rag.features import cognates
    from assistant.rag.glossary import translations

    assert "scadenz" in translations("deadlin") and "deadlin" in translations("scadenz")
    italian = analyze("La scadenza per i pazienti è il 15 aprile.", "it")
    assert {"deadlin", "patient"} <= set(cognates(["deadlin", "patient", "budget"], italian))
    assert "budget" not in cognates(["budget"], italian)
    assert translations("xyzzy") == frozenset()


def test_a_sentence_after_the_one_naming_the_subject_is_marked() -> None:
    text = ("Il Cluster lombardo scienze della vita è l'associazione della regione. "
            "Il Cluster rappresenta oltre 100 soci.")
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Missione",
                           text=text, start=0, end=len(text), score=1.0)
    q = analyse_question("quanti soci ha il cluster lombardo scienze della vita", "it",
                         lambda t: 1.0)
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    rows = score_candidates(q, [chunk], None, model).rows
    gain = SENTENCE_FEATURES.index("prev_gain")
    assert rows[0][gain] == 0.0  # the first sentence has none before it
    assert rows[1][gain] > 0.5  # "lombardo scienze vita" are named just before it


def test_borrowed_english_words_count_in_an_italian_question() -> None:
    """"la deadline del bando" over Italian passages: the glossary's "scadenza" holds
    it; a spelling merely alike does not count within one language."""
    text = ("La scadenza per le domande è il 15 aprile 2026. Il contributo massimo per "
            "ciascun progetto è di 150.000 euro.")
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Bando",
                           text=text, start=0, end=len(text), score=1.0)
    q = analyse_question("qual è la deadline del bando?", "it", lambda t: 1.0)
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    own = SENTENCE_FEATURES.index("own")
    deadline, other = (row[own] for row in score_candidates(q, [chunk], None, model).rows)
    assert deadline > other
    technology = analyze("technology", "en")
    assert cognates(["tecnolog"], technology) == ["tecnolog"]
    assert cognates(["tecnolog"], technology, spelt_alike=False) == []
