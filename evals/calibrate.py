"""Calibrate the refusal thresholds on the DEV split only: ``python -m evals.calibrate``.

For every dev question the real pipeline is run once: questions the member
directory answers are decided without the thresholds; for the others
``Answerer.prepare`` runs with ``answer_min_overlap = 0`` so that its verdict is
that of the threshold-free checks alone (passages found, named entities present,
no unknown terms...), and the two signals the answerer compares with the
thresholds are read from its candidates: the lexical confidence
(``extractive.confidence``) and the top dense cosine. The grid is then replayed
without re-running anything. The cost of a setting is
``2 x false refusals + false answers``; the best setting minimises it (ties:
fewer false answers, then the lowest mean cost of the neighbouring grid cells, so
a setting on a wide plateau wins over a knife-edge one).

The heldout split is refused on purpose: it is never used for tuning.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evals.answers import Question, load_questions

OVERLAPS = tuple(round(x, 2) for x in np.arange(0.20, 0.951, 0.05))
DENSES = tuple(round(x, 3) for x in np.arange(0.84, 0.931, 0.005)) + (1.01,)
FALSE_REFUSAL_WEIGHT = 2.0


@dataclass
class Signal:
    """The threshold-relevant view of one dev question."""

    id: str
    should_refuse: bool
    fixed: bool | None  # directory-routed: refused or not, whatever the thresholds
    confidence: float = 0.0
    top_dense: float = 0.0
    answerable: bool = True  # the threshold-free checks pass and a sentence can be quoted

    def refused(self, min_overlap: float, dense_accept: float) -> bool:
        """Would the answerer refuse with these thresholds?"""
        if self.fixed is not None:
            return self.fixed
        ok = self.confidence >= min_overlap or self.top_dense >= dense_accept
        return not (self.answerable and ok)


def signals(assistant: Any, questions: Sequence[Question]) -> list[Signal]:
    """Run each question once through the directory router and ``Answerer.prepare``.

    ``assistant`` must be built with ``answer_min_overlap = 0`` (see :func:`main`):
    then ``ctx.grounded`` is the verdict of the checks that do not depend on the
    thresholds."""
    from assistant.models import Caller
    from assistant.rag import extractive

    out = []
    for q in questions:
        caller = Caller(role=q.role)  # type: ignore[arg-type]
        msgs = q.messages()
        directory = getattr(assistant, "directory", None)
        routed = directory.answer(msgs, caller) if directory is not None else None
        if routed is not None:
            out.append(Signal(q.id, q.should_refuse, fixed=not routed.grounded))
            continue
        ctx = assistant.answerer.prepare(msgs, caller.visibilities)
        out.append(Signal(
            q.id, q.should_refuse, fixed=None,
            confidence=extractive.confidence(ctx.cands, ctx.chunks),
            top_dense=max((c.dense for c in ctx.chunks), default=0.0),
            answerable=bool(ctx.grounded) and bool(ctx.chosen)))
    return out


def score(sigs: Sequence[Signal], min_overlap: float, dense_accept: float) -> dict[str, Any]:
    """Refusal figures of one setting."""
    fr = sum(s.refused(min_overlap, dense_accept) for s in sigs if not s.should_refuse)
    fa = sum(not s.refused(min_overlap, dense_accept) for s in sigs if s.should_refuse)
    n_ans = sum(not s.should_refuse for s in sigs) or 1
    n_ref = sum(s.should_refuse for s in sigs) or 1
    return {"min_overlap": min_overlap, "dense_accept": dense_accept,
            "false_refusals": fr, "false_answers": fa,
            "false_refusal_rate": fr / n_ans, "correct_refusal_rate": 1 - fa / n_ref,
            "accuracy": 1 - (fr + fa) / max(len(sigs), 1),
            "cost": FALSE_REFUSAL_WEIGHT * fr + fa}


def sweep(sigs: Sequence[Signal]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every grid setting, and the best one (see the module docstring)."""
    grid = [score(sigs, m, d) for m in OVERLAPS for d in DENSES]
    best_cost = min((g["cost"], g["false_answers"]) for g in grid)
    tied = [g for g in grid if (g["cost"], g["false_answers"]) == best_cost]
    best = min(tied, key=lambda g: (_neighbourhood(grid, g), g["min_overlap"],
                                    g["dense_accept"]))
    return grid, best


def _neighbourhood(grid: Sequence[dict[str, Any]], g: dict[str, Any]) -> float:
    """Mean cost of ``g`` and the grid cells one step away on either axis."""
    i, j = OVERLAPS.index(g["min_overlap"]), DENSES.index(g["dense_accept"])
    near = {(OVERLAPS[a], DENSES[b]) for a in range(max(i - 1, 0), min(i + 2, len(OVERLAPS)))
            for b in range(max(j - 1, 0), min(j + 2, len(DENSES)))}
    return float(np.mean([c["cost"] for c in grid
                          if (c["min_overlap"], c["dense_accept"]) in near]))


def markdown(grid: Sequence[dict[str, Any]], best: dict[str, Any],
             overlaps: Sequence[float] = OVERLAPS[::2]) -> str:
    """Weighted cost per (min_overlap row, dense_accept column), best setting in bold."""
    denses = sorted({g["dense_accept"] for g in grid})
    cell = {(g["min_overlap"], g["dense_accept"]): g for g in grid}
    head = "| min_overlap \\ dense_accept | " + " | ".join(
        "off" if d > 1 else f"{d:.3f}" for d in denses) + " |"
    lines = [head, "|" + "---|" * (len(denses) + 1)]
    for m in sorted(set(overlaps) | {best["min_overlap"]}):
        row = []
        for d in denses:
            g = cell[(m, d)]
            txt = f"{g['cost']:g} ({g['false_refusals']}/{g['false_answers']})"
            row.append(f"**{txt}**" if g is best else txt)
        lines.append(f"| {m:.2f} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def distribution(sigs: Sequence[Signal]) -> str:
    """Quantiles of both signals, for answerable vs should-refuse questions."""
    rows = ["| signal | group | n | min | p25 | median | p75 | max |",
            "|---|---|---|---|---|---|---|---|"]
    for name in ("confidence", "top_dense"):
        for label, refuse in (("answerable", False), ("should refuse", True)):
            vals = [getattr(s, name) for s in sigs if s.fixed is None and s.should_refuse == refuse]
            if vals:
                q = np.percentile(vals, [0, 25, 50, 75, 100])
                rows.append(f"| {name} | {label} | {len(vals)} | "
                            + " | ".join(f"{x:.3f}" for x in q) + " |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the distribution, the sweep table and the chosen thresholds (dev only)."""
    from assistant.facade import build_assistant
    from evals.answers_run import demo_settings, refresh_index

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=None, help="demo index folder")
    args = p.parse_args(argv)
    settings = demo_settings(args.index)
    refresh_index(settings)
    assistant = build_assistant(settings.model_copy(update={"answer_min_overlap": 0.0}))
    try:
        sigs = signals(assistant, load_questions(split="dev"))
    finally:
        assistant.close()
    grid, best = sweep(sigs)
    current = score(sigs, settings.answer_min_overlap, settings.answer_dense_accept)
    fixed = sum(s.fixed is not None for s in sigs)
    print(f"dev questions: {len(sigs)} ({fixed} answered by the directory, threshold-free)\n")
    print(distribution(sigs) + "\n")
    print("cost = 2 x false refusals + false answers; cells: cost (false refusals/false answers)\n")
    print(markdown(grid, best) + "\n")
    for label, g in (("current", current), ("best", best)):
        print(f"{label}: min_overlap={g['min_overlap']} dense_accept={g['dense_accept']} "
              f"cost={g['cost']:g} false refusals={g['false_refusals']} "
              f"false answers={g['false_answers']} accuracy={g['accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
