"""The knowledge base and the language models: ``kb``, ``jieba``, ``faiss``, ``e5``, ``appeal``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from .base import Section
from .paths import ProjectPath

#: The appeal classifier's sentence embedder unless ``appeal.embedder`` names another.
DEFAULT_APPEAL_EMBEDDER = "e5"
#: Values of ``appeal.embedder`` that mean "no sentence embedder: character n-grams only".
NO_EMBEDDER = ("none", "off", "0")


class KBSettings(Section):
    """The FAQ knowledge base (``rexian kb``, the action server)."""

    paths: list[ProjectPath] = Field(default_factory=lambda: [Path("knowledge_base/seed")])
    index_dir: ProjectPath = Path("var/kb_index")
    embedder: str | None = None  # None: knowledge_base.embedders.DEFAULT_EMBEDDER
    feedback_db: ProjectPath = Path("var/feedback.sqlite3")
    salt: str = ""  # empty: a random salt is created once inside the feedback database
    upkeep_path: ProjectPath = Path("var/kb_upkeep")  # the console's knowledge upkeep: new entries, added questions


class JiebaSettings(Section):
    """The BM25 tokenizer's jieba user dictionaries (Rasa's JiebaTokenizer reads ``bot/config.yml`` instead)."""

    dict_dir: ProjectPath = Path("nlu/dicts")


class FaissSettings(Section):
    """FAISS (OpenMP) threads: one answers a single query fastest; more help large HNSW builds."""

    threads: int = 1

    @property
    def effective_threads(self) -> int:
        return max(1, self.threads)


class E5Settings(Section):
    """OpenMP threads of the e5 sentence embedder for bulk work (None: two when the machine has two cores or more);
    citizens' messages always use one (``knowledge_base.embedders.MESSAGE_THREADS``)."""

    threads: int | None = None


class AppealSettings(Section):
    """The appeal-type and category classifier (nlu/appeal)."""

    embedder: str = DEFAULT_APPEAL_EMBEDDER  # the second model's sentence embedder; none/off/0 = character n-grams only
    model_dir: ProjectPath = Path("var/appeal_model")  # a retrained model (rexian nlu appeal train --out)

    @property
    def effective_embedder(self) -> str | None:
        """A :func:`knowledge_base.embedders.get_embedder` spec, or None for n-grams only (empty = ``e5``)."""
        value = self.embedder.strip()
        if value.lower() in NO_EMBEDDER:
            return None
        return value or DEFAULT_APPEAL_EMBEDDER
