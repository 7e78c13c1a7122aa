"""Okapi BM25 over jieba tokens, stored as a sparse (terms x docs) weight matrix.

The per-(term, doc) BM25 contributions are precomputed at build time, so a query is a sum of a few matrix rows:
a handful of microseconds per query term, no Python loop over documents. Persisted as one ``.npz`` (no pickle).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from .tokenizer import tokenize


@dataclass
class BM25Index:
    """Term-by-document BM25 weights (CSR, one row per term) and the vocabulary."""

    vocab: dict[str, int]
    weights: sparse.csr_matrix  # shape (n_terms, n_docs)
    k1: float
    b: float

    @property
    def n_docs(self) -> int:
        return int(self.weights.shape[1])

    @classmethod
    def build(cls, texts: list[str], *, k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        """Index one text per document (already the concatenation of the document's fields)."""
        docs_tokens = [tokenize(t) for t in texts]
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for doc_idx, tokens in enumerate(docs_tokens):
            lengths[doc_idx] = len(tokens)
            for term, count in Counter(tokens).items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(doc_idx)
                tfs.append(count)
        n_docs = len(texts)
        if not rows:
            empty = sparse.csr_matrix((0, n_docs), dtype=np.float32)
            return cls(vocab=vocab, weights=empty, k1=k1, b=b)
        row_arr = np.asarray(rows, dtype=np.int64)
        col_arr = np.asarray(cols, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(row_arr, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        norm = k1 * (1.0 - b + b * lengths[col_arr] / avgdl)
        values = idf[row_arr] * tf * (k1 + 1.0) / (tf + norm)
        weights = sparse.csr_matrix((values.astype(np.float32), (row_arr, col_arr)), shape=(len(vocab), n_docs))
        return cls(vocab=vocab, weights=weights, k1=k1, b=b)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (float32, length n_docs; zeros when no term matches)."""
        term_ids = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not term_ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        out = np.zeros(self.n_docs, dtype=np.float32)
        w = self.weights
        for t in term_ids:  # a row's column indices are unique, so fancy += is exact
            lo, hi = w.indptr[t], w.indptr[t + 1]
            out[w.indices[lo:hi]] += w.data[lo:hi]
        return out

    def save(self, path: Path) -> None:
        terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=np.str_)
        w = self.weights
        np.savez(
            path,
            terms=terms,
            data=w.data,
            indices=w.indices,
            indptr=w.indptr,
            shape=np.asarray(w.shape, dtype=np.int64),
            params=np.asarray([self.k1, self.b], dtype=np.float64),
        )

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        with np.load(path, allow_pickle=False) as z:
            terms = z["terms"].tolist()
            weights = sparse.csr_matrix(
                (z["data"], z["indices"], z["indptr"]), shape=tuple(int(x) for x in z["shape"])
            )
            k1, b = (float(x) for x in z["params"])
        return cls(vocab={t: i for i, t in enumerate(terms)}, weights=weights, k1=k1, b=b)
