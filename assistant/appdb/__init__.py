"""The application database (SQLAlchemy 2 + Alembic): conversations, answers and their
feedback, and the questions members asked that the content did not answer.

``AppDB(settings)`` opens it (creating or migrating the schema); it sits beside the
stores layer and imports only :mod:`assistant.models` and :mod:`assistant.settings`.
"""

from __future__ import annotations

from assistant.appdb.conversations import ConversationStore
from assistant.appdb.engine import database_url, make_engine, migrate
from assistant.appdb.export import to_markdown
from assistant.appdb.feedback import FeedbackStore
from assistant.appdb.legacy import import_feedback_file
from assistant.settings import Settings

__all__ = ["AppDB", "ConversationStore", "FeedbackStore", "database_url", "to_markdown"]


class AppDB:
    """The engine and its stores; ``close()`` releases the connections."""

    def __init__(self, settings: Settings, url: str | None = None) -> None:
        self.settings = settings
        self.url = url or database_url(settings)
        self.engine = make_engine(self.url)
        migrate(self.engine)
        import_feedback_file(self.engine, settings.index_dir / "feedback.sqlite",
                             settings.collect_gaps)
        self.conversations = ConversationStore(self.engine)
        self.feedback = FeedbackStore(self.engine, collect_gaps=settings.collect_gaps)

    def purge(self) -> tuple[int, int]:
        """Apply the retention: (conversations, gap questions) deleted."""
        days = self.settings.conversation_retention_days
        return self.conversations.purge(days), self.feedback.purge_gaps(days)

    def close(self) -> None:
        self.engine.dispose()
