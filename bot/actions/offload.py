"""Actions off the action server's event loop: each ``run`` in a worker thread once the server enables it.

rasa-sdk calls an action's ``run`` on its one event loop; our actions are plain synchronous code (the per-turn
understanding with e5, the classifiers, the knowledge-base search, and HTTP calls to the dispatch backend and the
agent console), so one slow turn — a confirmation waiting for the backend, say — held up every other citizen's turn.
With :func:`enable` called (the server's entry module :mod:`bot.actions.actions` does), a ``run`` decorated with
:func:`offloaded` returns a coroutine that runs the same code in a thread of a small pool, and rasa-sdk awaits it;
the event loop keeps accepting and answering other conversations meanwhile. Rasa's lock store still lets only one
turn of a conversation run at a time, so a conversation's turns never overlap. Without :func:`enable` (unit tests
that call ``action.run(...)`` directly) ``run`` stays an ordinary call returning the events.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

Run = TypeVar("Run", bound=Callable[..., Any])

_pool: ThreadPoolExecutor | None = None


def enable(threads: int) -> None:
    """Run every :func:`offloaded` action in a pool of ``threads`` threads from now on (0 or less: inline)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False)
    _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="action") if threads > 0 else None
    logger.info("actions run in %d worker threads", threads if threads > 0 else 0)


def offloaded(run: Run) -> Run:
    """Decorate an action's ``run``: in a worker thread once :func:`enable` was called, inline otherwise."""

    @functools.wraps(run)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        pool = _pool
        if pool is None:
            return run(self, *args, **kwargs)

        async def in_thread() -> Any:
            call = functools.partial(run, self, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(pool, call)

        return in_thread()

    return wrapper  # type: ignore[return-value]
