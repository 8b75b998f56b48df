"""Directory questions: precision and recall of the returned member set, false routing.

Each line of ``evals/directory_questions.jsonl`` is either a directory question with
the exact set of member names it must return for a role (``expected``), or a
non-directory question (``"directory": false``) that must never be answered from
the directory. Directory questions go through ``Assistant.ask`` (the chat path,
routing included): the returned set is the set of member profiles the answer
cites, since a directory answer cites every member it lists. Run it with
``assistant eval directory``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.facade import Assistant, build_assistant
from assistant.models import Caller
from assistant.rag.condense import Message
from assistant.settings import Settings

QUESTIONS = Path(__file__).with_name("directory_questions.jsonl")
Progress = Callable[[int, int], None]


EVERYDAY = Path(__file__).with_name("directory_everyday.jsonl")


def load(path: Path = QUESTIONS, split: str = "all") -> list[dict[str, Any]]:
    """Questions of ``path``; ``split`` keeps ``dev`` or ``heldout`` lines (no split: dev)."""
    out = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
           if line.strip()]
    return [q for q in out if split == "all" or q.get("split", "dev") == split]


def set_scores(returned: set[str], expected: set[str]) -> tuple[float, float]:
    """(precision, recall); an empty set that should be empty scores 1, 1."""
    hits = len(returned & expected)
    precision = hits / len(returned) if returned else float(not expected)
    recall = hits / len(expected) if expected else 1.0
    return precision, recall


def _directory_case(assistant: Assistant, q: dict[str, Any]) -> dict[str, Any]:
    caller = Caller(role=q.get("role", "anonymous"))
    routed = assistant.directory.answer([Message(role="user", content=q["question"])], caller)
    ans = routed or assistant.ask(q["question"], caller)
    returned = {c.title for c in ans.citations if c.doc_type == "member"}
    expected = set(q["expected"])
    p, r = set_scores(returned, expected)
    return {"id": q["id"], "question": q["question"], "role": caller.role,
            "routed": routed is not None, "precision": p, "recall": r,
            "missing": sorted(expected - returned), "extra": sorted(returned - expected),
            "answer": ans.text}


def _other_case(assistant: Assistant, q: dict[str, Any]) -> dict[str, Any]:
    caller = Caller(role=q.get("role", "anonymous"))
    routed = assistant.directory.answer([Message(role="user", content=q["question"])], caller)
    return {"id": q["id"], "question": q["question"], "routed": routed is not None}


def evaluate(assistant: Assistant, questions: list[dict[str, Any]],
             progress: Progress | None = None) -> dict[str, Any]:
    """Per-question results and the overall figures (macro means and micro totals)."""
    cases: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for i, q in enumerate(questions, 1):
        if q.get("directory", True):
            cases.append(_directory_case(assistant, q))
        else:
            others.append(_other_case(assistant, q))
        if progress:
            progress(i, len(questions))
    n = len(cases) or 1
    tp = sum(len(set(q["expected"])) for q in questions if q.get("directory", True)) - sum(
        len(c["missing"]) for c in cases)
    returned = tp + sum(len(c["extra"]) for c in cases)
    expected = tp + sum(len(c["missing"]) for c in cases)
    return {
        "n_directory": len(cases), "n_other": len(others),
        "precision": sum(c["precision"] for c in cases) / n,
        "recall": sum(c["recall"] for c in cases) / n,
        "micro_precision": tp / returned if returned else 1.0,
        "micro_recall": tp / expected if expected else 1.0,
        "exact": sum(not c["missing"] and not c["extra"] for c in cases) / n,
        "routed": sum(c["routed"] for c in cases) / n,
        "false_routing": sum(o["routed"] for o in others) / (len(others) or 1),
        "cases": cases, "others": others,
    }


def run(settings: Settings | None = None, path: Path = QUESTIONS,
        progress: Progress | None = None, split: str = "all") -> dict[str, Any]:
    """Evaluate on an already ingested index (``assistant ingest`` first)."""
    assistant = build_assistant(settings, lock=False)  # read-only: a running service may own it
    try:
        if not assistant.directory.table.rows(("public", "members")):
            raise RuntimeError(f"no member profiles in the index at {assistant.index.dir}: "
                               "run `assistant ingest` first")
        return evaluate(assistant, load(path, split), progress)
    finally:
        assistant.close()


TARGET = 0.95


def main(index: Path | None = None, as_json: bool = False, path: Path = QUESTIONS,
         split: str = "all") -> int:
    """``assistant eval directory``: print the figures; 1 when below the targets."""
    from rich.console import Console
    from rich.table import Table

    settings = Settings()  # type: ignore[call-arg]  # from the environment
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    result = run(settings, path, split=split)
    ok = (min(result["precision"], result["recall"]) >= TARGET
          and result["false_routing"] == 0)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return 0 if ok else 1
    out = Console()
    t = Table(title=f"Directory ({path.name}, {split}): "
                    f"{result['n_directory']} directory questions, "
                    f"{result['n_other']} other questions")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for label, key in (("precision (mean per question)", "precision"),
                       ("recall (mean per question)", "recall"),
                       ("precision (all members returned)", "micro_precision"),
                       ("recall (all members expected)", "micro_recall"),
                       ("exact member set", "exact"), ("routed to the directory", "routed"),
                       ("false routing (non-directory questions)", "false_routing")):
        t.add_row(label, f"{result[key]:.3f}")
    out.print(t)
    for c in result["cases"]:
        if c["missing"] or c["extra"] or not c["routed"]:
            out.print(f"[yellow]{c['id']}[/] {c['question']} ({c['role']}): routed={c['routed']} "
                      f"missing={c['missing']} extra={c['extra']}", highlight=False)
    for o in result["others"]:
        if o["routed"]:
            out.print(f"[red]{o['id']}[/] routed to the directory: {o['question']}",
                      highlight=False)
    return 0 if ok else 1
