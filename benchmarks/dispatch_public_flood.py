"""Can anonymous clients slow the bot? The bot's create rate alone, then while N clients without a key hammer
``GET /requests.json`` (the public feed switched on: the worst case), then while they do it with a key (what an
operator's own tools may do, for comparison).

    python benchmarks/dispatch_public_flood.py                 # 1,000 stored orders, 16 flooding clients, 10 s each
    python benchmarks/dispatch_public_flood.py --flooders 32 --seconds 20

Prints, per phase, the bot's creates per second and p50/p95 latency, and what the flooders got (status counts).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch_backend.launcher import free_port, start_backend  # noqa: E402
from dispatch_client import DispatchClient, DispatchUnavailable, NewServiceRequest  # noqa: E402

API_KEY = "bench-key"


def _order(i: int) -> NewServiceRequest:
    return NewServiceRequest(service_code="ludeng", description=f"基准测试：路灯不亮 第 {i} 号",
                             address_string=f"示例市幸福区测试路 {i} 号", phone=f"1990{i:07d}", channel="bench",
                             channel_user_id=f"bench-{i}")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def phase(name: str, url: str, seconds: float, flooders: int, flood_key: str | None, start_index: int) -> int:
    """Creates for ``seconds`` from one bot client while ``flooders`` threads list orders; returns creates done."""
    stop = threading.Event()
    statuses: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def flood() -> None:
        headers = {"X-Rexian-Api-Key": flood_key} if flood_key else {}
        with httpx.Client(timeout=30, headers=headers) as http:
            while not stop.is_set():
                try:
                    code = http.get(f"{url}/requests.json").status_code
                except httpx.HTTPError:
                    code = 0
                with lock:
                    statuses[code] += 1

    threads = [threading.Thread(target=flood, daemon=True) for _ in range(flooders)]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    timeouts = 0
    with DispatchClient(url, API_KEY, timeout=5, retries=0) as bot:  # the bot's own timeout and no retries
        end = time.perf_counter() + seconds
        i = start_index
        while time.perf_counter() < end:
            began = time.perf_counter()
            try:
                bot.create(_order(i))
            except DispatchUnavailable:
                timeouts += 1
                continue
            finally:
                i += 1
            latencies.append(time.perf_counter() - began)
    stop.set()
    for thread in threads:
        thread.join()
    print(f"  {name:<34} bot creates {len(latencies) / seconds:7.1f}/s  p50={statistics.median(latencies) * 1000:6.1f} ms"
          f"  p95={_p95(latencies) * 1000:7.1f} ms  timeouts {timeouts}  flood answers {dict(sorted(statuses.items()))}")
    return i - start_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders stored before measuring")
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backend = start_backend(f"sqlite:///{tmp}/dispatch.sqlite3", free_port(), Path(tmp) / "backend.log",
                                {"REXIAN_DISPATCH_API_KEY": API_KEY, "REXIAN_DISPATCH_SWEEP_SECONDS": "0",
                                 "REXIAN_DISPATCH_PUBLIC_FEED": "1"})
        try:
            with DispatchClient(backend.url, API_KEY, timeout=30) as bot:
                for i in range(args.orders):
                    bot.create(_order(i))
            print(f"dispatch backend, SQLite, {args.orders} orders stored, public feed on, default limits")
            done = args.orders
            done += phase("bot alone", backend.url, args.seconds, 0, None, done)
            done += phase(f"{args.flooders} anonymous clients listing", backend.url, args.seconds, args.flooders,
                          None, done)
            phase(f"{args.flooders} keyed clients listing", backend.url, args.seconds, args.flooders, API_KEY, done)
        finally:
            backend.stop()


if __name__ == "__main__":
    main()
