"""Calibrate the answer / did-you-mean / no-match bands in-domain, on the outcome that matters to a citizen.

    python benchmarks/kb_calibrate_bands.py [knowledge_base/calibration/questions.yml] [--precision 0.93]
        [--choice 0.97] [--false-answer 0.03]

The calibration set (written by the project) holds citizen questions whose entry the seed KB has (``in_kb``) and
questions it does not have (``not_in_kb``). Each question is searched as the bot searches it (standard text,
``nlu.language.standardise``). Then, over a grid of thresholds:

* ``suggest`` is the highest edge that keeps ``--choice`` of the in-KB questions at or above it (so they get at
  least a did-you-mean); ``floor`` is the lowest in-KB top similarity seen within the 2nd percentile;
* ``answer`` and ``margin`` maximise direct answers on in-KB questions while answered ones are right with
  ``--precision`` and at most ``--false-answer`` of the not-in-KB questions are answered outright.

Prints the outcome of the current and the proposed thresholds and a YAML block for knowledge_base/thresholds.yaml;
changes no file.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.banding import Band, Thresholds, decide  # noqa: E402
from knowledge_base.service import KnowledgeBase  # noqa: E402
from nlu.language import standardise  # noqa: E402
from configuration import load_config  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parent.parent / "knowledge_base" / "calibration" / "questions.yml"


@dataclass
class Probe:
    gold: set[str]          # empty for a question the KB does not have
    hits: list              # knowledge_base.index.Hit, best first


def probes(kb: KnowledgeBase, path: Path) -> list[Probe]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    allowed = kb.valid_ids()
    out = []
    for item in data.get("in_kb", []):
        gold = {item["entry"], *item.get("also", [])}
        out.append(Probe(gold, kb.index.search(standardise(item["q"]), k=5, allowed=allowed)))
    for question in data.get("not_in_kb", []):
        out.append(Probe(set(), kb.index.search(standardise(question), k=5, allowed=allowed)))
    return out


@dataclass
class Outcome:
    direct: float        # in-KB answered with a gold entry
    choice: float        # in-KB answered right or offered in the did-you-mean
    precision: float     # answered in-KB questions that were right
    false_answer: float  # not-in-KB questions answered outright
    missing_choice: float  # not-in-KB questions offered a did-you-mean


def outcome(items: list[Probe], th: Thresholds) -> Outcome:
    inside = [p for p in items if p.gold]
    outside = [p for p in items if not p.gold]
    direct = choice = answered = 0
    for p in inside:
        d = decide(p.hits, th)
        ids = [h.doc_id for h in d.hits]
        if d.band is Band.ANSWER:
            answered += 1
            direct += ids[0] in p.gold
            choice += ids[0] in p.gold
        elif d.band is Band.DID_YOU_MEAN:
            choice += bool(p.gold & set(ids))
    bands = [decide(p.hits, th).band for p in outside]
    return Outcome(direct / max(1, len(inside)), choice / max(1, len(inside)), direct / max(1, answered),
                   sum(b is Band.ANSWER for b in bands) / max(1, len(outside)),
                   sum(b is Band.DID_YOU_MEAN for b in bands) / max(1, len(outside)))


def show(name: str, th: Thresholds, o: Outcome) -> None:
    print(f"{name}: answer={th.answer:.3f} suggest={th.suggest:.3f} margin={th.margin:.3f} floor={th.floor:.3f}")
    print(f"  in-KB direct answer {o.direct:.3f}, answered-or-choice {o.choice:.3f}, answer precision "
          f"{o.precision:.3f}; not-in-KB answered {o.false_answer:.3f}, offered a did-you-mean {o.missing_choice:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--precision", type=float, default=0.93)
    parser.add_argument("--choice", type=float, default=0.97)
    parser.add_argument("--false-answer", type=float, default=0.03)
    args = parser.parse_args(argv)

    kb = KnowledgeBase.from_config(load_config(), rebuild_if_stale=False)
    items = probes(kb, args.path)
    inside = [p for p in items if p.gold]
    tops = np.array([p.hits[0].similarity if p.hits else 0.0 for p in inside])
    print(f"{len(inside)} in-KB and {len(items) - len(inside)} not-in-KB questions; embedder {kb.embedder.id}")
    show("current", kb.thresholds, outcome(items, kb.thresholds))

    suggest = float(np.floor(np.quantile(tops, 1 - args.choice) * 1000) / 1000)
    floor = float(np.floor(np.quantile(tops, 0.02) * 1000) / 1000) - 0.01
    best: tuple[float, Thresholds, Outcome] | None = None
    for answer in np.arange(suggest, 1.0, 0.002):
        for margin in np.arange(0.0, 0.031, 0.002):
            th = Thresholds(float(answer), suggest, float(margin), min(floor, suggest))
            o = outcome(items, th)
            if o.precision >= args.precision and o.false_answer <= args.false_answer:
                if best is None or o.direct > best[0]:
                    best = (o.direct, th, o)
    if best is None:
        print("no thresholds meet the constraints; loosen --precision or --false-answer")
        return 1
    _, th, o = best
    show("proposed", th, o)
    print(f"\nembedders:\n  {kb.embedder.name}:\n    answer: {th.answer:.3f}\n    suggest: {th.suggest:.3f}\n"
          f"    margin: {th.margin:.3f}\n    floor: {th.floor:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
