"""The project's category tree and routing (read-only views of ``dispatch_backend/config``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

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


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@functools.lru_cache(maxsize=4)
def load_taxonomy(config_dir: Path = CONFIG_DIR) -> Taxonomy:
    """Leaves of ``routing.yml`` with department names and service keywords (``services.yml``)."""
    routing = _read(config_dir / "routing.yml")
    departments = {code: str(d.get("name", code)) for code, d in (_read(config_dir / "departments.yml").get("departments") or {}).items()}
    keywords: dict[str, list[str]] = {}
    for service in _read(config_dir / "services.yml").get("services") or []:
        category = service.get("category")
        if category:
            keywords.setdefault(category, []).extend(str(k) for k in service.get("keywords") or [])
    leaves: dict[str, Leaf] = {}
    for l1, level2 in (routing.get("categories") or {}).items():
        for l2, level3 in (level2 or {}).items():
            for l3, dept in (level3 or {}).items():
                path = f"{l1}/{l2}/{l3}"
                leaves[path] = Leaf(path, l1, l2, l3, str(dept), departments.get(str(dept), str(dept)), tuple(dict.fromkeys(keywords.get(path, []))))
    return Taxonomy(leaves, departments, str(routing.get("default_department", "")))
