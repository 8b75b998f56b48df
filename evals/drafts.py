"""Staff-brief evaluation on ``evals/draft_topics.jsonl``: does the offline brief lead
with what the topic asks, contain the key facts, and stay free of fragments?

Every topic goes through ``Assistant.draft`` (kind ``brief``, role ``staff``) on the
demo index. Per topic it measures:

- key-fact coverage: share of ``key_facts`` found in the brief's body (the source
  list excluded, so a source title cannot count);
- first-section share on intent: share of the first group's facts that cite one of
  the topic's ``on_intent`` documents; the first group is on intent when that share
  is at least one half and none of ``not_lead`` appears in it;
- fragments: "figures" items that are not a number with what it counts (a colon
  gluing two clauses, a dangling function word, no word at all) and facts with a
  broken ending (";.", ",.") or a lowercase start;
- time per brief (wall clock, after one warm-up brief).

Metrics come from :func:`score` on plain strings, so they are testable without an
index. The ``heldout`` split is never used for tuning.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.text import fold

TOPICS = Path(__file__).with_name("draft_topics.jsonl")
SPLITS = ("dev", "heldout", "all")
Progress = Callable[[int, int], None]
_REF = re.compile(r"\[\d+\]")
_FIGURE_LINE = re.compile(r"^- \*\*(?:Cifre|Figures):\*\* (.*)$", re.MULTILINE)
_DANGLING = frozenset("a al alla che con da dal del della di e ed è for from ha hanno i il in "
                      "is la le nel nella o of per sono su the to tra un una was were".split())
_UNITS = frozenset("euro eur milioni milione mila miliardi million billion per cento percent "
                   "€ %".split())


@dataclass
class Topic:
    """One line of the topic set (fields described at the top of the file)."""

    id: str
    split: str
    lang: str
    topic: str
    intent: str
    key_facts: list[str]
    on_intent: list[str]
    not_lead: list[str] = field(default_factory=list)


@dataclass
class Scored:
    """What one brief achieved."""

    id: str
    split: str
    intent: str
    facts_hit: list[bool]
    first_share: float
    first_on_intent: bool
    fragments: list[str]
    seconds: float
    markdown: str = ""

    @property
    def coverage(self) -> float:
        """Share of the key facts found."""
        return sum(self.facts_hit) / len(self.facts_hit) if self.facts_hit else 1.0


def load_topics(path: Path = TOPICS, split: str = "all") -> list[Topic]:
    """Topics of ``split`` (``all``: both); ``#`` lines are comments."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            t = Topic(**json.loads(line))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
        if split in ("all", t.split):
            out.append(t)
    return out


def _norm(text: str) -> str:
    return " ".join(fold(text.replace("*", "")).split())


def body(markdown: str) -> str:
    """The brief without its source list."""
    for head in ("\n## Fonti\n", "\n## Sources\n"):
        markdown = markdown.split(head, 1)[0]
    return markdown


def first_group(markdown: str) -> list[tuple[str, list[int]]]:
    """(text, cited numbers) of the bullets of the first group of key facts."""
    m = re.search(r"^## (?:Fatti chiave|Key facts)\s*$", markdown, re.MULTILINE)
    if not m:
        return []
    rest = markdown[m.end():].split("\n## ", 1)[0]
    groups = re.split(r"^### .*$", rest, flags=re.MULTILINE)
    chunks = [g for g in groups if g.strip()]
    if not chunks:
        return []
    return [(line[2:], [int(n) for n in re.findall(r"\[(\d+)\]", line)])
            for line in chunks[0].splitlines() if line.startswith("- ")]


def figure_fragment(item: str) -> bool:
    """Whether a "figures" item is not a number with what it counts."""
    text = _REF.sub("", item).strip(" ;")
    tokens = text.replace("(", " ").replace(")", " ").split()
    words = [w for w in tokens if re.search(r"[^\W\d_]{2,}", w) and w.lower() not in _UNITS]
    return (":" in text or not re.search(r"\d", text) or not words
            or tokens[0].lower() in _DANGLING or tokens[-1].lower() in _DANGLING)


def fragments(markdown: str) -> list[str]:
    """Broken "figures" items and facts with broken endings or a lowercase start."""
    found: list[str] = []
    for line in _FIGURE_LINE.findall(markdown):
        found += [i for i in re.split(r"(?<=\])\s*;\s*", line) if i.strip()
                  and figure_fragment(i)]
    section = re.split(r"^## (?:Fatti chiave|Key facts)\s*$", markdown, flags=re.MULTILINE)
    if len(section) > 1:
        for line in section[1].split("\n## ", 1)[0].splitlines():
            if not line.startswith("- "):
                continue
            fact = _REF.sub("", line[2:]).strip()
            if re.search(r"[;,:]\s*\.$", fact) or fact[:1].islower():
                found.append(fact)
    return found


def score(topic: Topic, markdown: str, doc_of: dict[int, str], seconds: float) -> Scored:
    """The metrics of one brief; ``doc_of`` maps a citation number to its document."""
    text = _norm(body(markdown))
    hits = [_norm(k) in text for k in topic.key_facts]
    first = first_group(markdown)
    on = [any(any(stem in doc_of.get(n, "") for stem in topic.on_intent) for n in refs[:1])
          for _, refs in first]
    share = sum(on) / len(on) if on else 0.0
    lead = _norm(" ".join(t for t, _ in first))
    clean_lead = not any(_norm(s) in lead for s in topic.not_lead)
    return Scored(topic.id, topic.split, topic.intent, hits, share,
                  bool(first) and share >= 0.5 and clean_lead, fragments(markdown), seconds,
                  markdown)


def summary(scored: Sequence[Scored]) -> dict[str, Any]:
    """Averages over ``scored``."""
    n = len(scored)
    if not n:
        return {"n_topics": 0}
    times = sorted(s.seconds for s in scored)
    return {"n_topics": n,
            "key_fact_coverage": round(sum(s.coverage for s in scored) / n, 3),
            "first_section_on_intent": round(sum(s.first_share for s in scored) / n, 3),
            "first_group_on_intent": sum(s.first_on_intent for s in scored),
            "fragments": sum(len(s.fragments) for s in scored),
            "mean_s": round(sum(times) / n, 3), "max_s": round(times[-1], 3)}


def run(split: str = "all", index: Path | None = None, progress: Progress | None = None,
        topics_file: Path = TOPICS) -> dict[str, Any]:
    """Brief every topic of ``split`` on the demo index; the report as a dict."""
    from assistant.draft.models import DraftRequest
    from assistant.facade import build_assistant
    from assistant.models import Caller
    from evals.answers_run import demo_settings, git_commit, refresh_index

    topics = load_topics(topics_file, split)
    settings = demo_settings(index, llm=False)
    refresh_index(settings)
    assistant = build_assistant(settings)
    staff = Caller(role="staff")
    out: list[Scored] = []
    try:
        assistant.draft(DraftRequest(topic="Forum annuale", kind="brief"), staff)  # warm-up
        for i, t in enumerate(topics, 1):
            t0 = time.perf_counter()
            d = assistant.draft(DraftRequest(topic=t.topic, kind="brief"), staff)
            seconds = time.perf_counter() - t0
            out.append(score(t, d.markdown, {c.n: c.doc_id for c in d.citations}, seconds))
            if progress:
                progress(i, len(topics))
    finally:
        assistant.close()
    splits = {s: summary([x for x in out if x.split == s]) for s in ("dev", "heldout")}
    return {"kind": "drafts", "split": split, "commit": git_commit(),
            "summary": summary(out), "splits": splits,
            "topics": [asdict(s) | {"coverage": round(s.coverage, 3)} for s in out]}


ROWS = (("key-fact coverage", "key_fact_coverage", "{:.3f}"),
        ("first section on intent (share)", "first_section_on_intent", "{:.3f}"),
        ("first group on intent (topics)", "first_group_on_intent", "{}"),
        ("fragments", "fragments", "{}"),
        ("time per brief, mean (s)", "mean_s", "{:.2f}"),
        ("time per brief, max (s)", "max_s", "{:.2f}"))


def print_report(report: dict[str, Any]) -> None:
    """A table of the summary (with dev and heldout columns for ``all``)."""
    from rich.console import Console
    from rich.table import Table

    cols = [(report["split"], report["summary"])]
    if report["split"] == "all":
        cols += [(k, v) for k, v in report["splits"].items() if v.get("n_topics")]
    t = Table(title="Staff briefs (offline)")
    t.add_column("metric")
    for name, m in cols:
        t.add_column(f"{name} ({m['n_topics']} topics)", justify="right")
    for label, key, fmt in ROWS:
        t.add_row(label, *[fmt.format(m[key]) for _, m in cols])
    c = Table(title="By topic")
    for head in ("topic", "intent", "key facts", "lead share", "lead ok", "fragments", "s"):
        c.add_column(head, justify="left" if head == "topic" else "right")
    for s in report["topics"]:
        c.add_row(s["id"], s["intent"], f"{s['coverage']:.2f}", f"{s['first_share']:.2f}",
                  "yes" if s["first_on_intent"] else "no", str(len(s["fragments"])),
                  f"{s['seconds']:.2f}")
    out = Console(width=120) if not Console().is_terminal else Console()
    out.print(t)
    out.print(c)
