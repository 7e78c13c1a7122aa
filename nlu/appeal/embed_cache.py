"""A disk cache of sentence vectors, so that retraining on the seed data does not embed thousands of texts again.

Vectors are stored per embedder (its ``id`` names the model and package version) in one ``.npz`` file: the SHA-1
of each text and its float16 vector. The cache only ever holds texts the project itself wrote (the seed data), never
a citizen's message: :func:`warm_memo` is called with the seed texts only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

CACHE_DIR = Path(__file__).resolve().parents[2] / "var" / "appeal_embed_cache"


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def cache_file(embedder_id: str, directory: Path = CACHE_DIR) -> Path:
    """The cache file of one embedder (its id hashed into the file name)."""
    return directory / f"{hashlib.sha1(embedder_id.encode('utf-8')).hexdigest()[:16]}.npz"


def load_vectors(path: Path) -> dict[str, np.ndarray]:
    """``{sha1(text): vector}`` from ``path`` (empty when missing or unreadable)."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return {str(k): v.astype(np.float32) for k, v in zip(data["keys"], data["vectors"])}
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
        logger.warning("embedding cache %s unreadable; rebuilding", path)
        return {}


def save_vectors(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """Write ``vectors`` atomically (float16 halves the size; the loss is far below what the classifier notices)."""
    if not vectors:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = np.asarray(sorted(vectors))
    stacked = np.vstack([vectors[k] for k in keys]).astype(np.float16)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, keys=keys, vectors=stacked)
    tmp.replace(path)


def cached_embed(texts: Sequence[str], embed, embedder_id: str, directory: Path = CACHE_DIR) -> np.ndarray:
    """Vectors of ``texts``: from the cache where known, else ``embed(missing)``, which are then added to it."""
    path = cache_file(embedder_id, directory)
    known = load_vectors(path)
    missing = list(dict.fromkeys(t for t in texts if _key(t) not in known))
    if missing:
        logger.info("embedding %d texts for the appeal model (cached in %s)", len(missing), path)
        for text, vector in zip(missing, embed(missing)):
            known[_key(text)] = np.asarray(vector, dtype=np.float32)
        try:
            save_vectors(path, known)
        except OSError as exc:  # read-only checkout: keep going without the cache
            logger.warning("cannot write the embedding cache %s: %s", path, exc)
    return np.vstack([known[_key(t)] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)
