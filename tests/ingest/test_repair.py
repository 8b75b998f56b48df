"""Repair of scraped text: glued words split, well-formed text and names left alone."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.cli import index as cli
from assistant.embed import Embedder
from assistant.ingest.index import Index, IngestReport
from assistant.ingest.load import iter_corpus_files, load_file
from assistant.ingest.repair import repair_document, repair_text
from assistant.settings import Settings
from assistant.text import clean_text, detect_language
from tests.conftest import DEMO_CORPUS, SEED
from tests.ingest.helpers import md, write

MB = 1024 * 1024
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"seed article not present: {SEED}")

# Every split the rule makes on the seed, in order; each one checked by reading it in context
# (docs/scrape-repair.md). Any new split, lost split or different cut fails the test.
EXPECTED_SEED_SPLITS = [
    ('dollari,il', 'dollari, il'), ('Trentino(HIT)', 'Trentino (HIT)'),
    ('Osaka,che', 'Osaka, che'), ('mesi,mettendo', 'mesi, mettendo'),
    ('infatti,verranno', 'infatti, verranno'), ('internazionali,anche', 'internazionali, anche'),
    ('Health,presso', 'Health, presso'), ('italiana,offrendo', 'italiana, offrendo'),
    ('Infine,l', 'Infine, l'), ('ALISEI,costituisce', 'ALISEI, costituisce'),
    ('vita,riunendo', 'vita, riunendo'), ('Sviluppo.Favorisce', 'Sviluppo. Favorisce'),
    ('collaborativo,sostiene', 'collaborativo, sostiene'), ('ClusterALISEI', 'Cluster ALISEI'),
    ('clusterterritoriali', 'cluster territoriali'), ('FondazioneHub', 'Fondazione Hub'),
    ('unamissione', 'una missione'), ('conpiacere', 'con piacere'),
    ('Clusterlombardo', 'Cluster lombardo'), ('inGiappone', 'in Giappone'),
    ('incentivareattività', 'incentivare attività'),
    ('ulterioreoccasione', 'ulteriore occasione'), ('piùinnovativi', 'più innovativi'),
    ('delKansai', 'del Kansai'), ('unimportante', 'un importante'), ('conuna', 'con una'),
    ('unapopolazione', 'una popolazione'), ('dallaricerca', 'dalla ricerca'),
    ('cuiopera', 'cui opera'), ('proiettataverso', 'proiettata verso'), ('eper', 'e per'),
    ('dellarigenerazione', 'della rigenerazione'), ('ilnostro', 'il nostro'),
    ('unasfida', 'una sfida'), ('unruolo', 'un ruolo'), ('unanarrativa', 'una narrativa'),
    ('egiapponese', 'e giapponese'), ('allacostruzione', 'alla costruzione'),
    ('SilverEconomy', 'Silver Economy'), ('haospitato', 'ha ospitato'),
    ('erelazioni', 'e relazioni'), ('partnerper', 'partner per'),
    ('sulterritorio', 'sul territorio'), ('oltre70', 'oltre 70'), ('Sciencedi', 'Science di'),
    ('comeDaiichi', 'come Daiichi'), ('hannopotuto', 'hanno potuto'),
    ('DiagnosticoItaliano', 'Diagnostico Italiano'), ('IRCCSIstituto', 'IRCCS Istituto'),
    ('hannopartecipato', 'hanno partecipato'), ('daAssolombarda', 'da Assolombarda'),
    ('ilprincipale', 'il principale'), ('importantecanale', 'importante canale'),
    ('sfruttareal', 'sfruttare al'), ('lamissione', 'la missione'),
    ('confrontoscientifico', 'confronto scientifico'), ('daAssolombarda', 'da Assolombarda'),
    ('ExchangeEvent', 'Exchange Event'), ('efavorevole', 'e favorevole'),
    ('contattodiretto', 'contatto diretto'), ('dallarobotica', 'dalla robotica'),
    ('allecellule', 'alle cellule'), ('einternazionali', 'e internazionali'),
    ("centraledell'", "centrale dell'"),
    ('Particolarmentesignificative', 'Particolarmente significative'),
    ('ScienceCenter', 'Science Center'), ('NationalCerebral', 'National Cerebral'),
    ('diricerca', 'di ricerca'), ('allabase', 'alla base'), ('iquali', 'i quali'),
    ('qualitàdella', 'qualità della'), ('ambitofarmaceutico', 'ambito farmaceutico'),
    ('rappresentaun', 'rappresenta un'), ("ecosistemadell'", "ecosistema dell'"),
    ('competenzesviluppate', 'competenze sviluppate'), ("posizionarel'", "posizionare l'"),
    ('campodelle', 'campo delle'), ("èl'", "è l'"), ('allacura', 'alla cura'),
    ('dioltre', 'di oltre'), ('partecipazionedi', 'partecipazione di'), ('dipiù', 'di più'),
    ("èl'", "è l'"), ('trasferimentotecnologico', 'trasferimento tecnologico'),
    ('deirisultati', 'dei risultati'), ('diTrento', 'di Trento'),
    ('nuovaimprenditorialità', 'nuova imprenditorialità'), ('nevalorizza', 'ne valorizza'),
]


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed article not present: {SEED}")
    return clean_text(SEED.read_text(encoding="utf-8"))


@needs_seed
def test_seed_known_glued_tokens_are_split(seed_text: str) -> None:
    fixed, splits = repair_text(seed_text)
    for old, new in [("unamissione", "una missione"), ("conpiacere", "con piacere"),
                     ("dallaricerca", "dalla ricerca"), ("FondazioneHub", "Fondazione Hub"),
                     ("ClusterALISEI", "Cluster ALISEI"), ("Osaka,che", "Osaka, che"),
                     ("clusterterritoriali", "cluster territoriali")]:
        assert (old, new) in splits
        assert old not in fixed and new in fixed
    assert "la Camera di Commercio di Osaka, che presidia l'ambito Life Science" in fixed
    assert "Con una popolazione di oltre 20 milioni di persone" in fixed


@needs_seed
def test_seed_splits_are_exactly_the_verified_list(seed_text: str) -> None:
    fixed, splits = repair_text(seed_text)
    assert splits == EXPECTED_SEED_SPLITS
    # only spaces were inserted: one per split, nothing else changed
    assert len(fixed) == len(seed_text) + len(splits)
    assert fixed.replace(" ", "") == seed_text.replace(" ", "")


@needs_seed
def test_seed_names_acronyms_numbers_and_elisions_untouched(seed_text: str) -> None:
    fixed, splits = repair_text(seed_text)
    for kept in ("PerfeTTO", "cellule iPS", "Forum AGEVITY", "(NCVC)", "la OCCI", "Shionogi",
                 "Daiichi Sankyo", "Takeda", "Tsukuba", "Intex Osaka", "Monzino", "12,6%",
                 "2.000 stakeholder", "824 miliardi", "Expo 2025", "biofarmaci", "biopolimeri",
                 "interconnettendosi", "presidia", "dell'innovazione", "nell'ambito",
                 "un'ulteriore", "all'interno", "l'esperienza", "un'opportunità"):
        assert kept in fixed, kept
    originals = {old for old, _ in splits}
    assert not {"Assolombarda", "ALISEI", "Kansai", "Osaka", "Confindustria"} & originals


def test_urls_emails_numbers_and_acronyms_untouched() -> None:
    text = ("Il bando è su https://www.clusteralisei.it/news/unamissione-dallaricerca e "
            "www.fondazionehub.it/bandi; scrivete a info@clusterlombardo.it oppure "
            "#conpiacere. Il valore è 12,6% su 2.000 imprese, COVID19 e H2O, IRCCS e NCVC.")
    assert repair_text(text) == (text, [])


def test_italian_elisions_untouched() -> None:
    text = ("L'ecosistema dell'innovazione, nell'ambito dell'Expo e all'interno dell'area, "
            "offre un'opportunità: c'è l'idea di un'altra sull'asse quell'anno.")
    assert repair_text(text) == (text, [])


@pytest.mark.parametrize("text", [
    "Il kit VitalHome di Vitalsense arriva in farmacia; il progetto VitalHub è partito.",
    "Karst's proprietary expansion process, NKSpark, yields ten billion cells.",
    "Il prodotto più noto è AlpiVent Home, un ventilatore compatto.",
    "Vettori lentivirali, organoidi e biofarmaci per la teleriabilitazione in homecare.",
    "Dedicandogli tempo e usandole bene, finanziabile e richiedibile entro marzo.",
    "Dalbosco e Lamonica hanno presentato Biorigenera e Medisfera.",
    "Le cellule iPS e il test proBNP, misurato in mRNA, come da PhD.",
    "Il permutamento dei ruoli e le trasvolte atlantiche.",
])
def test_names_brands_and_real_words_untouched(text: str) -> None:
    assert repair_text(text) == (text, [])


def test_demo_corpus_passes_through_unchanged() -> None:
    """Well-formed Italian and English text (articles and member profiles) is not touched."""
    langs = set()
    for path in iter_corpus_files(DEMO_CORPUS):
        if path.suffix.lower() in (".txt", ".html", ".htm"):
            continue  # scraped on purpose
        for doc in load_file(path, DEMO_CORPUS, MB, repair=False):
            langs.add(detect_language(doc.text))
            for text in (doc.title, doc.text):
                assert repair_text(text)[1] == [], doc.doc_id
    assert langs == {"it", "en"}


def test_disabled_returns_input_unchanged() -> None:
    text = "Una missione con conpiacere dallaricerca in FondazioneHub di Osaka,che presidia."
    assert repair_text(text, enabled=False) == (text, [])
    assert repair_document("Titolo conuna", text, enabled=False) == ("Titolo conuna", text, 0)
    assert repair_text(text)[1]  # the same text is repaired when enabled


def test_repair_document_keeps_title_and_body_apart() -> None:
    # "di|ricerca" needs "ricerca" on its own somewhere: the body is the title's evidence
    title, body, n = repair_document("Missione diricerca a Osaka",
                                     "Soci e ricerca: tutti a unamissione.\nSecondo rigo.")
    assert title == "Missione di ricerca a Osaka"
    assert body == "Soci e ricerca: tutti a una missione.\nSecondo rigo."
    assert n == 2
    assert repair_text("Missione diricerca a Osaka") == ("Missione diricerca a Osaka", [])


def test_wordfreq_loads_lazily_and_repair_is_fast(seed_text: str) -> None:
    code = "import sys, assistant.ingest.repair; print('wordfreq' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    repair_text(seed_text)  # loads the word lists once per process
    t0 = time.perf_counter()
    repair_text(seed_text)
    assert time.perf_counter() - t0 < 1.0


GLUED = "Missione diricerca a Osaka\nLa ricerca ha partecipato a unamissione conpiacere.\n"


def test_loader_repairs_txt_and_records_the_count(tmp_path: Path) -> None:
    write(tmp_path / "news/osaka.txt", GLUED)
    write(tmp_path / "news/osaka.md", md(GLUED.split("\n", 1)[1], title="Missione a Osaka"))
    doc = load_file(tmp_path / "news/osaka.txt", tmp_path, MB)[0]
    assert doc.title == "Missione di ricerca a Osaka"
    assert doc.text == "La ricerca ha partecipato a una missione con piacere."
    assert doc.metadata["repaired_splits"] == 3
    raw = load_file(tmp_path / "news/osaka.txt", tmp_path, MB, repair=False)[0]
    assert "unamissione" in raw.text and "repaired_splits" not in raw.metadata
    assert raw.content_hash != doc.content_hash  # toggling the setting re-indexes the file
    markdown = load_file(tmp_path / "news/osaka.md", tmp_path, MB)[0]
    assert "unamissione" in markdown.text and "repaired_splits" not in markdown.metadata


def test_loader_sets_no_count_when_nothing_is_split(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt", "Titolo\nUna missione con piacere, dalla ricerca.\n")
    assert "repaired_splits" not in load_file(tmp_path / "ok.txt", tmp_path, MB)[0].metadata


def test_loader_repairs_html(tmp_path: Path) -> None:
    paras = ("<p>Il Cluster lombardo ha partecipato a unamissione in Giappone conpiacere, "
             "dallaricerca alla manifattura, con settanta incontri con imprese locali.</p>"
             "<p>Gli istituti di ricerca della regione del Kansai hanno incontrato i soci "
             "del cluster per due giorni di lavoro presso la Camera di Commercio.</p>"
             "<p>La prossima missione è prevista per la primavera e le candidature saranno "
             "aperte a tutte le imprese associate interessate al mercato giapponese.</p>")
    write(tmp_path / "news/osaka.html", "<html><head><title>Missione a Osaka</title></head>"
          f"<body><main><article><h1>Missione a Osaka</h1>{paras}</article></main>"
          "</body></html>")
    doc = load_file(tmp_path / "news/osaka.html", tmp_path, MB)[0]
    assert "una missione in Giappone con piacere, dalla ricerca alla" in doc.text
    assert doc.metadata["repaired_splits"] == 3


def test_ingest_report_counts_repairs(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", GLUED)
    write(corpus / "b.md", md("Testo pulito, unamissione resta.", title="B"))
    for flag, expected in ((True, {"a.txt": 3}), (False, {})):
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / f"index{flag}",
                            repair_scraped_text=flag)
        idx = Index(settings, embedder=embedder)
        try:
            report = IngestReport()
            docs = idx.load_files(list(iter_corpus_files(corpus)), corpus, report, None)
        finally:
            idx.close()
        assert report.repairs == expected
        assert ("unamissione" in next(d for d in docs if d.source == "a.txt").text) is not flag


def test_cli_report_prints_repairs(capsys: pytest.CaptureFixture[str]) -> None:
    report = SimpleNamespace(**{**vars(IngestReport()), "repairs": {"a.txt": 3, "b.html": 2}})
    cli._print_report(report)
    assert "repaired glued words: 5 in 2 documents" in capsys.readouterr().err
    cli._print_report(IngestReport())
    assert "repaired glued words" not in capsys.readouterr().err
