"""Language-aware text utilities shared by indexing, retrieval and answering.

Italian is the primary language: Snowball stemming and stopwords per language,
accent/apostrophe normalisation ("dell'Expo" -> "expo"), a light it/en detector.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache, lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN
from rapidfuzz import fuzz

LANGS = ("it", "en")
TOKENIZER_VERSION = "2"  # bump when analyze() changes: stored lexical tokens are redone
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_ELISION = re.compile(r"^(?:l|un|dell|all|dall|nell|sull|coll|d|c|s|m|t|v|n|quest|quell|tutt)'",
                      re.IGNORECASE)
_IT_HINTS = frozenset(
    "il lo la gli le di del della dei delle che per con una uno non sono è nel nella "
    "alla dal dalla anche più come quali quale quanti chi cosa dove quando perché soci".split()
)
_EN_HINTS = frozenset(
    "the of and to is are for with which what who how when where does do did "
    "members member was were has have this that from about".split()
)
# sentence ends: punctuation followed by space and an uppercase/digit/quote, or a blank line
_SENT_END = re.compile(r"(?<=[.!?…])[\"»)\]*]{0,3}\s+(?=[\"«(\[*_]{0,3}[A-ZÀ-ÖØ-Þ0-9])"
                       r"|\n\s*\n|\n(?=[-*•|] )|\n(?=\|)|(?<=[\w.:;)])\n(?=[A-ZÀ-Þ])")
# words after which a period does not end the sentence: titles before a name ("Prof.
# Rossi", "Dr. Mueller"), and abbreviations before a number ("n. 5", "art. 3")
_TITLES = frozenset("dr dott prof ing avv sig sigg geom arch mons sen mr mrs ms st".split())
_BEFORE_NUMBERS = frozenset("n nn nr no num art artt pag pagg pp vol cap fig tab ca cfr tel"
                            .split())
_WORD_BEFORE = re.compile(r"(?:^|(?<=[^\w.]))(\w+)\.$")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def clean_text(text: str) -> str:
    """Normalise unicode (NFC), drop zero-width characters and NULs, unify quotes."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).replace("\x00", "")
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\r\n", "\n")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase and strip accents (so "perché" and "perche" match)."""
    nfkd = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Raw word tokens, apostrophe elisions split off ("dell'Expo" -> "Expo") and
    compounds split at hyphens ("Trentino-Alto Adige" -> "Trentino", "Alto", "Adige")."""
    out: list[str] = []
    for m in _WORD.finditer(text.replace("\u2019", "'")):
        w = _ELISION.sub("", m.group())
        out.extend(p for part in w.split("'") for p in part.split("-") if p)
    return out


def detect_language(text: str, default: str = "it") -> str:
    """Guess Italian or English from function words; ``default`` when unsure."""
    toks = [w.lower() for w in words(text[:4000])]
    it = sum(t in _IT_HINTS for t in toks)
    en = sum(t in _EN_HINTS for t in toks)
    if it == en:
        return default
    return "it" if it > en else "en"


@lru_cache(maxsize=4)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("italian" if lang == "it" else "english")


@lru_cache(maxsize=4)
def _stopwords(lang: str) -> frozenset[str]:
    base = STOPWORDS_ITALIAN if lang == "it" else STOPWORDS_EN
    return frozenset(fold(w) for w in base)


def is_stopword(word: str) -> bool:
    """``word`` is an Italian or English function word ("di", "chi", "the")."""
    w = fold(word)
    return w in _stopwords("it") or w in _stopwords("en")


def analyze(text: str, lang: str = "it") -> list[str]:
    """Tokens for the lexical index: folded, stopwords removed, stemmed by ``lang``."""
    stop = _stopwords(lang)
    toks = [fold(w) for w in words(text)]
    toks = [t for t in toks if t not in stop and (len(t) > 1 or t.isdigit())]
    return _stemmer(lang).stemWords(toks) if toks else []



def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        if "\n" not in m.group() and (_in_table_line(text, m.start())
                                      or _abbreviation_before(text, m.start(), m.end())):
            continue  # a table row is one sentence: "S.r.l. (Veneto) | 150.000 €"
        spans.extend(_trim(text, pos, m.start()))
        pos = m.end()
    spans.extend(_trim(text, pos, end))
    return spans


def _abbreviation_before(text: str, pos: int, next_pos: int) -> bool:
    """The period just before ``pos`` closes an initial ("J. F. Kennedy", "E. W.
    Scripps"), a title ("Prof. Rossi") or, before a number (at ``next_pos``), an
    abbreviation such as "n." or "art.": not a sentence end. Splitting there would
    quote "nominato vice di Hugh L." without the name. A single letter after another
    period ("S.p.A.") may end a sentence, and still does."""
    m = _WORD_BEFORE.search(text, max(0, pos - 12), pos)
    if m is None:
        return False
    word = m.group(1)
    if (len(word) == 1 and word.isupper()) or word.lower() in _TITLES:
        return True
    return word.lower() in _BEFORE_NUMBERS and text[next_pos:next_pos + 1].isdigit()


def is_table_line(line: str) -> bool:
    """A line of a Markdown table (row, header or rule): it starts with "|"."""
    return line.lstrip().startswith("|")


def _in_table_line(text: str, pos: int) -> bool:
    """``pos`` lies on a line of a Markdown table."""
    return is_table_line(text[text.rfind("\n", 0, pos) + 1:pos])


def _trim(text: str, a: int, b: int) -> list[tuple[int, int]]:
    seg = text[a:b]
    stripped = seg.strip()
    if not stripped:
        return []
    a2 = a + (len(seg) - len(seg.lstrip()))
    return [(a2, a2 + len(stripped))]


@cache
def _word_frequencies(lang: str) -> dict[str, float]:
    import wordfreq  # lazy: the import plus one language's list take about half a second

    return wordfreq.get_frequency_dict(lang, "best")


WORD_ZIPF = 2.5  # once per ~3 million words: from here on, a token is a word of the language


@lru_cache(maxsize=200_000)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency of ``word`` in ``lang`` from wordfreq (0.0 when it has never
    seen the word): how common a word is in the language at large, not in the corpus."""
    f = _word_frequencies(lang).get(word.lower())
    return round(math.log10(f) + 9, 2) if f else 0.0


def is_common_word(word: str, lang: str) -> bool:
    """``word`` is an ordinary word of ``lang`` (Zipf frequency >= :data:`WORD_ZIPF`):
    not a typo, a name or a code."""
    return zipf(word, lang) >= WORD_ZIPF


COGNATE_RATIO = 80  # Indel similarity (rapidfuzz ratio) of one word in two languages
COGNATE_MIN = 5  # letters: shorter stems are too often alike by chance


def is_cognate(a: str, b: str) -> bool:
    """Two stems that a reader sees as one word in two languages: "contatt" /
    "contact", "pazient" / "patient", "qualific" / "qualifi". At least
    :data:`COGNATE_MIN` letters each, the same first letter, and an Indel similarity
    of at least :data:`COGNATE_RATIO`."""
    return (len(a) >= COGNATE_MIN and len(b) >= COGNATE_MIN and a[0] == b[0]
            and fuzz.ratio(a, b) >= COGNATE_RATIO)


# English function words (Snowball's English stop list and the modal verbs): the
# lexical index's English stop list is Lucene's 33 words, which leaves "what", "how",
# "did", "from" in a question, to match every English page and no Italian one
ENGLISH_FUNCTION_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did
doing done a an the and but if or because as until while of at by for with about against
between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more
most other some such no nor not only own same so than too very s t can will just don
should now would could might must shall may much many
""".split())


def english_content(text: str) -> str:
    """``text`` without its English function words (:data:`ENGLISH_FUNCTION_WORDS`)."""
    return " ".join(w for w in words(text) if fold(w) not in ENGLISH_FUNCTION_WORDS)
