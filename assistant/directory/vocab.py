"""Vocabularies that map the words of a question to member-profile field values.

Every form is *folded* (lowercase, no accents, see :func:`assistant.text.fold`) so
"Università", "universita" and "UNIVERSITÀ" are one key. Sector values found in
the profiles themselves are always recognised too (see ``MemberTable.sectors``);
the synonyms here add the everyday names ("biotech", "pharma", "ageing") and the
English ones.
"""

from __future__ import annotations

import re

from assistant.text import fold

KINDS = ("company", "university", "research_institute", "hospital", "foundation",
         "regional_cluster", "association")

# kind -> forms; multi-word forms are matched before single words ("aziende
# ospedaliere" is a hospital, not a company)
KIND_FORMS: dict[str, tuple[str, ...]] = {
    "hospital": ("aziende ospedaliere", "azienda ospedaliera", "aziende ospedaliero-universitarie",
                 "azienda ospedaliero-universitaria", "ospedali", "ospedale", "irccs",
                 "policlinici", "policlinico", "hospitals", "hospital"),
    "research_institute": ("istituti di ricerca", "istituto di ricerca", "centri di ricerca",
                           "centro di ricerca", "enti di ricerca", "ente di ricerca", "istituti",
                           "research institutes", "research institute", "research centres",
                           "research centers", "research centre", "research center",
                           "institutes"),
    "university": ("universita", "atenei", "ateneo", "politecnici", "politecnico",
                   "universities", "university"),
    "company": ("aziende", "azienda", "imprese", "impresa", "startup", "start-up", "start up",
                "pmi", "companies", "company", "firms", "businesses", "enterprises", "startups",
                "smes"),
    "foundation": ("fondazioni", "fondazione", "foundations", "foundation"),
    "regional_cluster": ("cluster regionali", "cluster regionale", "distretti", "distretto",
                         "reti regionali", "regional clusters", "regional cluster", "clusters"),
    "association": ("associazioni", "associazione", "associations", "association"),
}

# how an answer names a kind: (Italian plural, Italian singular, feminine?, English plural,
# English singular)
KIND_NAMES: dict[str, tuple[str, str, bool, str, str]] = {
    "company": ("aziende", "azienda", True, "companies", "company"),
    "university": ("università", "università", True, "universities", "university"),
    "research_institute": ("istituti di ricerca", "istituto di ricerca", False,
                           "research institutes", "research institute"),
    "hospital": ("ospedali e IRCCS", "ospedale o IRCCS", False, "hospitals", "hospital"),
    "foundation": ("fondazioni", "fondazione", True, "foundations", "foundation"),
    "regional_cluster": ("cluster regionali", "cluster regionale", False, "regional clusters",
                         "regional cluster"),
    "association": ("associazioni", "associazione", True, "associations", "association"),
}

# canonical sector (as written in the profiles) -> synonyms and English names
SECTOR_FORMS: dict[str, tuple[str, ...]] = {
    "biotecnologie": ("biotecnologie", "biotecnologia", "biotecnologiche", "biotecnologici",
                      "biotecnologico", "biotech", "biotechnology", "biotechnologies"),
    "sanità digitale": ("sanita digitale", "salute digitale", "digital health", "e-health",
                        "ehealth", "telemedicina", "telemedicine", "sanita elettronica"),
    "medicina rigenerativa": ("medicina rigenerativa", "rigenerativa", "regenerative medicine",
                              "regenerative"),
    "farmaceutica": ("farmaceutica", "farmaceutico", "farmaceutici", "farmaceutiche", "pharma",
                     "pharmaceutical", "pharmaceuticals", "farmaci", "farmaco", "drugs"),
    "invecchiamento attivo": ("invecchiamento attivo", "invecchiamento in salute",
                              "invecchiamento", "longevita", "longevity", "active ageing",
                              "active aging", "healthy ageing", "healthy aging", "ageing",
                              "aging", "silver economy", "terza eta", "anziani", "elderly"),
    "medtech": ("medtech", "med-tech", "med tech", "tecnologie mediche", "medical technology",
                "medical technologies"),
    "dispositivi medici": ("dispositivi medici", "dispositivo medico", "medical devices",
                           "medical device", "dispositivi"),
    "diagnostica": ("diagnostica", "diagnostici", "diagnostiche", "diagnostics", "diagnostic",
                    "ivd"),
    "bioinformatica": ("bioinformatica", "bioinformatics", "bio-informatica"),
    "nutraceutica": ("nutraceutica", "nutraceutici", "nutraceutico", "nutraceutiche",
                     "nutraceutics", "nutraceuticals", "nutraceutical", "integratori alimentari",
                     "integratori", "food supplements", "dietary supplements"),
    "terapie avanzate": ("terapie avanzate", "terapia avanzata", "advanced therapies",
                         "advanced therapy", "atmp", "atmps", "terapia genica", "terapie geniche",
                         "terapia cellulare", "terapie cellulari", "gene therapy", "gene therapies",
                         "cell therapy", "cell therapies", "cell and gene therapy"),
    "ricerca clinica": ("ricerca clinica", "clinical research", "sperimentazione clinica",
                        "sperimentazioni cliniche", "studi clinici", "clinical trials",
                        "clinical trial", "clinical studies"),
}
SECTOR_EN = {"biotecnologie": "biotechnology", "sanità digitale": "digital health",
             "medicina rigenerativa": "regenerative medicine", "farmaceutica": "pharmaceuticals",
             "invecchiamento attivo": "active ageing", "medtech": "medtech",
             "dispositivi medici": "medical devices", "diagnostica": "diagnostics",
             "bioinformatica": "bioinformatics", "nutraceutica": "nutraceuticals",
             "terapie avanzate": "advanced therapies", "ricerca clinica": "clinical research"}

REGION_EN = {"Lombardia": "Lombardy", "Piemonte": "Piedmont", "Toscana": "Tuscany",
             "Sardegna": "Sardinia", "Sicilia": "Sicily", "Puglia": "Apulia",
             "Valle d'Aosta": "Aosta Valley", "Trentino-Alto Adige": "Trentino-South Tyrol",
             "Alto Adige": "South Tyrol", "Nord": "Northern Italy", "Centro": "Central Italy",
             "Mezzogiorno": "Southern Italy"}

# place -> forms. A place is a region, one of the two provinces of Trentino-Alto Adige
# (people say "Trentino" for the province of Trento) or a macro-area.
PLACE_FORMS: dict[str, tuple[str, ...]] = {
    "Abruzzo": ("abruzzo", "abruzzesi", "abruzzese"),
    "Basilicata": ("basilicata", "lucane", "lucani", "lucana", "lucano"),
    "Calabria": ("calabria", "calabresi", "calabrese"),
    "Campania": ("campania", "campane", "campani", "campana", "campano"),
    "Emilia-Romagna": ("emilia-romagna", "emilia romagna", "emiliano-romagnole",
                       "emiliano-romagnoli", "emilia", "romagna", "emiliane", "emiliani",
                       "romagnole", "romagnoli"),
    "Friuli-Venezia Giulia": ("friuli-venezia giulia", "friuli venezia giulia", "friuli",
                              "friulane", "friulani"),
    "Lazio": ("lazio", "laziali", "laziale", "latium"),
    "Liguria": ("liguria", "liguri", "ligure"),
    "Lombardia": ("lombardia", "lombarde", "lombardi", "lombarda", "lombardo", "lombardy"),
    "Marche": ("marche", "marchigiane", "marchigiani", "marchigiana", "marchigiano"),
    "Molise": ("molise", "molisane", "molisani"),
    "Piemonte": ("piemonte", "piemontesi", "piemontese", "piedmont"),
    "Puglia": ("puglia", "pugliesi", "pugliese", "apulia"),
    "Sardegna": ("sardegna", "sarde", "sardi", "sardinia"),
    "Sicilia": ("sicilia", "siciliane", "siciliani", "siciliana", "siciliano", "sicily"),
    "Toscana": ("toscana", "toscane", "toscani", "toscano", "tuscany"),
    "Trentino-Alto Adige": ("trentino-alto adige", "trentino alto adige", "trentino-sudtirol",
                            "trentino-south tyrol", "trentino south tyrol"),
    "Trentino": ("trentino", "trentine", "trentini", "trentina"),
    "Alto Adige": ("alto adige", "altoatesine", "altoatesini", "altoatesina", "sudtirolo",
                   "sudtirol", "south tyrol"),
    "Umbria": ("umbria", "umbre", "umbri"),
    "Valle d'Aosta": ("valle d'aosta", "valle d aosta", "valdostane", "valdostani",
                      "aosta valley"),
    "Veneto": ("veneto", "venete", "veneti", "veneta"),
    "Nord": ("nord italia", "italia settentrionale", "settentrione", "northern italy",
             "north of italy", "nord"),
    "Centro": ("centro italia", "italia centrale", "central italy"),
    "Mezzogiorno": ("mezzogiorno", "meridione", "sud italia", "italia meridionale",
                    "southern italy", "south of italy", "sud"),
}
# the provinces of Trentino-Alto Adige by their main towns: a member of the region
# in a town listed in neither is kept for both (the profile cannot tell)
TRENTINO_TOWNS = frozenset({"trento", "rovereto", "pergine valsugana", "arco",
                            "riva del garda", "mori", "lavis", "cles", "levico terme",
                            "borgo valsugana", "mezzolombardo", "ala", "cavalese", "predazzo"})
ALTO_ADIGE_TOWNS = frozenset({"bolzano", "bozen", "merano", "meran", "bressanone", "brixen",
                              "brunico", "bruneck", "laives", "appiano", "lana", "caldaro",
                              "vipiteno", "sterzing", "egna", "silandro", "ortisei"})
MACRO_AREAS = {
    "Nord": frozenset({"Piemonte", "Valle d'Aosta", "Lombardia", "Liguria", "Trentino-Alto Adige",
                       "Veneto", "Friuli-Venezia Giulia", "Emilia-Romagna"}),
    "Centro": frozenset({"Toscana", "Umbria", "Marche", "Lazio"}),
    "Mezzogiorno": frozenset({"Abruzzo", "Molise", "Campania", "Puglia", "Basilicata",
                              "Calabria", "Sicilia", "Sardegna"}),
}
# city -> other names people use (English, adjectives)
CITY_FORMS: dict[str, tuple[str, ...]] = {
    "Milano": ("milan", "milanesi", "milanese"), "Roma": ("rome", "romane", "romani"),
    "Torino": ("turin", "torinesi", "torinese"), "Napoli": ("naples", "napoletane", "napoletani"),
    "Firenze": ("florence", "fiorentine", "fiorentini"), "Genova": ("genoa", "genovesi"),
    "Venezia": ("venice", "veneziane", "veneziani"), "Padova": ("padua", "padovane", "padovani"),
    "Bologna": ("bolognesi", "bolognese"), "Bolzano": ("bozen",), "Bressanone": ("brixen",),
}


def place_matches(place: str, region: str, city: str) -> bool:
    """Whether a member in ``region``/``city`` lies in ``place`` (region, province, area)."""
    if place in MACRO_AREAS:
        return region in MACRO_AREAS[place]
    if place in ("Trentino", "Alto Adige"):
        if region != "Trentino-Alto Adige":
            return False
        c = fold(city)
        own, other = ((TRENTINO_TOWNS, ALTO_ADIGE_TOWNS) if place == "Trentino"
                      else (ALTO_ADIGE_TOWNS, TRENTINO_TOWNS))
        return c in own or c not in other
    return fold(place) == fold(region)


def forms_index(mapping: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(folded form, value) pairs, longest form first, so that matching is greedy."""
    pairs = {(fold(f), v) for v, forms in mapping.items() for f in (*forms, v)}
    return sorted(pairs, key=lambda p: (-len(p[0]), p[0]))


def resolve(text: str, mapping: dict[str, tuple[str, ...]]) -> str | None:
    """The value whose form is exactly ``text`` (folded), e.g. "lombarde" -> Lombardia."""
    key = re.sub(r"\s+", " ", fold(text).strip())
    return next((v for f, v in forms_index(mapping) if f == key), None)
