"""How many WeChat answers make the 5-second passive window, and what the connector adds per message.

    .venv/app/bin/python benchmarks/wechat_passive_window.py [benchmarks/dialogues/cases.yml] [--rasa-url URL]
        [--limit 30] [--mode safe] [--passive-seconds 4]

Needs a running bot (`make up`, or any Rasa + action server: `--rasa-url`). Starts the WeChat connector in this
process on a free port in front of it, with a local fake WeChat API, and plays the dialogue cases through it as
WeChat's servers would (signed and, in compatible/safe mode, encrypted messages; each case a new citizen, its turns
in order, one message at a time). Prints the share of answers given passively within the window and the connector's
own time per passive answer (WeChat's round trip minus the time Rasa took: signature, decryption, retries table, rendering,
encryption, HTTP), p50 / p95. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.turn_latency import percentile  # noqa: E402
from configuration import load_config  # noqa: E402
from connectors.wechat.app import build_connector  # noqa: E402
from connectors.wechat.bridge import Timing  # noqa: E402
from connectors.wechat.settings import ConnectorSettings  # noqa: E402
from connectors.wechat.simulator import WeChatServer  # noqa: E402
from rexian.dialogue_eval import load_cases  # noqa: E402
from tests.fakes.servers import ThreadedServer, wait_until  # noqa: E402
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI  # noqa: E402

DEFAULT = Path(__file__).resolve().parent / "dialogues" / "cases.yml"
TOKEN = "rexian-bench-token"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--rasa-url", default=None)
    parser.add_argument("--limit", type=int, default=30, help="cases to play")
    parser.add_argument("--mode", default="safe", choices=["plaintext", "compatible", "safe"])
    parser.add_argument("--passive-seconds", type=float, default=4.0)
    args = parser.parse_args(argv)
    aes_key = base64.b64encode(os.urandom(32)).decode()[:43]
    api = FakeWeChatAPI().start()
    timings: list[Timing] = []
    overhead: list[float] = []  # ms: WeChat's round trip of a passive answer minus the time Rasa took
    with tempfile.TemporaryDirectory() as tmp:
        settings = ConnectorSettings(
            app_id=APP_ID, secret=APP_SECRET, token=TOKEN, aes_key=aes_key, mode=args.mode,
            api_base_url=api.base_url, db=Path(tmp) / "wechat.sqlite3",
            rasa_url=args.rasa_url or load_config().rasa.url or "", passive_seconds=args.passive_seconds)
        settings.validate()
        server = ThreadedServer(build_connector(settings, on_timing=timings.append).app)
        server.start()
        wechat = WeChatServer(server.url + settings.path, TOKEN, APP_ID, aes_key=aes_key, mode=args.mode)
        passive = messages = 0
        try:
            for case in load_cases(args.path)[: args.limit]:
                openid = "o" + uuid.uuid4().hex[:27]
                for turn in case.turns:
                    before = len(timings)
                    message = wechat.text(openid, turn.say)
                    started = time.perf_counter()
                    answer = wechat.post(message)
                    round_trip = time.perf_counter() - started
                    messages += 1
                    passive += bool(answer.text)
                    wait_until(lambda: len(timings) > before, 120)  # a late answer is delivered before the next
                    if answer.text and len(timings) > before:
                        overhead.append((round_trip - timings[-1].rasa) * 1000)
        finally:
            server.stop()
            api.stop()
    if not timings:
        print("no message was answered")
        return 1
    rasa = [t.rasa * 1000 for t in timings]
    print(f"messages {messages}, mode {args.mode}, passive window {args.passive_seconds:.1f} s")
    print(f"answered passively: {passive}/{messages} = {passive / messages:.1%} "
          f"(the rest went out as customer-service messages)")
    if overhead:
        print(f"connector overhead per passive answer: p50 {statistics.median(overhead):.1f} ms, "
              f"p95 {percentile(overhead, 0.95):.1f} ms")
    print(f"Rasa per message: p50 {statistics.median(rasa):.0f} ms, p95 {percentile(rasa, 0.95):.0f} ms, "
          f"max {max(rasa):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
