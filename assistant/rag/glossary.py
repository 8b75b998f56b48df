"""Italian-English glossary of the words cluster news are written with.

An English question about Italian articles ("deadline for Ponti 2026?", "annual
membership fee?") shares no word with the sentence that answers it ("Scadenza: 15
aprile", "Quota annua: 5.000 euro"), and the words are not spelt alike, so the
cognate match (:func:`assistant.text.is_cognate`) cannot see them. This glossary
covers the vocabulary of the kind of content the assistant serves (membership,
calls and funding, events and missions, research and health, companies, people's
roles, economy, places whose English name differs, time), both ways;
:func:`translations` gives the stems of a term's translations, used like cognates by
the lexical query and the sentence features.
"""

from __future__ import annotations

from functools import cache

from assistant.text import analyze

# Italian word: English words (either side may list several forms)
GLOSSARY: dict[str, tuple[str, ...]] = {
    # membership and organisation
    "socio": ("member", "partner"), "soci": ("members",), "adesione": ("membership", "joining"),
    "quota": ("fee", "share", "quota"), "associativa": ("membership",), "annua": ("annual",),
    "annuale": ("annual", "yearly"), "iscrizione": ("registration", "enrolment"),
    "iscritti": ("registered", "registrations", "attendees"), "presenze": ("attendance",),
    "partecipanti": ("participants", "attendees"), "consiglio": ("board", "council"),
    "direttivo": ("board", "executive"), "assemblea": ("assembly", "meeting"),
    "presidente": ("president", "chair"), "direttore": ("director",),
    "direttrice": ("director",), "responsabile": ("head", "manager", "lead"),
    "coordinatore": ("coordinator",), "fondatore": ("founder",), "fondatrice": ("founder",),
    "amministratore": ("ceo", "director"), "delegato": ("ceo", "delegate"),
    "ricercatore": ("researcher",), "ricercatori": ("researchers",), "giuria": ("jury",),
    "commissione": ("committee", "commission"), "staff": ("staff",), "sede": ("headquarters",
                                                                            "based", "office"),
    "dipendenti": ("employees", "staff", "people"), "fondata": ("founded",),
    "fondato": ("founded",), "impresa": ("company", "business", "firm"),
    "imprese": ("companies", "businesses"), "azienda": ("company", "firm"),
    "aziende": ("companies",), "grande": ("large", "big"),
    "grandi": ("large", "big"), "piccola": ("small",), "piccole": ("small",),
    "medie": ("medium", "mid-sized"), "università": ("university",), "ateneo": ("university",),
    "ospedale": ("hospital",), "fondazione": ("foundation",), "associazione": ("association",),
    "rete": ("network",), "distretto": ("district", "cluster"), "regione": ("region",),
    "provincia": ("province",), "città": ("city", "town"), "paese": ("country",),
    "paesi": ("countries",), "estero": ("abroad", "foreign"),
    # calls, funding, money
    "bando": ("call", "tender"), "bandi": ("calls",), "scadenza": ("deadline", "closing"),
    "candidatura": ("application",), "candidature": ("applications",),
    "domanda": ("application", "question"), "domande": ("applications", "questions"),
    "proposta": ("proposal",), "proposte": ("proposals",), "progetto": ("project",),
    "progetti": ("projects",), "finanziati": ("funded", "financed"),
    "finanziato": ("funded",), "finanziamento": ("funding", "financing"),
    "contributo": ("grant", "contribution", "funding"), "contributi": ("grants",),
    "dotazione": ("budget", "endowment", "funding"), "bilancio": ("budget", "balance", "results"),
    "preventivo": ("budget", "forecast"), "costo": ("cost", "price"), "costa": ("costs",),
    "prezzo": ("price",), "spesa": ("expense", "spending"), "spese": ("expenses", "costs"),
    "investimento": ("investment",), "investe": ("invests",), "investito": ("invested",),
    "fatturato": ("revenue", "turnover", "sales"), "ricavi": ("revenue",),
    "milioni": ("million", "millions"), "euro": ("euro", "eur"), "borsa": ("scholarship",
                                                                          "grant"),
    "borse": ("scholarships", "grants"), "dottorato": ("phd", "doctorate"),
    "dottorati": ("phds", "doctorates"), "premio": ("prize", "award"),
    "vincitore": ("winner",), "vincitori": ("winners",), "vincitrici": ("winners",),
    "vinto": ("won",), "graduatoria": ("ranking", "shortlist"), "punteggio": ("score",),
    "punti": ("points",), "selezione": ("selection",), "selezionati": ("selected",),
    "accordo": ("agreement", "deal"), "accordi": ("agreements", "deals"),
    "licenza": ("licence", "license"), "firmato": ("signed",), "firmati": ("signed",),
    "pagamento": ("payment",), "pagamenti": ("payments",), "contanti": ("cash",),
    "servizi": ("services",), "pacchetto": ("package",), "round": ("round",),
    "capitale": ("capital", "equity"), "aumento": ("increase", "raise"),
    # events and missions
    "missione": ("mission", "trip", "delegation"), "missioni": ("missions", "trips"),
    "delegazione": ("delegation",), "fiera": ("fair", "trade show", "exhibition"),
    "stand": ("stand", "booth"), "padiglione": ("hall", "pavilion"),
    "incontro": ("meeting",), "incontri": ("meetings",), "convegno": ("conference",),
    "evento": ("event",), "eventi": ("events",), "giornata": ("day",),
    "tavola": ("table",), "rotonda": ("round",), "relatori": ("speakers",),
    "visitatori": ("visitors",), "contatti": ("contacts", "leads"),
    "qualificati": ("qualified",), "distributori": ("distributors",),
    "acquirenti": ("buyers",), "sessione": ("session",), "programma": ("programme",
                                                                      "program", "agenda"),
    "ospitate": ("hosted",), "ospitati": ("hosted",), "ospita": ("hosts",),
    "organizzato": ("organised", "organized"), "organizza": ("organises", "organizes"),
    "presentato": ("presented",), "presentati": ("presented",), "annunciato": ("announced",),
    # research and health
    "studio": ("study",), "sperimentazione": ("trial", "study"), "pazienti": ("patients",),
    "arruolati": ("enrolled",), "arruolamento": ("enrolment", "enrollment", "recruitment"),
    "risultati": ("results", "outcomes"), "dati": ("data",), "efficacia": ("efficacy",),
    "sicurezza": ("safety", "security"), "ricerca": ("research",), "cura": ("care",
                                                                          "treatment"),
    "terapia": ("therapy", "treatment"), "terapie": ("therapies",), "farmaco": ("drug",
                                                                              "medicine"),
    "farmaci": ("drugs", "medicines"), "dispositivi": ("devices",), "dispositivo": ("device",),
    "medici": ("medical", "doctors"), "malattie": ("diseases",), "rare": ("rare",),
    "diagnosi": ("diagnosis", "diagnoses"), "anziani": ("elderly", "older"),
    "invecchiamento": ("ageing", "aging"), "scompenso": ("failure",),
    "cardiaco": ("heart", "cardiac"), "riospedalizzazioni": ("readmissions",),
    "reparto": ("unit", "department", "ward"), "stabilimento": ("plant", "factory", "site"),
    "capacità": ("capacity",), "produzione": ("production", "output"),
    "sanità": ("health", "healthcare"), "salute": ("health",), "digitale": ("digital",),
    "brevetto": ("patent",), "startup": ("startup", "startups"),
    # economy and territory
    "pil": ("gdp",), "settore": ("sector", "industry"), "filiera": ("supply chain", "industry",
                                                                   "value chain"),
    "mercato": ("market",), "mercati": ("markets",), "esportazioni": ("exports",),
    "export": ("exports",), "crescita": ("growth",), "occupati": ("employed", "jobs"),
    "addetti": ("workers", "employees"), "popolazione": ("population",),
    "abitanti": ("inhabitants", "residents", "population"), "miliardi": ("billion",
                                                                        "billions"),
    "manifattura": ("manufacturing",), "scienze": ("sciences",), "vita": ("life",),
    # places whose English name is not the Italian one spelt alike
    "italia": ("italy",), "italiano": ("italian",), "italiani": ("italians", "italian"),
    "giappone": ("japan",), "giapponese": ("japanese",), "germania": ("germany",),
    "tedesco": ("german",), "francia": ("france",), "spagna": ("spain",),
    "americano": ("american",), "cina": ("china",), "corea": ("korea",),
    "svizzera": ("switzerland",), "olanda": ("netherlands", "holland"),
    "belgio": ("belgium",), "svezia": ("sweden",), "norvegia": ("norway",),
    "danimarca": ("denmark",), "finlandia": ("finland",), "polonia": ("poland",),
    "grecia": ("greece",), "irlanda": ("ireland",), "emirati": ("emirates", "uae"),
    "brasile": ("brazil",), "messico": ("mexico",), "israele": ("israel",),
    "turchia": ("turkey",), "egitto": ("egypt",), "europa": ("europe",),
    "europeo": ("european",), "milano": ("milan",), "torino": ("turin",), "roma": ("rome",),
    "napoli": ("naples",), "firenze": ("florence",), "venezia": ("venice",),
    "genova": ("genoa",), "padova": ("padua",), "mantova": ("mantua",),
    "siracusa": ("syracuse",), "monaco": ("munich",), "colonia": ("cologne",),
    "ginevra": ("geneva",), "zurigo": ("zurich",), "londra": ("london",), "parigi": ("paris",),
    "bruxelles": ("brussels",), "lisbona": ("lisbon",), "atene": ("athens",),
    "varsavia": ("warsaw",), "pechino": ("beijing",), "lombardia": ("lombardy",),
    "piemonte": ("piedmont",), "toscana": ("tuscany",), "sicilia": ("sicily",),
    "sardegna": ("sardinia",), "puglia": ("apulia",), "lazio": ("latium",),
    "marche": ("marches",),
    # time
    "quando": ("when",), "anno": ("year",), "anni": ("years",), "mese": ("month",),
    "mesi": ("months",), "settimana": ("week",), "giorno": ("day",), "giorni": ("days",),
    "durata": ("duration", "length", "lasts"), "dura": ("lasts",), "inizio": ("start",),
    "avvio": ("launch", "start", "kick-off"), "chiusura": ("closing", "close"),
    "primavera": ("spring",), "estate": ("summer",), "autunno": ("autumn", "fall"),
    "inverno": ("winter",), "prossimo": ("next",), "scorso": ("last",),
}


@cache
def _pairs() -> dict[str, frozenset[str]]:
    """Stem -> stems of its translations, both ways (built on first use)."""
    out: dict[str, set[str]] = {}
    for it_word, en_words in GLOSSARY.items():
        it_stems = set(analyze(it_word, "it"))
        en_stems = {s for w in en_words for s in analyze(w, "en")}
        for a in it_stems:
            out.setdefault(a, set()).update(en_stems - {a})
        for b in en_stems:
            out.setdefault(b, set()).update(it_stems - {b})
    return {k: frozenset(v) for k, v in out.items() if v}


def translations(term: str) -> frozenset[str]:
    """Stems of the other language's words for a stemmed ``term`` (empty if unknown)."""
    return _pairs().get(term, frozenset())
