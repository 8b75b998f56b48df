"""Answer-quality evaluation on the golden set ``evals/questions.jsonl``.

Every question goes through the same code path as the API: ``build_assistant`` and
``Assistant.ask`` with a :class:`~assistant.models.Caller` of the question's role.
Retrieval recall is measured with ``Assistant.search`` on the query the answerer
actually used (``Answer.query``, i.e. the condensed follow-up). Metrics are
computed by :func:`metrics` from plain :class:`Outcome` records, so the harness can
be tested with a fake assistant.

The ``heldout`` split is never used for tuning: thresholds and prompts are tuned
on ``dev`` only (see docs/evaluation.md).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.models import Answer, Caller, RetrievedChunk
from assistant.rag.citations import check
from assistant.rag.condense import Message
from assistant.text import fold

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = Path(__file__).with_name("questions.jsonl")
DEMO_CORPUS = ROOT / "corpus"
SPLITS = ("dev", "heldout", "all")
ROLES = ("anonymous", "member", "staff", "admin")
K = 5
_MARKER = re.compile(r"\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")
Progress = Callable[[int, int], None]


@dataclass
class Question:
    """One line of the golden set (see docs/evaluation.md for the fields)."""

    id: str
    split: str
    category: str
    lang: str
    question: str
    role: str = "anonymous"
    history: list[dict[str, str]] = field(default_factory=list)
    expected_docs: list[str] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    should_refuse: bool = False

    def messages(self) -> list[Message]:
        """The conversation as the API receives it: history, then the question."""
        return [Message(role=t["role"], content=t["content"]) for t in self.history] + [
            Message(role="user", content=self.question)]


def load_questions(path: Path = QUESTIONS, split: str = "all") -> list[Question]:
    """Questions of ``split`` (``all``: both); lines starting with ``#`` are skipped."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            q = Question(**json.loads(line))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
        if split in ("all", q.split):
            out.append(q)
    return out


class AssistantLike(Protocol):
    """What the runner needs from :class:`assistant.facade.Assistant`."""

    def ask(self, question: str | Sequence[Message], caller: Caller) -> Answer: ...

    def search(self, query: str, caller: Caller, k: int | None = None
               ) -> list[RetrievedChunk]: ...


@dataclass
class Outcome:
    """What happened to one question, and the per-question scores."""

    id: str
    split: str
    category: str
    lang: str
    role: str
    should_refuse: bool
    refused: bool
    language: str
    answer: str
    query: str
    expected: list[str]
    cited: list[str]
    retrieved: list[str]
    facts_hit: list[bool]
    citations_valid: bool
    latency_ms: float
    leaked: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        """Share of expected sources among the top-K retrieved (denominator capped at K)."""
        if self.should_refuse or not self.expected or self.category == "directory":
            return None
        return len(set(self.expected) & set(self.retrieved)) / min(len(self.expected), K)

    @property
    def precision(self) -> float | None:
        """Share of cited documents that are expected sources (answered questions only)."""
        if self.should_refuse or self.refused or not self.cited or not self.expected:
            return None
        cited = set(self.cited)
        return len(cited & set(self.expected)) / len(cited)

    @property
    def fact_recall(self) -> float | None:
        """Share of key facts found in the answer (a wrong refusal scores 0)."""
        if self.should_refuse or not self.facts_hit:
            return None
        return sum(self.facts_hit) / len(self.facts_hit)

    @property
    def exact_sources(self) -> bool | None:
        """Directory questions: cited members are exactly the expected ones."""
        if self.category != "directory" or self.should_refuse:
            return None
        return set(self.cited) == set(self.expected)


def fact_found(fact: str, text: str) -> bool:
    """A key fact (plain text or regex) in ``text``, ignoring case, accents, ``[n]``."""
    hay = " ".join(fold(_MARKER.sub(" ", text)).split())
    pattern = " ".join(fold(fact).split())
    try:
        return re.search(pattern, hay) is not None
    except re.error:
        return pattern in hay


def evaluate(assistant: AssistantLike, questions: Iterable[Question],
             member_only: frozenset[str] = frozenset(),
             progress: Progress | None = None) -> list[Outcome]:
    """Ask every question as its role; ``member_only`` doc ids detect visibility leaks."""
    qs = list(questions)
    out = []
    for i, q in enumerate(qs, 1):
        out.append(ask_one(assistant, q, member_only))
        if progress:
            progress(i, len(qs))
    return out


def ask_one(assistant: AssistantLike, q: Question,
            member_only: frozenset[str] = frozenset()) -> Outcome:
    """One question through ``ask`` (timed) and ``search`` (for recall, untimed)."""
    caller = Caller(role=q.role)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    ans = assistant.ask(q.messages(), caller)
    latency = (time.perf_counter() - t0) * 1e3
    hits = assistant.search(ans.query or q.question, caller, k=K)
    cited = list(dict.fromkeys(c.doc_id for c in ans.citations))
    leaked = [d for d in cited if d in member_only] if q.role == "anonymous" else []
    return Outcome(
        id=q.id, split=q.split, category=q.category, lang=q.lang, role=q.role,
        should_refuse=q.should_refuse, refused=not ans.grounded, language=ans.language,
        answer=ans.text, query=ans.query, expected=list(q.expected_docs), cited=cited,
        retrieved=list(dict.fromkeys(h.doc_id for h in hits)),
        facts_hit=[ans.grounded and fact_found(f, ans.text) for f in q.key_facts],
        citations_valid=check(ans.text, ans.citations), latency_ms=latency, leaked=leaked)


def _mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Aggregate scores; a metric with no eligible question is ``None``."""
    refuse = [o for o in outcomes if o.should_refuse]
    answer = [o for o in outcomes if not o.should_refuse]
    lat = [o.latency_ms for o in outcomes]
    return {
        "n_questions": len(outcomes),
        "recall@5": _mean(o.recall for o in outcomes),
        "citation_precision": _mean(o.precision for o in outcomes),
        "citation_validity": _mean(o.citations_valid for o in outcomes),
        "key_fact_recall": _mean(o.fact_recall for o in outcomes),
        "refusal_accuracy": _mean(o.refused == o.should_refuse for o in outcomes),
        "correct_refusal_rate": _mean(o.refused for o in refuse),
        "false_refusal_rate": _mean(o.refused for o in answer),
        "language_match": _mean(o.language == o.lang for o in outcomes),
        "directory_exact": _mean(o.exact_sources for o in outcomes),
        "visibility_leaks": sum(len(o.leaked) for o in outcomes),
        "p50_ms": float(np.percentile(lat, 50)) if lat else None,
        "p95_ms": float(np.percentile(lat, 95)) if lat else None,
    }


def breakdown(outcomes: Sequence[Outcome], key: str = "category") -> dict[str, dict[str, Any]]:
    """:func:`metrics` per value of an :class:`Outcome` attribute (category, split...)."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(str(getattr(o, key)), []).append(o)
    return {name: metrics(group) for name, group in sorted(groups.items())}


def outcome_dict(o: Outcome) -> dict[str, Any]:
    """An outcome with its per-question scores, for the JSON report."""
    return asdict(o) | {"recall@5": o.recall, "citation_precision": o.precision,
                        "key_fact_recall": o.fact_recall}
