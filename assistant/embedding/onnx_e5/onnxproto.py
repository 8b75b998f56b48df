"""Just enough ONNX protobuf writing to hand a graph to onnxruntime.

The ``onnx`` package is not a dependency (onnxruntime ships without it), and
the few messages an inference graph needs (ModelProto, GraphProto, NodeProto,
TensorProto, ValueInfoProto, AttributeProto) are easy to encode directly in
the protobuf wire format. Field numbers follow ``onnx/onnx.proto``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import numpy as np

_DTYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3,
           np.dtype(np.int32): 6, np.dtype(np.int64): 7}
FLOAT, INT32, INT64 = 1, 6, 7


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # int64 two's complement, as protobuf does
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _len(field: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto with raw little-endian data."""
    arr = np.ascontiguousarray(array)
    dims = b"".join(_int(1, d) for d in arr.shape)
    return dims + _int(2, _DTYPES[arr.dtype]) + _len(8, name) + _len(9, arr.tobytes())


def attr(name: str, value: int | float | Sequence[int] | bytes) -> bytes:
    """AttributeProto for an int, float, list of ints or string."""
    if isinstance(value, bool | int):
        return _len(1, name) + _int(3, int(value)) + _int(20, 2)
    if isinstance(value, float):
        return _len(1, name) + _varint(2 << 3 | 5) + struct.pack("<f", value) + _int(20, 1)
    if isinstance(value, bytes):
        return _len(1, name) + _len(4, value) + _int(20, 3)
    return _len(1, name) + b"".join(_int(8, v) for v in value) + _int(20, 7)


def node(op: str, inputs: Iterable[str], outputs: Iterable[str], name: str,
         domain: str = "", **attrs: int | float | Sequence[int] | bytes) -> bytes:
    """NodeProto; ``domain="com.microsoft"`` selects onnxruntime contrib ops."""
    body = b"".join(_len(1, i) for i in inputs) + b"".join(_len(2, o) for o in outputs)
    body += _len(3, name) + _len(4, op)
    body += b"".join(_len(5, attr(k, v)) for k, v in attrs.items())
    return body + (_len(7, domain) if domain else b"")


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    """ValueInfoProto; string dims are symbolic (dynamic)."""
    dims = b"".join(_len(1, _len(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _len(2, dims)
    return _len(1, name) + _len(2, _len(1, tensor_type))


def model(nodes: Sequence[bytes], initializers: Sequence[bytes], inputs: Sequence[bytes],
          outputs: Sequence[bytes], opset: int = 17) -> bytes:
    """Serialised ModelProto (IR 8) importing the default and contrib opsets."""
    graph = b"".join(_len(1, n) for n in nodes) + _len(2, "encoder")
    graph += b"".join(_len(5, t) for t in initializers)
    graph += b"".join(_len(11, i) for i in inputs) + b"".join(_len(12, o) for o in outputs)
    opsets = _len(8, _int(2, opset)) + _len(8, _len(1, "com.microsoft") + _int(2, 1))
    return _int(1, 8) + _len(2, "assistant.embedding.onnx_e5") + _len(7, graph) + opsets
