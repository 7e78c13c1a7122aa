"""A leaf of the three-level category tree (一级/二级/三级分类) and the department that handles it."""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "/"


def split_path(path: str) -> tuple[str, str, str]:
    """``"一级/二级/三级"`` → its three levels (missing levels are empty strings)."""
    parts = (path.split(SEPARATOR) + ["", "", ""])[:3]
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class CategoryLeaf:
    """One 三级分类 and the department routed to it (department fields empty when not known)."""

    path: str
    department: str = ""
    department_name: str = ""

    @property
    def level1(self) -> str:
        return split_path(self.path)[0]

    @property
    def level2(self) -> str:
        return split_path(self.path)[1]

    @property
    def level3(self) -> str:
        return split_path(self.path)[2]
