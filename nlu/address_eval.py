"""``rexian nlu eval-address FILE``: span precision / recall / F1 of :func:`nlu.extract.parse_address`.

FILE is in the character-BIO format of the Chinese address-parsing data: one token (a character, or a run of
digits / letters) and its tag per line (``杭 B-city``), a blank line between addresses. Each address is joined
back into text, parsed, and the predicted components are compared with the gold spans: a predicted span counts
only when label, start and end all match. Labels are compared in lower case (``devZone`` = ``devzone``).

Reported: P/R/F1 per label, per label group, and two overall figures — over the labels the parser can produce
(``overall_parser_labels``) and over every gold label (``overall_gold_labels``, which also counts gold-only
labels such as ``redundant`` or ``person`` as misses) — plus the number of addresses and the time per address.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PARSER_LABELS: tuple[str, ...] = (
    "prov", "city", "district", "devzone", "town", "community", "road", "roadno", "subroad", "subroadno", "poi",
    "subpoi",
    "houseno", "cellno", "floorno", "roomno",
)
GROUPS: dict[str, tuple[str, ...]] = {
    "admin": ("prov", "city", "district"),
    "road+number": ("road", "roadno"),
    "poi": ("poi",),
    "house/floor/room": ("houseno", "cellno", "floorno", "roomno"),
}

Span = tuple[str, int, int]


@dataclass(frozen=True)
class BioAddress:
    """One address of the BIO file: its text and gold spans ``(label, start, end)`` in characters."""

    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Score:
    """Span counts and the derived precision / recall / F1."""

    tp: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


def read_bio(lines: Iterable[str]) -> list[BioAddress]:
    """Parse BIO lines (``token tag``) into addresses; a blank line ends an address."""
    addresses: list[BioAddress] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        if not tokens:
            return
        text, spans = "", []
        label, start = None, 0
        for token, tag in tokens:
            if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:].lower() != label):
                if label is not None:
                    spans.append((label, start, len(text)))
                label, start = (None, len(text)) if tag == "O" else (tag[2:].lower(), len(text))
            text += token
        if label is not None:
            spans.append((label, start, len(text)))
        addresses.append(BioAddress(text, tuple(spans)))
        tokens.clear()

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            continue
        token, _, tag = line.rpartition(" ")
        if not token:  # a line holding only a tag: the token was a space
            token = " "
        tokens.append((token.replace("_", " ") if token == "_" else token, tag))
    flush()
    return addresses


def predicted_spans(text: str, default_city: str | None = None) -> list[Span]:
    """Spans ``(label, start, end)`` that :func:`nlu.extract.parse_address` finds in ``text``."""
    from nlu.extract.address import parse_address

    parsed = parse_address(text, default_city=default_city)
    if parsed is None:
        return []
    return [(component.label, component.start, component.end) for component in parsed.components]


def _score(gold: Counter[Span], predicted: Counter[Span], labels: Sequence[str] | None) -> Score:
    def keep(counter: Counter[Span]) -> Counter[Span]:
        return Counter({span: n for span, n in counter.items() if labels is None or span[0] in labels})

    gold, predicted = keep(gold), keep(predicted)
    return Score(sum((gold & predicted).values()), sum(predicted.values()), sum(gold.values()))


def evaluate(addresses: Sequence[BioAddress], default_city: str | None = None) -> dict[str, object]:
    """Span P/R/F1 per label, per group and overall, plus timing; a JSON-ready dict."""
    gold: Counter[Span] = Counter()
    predicted: Counter[Span] = Counter()
    elapsed = 0.0
    predicted_spans("预热", default_city)  # load the admin table outside the timing
    for index, address in enumerate(addresses):
        started = time.perf_counter()
        spans = predicted_spans(address.text, default_city)
        elapsed += time.perf_counter() - started
        gold.update((label, index, start, end) for label, start, end in address.spans)  # type: ignore[misc]
        predicted.update((label, index, start, end) for label, start, end in spans)  # type: ignore[misc]
    gold_labels = sorted({span[0] for span in gold})
    labels = sorted(set(gold_labels) | set(PARSER_LABELS))
    count = len(addresses)
    return {
        "count": count,
        "ms_per_address": round(1000 * elapsed / count, 3) if count else 0.0,
        "per_label": {label: _score(gold, predicted, [label]).as_dict() for label in labels},
        "groups": {name: _score(gold, predicted, members).as_dict() for name, members in GROUPS.items()},
        "parser_labels": list(PARSER_LABELS),
        "group_members": {name: list(members) for name, members in GROUPS.items()},
        "overall_parser_labels": _score(gold, predicted, PARSER_LABELS).as_dict(),
        "overall_gold_labels": _score(gold, predicted, None).as_dict(),
    }


def format_report(result: dict[str, object]) -> str:
    """The evaluation as a plain-text table."""
    lines = [f"addresses: {result['count']}   time per address: {result['ms_per_address']} ms", ""]
    header = f"{'':<34}{'P':>8}{'R':>8}{'F1':>8}{'pred':>8}{'gold':>8}"

    def row(name: str, score: dict[str, float | int]) -> str:
        return (f"{name:<34}{score['precision']:>8.3f}{score['recall']:>8.3f}{score['f1']:>8.3f}"
                f"{score['predicted']:>8}{score['gold']:>8}")

    lines += ["per label", header]
    lines += [row(label, score) for label, score in result["per_label"].items()]  # type: ignore[union-attr]
    lines += ["", "per group", header]
    lines += [row(name, score) for name, score in result["groups"].items()]  # type: ignore[union-attr]
    lines += ["", "overall (parser labels: " + ", ".join(result["parser_labels"]) + ")", header,  # type: ignore[arg-type]
              row("labels the parser produces", result["overall_parser_labels"]),  # type: ignore[arg-type]
              row("all gold labels", result["overall_gold_labels"])]  # type: ignore[arg-type]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``rexian nlu eval-address``."""
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到评测文件：{path}")
        return 2
    with path.open(encoding="utf-8") as handle:
        addresses = read_bio(handle)
    if args.limit:
        addresses = addresses[: args.limit]
    result = evaluate(addresses, default_city=args.default_city)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_report(result))
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``eval-address FILE [--limit N] [--json] [--default-city NAME]``."""
    parser = subparsers.add_parser("eval-address", help="地址解析评测：按标签统计片段的准确率、召回率、F1")
    parser.add_argument("file", help="BIO 格式的地址文件（每行一个字符及其标签，地址之间空一行）")
    parser.add_argument("--limit", type=int, default=0, help="只评测前 N 条地址")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    parser.add_argument("--default-city", default=None, help="热线所在城市，用于补全省市（默认不补）")
    parser.set_defaults(func=run)
