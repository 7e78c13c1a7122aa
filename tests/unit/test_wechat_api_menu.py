"""The custom menu's rules (connectors/wechat/menu.py) and signed media links (connectors/wechat/media.py)."""
from __future__ import annotations

import pytest

from connectors.wechat.media import MediaSigner, media_url
from connectors.wechat.menu import MenuError, menu_problems, name_width, validate_menu

GOOD_MENU = {
    "button": [
        {"type": "click", "name": "咨询", "key": "CONSULT"},
        {"type": "click", "name": "投诉", "key": "COMPLAIN"},
        {"name": "更多", "sub_button": [
            {"type": "click", "name": "查询工单", "key": "ORDER_STATUS"},
            {"type": "click", "name": "转人工", "key": "AGENT"},
            {"type": "view", "name": "办事指南", "url": "https://example.gov.cn/guide"},
        ]},
    ]
}


def click(name: str, key: str) -> dict[str, str]:
    return {"type": "click", "name": name, "key": key}


def test_a_menu_within_the_rules_passes_unchanged():
    assert validate_menu(GOOD_MENU) is GOOD_MENU
    assert menu_problems(GOOD_MENU) == []


def test_a_chinese_character_counts_as_two_letters():
    assert name_width("查询工单") == 8
    assert name_width("FAQ") == 3
    assert name_width("12345热线") == 9


def test_at_most_three_buttons():
    menu = {"button": [click("咨询", "A"), click("投诉", "B"), click("查询工单", "C"), click("转人工", "D")]}
    with pytest.raises(MenuError) as error:
        validate_menu(menu)
    assert error.value.problems == [
        "一级菜单最多 3 个，现有 4 个，可把几项放进一个子菜单 (at most 3 buttons, found 4; group some in a sub-menu)"]


def test_at_most_five_sub_buttons_and_at_least_one():
    six = {"button": [{"name": "更多", "sub_button": [click(f"项目{i}", f"K{i}") for i in range(6)]}]}
    assert menu_problems(six) == ["第 1 个菜单的子菜单应有 1 到 5 项，现有 6 项 (button 1: 1 to 5 sub-buttons, found 6)"]
    none = {"button": [{"name": "更多", "sub_button": []}]}
    assert "现有 0 项" in menu_problems(none)[0]


def test_names_too_long_are_named_with_the_rule():
    menu = {"button": [click("查询我的工单", "A"), {"name": "更多", "sub_button": [click("查询工单办理进度情况", "B")]}]}
    assert menu_problems(menu) == [
        "第 1 个菜单“查询我的工单”名称太长：一级菜单最多 4 个汉字或 8 个字母 "
        "(button 1 '查询我的工单': name too long, at most 4 Chinese characters or 8 letters)",
        "第 2 个菜单的第 1 个子菜单“查询工单办理进度情况”名称太长：二级菜单最多 8 个汉字或 16 个字母 "
        "(button 2, sub-button 1 '查询工单办理进度情况': name too long, at most 8 Chinese characters or 16 letters)",
    ]


@pytest.mark.parametrize("button, expected", [
    ({"type": "click", "name": "咨询"}, "第 1 个菜单（click）缺少 key (button 1: type 'click' needs 'key')"),
    ({"type": "view", "name": "指南"}, "第 1 个菜单（view）缺少 url (button 1: type 'view' needs 'url')"),
    ({"type": "view", "name": "指南", "url": "example.com"}, "第 1 个菜单的 url 应以 http:// 或 https:// 开头"),
    ({"type": "popup", "name": "指南"}, "第 1 个菜单的类型 type“popup”无效"),
    ({"type": "click", "key": "A"}, "第 1 个菜单缺少名称 name (button 1: missing 'name')"),
    ({"type": "click", "name": "咨询", "key": "K" * 129}, "第 1 个菜单的 key 超过 128 字节"),
])
def test_each_action_needs_its_fields(button, expected):
    problems = menu_problems({"button": [button]})
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_click_keys_must_be_unique():
    problems = menu_problems({"button": [click("咨询", "SAME"), click("投诉", "SAME")]})
    assert problems == ["第 2 个菜单的 key“SAME”与第 1 个菜单重复 (button 2: key 'SAME' used twice)"]


@pytest.mark.parametrize("menu", [None, {}, {"button": []}, {"button": "咨询"}, ["咨询"]])
def test_a_menu_without_buttons_is_refused(menu):
    assert menu_problems(menu) == ["菜单必须有 button 列表，至少一个按钮 (the menu needs a non-empty 'button' list)"]


def test_every_problem_is_reported_at_once():
    menu = {"button": [click("咨询", ""), "投诉", {"name": "更多更多更多", "sub_button": [{"name": "转人工"}]}]}
    assert len(menu_problems(menu)) == 4


# -- signed media links -----------------------------------------------------------------------------------------
def test_a_signed_media_id_verifies_back():
    signer = MediaSigner("key-1")
    media_id = "Q7zk-_9mXyAbC12_media-ID"
    assert signer.verify(signer.sign(media_id)) == media_id


@pytest.mark.parametrize("forge", [
    lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # one character of the signature changed
    lambda s: "b3RoZXI." + s.split(".")[1],              # another media id, the same signature
    lambda s: s.split(".")[0],                            # no signature
    lambda s: "!!!." + s.split(".")[1],                   # not base64
    lambda s: "",
])
def test_a_forged_or_malformed_link_does_not_verify(forge):
    signer = MediaSigner("key-1")
    assert signer.verify(forge(signer.sign("media-1"))) is None


def test_a_link_signed_with_another_key_does_not_verify():
    assert MediaSigner("key-2").verify(MediaSigner("key-1").sign("media-1")) is None


def test_the_media_url_is_ours_and_holds_no_token():
    url = media_url("https://12345.example.gov.cn/", "media-1", MediaSigner("key-1"))
    assert url.startswith("https://12345.example.gov.cn/media/")
    assert "access_token" not in url and "weixin" not in url and "media-1" not in url
