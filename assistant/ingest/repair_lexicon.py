"""Word knowledge for :mod:`assistant.ingest.repair`: wordfreq lookups and word lists.

Everything here is about single words and two-part splits, with no document
context. wordfreq is imported lazily (the import plus one language's list take
about half a second), and every lookup is cached.
"""

from __future__ import annotations

import re

from assistant.text import WORD_ZIPF, zipf

CANDIDATE_MAX_ZIPF = WORD_ZIPF  # a token at least this frequent is a word: never split
SEEN_ZIPF = 1.0  # wordfreq's "large" lists stop at ~1.0: below it a token is unseen
PART_MIN_ZIPF = 3.0  # a content part: once per million words (4 letters: 4.0; 10+: 2.5)
SEEN_MARGIN = 2.0  # a token wordfreq has seen needs a split 100x more probable


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


FUNC = {
    "it": _set(
        "il lo la i gli le un uno una di a da in con su per tra fra del dello della dei "
        "degli delle al allo alla ai agli alle dal dallo dalla dai dagli dalle nel nello "
        "nella nei negli nelle sul sullo sulla sui sugli sulle col coi e ed o ma che se "
        "né anche come dove cui non più già ci si ne ha hanno è sono oltre verso fino "
        "circa presso tramite senza entro"),
    "en": _set(
        "the a an of in on at to for with by from as and or but that is are was be "
        "has have not"),
}
# function words that may END a glued token: no clitics ("dedicandogli", "usandole"),
# no endings ("farese", "entusiastiche", "supporterai")
TRAIL = _set(
    "di del dello della dei degli delle al allo alla alle dal dallo dalla dai dagli "
    "dalle nel nello nella nei negli nelle sul sullo sulla sui sugli sulle per con "
    "tra fra un uno una il oltre più verso the of and for with")
# function words that are also prefixes ("insepolto", "convolato", "dismettere"): before
# a content word they need evidence (see repair._word_split)
PREFIX_LIKE = _set("in con col per tra fra su ma se a di le si an as at be by on or to")
# single-letter words that may start a glued token ("erelazioni", "iquali", "èl'")
SINGLE_FIRST = {"it": _set("e è i"), "en": frozenset[str]()}
# elided forms: only as the last part of a run that an apostrophe follows ("centraledell'")
ELIDED = _set("l dell dall all nell sull coll un quest quell tutt d c")
# productive prefixes and name/number stems: "biofarmaci", "telemedicina", "Montebello",
# "centosettanta" are words, never a glued pair
MORPHEMES = _set(
    "bio eco geo auto micro macro nano neuro cardio tele multi inter intra extra super "
    "sovra sotto anti post pre pro med tech onco immuno radio foto info mega mini maxi "
    "euro agro agri termo idro elettro psico socio cyber video audio iper ipo semi pluri "
    "poli mono para meta ultra contro retro vice neo tecno farmaco chemio fisio endo "
    "trans infra sub lab labs pharma gen net web app capo crono stra fanta buon gian pier "
    "monte colle valle castel porto santa santo mezzo due tre quattro cinque sei sette otto "
    "nove dieci venti trenta cento mille mila")
# words that are also derivational or verb endings: "finanzia|bile", "approva|vano"
SUFFIXES = _set(
    "bile bili mente ente enti ante aria arie ario ismo ismi ista iste isti zione zioni "
    "tore tori trice oide oidi ness less ment ship able ible ling vano vamo vate remo "
    "rete resti rono temi tela telo abile abili mento menti")
_S_CONSONANT = re.compile(r"s[^aeiouàèéìòù]", re.IGNORECASE)


def known_any(word: str) -> float:
    """The higher of the Italian and English Zipf frequencies."""
    return max(zipf(word, "it"), zipf(word, "en"))


def is_func(word: str, lang: str) -> bool:
    return word.lower() in FUNC[lang]


def is_content(part: str, lang: str, last_elided: bool) -> bool:
    """A part that is neither a function word, a single letter nor an elided form."""
    low = part.lower()
    return not (low in FUNC[lang] or len(low) == 1 or (last_elided and low in ELIDED))


def part_ok(part: str, lang: str, first: bool, last_elided: bool) -> bool:
    """May ``part`` stand on its own after a split (``first``: it starts the token)?"""
    low = part.lower()
    if last_elided and low in ELIDED:
        return True
    if len(low) == 1:
        return first and low in SINGLE_FIRST[lang]
    if low in FUNC[lang]:
        return first or low in TRAIL
    if len(low) < 4 or low in MORPHEMES or low in ELIDED or (not first and low in SUFFIXES):
        return False  # "dell" is no word on its own; "tele", "bile" are morphemes
    # a four-letter part must be common ("ha|levy", "pare|di" are names); a long one
    # cannot match by accident ("nuova|imprenditorialità")
    least = PART_MIN_ZIPF + (1.0 if len(low) == 4 else -0.5 if len(low) >= 10 else 0.0)
    return zipf(low, lang) >= least


def log_product(parts: list[str], lang: str) -> float:
    """log10 of the product of the parts' probabilities, on the Zipf scale (+9)."""
    return sum(zipf(p, lang) for p in parts) - 9.0 * (len(parts) - 1)


def segment(word: str, lang: str, elided: bool) -> tuple[list[str], float] | None:
    """The most probable split of ``word`` into two acceptable parts, with its score."""
    best: tuple[list[str], float] | None = None
    for i in range(1, len(word)):
        parts = [word[:i], word[i:]]
        if i == 1 and _S_CONSONANT.match(parts[1]):
            continue  # "esperando", "iscritto": e-/i- before s + consonant make words
        if part_ok(parts[0], lang, True, False) and part_ok(parts[1], lang, False, elided):
            score = log_product(parts, lang)
            if best is None or score > best[1]:
                best = (parts, score)
    return best


def compound_ok(run: str, parts: list[str], lang: str) -> bool:
    """May a token be two content words? Both of five letters or more ("mari|natura" is
    a word), one of them in the document's language ("homecare" is English), and the
    token must not be an inflection of a known word ("lentivirali": "lentiviral")."""
    if lang == "en":
        return False  # English writes compounds solid: "passionfruit", "crossborder"
    other = "en" if lang == "it" else "it"
    if min(len(p) for p in parts) < 5 or all(zipf(p, lang) < zipf(p, other) for p in parts):
        return False
    stem = run[:-1] if run[-1].lower() in "aeiouàèéìòù" else run
    relatives = {stem + v for v in "aeio"} | {stem, stem + "e", run + "s"}
    return not any(known_any(r) >= SEEN_ZIPF for r in relatives - {run})
