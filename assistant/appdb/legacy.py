"""One-time import of the answers and feedback kept before the application database
existed (``<index>/feedback.sqlite``).

The file is claimed by renaming it (atomic: with several workers starting at once only
one imports it) and left as ``feedback.sqlite.imported`` afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.appdb.schema import AnswerRecord, FeedbackRecord, GapQuestion

log = logging.getLogger("assistant.appdb")


def import_feedback_file(engine: Engine, path: Path, collect_gaps: bool) -> int:
    """Copy ``path``'s answers and feedback (and, if collecting, its unanswered
    questions); the number of answers imported. 0 when there is no such file."""
    claimed = path.with_name(f"{path.name}.importing-{os.getpid()}")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return 0
    src = sqlite3.connect(claimed)
    try:
        answers = src.execute("SELECT answer_id, created, key_id, role, question, answer, "
                              "grounded, mode, degraded, citations FROM answers").fetchall()
        feedback = src.execute("SELECT answer_id, created, key_id, rating, comment "
                               "FROM feedback").fetchall()
    finally:
        src.close()
    with Session(engine) as s, s.begin():
        known = set(s.scalars(select(AnswerRecord.answer_id)))
        new = [a for a in answers if a[0] not in known]
        s.add_all(AnswerRecord(answer_id=a[0], created=a[1], key_id=a[2], role=a[3],
                               question=a[4], answer=a[5], grounded=bool(a[6]), mode=a[7],
                               degraded=bool(a[8]), citations=json.loads(a[9] or "[]"))
                  for a in new)
        s.flush()
        s.add_all(FeedbackRecord(answer_id=f[0], created=f[1], key_id=f[2], rating=f[3],
                                 comment=f[4]) for f in feedback)
        if collect_gaps:
            _gaps(s, answers, feedback)
    os.rename(claimed, path.with_name(path.name + ".imported"))
    log.info("imported %d answers and %d feedback from %s", len(new), len(feedback), path)
    return len(new)


def _gaps(s: Session, answers: list[Any], feedback: list[Any]) -> None:
    """Refused questions and questions rated down, without identity."""
    by_id = {a[0]: a for a in answers}
    for a in answers:
        if not a[6]:
            s.add(GapQuestion(question=a[4], reason="refused", created_at=a[1]))
    for f in feedback:
        rated = by_id.get(f[0])
        if rated is not None and rated[6] and f[3] == "down":
            s.add(GapQuestion(question=rated[4], reason="down", created_at=f[1]))
