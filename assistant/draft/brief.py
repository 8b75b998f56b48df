"""The offline brief: working material for a writer, not an article.

Without a language model nothing is written: the brief quotes the sources'
sentences verbatim, grouped by subtopic (a keyword clustering of the sources'
titles), and lists the people, organisations, figures and dates of the quoted
passages, the related member profiles and the numbered sources. Every item
carries the ``[n]`` of its source. Sentences addressed to an AI are never quoted
(see ``rag.extractive``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.draft import extract
from assistant.draft.render import neutral
from assistant.ingest.chunk import sentence_spans
from assistant.models import RetrievedChunk
from assistant.rag import extractive
from assistant.text import analyze, words

MAX_PER_DOC = 3
MAX_GROUPS = 7
MAX_ITEMS = 12
MAX_FACT_CHARS = 320
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_STARTS = re.compile(r"[«\"'(]?[A-ZÀ-ÖØ-Þ]|\d+(?:[.,]\d+)*\s?(?:%|[a-zà-ÿ])")
_GENERIC = frozenset(analyze("cluster vitalia soci socio notizie nuovi nuove riservato", "it")
                     + analyze("cluster vitalia members member news new", "en"))

LABELS = {
    "it": {"header": "# Bozza di lavoro (brief) — non è un articolo",
           "note": "*Materiale di partenza per chi scrive: ogni fatto è una frase riportata "
                   "testualmente da una fonte, con il suo numero [n]. Verificare e riscrivere "
                   "prima di pubblicare.*",
           "topic": "Tema", "window": "Periodo", "tags": "Tag", "title": "Titolo suggerito",
           "facts": "## Fatti chiave", "who": "## Persone, organizzazioni, cifre e date",
           "people": "Persone", "organisations": "Organizzazioni", "figures": "Cifre",
           "dates": "Date", "members": "## Soci collegati", "other": "Altri fatti",
           "reserved": "**Attenzione:** il brief usa contenuti riservati ai soci (segnati "
                       "nelle fonti): non pubblicarli senza verifica",
           "offline": "*Modalità offline: senza modello linguistico si ottiene un brief, "
                      "non un testo redatto.*",
           "any": "tutto"},
    "en": {"header": "# Working brief — not an article",
           "note": "*Starting material for a writer: every fact is a sentence quoted verbatim "
                   "from a source, with its number [n]. Check and rewrite before publishing.*",
           "topic": "Topic", "window": "Period", "tags": "Tags", "title": "Suggested title",
           "facts": "## Key facts", "who": "## People, organisations, figures and dates",
           "people": "People", "organisations": "Organisations", "figures": "Figures",
           "dates": "Dates", "members": "## Related members", "other": "Other facts",
           "reserved": "**Warning:** this brief uses members-only content (marked in the "
                       "sources): do not publish it unchecked",
           "offline": "*Offline mode: without a language model you get a brief, not a "
                      "written text.*",
           "any": "all"},
}


@dataclass
class Fact:
    source: int  # 1-based index into the brief's sources
    text: str
    score: float
    doc_id: str
    date: str


def select_facts(topic: str, lang: str, chunks: Sequence[RetrievedChunk],
                 limit: int) -> list[Fact]:
    """Best sentences: first the best of each document (so the brief covers many), then
    the best of the rest, at most three a document; no near-duplicates, table rows,
    fragments or sentences addressed to an AI."""
    by_doc: dict[str, list[tuple[float, extractive.Candidate]]] = {}
    years = set(_YEAR.findall(topic))
    for c in extractive.candidates(topic, lang, list(chunks)):
        text = extract.clean(c.text).lstrip("-*•> ")
        if (not 40 <= len(text) <= MAX_FACT_CHARS or not _STARTS.match(text)
                or text.endswith(":")):
            continue  # table rows, list fragments, run-on paragraphs
        by_doc.setdefault(chunks[c.source].doc_id, []).append((c.score + _bonus(c, years), c))
    for cands in by_doc.values():
        cands.sort(key=lambda sc: -sc[0])
    docs = sorted(by_doc, key=lambda d: -by_doc[d][0][0])
    # first the best sentence of each document (coverage), then the best of the rest
    chosen = [by_doc[d].pop(0) for d in docs[:limit]]
    per = Counter(chunks[c.source].doc_id for _, c in chosen)
    for sc in sorted((x for d in docs for x in by_doc[d]), key=lambda x: -x[0]):
        if len(chosen) >= limit:
            break
        doc = chunks[sc[1].source].doc_id
        if per[doc] < MAX_PER_DOC and not any(
                _jaccard(sc[1].terms, o.terms) > 0.5 for _, o in chosen):
            chosen.append(sc)
            per[doc] += 1
    return [Fact(c.source + 1, _tidy(c.text), s, chunks[c.source].doc_id,
                 str(chunks[c.source].metadata.get("date") or "")) for s, c in chosen]


def _bonus(c: extractive.Candidate, years: set[str]) -> float:
    # figures and an article's opening sentences are what a writer needs first; with
    # a year in the topic, sentences about that year rather than others
    bonus = (0.08 if any(ch.isdigit() for ch in c.text) else 0.0) + (0.1 if c.start < 250
                                                                     else 0.0)
    if years:
        said = set(_YEAR.findall(c.text))
        bonus += 0.1 if said & years else (-0.1 if said else 0.0)
    return bonus


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _tidy(text: str) -> str:
    text = neutral(extract.clean(text)).lstrip("-*• ").strip()
    return text if text[-1:] in ".!?…" else text + "."


def title_keys(title: str, skip: set[str]) -> list[str]:
    """Capitalised words of a title (places, events, programmes), minus ``skip`` stems."""
    out: list[str] = []
    for w in words(title):
        stems = analyze(w, "it") + analyze(w, "en")
        if w[:1].isupper() and not w.isdigit() and len(w) > 2 and stems \
                and not set(stems) & skip and w not in out:
            out.append(w)
    return out


def group_facts(facts: Sequence[Fact], chunks: Sequence[RetrievedChunk], topic: str,
                lang: str) -> list[tuple[str, list[Fact]]]:
    """Facts grouped by subtopic, a simple keyword clustering: documents whose titles
    share a capitalised keyword ("Giappone", "Forum") form one group, labelled by the
    shared keywords; the topic's own words say nothing and are ignored."""
    skip = set(analyze(topic, lang)) | set(analyze(topic, "it")) | _GENERIC
    titles = {c.doc_id: c.title for c in chunks}
    docs = list(dict.fromkeys(f.doc_id for f in facts))  # most relevant first
    keys = {d: title_keys(titles.get(d, ""), skip) for d in docs}
    groups: list[list[str]] = []
    for d in docs:
        # join the group whose first document shares a keyword (no chaining)
        home = next((g for g in groups if set(keys[d]) & set(keys[g[0]])), None)
        if home is None:
            groups.append([d])
        else:
            home.append(d)
    out: list[tuple[str, list[Fact]]] = []
    rest: list[Fact] = []
    for g in groups:
        gf = sorted((f for f in facts if f.doc_id in g), key=lambda f: (f.date, f.source))
        label = _label(g, keys, titles)
        if not label or (len(out) >= MAX_GROUPS - 1 and len(groups) > MAX_GROUPS):
            rest += gf
            continue
        out.append((label, gf))
    if rest:
        out.append((LABELS[lang]["other"], rest))
    return out


def _label(group: list[str], keys: dict[str, list[str]], titles: dict[str, str]) -> str:
    # several documents: their shared keywords; one: its title, up to the colon
    if len(group) == 1:
        head, _, tail = titles.get(group[0], "").partition(":")
        label = head if len(head.split()) >= 2 or not tail else tail.strip()
        label = label[:1].upper() + label[1:]
        return label if len(label) <= 70 else label[:69].rsplit(" ", 1)[0] + "…"
    counts = Counter(k for d in group for k in keys[d])
    return " · ".join([k for k, n in counts.most_common() if n > 1][:2])


def mention_lines(m: extract.Mentions, lang: str, quoted_text: str = "") -> list[str]:
    """One bullet per category: values with their ``[n]``; those in the quoted facts
    first, then the most cited."""
    lines = []
    for cat in ("people", "organisations", "figures", "dates"):
        found: dict[str, list[int]] = getattr(m, cat)
        if cat == "organisations":
            found = {k: v for k, v in found.items() if k.lower() not in extract.SELF}
        items = sorted(found.items(), key=lambda kv: (kv[0] not in quoted_text, -len(kv[1])))
        if items:
            vals = "; ".join(f"{neutral(v)} " + "".join(f"[{n}]" for n in refs)
                             for v, refs in items[:MAX_ITEMS])
            lines.append(f"- **{LABELS[lang][cat]}:** {vals}")
    return lines


def member_line(n: int, c: RetrievedChunk) -> str:
    """A member profile as one bullet: name, place and sectors, cited."""
    md = c.metadata
    name = neutral(str(md.get("name") or c.title))
    place = ", ".join(str(md[k]) for k in ("city", "region") if md.get(k))
    details = " · ".join(x for x in (place, ", ".join(md.get("sectors") or [])) if x)
    return f"- **{name}** — {neutral(details)} [{n}]" if details else f"- **{name}** [{n}]"


def compose(topic: str, lang: str, facts: Sequence[Fact], chunks: Sequence[RetrievedChunk],
            members: Sequence[RetrievedChunk], scope: dict[str, str], offline_note: bool
            ) -> str:
    """The brief's Markdown body with ``[n]`` = 1-based index into ``chunks + members``."""
    lab = LABELS[lang]
    title = neutral(topic[:1].upper() + topic[1:])
    lines = [lab["header"], "", lab["note"]] + (["", lab["offline"]] if offline_note else [])
    lines += ["", f"- **{lab['topic']}:** {neutral(topic)}"]
    lines += [f"- **{lab[k]}:** {neutral(v)}" for k, v in scope.items()]
    lines += [f"- **{lab['title']}:** {title}"]
    if any(chunks[f.source - 1].metadata.get("visibility") == "members" for f in facts):
        lines += ["", f"> {lab['reserved']}."]
    lines += ["", lab["facts"]]
    for label, group in group_facts(facts, chunks, topic, lang):
        lines += ["", f"### {neutral(label)}", ""] if label else [""]
        lines += [f"- {f.text} [{f.source}]" for f in group]
    used = sorted({f.source for f in facts})
    found = extract.mentions((n, _quotable(chunks[n - 1].text)) for n in used)
    who = mention_lines(found, lang, " ".join(f.text for f in facts))
    if who:
        lines += ["", lab["who"], ""] + who
    if members:
        lines += ["", lab["members"], ""]
        lines += [member_line(len(chunks) + i + 1, c) for i, c in enumerate(members)]
    return "\n".join(lines)


def _quotable(text: str) -> str:
    # the passage without sentences addressed to an AI: nothing is taken from those
    return " ".join(text[a:b] for a, b in sentence_spans(text)
                    if not extractive._INSTRUCTION.search(text[a:b]))


def organisation_names(chunks: Sequence[RetrievedChunk]) -> list[str]:
    """Organisations named in ``chunks``, most mentioned first (for member look-up)."""
    found = extract.mentions((n, _quotable(c.text)) for n, c in enumerate(chunks, 1))
    return [k for k, _ in sorted(found.organisations.items(), key=lambda kv: -len(kv[1]))]


def quoted(facts: Sequence[Fact], chunks: Sequence[RetrievedChunk]) -> list[RetrievedChunk]:
    """The chunks the facts are quoted from."""
    return [chunks[n - 1] for n in sorted({f.source for f in facts})]
