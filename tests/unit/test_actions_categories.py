"""The category tree the bot offers (bot/actions/categories.py): the backend's, else the copy of the last one fetched,
else the tree the project ships, with a warning. The fetch from a real backend is in
tests/integration/test_bot_categories.py."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.actions.categories import CategorySource, CategoryTree
from dispatch_client import DispatchUnavailable
from nlu.appeal.taxonomy import Taxonomy, load_taxonomy

EXTERNAL = CategoryTree(
    {"default_department": "center", "departments": {"center": "热线中心", "env": "生态环境局"},
     "tree": {"环境": {"噪声": {"夜间施工": "env", "商业噪声": "env"}}, "其他": {"其他": {"其他": "center"}}}},
    {"环境/噪声/夜间施工": ["施工", "打桩"]})


def down() -> CategoryTree:
    raise DispatchUnavailable("派单后台暂时无法访问")


def test_the_backends_tree_is_used_and_a_copy_kept(tmp_path: Path) -> None:
    source = CategorySource(lambda: EXTERNAL, tmp_path / "var" / "categories.json")
    taxonomy = source.taxonomy()
    assert source.origin == "backend"
    assert list(taxonomy.leaves) == ["环境/噪声/夜间施工", "环境/噪声/商业噪声", "其他/其他/其他"]
    leaf = taxonomy.leaves["环境/噪声/夜间施工"]
    assert (leaf.level1, leaf.level3, leaf.department, leaf.department_name) == ("环境", "夜间施工", "env", "生态环境局")
    assert leaf.keywords == ("施工", "打桩") and taxonomy.default_department == "center"
    assert (tmp_path / "var" / "categories.json").is_file()


def test_when_the_backend_is_down_the_copy_of_the_last_fetch_serves(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    copy = tmp_path / "categories.json"
    CategorySource(lambda: EXTERNAL, copy).tree()
    with caplog.at_level(logging.WARNING):
        source = CategorySource(down, copy)
        assert source.taxonomy() == EXTERNAL.taxonomy()
    assert source.origin == "cache" and "fetched earlier" in caplog.text


def test_the_shipped_tree_is_the_last_resort_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        source = CategorySource(down, tmp_path / "categories.json")
        assert source.taxonomy() == load_taxonomy()
    assert source.origin == "bundled" and "never fetched" in caplog.text
    assert not (tmp_path / "categories.json").exists()  # only a fetched tree is kept


def test_an_unreadable_copy_counts_as_none(tmp_path: Path) -> None:
    copy = tmp_path / "categories.json"
    copy.write_text("{not json", encoding="utf-8")
    source = CategorySource(down, copy)
    source.tree()
    assert source.origin == "bundled"


def test_the_shipped_tree_as_a_taxonomy() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.leaves) == 67 and taxonomy.default_department == "rexian_center"
    assert taxonomy.leaves["公用事业/供电/停电"].department == "power"
    assert taxonomy.department_code("市公安局") == "gongan" and taxonomy.department_code("nobody") is None
    assert Taxonomy.from_tree({}).leaves == {}
