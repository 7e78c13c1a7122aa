"""The category tree (三级分类) whose leaves the appeal classifier suggests, each with its department and the words
that point to it.

The bot learns the tree from the dispatch backend it talks to (``GET /categories.json``, the words from
``GET /services.json``; ``bot/actions/categories.py``) and builds the taxonomy with :meth:`Taxonomy.from_tree`. The
tree the project ships (:func:`bundled_tree`, plain YAML files in ``dispatch_backend/config``) is what the seed model
is trained on, and the bot's last resort when it never reached a backend.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain import CategoryLeaf

CONFIG_DIR = Path(__file__).resolve().parents[2] / "dispatch_backend" / "config"

@dataclass(frozen=True)
class Leaf(CategoryLeaf):
    """A leaf of the tree with the words that point to it (the keywords of the services that take it)."""

    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    leaves: dict[str, Leaf]
    departments: dict[str, str]  # code → name
    default_department: str

    @classmethod
    def from_tree(cls, tree: Mapping[str, Any], keywords: Mapping[str, Iterable[str]] | None = None) -> Taxonomy:
        """The taxonomy of a backend's category tree, the body of ``GET /categories.json``: ``tree`` (一级 → 二级 →
        三级 → department code), ``departments`` (code → name) and ``default_department``. ``keywords`` maps a
        leaf's path to the words that point to it."""
        departments = {str(code): str(name) for code, name in (tree.get("departments") or {}).items()}
        words = keywords or {}
        leaves: dict[str, Leaf] = {}
        for level1, level2s in (tree.get("tree") or {}).items():
            for level2, level3s in (level2s or {}).items():
                for level3, department in (level3s or {}).items():
                    path = f"{level1}/{level2}/{level3}"
                    leaves[path] = Leaf(path, str(department), departments.get(str(department), str(department)),
                                        tuple(dict.fromkeys(words.get(path, ()))))
        return cls(leaves, departments, str(tree.get("default_department") or ""))

    def department_code(self, value: str) -> str | None:
        """The department code for a code or a name (``None`` if unknown)."""
        value = value.strip()
        if value in self.departments:
            return value
        for code, name in self.departments.items():
            if name == value:
                return code
        return None


def bundled_tree(config_dir: Path = CONFIG_DIR) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The tree the project ships, shaped like ``GET /categories.json``, and each leaf's words (``services.yml``)."""
    def read(name: str) -> dict[str, Any]:
        return yaml.safe_load((config_dir / name).read_text(encoding="utf-8")) or {}

    routing = read("routing.yml")
    departments = {str(code): str(d["name"]) for code, d in (read("departments.yml").get("departments") or {}).items()}
    keywords: dict[str, list[str]] = {}
    for service in read("services.yml").get("services") or []:
        words = [str(k) for k in service.get("keywords") or ()]
        keywords.setdefault(str(service.get("category") or ""), []).extend(words)
    tree = {"default_department": str(routing.get("default_department", "")), "tree": routing.get("categories") or {},
            "departments": departments}
    return tree, keywords


@functools.lru_cache(maxsize=4)
def load_taxonomy(config_dir: Path = CONFIG_DIR) -> Taxonomy:
    """The taxonomy of the tree the project ships (what the seed model is trained on)."""
    return Taxonomy.from_tree(*bundled_tree(config_dir))
