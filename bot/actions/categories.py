"""The category tree the bot offers citizens, learnt from the dispatch backend it talks to.

``GET /categories.json`` gives the tree (一级 → 二级 → 三级 → department) and the departments' names; the keywords
of ``GET /services.json`` say which words point to a leaf. What was fetched is kept in memory and in a copy under
``var/`` (next to the outbox), so the action server still starts when the backend is down. Only when nothing was
ever fetched does the bot fall back to the tree the project ships, with a warning: an external Open311 server's
categories may differ from it.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch_client import DispatchAPIError, DispatchClient, DispatchUnavailable
from nlu.appeal.taxonomy import Taxonomy, bundled_tree

logger = logging.getLogger(__name__)

CACHE_NAME = "dispatch_categories.json"


@dataclass(frozen=True)
class CategoryTree:
    """What the backend says about its categories: the body of ``GET /categories.json`` and each leaf's words."""

    tree: dict[str, Any]
    keywords: dict[str, list[str]] = field(default_factory=dict)

    def taxonomy(self) -> Taxonomy:
        return Taxonomy.from_tree(self.tree, self.keywords)


def fetch_tree(client: DispatchClient) -> CategoryTree:
    """The backend's tree and each leaf's words, one attempt each (raises :class:`DispatchUnavailable` or
    :class:`DispatchAPIError` when the backend cannot say)."""
    tree = client.categories()
    if not isinstance(tree, dict) or not isinstance(tree.get("tree"), dict):
        raise DispatchUnavailable("GET /categories.json 的应答不是分类树")
    keywords: dict[str, list[str]] = {}
    for service in client.services():
        if service.category:
            words = (word.strip() for word in service.keywords.split(","))
            keywords.setdefault(service.category, []).extend(word for word in words if word)
    return CategoryTree(tree, keywords)


class CategorySource:
    """The tree in force: fetched once, else the copy of the last fetch, else the shipped tree (logged)."""

    def __init__(self, fetch: Callable[[], CategoryTree], cache_path: Path,
                 bundled: Callable[[], tuple[dict[str, Any], dict[str, list[str]]]] = bundled_tree) -> None:
        self._fetch = fetch
        self.cache_path = cache_path
        self._bundled = bundled
        self._tree: CategoryTree | None = None
        self.origin = ""  # "backend", "cache" or "bundled": where the tree in force came from

    def tree(self) -> CategoryTree:
        if self._tree is None:
            self._tree = self._load()
        return self._tree

    def taxonomy(self) -> Taxonomy:
        return self.tree().taxonomy()

    def _load(self) -> CategoryTree:
        try:
            tree = self._fetch()
        except (DispatchUnavailable, DispatchAPIError) as exc:
            logger.warning("could not fetch the category tree from the dispatch backend: %s", exc)
        else:
            self.origin = "backend"
            self._save(tree)
            return tree
        cached = self._read_cache()
        if cached is not None:
            logger.warning("using the category tree fetched earlier (%s)", self.cache_path)
            self.origin = "cache"
            return cached
        logger.warning("the category tree was never fetched from the dispatch backend: offering the tree the project "
                       "ships (dispatch_backend/config), which may differ from the backend's own categories")
        self.origin = "bundled"
        return CategoryTree(*self._bundled())

    def _save(self, tree: CategoryTree) -> None:
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.cache_path.with_name(self.cache_path.name + ".tmp")
            temporary.write_text(json.dumps({"tree": tree.tree, "keywords": tree.keywords}, ensure_ascii=False),
                                 encoding="utf-8")
            os.replace(temporary, self.cache_path)
        except OSError as exc:  # a read-only var/: the tree in memory still serves
            logger.warning("could not keep a copy of the category tree in %s: %s", self.cache_path, exc)

    def _read_cache(self) -> CategoryTree | None:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            return CategoryTree(dict(data["tree"]), dict(data.get("keywords") or {}))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("the copy of the category tree in %s is unreadable: %s", self.cache_path, exc)
            return None
