"""``assistant eval answers``: run the golden set on the demo index and report.

The demo index is the user's ``settings.index_dir`` (brought up to date with an
incremental ingest first, which costs nothing when the corpus is unchanged) or the
folder given with ``--index``. The run is offline (extractive) unless ``llm`` is
asked for. A JSON report with every question's outcome, the git commit and the
settings (secrets masked) is saved under ``evals/reports/``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.answers import (
    DEMO_CORPUS,
    QUESTIONS,
    ROOT,
    breakdown,
    evaluate,
    load_questions,
    metrics,
    outcome_dict,
)

REPORTS = ROOT / "evals" / "reports"
Progress = Callable[[str, int, int], None]
# label, key, format ("r": rate, "ms": milliseconds, "n": count)
ROWS = (("retrieval recall@5", "recall@5", "r"),
        ("citation precision", "citation_precision", "r"),
        ("citation validity", "citation_validity", "r"),
        ("key-fact recall", "key_fact_recall", "r"),
        ("refusal accuracy", "refusal_accuracy", "r"),
        ("  correct refusals", "correct_refusal_rate", "r"),
        ("  false refusals", "false_refusal_rate", "r"),
        ("language match", "language_match", "r"),
        ("directory exact lists", "directory_exact", "r"),
        ("visibility leaks", "visibility_leaks", "n"),
        ("latency p50 (ms)", "p50_ms", "ms"),
        ("latency p95 (ms)", "p95_ms", "ms"))


class EvalSetupError(Exception):
    """The demo index cannot be prepared (wrong corpus, index locked...)."""


def demo_settings(index: Path | None = None, llm: bool = False) -> Any:
    """Settings on the demo corpus: ``index`` or the configured index folder."""
    from assistant.settings import Settings

    s = Settings()
    if index is None and s.corpus_dir.resolve() != DEMO_CORPUS.resolve():
        raise EvalSetupError(
            f"the configured corpus ({s.corpus_dir}) is not the demo corpus ({DEMO_CORPUS}): "
            "pass --index DIR to evaluate on a separate demo index")
    update: dict[str, Any] = {"corpus_dir": DEMO_CORPUS, "index_dir": index or s.index_dir}
    if not llm:
        update |= {"openai_api_key": None, "openai_base_url": None}
    return s.model_copy(update=update)


def refresh_index(settings: Any, progress: Progress | None = None) -> dict[str, Any]:
    """Incremental ingest of the demo corpus (a no-op when nothing changed)."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked

    try:
        idx = Index(settings)
    except IndexLocked as exc:
        raise EvalSetupError(f"{exc} (stop the service or pass --index DIR)") from exc
    try:
        rep = idx.ingest(progress=progress)
    finally:
        idx.close()
    return {"added": len(rep.added), "updated": len(rep.updated), "unchanged": rep.unchanged,
            "removed": len(rep.removed), "failed": rep.failed, "seconds": round(rep.seconds, 2),
            "embed_calls": rep.embed_calls}


def run(split: str = "all", index: Path | None = None, llm: bool = False,
        progress: Progress | None = None, save: bool = True,
        questions_file: Path = QUESTIONS) -> dict[str, Any]:
    """Evaluate ``split`` of the golden set; returns (and saves) the full report."""
    from assistant.facade import build_assistant
    from assistant.models import Caller

    questions = load_questions(questions_file, split)
    settings = demo_settings(index, llm)
    ingest = refresh_index(settings, progress)
    assistant = build_assistant(settings)
    try:
        docs = assistant.list_documents(Caller(role="member"))
        known = {d["doc_id"] for d in docs}
        member_only = frozenset(d["doc_id"] for d in docs if d["visibility"] != "public")
        missing = sorted({d for q in questions for d in q.expected_docs} - known)
        assistant.ask("Che cos'è Cluster VITALIA?", Caller())  # warm-up: load models, caches
        outcomes = evaluate(assistant, questions, member_only,
                            lambda i, n: progress("ask", i, n) if progress else None)
    finally:
        assistant.close()
    report = {
        "kind": "answers", "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "commit": git_commit(), "split": split, "questions_file": str(questions_file),
        "index_dir": str(settings.index_dir), "mode": "llm" if settings.llm_enabled
        else "extractive", "settings": masked_settings(settings), "ingest": ingest,
        "missing_expected_docs": missing, "summary": metrics(outcomes),
        "splits": breakdown(outcomes, "split"), "categories": breakdown(outcomes),
        "questions": [outcome_dict(o) for o in outcomes]}
    if save:
        report["report_path"] = str(save_report(report))
    return report


def git_commit() -> str | None:
    """``git rev-parse HEAD`` of the repository (read-only), or None outside git."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def masked_settings(settings: Any) -> dict[str, Any]:
    """The settings as JSON, secrets (tokens, API keys) masked."""
    data: dict[str, Any] = settings.model_dump(mode="json")
    for key in ("openai_api_key", "chroma_token"):
        if data.get(key) is not None:
            data[key] = "***"
    data["api_keys"] = {f"key{i + 1}": role for i, role in enumerate(data["api_keys"].values())}
    return data


def save_report(report: dict[str, Any], folder: Path = REPORTS) -> Path:
    """Write the report as ``<folder>/<UTC timestamp>.json``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def summary_json(report: dict[str, Any]) -> dict[str, Any]:
    """The one-object summary printed by ``--json``."""
    keys = ("split", "commit", "mode", "summary", "splits", "categories", "report_path",
            "missing_expected_docs")
    return {k: report[k] for k in keys if k in report}


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "n":
        return str(int(value))
    return f"{value:.1f}" if kind == "ms" else f"{value:.3f}"


def print_report(report: dict[str, Any]) -> None:
    """The summary table (all / dev / heldout) and the per-category table."""
    from rich.console import Console
    from rich.table import Table

    cols = [(report["split"], report["summary"])]
    if report["split"] == "all":
        cols += [(s, m) for s, m in report["splits"].items()]
    t = Table(title=f"Answer quality ({report['mode']}), {report['summary']['n_questions']} "
                    "questions")
    t.add_column("metric")
    for name, m in cols:
        t.add_column(f"{name} ({m['n_questions']} q)", justify="right")
    for label, key, kind in ROWS:
        t.add_row(label, *[_fmt(m[key], kind) for _, m in cols])
    c = Table(title="By category")
    for head in ("category", "n", "R@5", "cit. prec.", "key facts", "refusal acc.",
                 "lang", "p50 ms"):
        c.add_column(head, justify="left" if head == "category" else "right", no_wrap=True)
    for name, m in report["categories"].items():
        c.add_row(name, str(m["n_questions"]), *[_fmt(m[k], f) for k, f in (
            ("recall@5", "r"), ("citation_precision", "r"), ("key_fact_recall", "r"),
            ("refusal_accuracy", "r"), ("language_match", "r"), ("p50_ms", "ms"))])
    out = Console()
    if not out.is_terminal:  # make/CI logs: wide enough for both tables
        out = Console(width=120)
    out.print(t)
    out.print(c)
    if report.get("missing_expected_docs"):
        out.print(f"[yellow]expected docs not in the index:[/] {report['missing_expected_docs']}")
    if report.get("report_path"):
        out.print(f"report: {report['report_path']} (commit {report['commit'] or 'n/a'})")
