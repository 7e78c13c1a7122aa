"""Training data: the project's seed, a city's work-order history (JSONL / CSV), and saved models.

A city's file is validated as a whole before anything is trained or written: every bad row is reported in Chinese
with its row number and field, and nothing is saved unless every row is good.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import joblib

from nlu.appeal.features import (
    embedder_available,
    normalize_for_features,
    warm_embeddings,
)
from nlu.appeal.model import (
    EMBED_MAX_CHARS,
    AppealTypeModel,
    CategoryModel,
    Example,
    appeal_embedder,
)
from nlu.appeal.taxonomy import CONFIG_DIR, Taxonomy, load_taxonomy
from nlu.appeal.types import APPEAL_TYPES, LABEL_ALIASES, MERGED

logger = logging.getLogger(__name__)

SEED_FILE = Path(__file__).resolve().parent / "data" / "appeals_seed.jsonl"
MODEL_FILE = "appeal_model.joblib"
META_FILE = "meta.json"
CITY_WEIGHT = 2.0
"""Weight of a city's own rows relative to the seed rows when both are used (measured with ``--adapt``)."""


class TrainingDataError(ValueError):
    """A training file with bad rows; ``errors`` lists every problem in Chinese (row number and field)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class TrainedModels:
    appeal: AppealTypeModel
    category: CategoryModel
    meta: dict


def _pkg(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def seed_fingerprint() -> str:
    """A short hash of everything the seed-trained model depends on (data, routing config, code, scikit-learn)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    files = [SEED_FILE, here / "model.py", here / "features.py", here / "training.py"]
    files += [CONFIG_DIR / "routing.yml", CONFIG_DIR / "services.yml", CONFIG_DIR / "departments.yml"]
    for path in files:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    digest.update(_pkg("scikit-learn").encode())
    digest.update(str(appeal_embedder()).encode())
    return digest.hexdigest()[:16]


def load_seed(path: Path = SEED_FILE) -> list[Example]:
    """The project's own examples (four appeal types, most with a category)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            rows.append(Example(r["text"], r["appeal_type"], r.get("category") or None))
    return rows


def keyword_examples(taxonomy: Taxonomy) -> list[Example]:
    """One short example per routing keyword of ``services.yml`` (category only, no appeal type)."""
    return [Example(kw, None, leaf.path) for leaf in taxonomy.leaves.values() for kw in leaf.keywords]


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number, record) pairs; JSONL lines or CSV rows (row numbers as a spreadsheet shows them)."""
    text = path.read_text(encoding="utf-8-sig")
    rows: list[tuple[int, dict]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        for number, record in enumerate(reader, start=2):
            rows.append((number, {k.strip(): (v or "").strip() for k, v in record.items() if k}))
        return rows
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"第 {number} 行：不是合法的 JSON（{exc.msg}）")
            continue
        if not isinstance(record, dict):
            errors.append(f"第 {number} 行：应为 JSON 对象")
            continue
        rows.append((number, record))
    if errors:
        raise TrainingDataError(errors)
    return rows


def read_labelled(path: Path, taxonomy: Taxonomy | None = None, require_type: bool = True) -> list[Example]:
    """Validated examples from a city's JSONL / CSV file (all-or-nothing: raises :class:`TrainingDataError`).

    Fields: ``text`` (required), ``appeal_type`` (咨询 / 求助 / 投诉举报 / 意见建议 or ``投诉举报|求助``),
    optional ``category`` ("一级/二级/三级", must exist in routing.yml) and ``department`` (code or name).
    """
    taxonomy = taxonomy or load_taxonomy()
    if not path.is_file():
        raise TrainingDataError([f"找不到文件：{path}"])
    examples: list[Example] = []
    errors: list[str] = []
    for number, record in _read_rows(path):
        text = str(record.get("text") or "").strip()
        raw_type = str(record.get("appeal_type") or "").strip()
        raw_category = str(record.get("category") or "").strip().replace("／", "/")
        raw_department = str(record.get("department") or "").strip()
        row_errors = []
        if not text:
            row_errors.append(f"第 {number} 行：字段 text 为空")
        appeal_type = LABEL_ALIASES.get(raw_type) if raw_type else None
        if raw_type and appeal_type is None:
            row_errors.append(
                f"第 {number} 行：字段 appeal_type 的取值“{raw_type}”无法识别（应为 {' / '.join(APPEAL_TYPES)} 或 {MERGED}）"
            )
        elif not raw_type and require_type:
            row_errors.append(f"第 {number} 行：字段 appeal_type 为空")
        category = None
        if raw_category:
            if raw_category in taxonomy.leaves:
                category = raw_category
            else:
                row_errors.append(f"第 {number} 行：字段 category 的分类“{raw_category}”不在 routing.yml 的三级分类中")
        department = None
        if raw_department:
            department = taxonomy.department_code(raw_department)
            if department is None:
                row_errors.append(f"第 {number} 行：字段 department 的部门“{raw_department}”不在 departments.yml 中")
        if row_errors:
            errors.extend(row_errors)
            continue
        examples.append(Example(text, appeal_type, category, department))
    if not errors and not examples:
        errors.append(f"文件 {path} 中没有任何数据行")
    if errors:
        raise TrainingDataError(errors)
    return examples


def train_models(city: list[Example] | None = None, use_seed: bool = True, city_weight: float = CITY_WEIGHT) -> TrainedModels:
    """Train both models on the seed (unless ``use_seed`` is false) plus ``city`` rows weighted ``city_weight``."""
    taxonomy = load_taxonomy()
    start = time.perf_counter()
    seed = load_seed() if use_seed else []
    city = [Example(e.text, e.appeal_type, e.category, e.department, city_weight) for e in (city or [])]
    examples = seed + city
    if use_seed or not any(e.category for e in city):
        examples = examples + keyword_examples(taxonomy)
    configured = appeal_embedder()
    embedder = configured if configured and embedder_available(configured) else None
    if embedder and seed:  # the seed's vectors come from the disk cache: retraining stays a matter of seconds
        warm_embeddings(embedder, [normalize_for_features(e.text) for e in seed if e.appeal_type], EMBED_MAX_CHARS)
    appeal = AppealTypeModel.train(examples, embedder=embedder)
    category = CategoryModel.train(
        [e for e in examples if e.category or e.department], {p: leaf.department for p, leaf in taxonomy.leaves.items()}
    )
    meta = {
        "seed_rows": len(seed),
        "city_rows": len(city),
        "city_weight": city_weight,
        "embedder": embedder or "",
        "scikit_learn": _pkg("scikit-learn"),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.perf_counter() - start, 2),
    }
    return TrainedModels(appeal, category, meta)


def save_models(models: TrainedModels, out_dir: Path) -> Path:
    """Write the models to ``out_dir`` (``appeal_model.joblib`` + ``meta.json``); returns the model file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / MODEL_FILE
    tmp = out_dir / (MODEL_FILE + ".tmp")
    joblib.dump({"appeal": models.appeal, "category": models.category, "meta": models.meta}, tmp, compress=3)
    tmp.replace(target)
    (out_dir / META_FILE).write_text(json.dumps(models.meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def load_models(model_dir: Path) -> TrainedModels:
    """Read models written by :func:`save_models`."""
    data = joblib.load(model_dir / MODEL_FILE)
    meta = data.get("meta", {})
    if meta.get("scikit_learn") not in (None, _pkg("scikit-learn")):
        logger.warning("appeal model trained with scikit-learn %s, running %s", meta.get("scikit_learn"), _pkg("scikit-learn"))
    return TrainedModels(data["appeal"], data["category"], meta)
