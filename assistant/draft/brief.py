"""The offline brief: working material for a writer, not an article.

Without a language model nothing is written: the brief quotes the sources'
sentences verbatim, chosen and ordered by what the topic asks (results, a call,
an event, a profile: see :mod:`assistant.draft.intent` and
:mod:`assistant.draft.rank`), grouped by document with the most relevant first,
and lists the people, organisations, figures and dates of the quoted passages,
the related member profiles and the numbered sources. The suggested title is
built from the first group's facts. Every item carries the ``[n]`` of its
source. Sentences addressed to an AI are never quoted (see ``rag.extractive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.draft import extract, intent, rank
from assistant.draft.render import neutral
from assistant.models import RetrievedChunk
from assistant.rag import extractive
from assistant.text import sentence_spans

MAX_GROUPS = 7
MAX_ITEMS = 12
TITLE_FIGURES = 3

LABELS = {
    "it": {"header": "# Bozza di lavoro (brief) — non è un articolo",
           "note": "*Materiale di partenza per chi scrive: ogni fatto è una frase riportata "
                   "testualmente da una fonte (le voci di un elenco unite in una frase), con il "
                   "suo numero [n]. Verificare e riscrivere prima di pubblicare.*",
           "topic": "Tema", "window": "Periodo", "tags": "Tag", "title": "Titolo suggerito",
           "facts": "## Fatti chiave", "who": "## Persone, organizzazioni, cifre e date",
           "people": "Persone", "organisations": "Organizzazioni", "figures": "Cifre",
           "dates": "Date", "members": "## Soci collegati", "other": "Altri fatti",
           "reserved": "**Attenzione:** il brief usa contenuti riservati ai soci (segnati "
                       "nelle fonti): non pubblicarli senza verifica",
           "offline": "*Modalità offline: senza modello linguistico si ottiene un brief, "
                      "non un testo redatto.*",
           "any": "tutto", "and": "e"},
    "en": {"header": "# Working brief — not an article",
           "note": "*Starting material for a writer: every fact is a sentence quoted verbatim "
                   "from a source (the items of a list joined into one sentence), with its "
                   "number [n]. Check and rewrite before publishing.*",
           "topic": "Topic", "window": "Period", "tags": "Tags", "title": "Suggested title",
           "facts": "## Key facts", "who": "## People, organisations, figures and dates",
           "people": "People", "organisations": "Organisations", "figures": "Figures",
           "dates": "Dates", "members": "## Related members", "other": "Other facts",
           "reserved": "**Warning:** this brief uses members-only content (marked in the "
                       "sources): do not publish it unchecked",
           "offline": "*Offline mode: without a language model you get a brief, not a "
                      "written text.*",
           "any": "all", "and": "and"},
}


@dataclass
class Fact:
    source: int  # 1-based index into the brief's sources
    text: str
    score: float
    doc_id: str
    date: str
    rank: int = 0  # the rank of its document: facts of one document form one group


def select_facts(topic: str, lang: str, chunks: Sequence[RetrievedChunk], limit: int,
                 want: intent.Intent | None = None, learned: rank.Learned | None = None
                 ) -> list[Fact]:
    """The brief's facts in order: the documents that best answer what the topic asks
    first (see :mod:`assistant.draft.rank`), the most informative sentences first
    within a document; ``learned``: the learned scorer's percentiles (see
    :mod:`assistant.draft.learned`)."""
    want = want or intent.detect(topic)
    out = []
    for s, r in rank.select(topic, lang, want, chunks, limit, learned):
        c = s.cand
        out.append(Fact(c.source + 1, _tidy(c.text), s.score, s.doc_id,
                        str(chunks[c.source].metadata.get("date") or ""), r))
    return out


def _tidy(text: str) -> str:
    # a list item keeps its ";" or ":" in the source: a fact ends with a full stop
    text = neutral(extract.clean(text)).lstrip("-*• ").strip().rstrip(";,:– ").rstrip()
    return text if text[-1:] in ".!?…»\"" else text + "."


def group_facts(facts: Sequence[Fact], chunks: Sequence[RetrievedChunk], lang: str
                ) -> list[tuple[str, list[Fact]]]:
    """Facts grouped by document (one event, call or story), in the facts' order:
    the most relevant document first; documents past ``MAX_GROUPS`` share a last
    group. Each group is labelled by its document's title."""
    titles = {c.doc_id: c.title for c in chunks}
    docs = list(dict.fromkeys(f.doc_id for f in facts))
    out: list[tuple[str, list[Fact]]] = []
    rest: list[Fact] = []
    for i, d in enumerate(docs):
        gf = [f for f in facts if f.doc_id == d]
        if i >= MAX_GROUPS - 1 and len(docs) > MAX_GROUPS:
            rest += gf
        else:
            out.append((_label(titles.get(d, "")), gf))
    if rest:
        out.append((LABELS[lang]["other"], rest))
    return out


def _label(title: str) -> str:
    # a document's title, up to the colon when the part before it says enough
    head, _, tail = title.partition(":")
    label = head if len(head.split()) >= 3 or not tail else title
    label = label.strip()
    label = label[:1].upper() + label[1:]
    return label if len(label) <= 90 else label[:89].rsplit(" ", 1)[0] + "…"


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
    lines = [lab["header"], "", lab["note"]] + (["", lab["offline"]] if offline_note else [])
    lines += ["", f"- **{lab['topic']}:** {neutral(topic)}"]
    lines += [f"- **{lab[k]}:** {neutral(v)}" for k, v in scope.items()]
    title = suggested_title(facts, chunks, lang)
    if title:
        lines += [f"- **{lab['title']}:** {neutral(title)}"]
    if any(chunks[f.source - 1].metadata.get("visibility") == "members" for f in facts):
        lines += ["", f"> {lab['reserved']}."]
    lines += ["", lab["facts"]]
    dates = {c.doc_id: str(c.metadata.get("date") or "") for c in chunks}
    for label, group in group_facts(facts, chunks, lang):
        date = dates.get(group[0].doc_id, "") if label != lab["other"] else ""
        lines += ["", f"### {neutral(label)}" + (f" ({date})" if date else ""), ""]
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


def suggested_title(facts: Sequence[Fact], chunks: Sequence[RetrievedChunk], lang: str
                    ) -> str:
    """A headline from the first group's facts: its document's subject (the title up to
    the colon) and the counts and amounts its facts state ("78 incontri B2B, 130
    partecipanti"); without them, the first fact shortened. Empty without facts."""
    if not facts:
        return ""
    first = [f for f in facts if f.doc_id == facts[0].doc_id]
    title = next((c.title for c in chunks if c.doc_id == facts[0].doc_id), "")
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    figs: list[str] = []
    for f in first:
        amounts = [m.group().strip() for m in extract.MONEY.finditer(extract.clean(f.text))]
        for fig in intent.COUNTED.findall(f.text) + amounts:
            fig = fig.strip()
            if fig[1:2].islower():  # "Tre progetti" opened its sentence
                fig = fig[:1].lower() + fig[1:]
            if fig and not any(fig in g or g in fig for g in figs) and len(fig) <= 60:
                figs.append(fig)
    # figures in digits first (they are the news), then in words; each in fact order
    figs = sorted(figs, key=lambda g: not g[:1].isdigit())[:TITLE_FIGURES]
    if figs:
        tail = figs[0] if len(figs) == 1 else (
            ", ".join(figs[:-1]) + f" {LABELS[lang]['and']} {figs[-1]}")
    else:
        ws = first[0].text.rstrip(".").split()
        tail = " ".join(ws[:12]) + ("…" if len(ws) > 12 else "")
    text = f"{head}: {tail}" if head and head.lower() not in tail.lower() else tail
    return text[:1].upper() + text[1:]


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
