"""Address parsing / extraction (nlu.extract.address) and its evaluation command (nlu.address_eval).

All addresses here are made up for the tests.
"""

from __future__ import annotations

import argparse
import json

import pytest

from nlu.address_eval import add_commands, evaluate, read_bio
from nlu.extract import ParsedAddress, extract_addresses, parse_address


def _labels(parsed: ParsedAddress) -> dict[str, str]:
    return {component.label: component.text for component in parsed.components}


def _assert_offsets(original: str, parsed: ParsedAddress) -> None:
    for component in parsed.components:
        assert original[component.start:component.end] == component.text
    assert parsed.start <= min(c.start for c in parsed.components)
    assert parsed.end >= max(c.end for c in parsed.components)


def test_full_address_is_split_into_all_parts() -> None:
    text = "浙江省杭州市西湖区文二路188号华星大厦3号楼2单元5层501室"
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.province, parsed.city, parsed.district) == ("浙江省", "杭州市", "西湖区")
    assert parsed.road == "文二路"
    assert parsed.road_number == "188号"
    assert parsed.poi == "华星大厦"
    assert parsed.building == "3号楼2单元"
    assert parsed.floor == "5层"
    assert parsed.room == "501室"
    assert parsed.normalized == text
    assert parsed.rest == "文二路188号华星大厦3号楼2单元5层501室"
    assert _labels(parsed) == {
        "prov": "浙江省", "city": "杭州市", "district": "西湖区", "road": "文二路", "roadno": "188号",
        "poi": "华星大厦", "houseno": "3号楼", "cellno": "2单元", "floorno": "5层", "roomno": "501室",
    }
    assert (parsed.start, parsed.end) == (0, len(text))
    assert 0.0 <= parsed.confidence <= 1.0
    _assert_offsets(text, parsed)


def test_reply_with_lead_in_and_district_only_fills_city_and_province() -> None:
    text = "在海淀区中关村大街27号"
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.province, parsed.city, parsed.district) == ("北京市", "北京市", "海淀区")
    assert parsed.normalized == "北京市海淀区中关村大街27号"
    assert parsed.start == 1  # "在" is not part of the address
    _assert_offsets(text, parsed)


def test_default_city_picks_the_reading_of_an_ambiguous_district() -> None:
    beijing = parse_address("朝阳区幸福路9号", default_city="北京市")
    changchun = parse_address("朝阳区幸福路9号", default_city="长春市")
    assert beijing is not None and changchun is not None
    assert (beijing.province, beijing.city) == ("北京市", "北京市")
    assert (changchun.province, changchun.city) == ("吉林省", "长春市")


def test_default_city_fills_an_address_without_admin_names() -> None:
    parsed = parse_address("人民路12号", default_city="杭州市")
    assert parsed is not None
    assert (parsed.province, parsed.city, parsed.district) == ("浙江省", "杭州市", None)
    assert parsed.normalized == "浙江省杭州市人民路12号"
    assert {c.label for c in parsed.components} == {"road", "roadno"}  # filled names are not spans
    without = parse_address("人民路12号")
    assert without is not None and without.city is None
    assert without.confidence > parsed.confidence - 0.5


def test_town_community_and_short_city_names() -> None:
    text = "温州瑞安塘下镇东方村幸福巷6号"
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.city, parsed.district) == ("温州市", "瑞安市")
    assert parsed.town == "塘下镇"
    assert parsed.community == "东方村"
    assert parsed.road == "幸福巷"
    assert parsed.road_number == "6号"
    _assert_offsets(text, parsed)


def test_road_named_after_a_city_is_not_a_city() -> None:
    parsed = parse_address("中山路45号")
    assert parsed is not None
    assert parsed.city is None
    assert parsed.road == "中山路"


def test_dash_numbers_are_building_unit_room() -> None:
    parsed = parse_address("绿茵小区12-3-402")
    assert parsed is not None
    assert parsed.poi == "绿茵小区"
    assert _labels(parsed)["houseno"] == "12"
    assert _labels(parsed)["cellno"] == "3"
    assert parsed.room == "402"
    assert parsed.building == "12-3"


def test_traditional_and_full_width_input_keeps_original_offsets() -> None:
    text = "北京市朝陽區建國路８８號"
    parsed = parse_address(text)
    assert parsed is not None
    assert parsed.normalized == "北京市朝阳区建国路88号"
    assert parsed.rest == "建國路８８號"  # as written
    assert parsed.road_number == "88号"  # normalised
    assert parsed.district == "朝阳区"
    components = {c.label: c for c in parsed.components}
    assert components["district"].text == "朝陽區"
    assert components["road"].text == "建國路"
    assert components["road"].value == "建国路"
    assert components["roadno"].text == "８８號"
    _assert_offsets(text, parsed)


@pytest.mark.parametrize("text", ["我昨天晚上", "今天天气不错", "谢谢", ""])
def test_parse_returns_none_without_an_address(text: str) -> None:
    assert parse_address(text) is None


def test_extract_address_embedded_in_a_complaint() -> None:
    message = "你好，朝阳区建国路88号院3号楼楼下的垃圾三天没人清运"
    found = extract_addresses(message, default_city="北京市")
    assert len(found) == 1
    address = found[0]
    assert message[address.start:address.end] == "朝阳区建国路88号院3号楼"
    assert address.normalized == "北京市朝阳区建国路88号院3号楼"
    assert address.building == "3号楼"
    _assert_offsets(message, address)


def test_extract_finds_two_addresses_and_uses_default_city() -> None:
    message = "青年路15号门口的路灯坏了，另外新华小区的井盖也丢了"
    found = extract_addresses(message, default_city="杭州市")
    assert [message[a.start:a.end] for a in found] == ["青年路15号", "新华小区"]
    assert all(a.city == "杭州市" for a in found)


@pytest.mark.parametrize(
    "message", ["我昨天晚上打电话没人接", "楼下一直很吵，希望尽快处理", "我要投诉一个商家", ""]
)
def test_extract_returns_nothing_for_messages_without_address(message: str) -> None:
    assert extract_addresses(message) == []


_TINY_BIO = """杭 B-city
州 I-city
市 I-city
西 B-district
湖 I-district
区 I-district
文 B-road
二 I-road
路 I-road
188 B-roadno
号 I-roadno

人 B-road
民 I-road
路 I-road
9 B-roadno
号 I-roadno
电 B-redundant
联 I-redundant
"""


def test_read_bio_joins_tokens_and_lower_cases_labels(tmp_path) -> None:
    path = tmp_path / "tiny.bio.txt"
    path.write_text(_TINY_BIO.replace("B-district", "B-District").replace("I-district", "I-District"),
                    encoding="utf-8")
    addresses = read_bio(path.read_text(encoding="utf-8").splitlines(keepends=True))
    assert [a.text for a in addresses] == ["杭州市西湖区文二路188号", "人民路9号电联"]
    assert addresses[0].spans[1] == ("district", 3, 6)
    assert addresses[0].spans[3] == ("roadno", 9, 13)


def test_eval_scores_and_cli_json(tmp_path, capsys) -> None:
    path = tmp_path / "tiny.bio.txt"
    path.write_text(_TINY_BIO, encoding="utf-8")
    result = evaluate(read_bio(path.read_text(encoding="utf-8").splitlines()))
    assert result["count"] == 2
    assert result["groups"]["admin"]["f1"] == 1.0
    assert result["groups"]["road+number"]["f1"] == 1.0
    # "电联" (redundant) is a gold label the parser never produces: only the all-gold overall misses it.
    assert result["overall_parser_labels"]["recall"] == 1.0
    assert result["overall_gold_labels"]["recall"] == pytest.approx(6 / 7, abs=1e-4)

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["eval-address", str(path), "--json", "--limit", "1"])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["count"] == 1
    assert printed["per_label"]["road"]["tp"] == 1


def test_second_road_village_group_and_renamed_units() -> None:
    crossing = parse_address("长兴路与光明街交叉口")
    assert crossing is not None
    assert [(c.label, c.text) for c in crossing.components] == [("road", "长兴路"), ("subroad", "光明街")]

    village = parse_address("湖州市吴兴区八里店镇东林村五组18号")
    assert village is not None
    assert village.town == "八里店镇" and village.community == "东林村"
    assert _labels(village)["road"] == "五组"
    assert village.road_number == "18号"

    renamed = parse_address("浙江省绍兴市上虞市人民西路9号")  # 上虞市 became 上虞区 in 2013
    assert renamed is not None
    assert renamed.district == "上虞区"
    assert _labels(renamed)["district"] == "上虞市"


def test_repeated_admin_prefix_keeps_the_last_full_chain() -> None:
    text = "浙江杭州浙江省杭州市西湖区天目山路5号"
    parsed = parse_address(text)
    assert parsed is not None
    assert [c.label for c in parsed.components][:3] == ["prov", "city", "district"]
    assert parsed.components[0].start == text.index("浙江省")
    assert parsed.normalized == "浙江省杭州市西湖区天目山路5号"


def test_extract_keeps_admin_name_and_door_prefix() -> None:
    message = "投诉：西湖区文三路华星科技大厦一楼卖假货"
    found = extract_addresses(message, default_city="杭州市")
    assert len(found) == 1
    assert message[found[0].start:found[0].end] == "西湖区文三路华星科技大厦一楼"
    assert (found[0].district, found[0].road, found[0].poi, found[0].floor) == ("西湖区", "文三路", "华星科技大厦", "一楼")

    beijing = extract_addresses("家住西城区新街口北大街甲12号2单元301，楼上漏水", default_city="北京市")
    assert [(c.label, c.text) for c in beijing[0].components] == [
        ("district", "西城区"), ("road", "新街口北大街"), ("roadno", "甲12号"), ("cellno", "2单元"), ("roomno", "301"),
    ]


def test_eval_command_is_registered_under_rexian_nlu(tmp_path, capsys) -> None:
    from nlu import cli as nlu_cli

    path = tmp_path / "tiny.bio.txt"
    path.write_text(_TINY_BIO, encoding="utf-8")
    parser = argparse.ArgumentParser()
    nlu_cli.register(parser.add_subparsers())
    args = parser.parse_args(["nlu", "eval-address", str(path)])
    assert args.func(args) == 0
    report = capsys.readouterr().out
    assert "admin" in report and "all gold labels" in report
