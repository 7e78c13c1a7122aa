"""The project's category tree and routing (read-only views of ``dispatch_backend/config``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from dispatch_backend.catalog import Catalog

CONFIG_DIR = Path(__file__).resolve().parents[2] / "dispatch_backend" / "config"


@dataclass(frozen=True)
class Leaf:
    """One 三级分类 with the department that handles it and the words that point to it."""

    path: str
    level1: str
    level2: str
    level3: str
    department: str
    department_name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    leaves: dict[str, Leaf]
    departments: dict[str, str]  # code → name
    default_department: str

    def department_code(self, value: str) -> str | None:
        """The department code for a code or a name (``None`` if unknown)."""
        value = value.strip()
        if value in self.departments:
            return value
        for code, name in self.departments.items():
            if name == value:
                return code
        return None


@functools.lru_cache(maxsize=4)
def load_taxonomy(config_dir: Path = CONFIG_DIR) -> Taxonomy:
    """Leaves of ``routing.yml`` with department names and service keywords (``services.yml``), read through the
    dispatch backend's own :class:`~dispatch_backend.catalog.Catalog` (which also checks the files agree)."""
    catalog = Catalog.load(config_dir)
    departments = {code: d.name for code, d in catalog.departments.items()}
    keywords: dict[str, list[str]] = {}
    for service in catalog.services.values():
        keywords.setdefault(service.category, []).extend(service.keywords)
    leaves: dict[str, Leaf] = {}
    for path, dept in catalog.routes.items():
        l1, l2, l3 = path.split("/")
        leaves[path] = Leaf(path, l1, l2, l3, dept, departments.get(dept, dept), tuple(dict.fromkeys(keywords.get(path, []))))
    return Taxonomy(leaves, departments, catalog.default_department)
