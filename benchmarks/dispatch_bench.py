"""Create/query throughput and p95 latency of the dispatch backend, over HTTP with dispatch_client.

    python benchmarks/dispatch_bench.py                       # SQLite, and PostgreSQL if REXIAN_TEST_PG_URL is set
    python benchmarks/dispatch_bench.py --orders 10000 --concurrency 4 --db sqlite
    REXIAN_TEST_PG_URL="$(scripts/test_postgres.sh start)" python benchmarks/dispatch_bench.py --db postgresql

For PostgreSQL the benchmark uses its own database ``rexian_dispatch_bench`` on the server of the
given URL (created if missing, its schema wiped). Prints one line per phase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch_backend.launcher import free_port, start_backend  # noqa: E402
from dispatch_client import DispatchClient, NewServiceRequest  # noqa: E402

API_KEY = "bench-key"
SERVICES = [("ludeng", {}), ("daolu", {}), ("zhandao", {}), ("wuye", {}), ("shipin", {}),
            ("zaoyin", {"noise_source": "life"}), ("tingshuidianqi", {"utility_type": "power"}),
            ("shebao", {}), ("huji", {}), ("xiaofei", {})]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def run_phase(name: str, count: int, concurrency: int, make_client: Callable[[], DispatchClient],
              job: Callable[[DispatchClient, int], object]) -> None:
    """Run ``job`` ``count`` times over ``concurrency`` threads; print throughput and latency."""
    latencies: list[float] = []

    def worker(offset: int) -> None:
        with make_client() as client:
            for i in range(offset, count, concurrency):
                start = time.perf_counter()
                job(client, i)
                latencies.append(time.perf_counter() - start)

    wall = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker, k) for k in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - wall
    print(f"  {name:<28} n={count:>6}  {count / wall:8.1f} req/s  "
          f"p50={statistics.median(latencies) * 1000:7.1f} ms  p95={p95(latencies) * 1000:7.1f} ms")


def bench_database(label: str, db_url: str, orders: int, queries: int, concurrency: int, workdir: Path) -> None:
    backend = start_backend(db_url, free_port(), workdir / f"backend-{label}.log",
                            {"REXIAN_DISPATCH_API_KEY": API_KEY, "REXIAN_DISPATCH_SWEEP_SECONDS": "0"})
    ids: list[str] = []
    try:
        def make_client() -> DispatchClient:
            return DispatchClient(backend.url, API_KEY, timeout=30, retries=2)

        def create(client: DispatchClient, i: int) -> None:
            code, attributes = SERVICES[i % len(SERVICES)]
            result = client.create(NewServiceRequest(
                service_code=code, description=f"基准测试工单 {i}：问题描述第 {i % 97} 类", attributes=attributes,
                address_string=f"示例市测试路 {i} 号", phone=f"1990{i:07d}", channel="bench",
                channel_user_id=f"bench-{i}"))
            ids.append(result.service_request_id or "")

        print(f"{label}: {db_url.split('@')[-1]}")
        run_phase("create (POST /requests)", orders, concurrency, make_client, create)
        rng = random.Random(7)
        now = dt.datetime.now(dt.timezone.utc)
        run_phase("get by id (GET /requests/id)", queries, concurrency, make_client,
                  lambda c, _i: c.get(rng.choice(ids)))
        run_phase("list 1 service, 90 days", max(queries // 20, 20), concurrency, make_client,
                  lambda c, i: c.list(service_code=SERVICES[i % len(SERVICES)][0], start=now - dt.timedelta(days=89),
                                      end=now + dt.timedelta(hours=1)))
        run_phase("change feed page of 100", max(queries // 10, 20), concurrency, make_client,
                  lambda c, i: c.changes(str(rng.randrange(0, orders)), limit=100))
    finally:
        backend.stop()


def bench_pg_url(url: str) -> str:
    """A fresh ``rexian_dispatch_bench`` database on the server of ``url``."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = 'rexian_dispatch_bench'")).first() is None:
            conn.execute(sa.text("CREATE DATABASE rexian_dispatch_bench"))
    admin.dispose()
    bench_url = make_url(url).set(database="rexian_dispatch_bench").render_as_string(hide_password=False)
    engine = sa.create_engine(bench_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return bench_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("REXIAN_TEST_PG_URL", ""))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"dispatch backend benchmark: {args.orders} orders, {args.queries} gets, concurrency {args.concurrency}")
    with tempfile.TemporaryDirectory(prefix="rexian-dispatch-bench-") as tmp:
        workdir = Path(tmp)
        if args.db in ("sqlite", "both"):
            bench_database("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", args.orders, args.queries,
                           args.concurrency, workdir)
        if args.db in ("postgresql", "both"):
            if not args.pg_url:
                print("postgresql: skipped (set REXIAN_TEST_PG_URL or --pg-url; scripts/test_postgres.sh start)")
            else:
                bench_database("postgresql", bench_pg_url(args.pg_url), args.orders, args.queries,
                               args.concurrency, workdir)


if __name__ == "__main__":
    main()
