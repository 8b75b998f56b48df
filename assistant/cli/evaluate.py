"""``assistant eval ...``: retrieval and answer quality on evaluation sets.

The evaluation code lives in the repository's ``evals/`` (not installed): these
commands run from a checkout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import ExitCode, fail, progress_bar

eval_app = typer.Typer(no_args_is_help=True, help="Measure retrieval and answer quality.")


@eval_app.callback()
def _from_a_checkout() -> None:
    """Measure retrieval and answer quality (from a checkout of the repository)."""
    import importlib.util

    if importlib.util.find_spec("evals") is None:
        fail("the evaluation code and sets live in the repository's evals/ folder, which is "
             "not installed: run `make eval` in a checkout (or set PYTHONPATH to it)")

_RETRIEVAL_ROWS = (("R@1", "recall@1"), ("R@5", "recall@5"), ("R@10", "recall@10"),
                   ("MRR@10", "mrr@10"), ("answer in context@5", "aic@5"))


@eval_app.command("retrieval")
def retrieval(
    file: Annotated[Path, typer.Argument(help="A SQuAD-format JSON file.", exists=True,
                                         dir_okay=False)],
    k: Annotated[int, typer.Option(min=1, max=100, help="Documents ranked per question.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index: Annotated[Path | None, typer.Option(
        help="Folder for the temporary index (default: the system temp dir).")] = None,
    split: Annotated[str, typer.Option(
        help="Questions to ask: dev (tuning), heldout (never tuned on) or all.")] = "all",
) -> None:
    """Paragraph retrieval on a SQuAD file: recall, MRR, answer-in-context, latency."""
    from evals.retrieval import SPLITS, run

    if split not in SPLITS:
        fail(f"--split must be one of {', '.join(SPLITS)}", ExitCode.USAGE)
    labels = {"embed": "Embedding passages", "index": "Indexing", "ask": "Questions"}
    with progress_bar(labels, transient=as_json) as progress:
        result = run(file, k=k, split=split, index_parent=index, progress=progress)
    if as_json:
        print(json.dumps(result))
        return
    _print_retrieval(result)


def _print_retrieval(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    cols = [("all" if result["split"] == "all" else result["split"], result)]
    if result["split"] == "all":
        cols += [(s, m) for s, m in result["splits"].items() if m.get("n_questions")]
    t = Table(title=f"Paragraph retrieval: {result['n_documents']} paragraphs, "
                    f"{result['n_chunks']} chunks")
    t.add_column("metric")
    for name, m in cols:
        t.add_column(f"{name} ({m['n_questions']} q)", justify="right")
    for label, key in _RETRIEVAL_ROWS:
        t.add_row(label, *[f"{m[key]:.3f}" for _, m in cols])
    for label, key in (("latency p50 (ms)", "p50_ms"), ("latency p95 (ms)", "p95_ms"),
                       ("CPU per query p50 (ms)", "p50_cpu_ms"),
                       ("CPU per query p95 (ms)", "p95_cpu_ms")):
        t.add_row(label, *[f"{m[key]:.1f}" for _, m in cols])
    out = Console()
    out.print(t)
    out.print(f"index built in {result['index_s']} s ({result['embed_calls']} passages embedded), "
              f"questions asked in {result['ask_s']} s")


@eval_app.command("directory")
def directory(
    index: Annotated[Path | None, typer.Option(help="Index folder (ingested).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    questions: Annotated[Path | None, typer.Option(
        help="Question file (default: evals/directory_questions.jsonl).")] = None,
    everyday: Annotated[bool, typer.Option(
        "--everyday", help="Use evals/directory_everyday.jsonl.")] = False,
    split: Annotated[str, typer.Option(help="dev, heldout or all.")] = "all",
) -> None:
    """Member-directory questions: precision/recall of the member set, false routing."""
    from evals.directory import EVERYDAY, QUESTIONS, main

    path = questions or (EVERYDAY if everyday else QUESTIONS)
    raise typer.Exit(main(index, as_json, path, split))


@eval_app.command("answers")
def answers(
    split: Annotated[str, typer.Option(
        help="Questions to ask: dev (tuning), heldout (never tuned on) or all.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index: Annotated[Path | None, typer.Option(
        help="Demo index folder (default: the configured index; ingested if stale).")] = None,
    llm: Annotated[bool, typer.Option(help="Use the configured LLM (default: offline).")]
    = False,
) -> None:
    """Answer quality on evals/questions.jsonl through Assistant.ask (see docs/evaluation.md)."""
    from evals.answers import SPLITS
    from evals.answers_run import EvalSetupError, print_report, run, summary_json

    if split not in SPLITS:
        fail(f"--split must be one of {', '.join(SPLITS)}", ExitCode.USAGE)
    labels = {"load": "Reading corpus", "embed": "Embedding chunks", "ask": "Questions"}
    with progress_bar(labels, transient=True, eta=False) as progress:
        try:
            report = run(split, index, llm, progress)
        except EvalSetupError as exc:
            fail(str(exc))
    if as_json:
        print(json.dumps(summary_json(report), ensure_ascii=False))
        return
    print_report(report)


def _span(text: str, option: str) -> range:
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        raise typer.BadParameter(f"{option} takes A:B (article numbers), not {text!r}") from None
    if not 0 <= a < b:
        raise typer.BadParameter(f"{option} needs 0 <= A < B, got {text!r}")
    return range(a, b)


@eval_app.command("squad")
def squad(
    file: Annotated[Path, typer.Argument(help="A SQuAD-format JSON file.", exists=True,
                                         dir_okay=False)],
    articles: Annotated[str, typer.Option(help="Articles A:B to index and ask.")] = "0:12",
    n: Annotated[int, typer.Option("--n", min=1, help="Questions sampled (seeded).")] = 400,
    negatives: Annotated[str | None, typer.Option(
        help="Articles C:D not indexed: their questions should be refused.")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Offline answers on SQuAD questions: gold span in the answer, refusals, baselines."""
    from evals.squad_answers import run

    arts = _span(articles, "--articles")
    negs = _span(negatives, "--negatives") if negatives else None
    if negs is not None and set(arts) & set(negs):
        raise typer.BadParameter("--negatives must not overlap --articles")
    labels = {"embed": "Embedding passages", "index": "Indexing", "ask": "Questions"}
    with progress_bar(labels, transient=as_json, eta=False) as progress:
        result = run(file, arts, n, negs, seed, progress=progress)
    if as_json:
        print(json.dumps(result))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"SQuAD answers: articles {result['articles']}, "
                    f"{result['n_questions']} questions, {result['n_negatives']} negatives")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key, value in result.items():
        if isinstance(value, float):
            t.add_row(key.replace("_", " "), f"{value:.3f}" if value <= 1 else f"{value:.1f}")
    Console().print(t)


@eval_app.command("drafts")
def drafts(
    split: Annotated[str, typer.Option(
        help="Topics to brief: dev (tuning), heldout (never tuned on) or all.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index: Annotated[Path | None, typer.Option(
        help="Demo index folder (default: the configured index; ingested if stale).")] = None,
) -> None:
    """Offline staff briefs on evals/draft_topics.jsonl: key facts, lead on intent,
    fragments, time per brief (see docs/evaluation.md)."""
    from evals.answers_run import EvalSetupError
    from evals.drafts import SPLITS, print_report, run

    if split not in SPLITS:
        fail(f"--split must be one of {', '.join(SPLITS)}", ExitCode.USAGE)
    try:
        report = run(split, index)
    except EvalSetupError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps({k: v for k, v in report.items() if k != "topics"}
                         | {"topics": [{k: v for k, v in t.items() if k != "markdown"}
                                       for t in report["topics"]]}, ensure_ascii=False))
        return
    print_report(report)
