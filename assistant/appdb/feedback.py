"""Answers given, the feedback on them, and the questions the content did not answer.

Each answer is recorded with its id when it is produced, so feedback always refers to a
known answer (and to the question and text it judged). Refused answers and answers rated
down also leave their question, and nothing else, in ``gap_questions``: the source of the
staff's content-gap report (see docs/security.md for what is kept and how to turn it off).
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from assistant.appdb.schema import AnswerRecord, FeedbackRecord, GapQuestion
from assistant.models import Answer, Caller

DAY_S = 86_400.0


class FeedbackStore:
    """Answers, feedback and gap questions; ``collect_gaps=False`` keeps no gap questions."""

    def __init__(self, engine: Engine, collect_gaps: bool = True) -> None:
        self.engine = engine
        self.collect_gaps = collect_gaps

    def record_answer(self, answer_id: str, caller: Caller, question: str, ans: Answer) -> None:
        """Store the answer; a refusal (not grounded) also stores its question as a gap."""
        cites = [{"n": c.n, "doc_id": c.doc_id, "chunk_id": c.chunk_id} for c in ans.citations]
        now = time.time()
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            s.add(AnswerRecord(answer_id=answer_id, created=now, key_id=caller.key_id,
                               role=caller.role, question=question, answer=ans.text,
                               grounded=bool(ans.grounded), mode=ans.mode,
                               degraded=bool(ans.degraded), citations=cites))
            if self.collect_gaps and not ans.grounded:
                s.add(GapQuestion(question=question, reason="refused", created_at=now))

    def add_feedback(self, answer_id: str, rating: str, comment: str | None,
                     caller: Caller) -> int | None:
        """The new feedback id, or None when ``answer_id`` is not a recorded answer. A
        thumbs-down on an answer that was not already a refusal adds a gap question."""
        now = time.time()
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            answer = s.get(AnswerRecord, answer_id)
            if answer is None:
                return None
            row = FeedbackRecord(answer_id=answer_id, created=now, key_id=caller.key_id,
                                 rating=rating, comment=comment)
            s.add(row)
            if self.collect_gaps and rating == "down" and answer.grounded:
                s.add(GapQuestion(question=answer.question, reason="down", created_at=now))
            s.flush()
            return int(row.feedback_id)

    def counts(self) -> dict[str, int]:
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.execute(select(FeedbackRecord.rating, func.count())
                             .group_by(FeedbackRecord.rating)).all()
        return {str(r): int(n) for r, n in rows}

    def add_gap(self, question: str, reason: str, when: float | None = None) -> None:
        """Store one unanswered question (imports and tests; answers do it themselves)."""
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            s.add(GapQuestion(question=question, reason=reason,
                              created_at=time.time() if when is None else when))

    def gaps(self, days: float, now: float | None = None) -> list[tuple[str, str]]:
        """(question, reason) of the last ``days`` days, oldest first."""
        cutoff = (now or time.time()) - days * DAY_S
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.execute(select(GapQuestion.question, GapQuestion.reason)
                             .where(GapQuestion.created_at >= cutoff)
                             .order_by(GapQuestion.id)).all()
        return [(str(q), str(r)) for q, r in rows]

    def purge_gaps(self, older_than_days: float, now: float | None = None) -> int:
        cutoff = (now or time.time()) - older_than_days * DAY_S
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            n = s.execute(delete(GapQuestion).where(GapQuestion.created_at < cutoff))
        return int(getattr(n, "rowcount", 0) or 0)
