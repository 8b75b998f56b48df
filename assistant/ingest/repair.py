"""Repair of scraped text: split words that lost the space between them.

Text scraped from HTML loses its line breaks, so words arrive glued ("unamissione",
"FondazioneHub", "Osaka,che"): lexical retrieval misses them and extractive
answers look broken. The rule is conservative, because a missed split costs
little and a wrong one corrupts a word or a name (docs/scrape-repair.md):

* punctuation glued between two words gets its space back ("Osaka,che");
* a lowercase or Capitalised run that wordfreq has never seen is split in two
  when both parts are frequent words or function words; a rare word wordfreq
  *has* seen is split only as function word + word, and only when that pair is
  100x more probable than the token itself;
* CamelCase ("FondazioneHub", "ClusterALISEI", "inGiappone") is split at the case
  change when the parts are known words or acronyms and the document gives
  evidence that the token is not a brand ("VitalHome" stays);
* Capitalised tokens need evidence from the document too (they may be names);
  ALL-CAPS tokens, URLs, e-mail addresses, paths and tokens touching digits are
  never split (except "oltre70" -> "oltre 70").
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.ingest import repair_lexicon as lx
from assistant.text import detect_language

Split = tuple[str, str]

REPAIR_VERSION = "1"  # part of scraped files' content hash: a new rule re-indexes them
MIN_LEN = 4  # shorter runs are left alone unless an apostrophe follows ("èl'")
_CONNECTORS = frozenset({"and", "of", "&"})
_PUNCT = re.compile(r"([^\W\d_]+)([,;:.(])([^\W_]\w*\)?)")
_TAIL = re.compile(r"['\u2019]|\d+")
_RUN = re.compile(r"[^\W\d_]+")
_CHUNK = re.compile(r"\S+")
_URLISH = re.compile(r"://|www\.|[@#/\\_+®™]|\.(?:com|it|org|net|eu|io|gov|edu|int)\b",
                     re.IGNORECASE)
_APOSTROPHES = "'\u2019"


@dataclass
class _Doc:
    """The text being repaired and the evidence it gives: its words and word pairs."""

    text: str
    lang: str
    runs: list[re.Match[str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    lower: Counter[str] = field(default_factory=Counter)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    skip: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs = list(_RUN.finditer(self.text))
        self.counts = Counter(m.group() for m in self.runs)
        self.lower = Counter(m.group().lower() for m in self.runs)
        for a, b in zip(self.runs, self.runs[1:], strict=False):
            if self.text[a.end():b.start()].isspace():
                self.pairs.add((a.group().lower(), b.group().lower()))
        self.skip = [m.span() for m in _CHUNK.finditer(self.text) if _URLISH.search(m.group())]

    def in_skipped(self, pos: int) -> bool:
        """Inside a URL, e-mail address or path."""
        k = bisect.bisect_right(self.skip, (pos, len(self.text))) - 1
        return k >= 0 and self.skip[k][0] <= pos < self.skip[k][1]

    def has_pair(self, parts: list[str]) -> bool:
        """The parts occur elsewhere as separate words ("Cluster lombardo")."""
        low = [p.lower() for p in parts]
        return any(pair in self.pairs for pair in zip(low, low[1:], strict=False))

    def sentence_initial(self, start: int) -> bool:
        head = self.text[:start].rstrip(" \t\"«“(")
        return not head or head[-1] in ".!?\n"

    def neighbour(self, i: int, step: int) -> str | None:
        """The word beside run ``i`` (past "and"/"of"/"&") if only spaces part them."""
        j = i + step
        while 0 <= j < len(self.runs):
            a, b = sorted((self.runs[j - step], self.runs[j]), key=lambda m: m.start())
            if self.text[a.end():b.start()].strip() not in ("", "&"):
                return None
            if self.runs[j].group().lower() not in _CONNECTORS:
                return self.runs[j].group()
            j += step
        return None


def repair_text(text: str, enabled: bool = True) -> tuple[str, list[Split]]:
    """Split glued words in scraped ``text``; returns (text, [(original, replacement)]).

    Only spaces are inserted (line breaks are kept). With ``enabled`` False the
    text comes back unchanged with no splits.
    """
    if not enabled or not text.strip():
        return text, []
    splits: list[Split] = []
    text = _fix_punctuation(text, splits)
    doc = _Doc(text, detect_language(text))
    out: list[str] = []
    last = 0
    for i, m in enumerate(doc.runs):
        new = None if doc.in_skipped(m.start()) else _repair_run(doc, i)
        if new is None:
            continue
        tail = _TAIL.match(text, m.end())
        shown = tail.group() if tail else ""  # the apostrophe or digits, for the report
        splits.append((m.group() + shown, new + shown))
        out += [text[last:m.start()], new]
        last = m.end()
    out.append(text[last:])
    return "".join(out), splits


def repair_document(title: str, body: str, enabled: bool = True) -> tuple[str, str, int]:
    """Repair a title and its body together (the body is the title's evidence).

    Returns (title, body, number of splits).
    """
    if not enabled:
        return title, body, 0
    fixed, splits = repair_text(f"{title}\n{body}")
    lines = fixed.split("\n")
    n = title.count("\n") + 1
    return "\n".join(lines[:n]), "\n".join(lines[n:]), len(splits)


def _fix_punctuation(text: str, splits: list[Split]) -> str:
    """Give back the space after , ; : . ( glued between two words ("Osaka,che")."""
    def fix_chunk(cm: re.Match[str]) -> str:
        if _URLISH.search(cm.group()):
            return cm.group()

        def fix(m: re.Match[str]) -> str:
            left, p, right = m.groups()
            if not _glued_punct(left, p, right):
                return m.group()
            new = f"{left}{p} {right}" if p != "(" else f"{left} ({right}"
            splits.append((m.group(), new))
            return new
        return _PUNCT.sub(fix, cm.group())
    return _CHUNK.sub(fix_chunk, text)


def _glued_punct(left: str, p: str, right: str) -> bool:
    if len(left) < 2 or (not right[0].isalpha() and p != "("):
        return False
    if p in ",;:":
        return True
    if p == ".":  # "Sviluppo.Favorisce", never "S.p.A." or "sito.It"
        return (len(left) >= 3 and left[-2:].islower() and len(right) >= 3
                and right[0].isupper() and right[1:].islower())
    # "(": "Trentino(HIT)", never "partner(s)" or "(ri)costruire"
    return len(left) >= 3 and (right[0].isupper() or right[0].isdigit())


def _repair_run(doc: _Doc, i: int) -> str | None:
    """The replacement text for letter run ``i``, or None to keep it."""
    m = doc.runs[i]
    run, text = m.group(), doc.text
    before = text[m.start() - 1] if m.start() else " "
    after = text[m.end()] if m.end() < len(text) else " "
    if before.isdigit() or run.isupper():
        return None
    if after.isdigit():  # "oltre70"; never "covid19" or "H2O"
        return run + " " if len(run) >= 2 and run in lx.FUNC[doc.lang] else None
    elided = after in _APOSTROPHES
    if any(c.isupper() for c in run[1:]):
        parts = _camel_split(doc, i)
    elif len(run) >= MIN_LEN or (elided and len(run) >= 2):
        parts = _word_split(doc, i, elided)
    else:
        return None
    return " ".join(parts) if parts else None


def _word_split(doc: _Doc, i: int, elided: bool) -> list[str] | None:
    """Dictionary split of a lowercase or Capitalised run, or None to keep it."""
    run, lang = doc.runs[i].group(), doc.lang
    whole = lx.zipf(run, lang)
    if max(whole, lx.known_any(run)) >= lx.CANDIDATE_MAX_ZIPF:
        return None
    if run[0].isupper() and doc.counts[run] > 1:
        return None  # a Capitalised word used twice is a name
    found = lx.segment(run, lang, elided)
    if found is None:
        return None
    parts, score = found
    content = [p for k, p in enumerate(parts) if lx.is_content(p, lang, k == 1 and elided)]
    # "in|sepolto", "di|smettere" are words; "conpiacere" (n before p) and "di|ricerca"
    # where "ricerca" also occurs on its own are glue
    if (parts[0].lower() in lx.PREFIX_LIKE and content == parts[1:]
            and not (lang == "it" and parts[0][-1] == "n" and parts[1][0] in "pb")
            and not doc.lower[parts[1].lower()]):
        return None
    if content == parts[:1] and len(parts[0]) < 5:
        return None  # "marci|alla", "fari|nello": a short word before a function word
    if whole >= lx.SEEN_ZIPF and (len(content) > 1 or score < whole + lx.SEEN_MARGIN):
        return None  # a rare word wordfreq has seen: only a far likelier function-word split
    if len(content) == 2 and not lx.compound_ok(run, parts, lang):
        return None
    if run[0].isupper() and not _capital_evidence(doc, i, parts, len(content)):
        return None
    return parts


def _capital_evidence(doc: _Doc, i: int, parts: list[str], n_content: int) -> bool:
    """A Capitalised run may be a name ("Dalbosco", "Vitalsense"): split only with proof."""
    if lx.is_func(parts[0], doc.lang) or len(parts[0]) < 3:
        return False
    if doc.has_pair(parts):
        return True  # "Clusterlombardo" where "Cluster lombardo" occurs elsewhere
    if n_content == len(parts):  # sentence start: "Particolarmentesignificative"
        return all(len(p) >= 5 for p in parts) and doc.sentence_initial(doc.runs[i].start())
    # "Sciencedi": a word the document uses on its own, then a function word
    return n_content == 1 and len(parts[0]) >= 4 and doc.counts[parts[0]] > 0


def _camel_parts(run: str) -> list[str]:
    """Cut at lower->Upper and at the end of an acronym ("IRCCSIstituto")."""
    parts, start = [], 0
    for k in range(1, len(run)):
        a, b, nxt = run[k - 1], run[k], run[k + 1:k + 2]
        if (a.islower() and b.isupper()) or (a.isupper() and b.isupper() and nxt.islower()):
            parts.append(run[start:k])
            start = k
    parts.append(run[start:])
    return parts


def _camel_part_ok(p: str, k: int, lead_func: bool) -> bool:
    if p.isupper():
        return len(p) >= 2
    if k == 0 and p.islower():
        return lead_func  # "iPS", "eBay", "proBNP" stay
    if k == 1 and lead_func:
        return len(p) >= 3  # "inGiappone", "daAssolombarda": any proper noun
    return len(p) >= 3 and p.lower() not in lx.MORPHEMES and lx.known_any(p) >= lx.PART_MIN_ZIPF


def _camel_split(doc: _Doc, i: int) -> list[str] | None:
    """Split "FondazioneHub", "ClusterALISEI", "inGiappone"; keep brands ("VitalHome")."""
    run = doc.runs[i].group()
    parts = _camel_parts(run)
    if len(parts) < 2 or lx.known_any(run) >= lx.CANDIDATE_MAX_ZIPF:
        return None  # "YouTube", "LinkedIn" are words
    lead_func = parts[0].islower() and len(parts[0]) >= 2 and lx.is_func(parts[0], doc.lang)
    if not all(_camel_part_ok(p, k, lead_func) for k, p in enumerate(parts)):
        return None
    if lead_func:
        return parts
    if any(p.isupper() for p in parts):  # the word must be in the document's language
        if not all(lx.zipf(p, doc.lang) >= lx.PART_MIN_ZIPF for p in parts if not p.isupper()):
            return None
    elif doc.counts[run] > 1 or not any(
            min(lx.zipf(p, lg) for p in parts) >= lx.PART_MIN_ZIPF for lg in ("it", "en")):
        return None  # a repeated word is a name ("VitalHome"); "AlpiVent" mixes languages
    if doc.has_pair(parts):
        return parts  # "FondazioneHub" where "Fondazione Hub" occurs elsewhere
    if parts[-1].isupper() and doc.counts[parts[-1]] > 0:
        return parts  # "ClusterALISEI" where "ALISEI" occurs on its own; not "NKSpark"
    return parts if any(_title_word(doc.neighbour(i, s)) for s in (-1, 1)) else None


def _title_word(word: str | None) -> bool:
    """A Title-case word beside the token: it sits inside a multi-word name."""
    return word is not None and len(word) >= 3 and word[0].isupper() and word[1:].islower()
