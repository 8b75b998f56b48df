"""Member directory: complete, cited answers to "which / how many members ..." questions.

See docs/directory.md. ``Directory`` is what the facade calls; ``MemberTable`` and
``MemberFilter`` also serve ``GET /v1/members`` and ``assistant members``.
"""

from typing import Any

from assistant.directory.query import DirectoryQuery, parse
from assistant.directory.table import MemberFilter, MemberRow, MemberTable

__all__ = ["Directory", "DirectoryQuery", "MemberFilter", "MemberRow", "MemberTable", "events",
           "parse"]


def __getattr__(name: str) -> Any:
    # the service and answers pull in retrieval (Chroma, llama-index): load them on
    # first use so that CLI start-up (`assistant --help`, `assistant members`) stays fast
    if name == "Directory":
        from assistant.directory.service import Directory

        return Directory
    if name == "events":
        from assistant.directory.answer import events

        return events
    raise AttributeError(name)
