"""assistant: cited question answering over a life-sciences cluster's content.

Data flows one way: corpus files -> load -> chunk -> embed -> Chroma + lexical index
-> retrieve -> answer with citations -> API -> UI. Nothing is built at import time:
use :func:`assistant.facade.build_assistant` with a :class:`assistant.settings.Settings`.
"""

__version__ = "0.1.0"
