"""Repair of scraped text: split words that lost the space between them.

Text scraped from HTML loses line breaks, so words arrive glued ("unamissione",
"FondazioneHub", "Osaka,che"). That breaks lexical retrieval and makes extractive
answers ugly. The rule is deliberately conservative; a missed split costs little,
a wrong one corrupts a proper noun (docs/scrape-repair.md has the full rule):

* punctuation glued between two words gets its space back ("Osaka,che");
* a lowercase or Capitalised letter run that wordfreq has never seen is split
  into frequent words (function words, or Zipf >= 3 in the document's language);
  a rare word wordfreq *has* seen is split only into a function word plus one
  word, and only if that is 100x more probable than the token itself;
* CamelCase ("FondazioneHub", "ClusterALISEI", "inGiappone") is split at the case
  change when the parts are known words/acronyms and the document itself gives
  evidence that this is not a brand name;
* ALL-CAPS tokens, tokens next to digits, URLs, e-mail addresses and paths are
  never touched, and neither are words built on productive prefixes ("bio...").

wordfreq is imported lazily: its data takes a fraction of a second to load.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.text import detect_language

Split = tuple[str, str]

_FUNC = {
    "it": frozenset(
        "il lo la i gli le un uno una di a da in con su per tra fra del dello della dei "
        "degli delle al allo alla ai agli alle dal dallo dalla dai dagli dalle nel nello "
        "nella nei negli nelle sul sullo sulla sui sugli sulle col coi e ed o ma che se "
        "né anche come dove cui non più già ci si ne ha hanno è sono oltre verso fino "
        "circa presso tramite senza entro".split()),
    "en": frozenset(
        "the a an of in on at to for with by from as and or but that is are was be "
        "has have not".split()),
}
# single-letter words that may start a glued token ("erelazioni", "iquali", "èl'")
_SINGLE_FIRST = {"it": frozenset("e è i".split()), "en": frozenset()}
# elided forms: only as the last part of a run that an apostrophe follows
_ELIDED = frozenset("l dell dall all nell sull coll un quest quell tutt d c".split())
# productive prefixes/suffixes: "biofarmaci", "medtech", "telemedicina" are words
_MORPHEMES = frozenset(
    "bio eco geo auto micro macro nano neuro cardio tele multi inter intra extra super "
    "sovra sotto anti post pre pro med tech onco immuno radio foto info mega mini maxi "
    "euro agro agri termo idro elettro psico socio cyber video audio iper ipo semi pluri "
    "poli mono para meta ultra contro retro vice neo tecno farmaco chemio fisio endo "
    "trans infra sub lab labs pharma gen net web app".split())
_CONNECTORS = frozenset({"and", "of", "&"})
_PUNCT = re.compile(r"([^\W\d_]+)([,;:.(])([^\W_]\w*)")
_RUN = re.compile(r"[^\W\d_]+")
_CHUNK = re.compile(r"\S+")
_URLISH = re.compile(r"://|www\.|@|#|/|\\|_|\.(?:com|it|org|net|eu|io|gov|edu|int)\b",
                     re.IGNORECASE)
_APOSTROPHES = "'\u2019"

CANDIDATE_MAX_ZIPF = 2.5  # tokens at least this frequent are words, never split
SEEN_ZIPF = 1.0  # below this wordfreq has not seen the token (its floor is ~1.0)
PART_MIN_ZIPF = 3.0  # a content part must be about once per million words
SEEN_MARGIN = 2.0  # a seen token needs a split 100x more probable than itself
MIN_LEN = 4


@lru_cache(maxsize=None)
def _freqs(lang: str) -> dict[str, float]:
    import wordfreq  # lazy: importing and loading a language costs ~0.25 s each

    return wordfreq.get_frequency_dict(lang, "best")


@lru_cache(maxsize=200_000)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency of ``word`` in ``lang`` (0.0 when wordfreq has not seen it)."""
    f = _freqs(lang).get(word.lower())
    return round(math.log10(f) + 9, 2) if f else 0.0


@dataclass
class _Doc:
    """Evidence the document itself gives: which words and word pairs occur in it."""

    text: str
    lang: str
    runs: list[re.Match[str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    skip: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs = list(_RUN.finditer(self.text))
        self.counts = Counter(m.group() for m in self.runs)
        for a, b in zip(self.runs, self.runs[1:], strict=False):
            if self.text[a.end():b.start()].isspace():
                self.pairs.add((a.group().lower(), b.group().lower()))
        self.skip = [m.span() for m in _CHUNK.finditer(self.text) if _URLISH.search(m.group())]

    def in_skipped(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.skip)

    def sentence_initial(self, start: int) -> bool:
        head = self.text[:start].rstrip(" \t\"«“(")
        return not head or head[-1] in ".!?\n"

    def neighbour(self, i: int, step: int) -> str | None:
        """The word next to run ``i`` (skipping "and"/"of"/"&"), if only spaces part them."""
        j = i + step
        while 0 <= j < len(self.runs):
            a, b = sorted((self.runs[j - step], self.runs[j]), key=lambda m: m.start())
            gap = self.text[a.end():b.start()]
            if gap.strip() not in ("", "&"):
                return None
            if self.runs[j].group().lower() not in _CONNECTORS:
                return self.runs[j].group()
            j += step
        return None


def repair_text(text: str, enabled: bool = True) -> tuple[str, list[Split]]:
    """Split glued words in scraped ``text``; returns (text, [(original, replacement)]).

    With ``enabled`` False the text comes back unchanged with no splits.
    """
    if not enabled or not text.strip():
        return text, []
    splits: list[Split] = []
    text = _fix_punctuation(text, splits)
    doc = _Doc(text, detect_language(text))
    out: list[str] = []
    last = 0
    for i, m in enumerate(doc.runs):
        if doc.in_skipped(m.start()):
            continue
        new = _repair_run(doc, i)
        if new is not None:
            old = m.group() + ("'" if new.endswith("'") else "")
            splits.append((old, new))
            out.append(text[last:m.start()])
            out.append(new[:-1] if new.endswith("'") else new)
            last = m.end()
    out.append(text[last:])
    return "".join(out), splits


def _fix_punctuation(text: str, splits: list[Split]) -> str:
    """Give back the space after , ; : . ( glued between two words ("Osaka,che")."""
    def fix_chunk(cm: re.Match[str]) -> str:
        chunk = cm.group()
        if _URLISH.search(chunk):
            return chunk

        def fix(m: re.Match[str]) -> str:
            left, p, right = m.groups()
            if _glued_punct(left, p, right):
                new = f"{left}{p} {right}" if p != "(" else f"{left} ({right}"
                splits.append((m.group(), new))
                return new
            return m.group()
        return _PUNCT.sub(fix, chunk)
    return _CHUNK.sub(fix_chunk, text)


def _glued_punct(left: str, p: str, right: str) -> bool:
    if len(left) < 2 or not right[0].isalpha() and p != "(":
        return False
    if p in ",;:":
        return True
    if p == ".":  # "Sviluppo.Favorisce", never "S.p.A." or "sito.It"
        return (len(right) >= 3 and right[0].isupper() and right[1:].islower()
                and left[-2:].islower() and len(left) >= 3)
    # "(": "Trentino(HIT)", never "partner(s)" or "(ri)costruire"
    return len(left) >= 3 and (right[0].isupper() or right[0].isdigit())


def _repair_run(doc: _Doc, i: int) -> str | None:
    """The replacement for run ``i`` (with a trailing "'" if elided), or None."""
    m = doc.runs[i]
    run, text = m.group(), doc.text
    before = text[m.start() - 1] if m.start() else " "
    after = text[m.end()] if m.end() < len(text) else " "
    if before.isdigit() or after.isdigit() or run.isupper():
        return None
    elided = after in _APOSTROPHES
    if any(c.isupper() for c in run[1:]):
        parts = _camel_split(doc, i)
    elif len(run) >= MIN_LEN or (elided and len(run) >= 2):
        parts = _word_split(doc, i, elided)
    else:
        return None
    if not parts:
        return None
    return " ".join(parts) + ("'" if elided and parts[-1].lower() in _ELIDED else "")


def _is_func(word: str, lang: str) -> bool:
    return word.lower() in _FUNC[lang]


def _part_ok(part: str, lang: str, first: bool, last_elided: bool) -> bool:
    low = part.lower()
    if last_elided and low in _ELIDED:
        return True
    if len(low) == 1:
        return first and low in _SINGLE_FIRST[lang]
    if low in _FUNC[lang]:
        return True
    return len(low) >= 3 and low not in _MORPHEMES and zipf(low, lang) >= PART_MIN_ZIPF


def _segment(word: str, lang: str, elided: bool) -> tuple[list[str], float] | None:
    """Most probable split of ``word`` into 2-3 acceptable parts (max product of P(part))."""
    n = len(word)
    best: tuple[list[str], float] | None = None
    for i in range(1, n):
        head = word[:i]
        if not _part_ok(head, lang, True, False):
            continue
        tails = [[word[i:]]] + [[word[i:j], word[j:]] for j in range(i + 1, n)]
        for tail in tails:
            if not all(_part_ok(p, lang, False, elided and k == len(tail) - 1)
                       for k, p in enumerate(tail)):
                continue
            parts = [head, *tail]
            score = _log_product(parts, lang)
            if best is None or score > best[1]:
                best = (parts, score)
    return best


def _log_product(parts: list[str], lang: str) -> float:
    """log10 of the product of the parts' probabilities, on the Zipf scale (+9)."""
    return sum(zipf(p, lang) for p in parts) - 9.0 * (len(parts) - 1)


def _word_split(doc: _Doc, i: int, elided: bool) -> list[str] | None:
    """Dictionary split of a lowercase or Capitalised run, or None to keep it."""
    m = doc.runs[i]
    run, lang = m.group(), doc.lang
    whole = zipf(run, lang)
    if whole >= CANDIDATE_MAX_ZIPF or (run[0].isupper() and doc.counts[run] > 1):
        return None
    found = _segment(run, lang, elided)
    if found is None:
        return None
    parts = found[0]
    n_content = sum(not _is_func(p, lang) and len(p) > 1 and not (elided and p is parts[-1]
                    and p.lower() in _ELIDED) for p in parts)
    if whole >= SEEN_ZIPF:  # a rare word wordfreq has seen: only "function word + word"
        if n_content > 1 or found[1] < whole + SEEN_MARGIN:
            return None
    if run[0].isupper() and not _capital_evidence(doc, i, parts, n_content):
        return None
    return parts


def _capital_evidence(doc: _Doc, i: int, parts: list[str], n_content: int) -> bool:
    """A Capitalised run may be a name ("Dalbosco", "Vitalsense"): split it only with proof."""
    if _is_func(parts[0], doc.lang) or len(parts[0]) < 3:
        return False
    low = [p.lower() for p in parts]
    if any(pair in doc.pairs for pair in zip(low, low[1:], strict=False)):
        return True  # "Clusterlombardo" where "Cluster lombardo" occurs elsewhere
    if n_content == len(parts):  # sentence start: "Particolarmentesignificative"
        return doc.sentence_initial(doc.runs[i].start())
    # "Sciencedi": a word seen on its own in the document, then function words
    return n_content == 1 and len(parts[0]) >= 4 and doc.counts[parts[0]] > 0


def _camel_parts(run: str) -> list[str]:
    parts, start = [], 0
    for k in range(1, len(run)):
        a, b, nxt = run[k - 1], run[k], run[k + 1:k + 2]
        if (a.islower() and b.isupper()) or (a.isupper() and b.isupper() and nxt.islower()):
            parts.append(run[start:k])
            start = k
    parts.append(run[start:])
    return parts


def _known_any(word: str) -> float:
    return max(zipf(word, "it"), zipf(word, "en"))


def _camel_split(doc: _Doc, i: int) -> list[str] | None:
    """Split "FondazioneHub", "ClusterALISEI", "inGiappone"; keep brands ("VitalHome")."""
    run = doc.runs[i].group()
    parts = _camel_parts(run)
    if len(parts) < 2 or _known_any(run) >= CANDIDATE_MAX_ZIPF:
        return None
    lead_func = parts[0].islower() and len(parts[0]) >= 2 and _is_func(parts[0], doc.lang)
    for k, p in enumerate(parts):
        if p.isupper():
            ok = len(p) >= 2
        elif k == 0 and p.islower():
            ok = lead_func
        elif k == 1 and lead_func:
            ok = len(p) >= 3  # "inGiappone", "daAssolombarda": any proper noun
        else:
            ok = (len(p) >= 3 and p.lower() not in _MORPHEMES
                  and _known_any(p) >= PART_MIN_ZIPF)
        if not ok:
            return None
    if lead_func or any(p.isupper() for p in parts):
        return parts
    if doc.counts[run] > 1:
        return None  # a repeated CamelCase word is a name: "VitalHome", "GenoMap"
    if all(doc.counts[p] > 0 for p in parts):
        return parts  # "FondazioneHub" where "Fondazione" and "Hub" occur on their own
    return parts if any(_title_word(doc.neighbour(i, s)) for s in (-1, 1)) else None


def _title_word(word: str | None) -> bool:
    """A Title-case word next to the token: it is inside a multi-word name."""
    return bool(word) and len(word) >= 3 and word[0].isupper() and word[1:].islower()
