"""Rule layer for the part of a Chinese address below the district.

:func:`parse_components` walks the (normalised) text left to right from a given position and labels, in the
usual order of a Chinese address: town (镇/乡/街道), community (村/社区), development zone (开发区/高新区),
road (路/街/大道/巷/胡同…), road number (…号/…弄), POI (小区/大厦/广场/医院/学校…), building (号楼/栋/幢/座),
unit (单元), floor (层/楼) and room (室/房/bare digits after a unit or floor). Nothing here lists place names:
everything is recognised from suffixes and from the position in the address.

Two modes:

* ``strict=False`` (the text is an address): a run of characters that matches nothing becomes a POI
  ("金家一路 寰宇天下"); separators are skipped;
* ``strict=True`` (the address is embedded in a complaint): names may not contain pronouns or particles
  ("我", "的", "了"…), and the walk stops at the first thing that is not an address part (or at punctuation
  or a space).

Also labelled: a second road (``subroad`` / ``subroadno``: "长兴路与光明街"), a villagers' group as the road of a
village address ("东林村五组"), a POI inside a POI (``subpoi``: "梅墅水庄北区", "财经大学下沙校区") and
dash-written numbers ("12-3-402" = building, unit, room). Parts found only by their position (no suffix) are
marked ``guessed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Labels (the names used by the Chinese address-parsing BIO data, lower case).
TOWN, COMMUNITY, DEVZONE, ROAD, ROADNO = "town", "community", "devzone", "road", "roadno"
SUBROAD, SUBROADNO = "subroad", "subroadno"  # a second road ("北环路海魄大道60号") and its number
POI, SUBPOI, HOUSENO, CELLNO, FLOORNO, ROOMNO = "poi", "subpoi", "houseno", "cellno", "floorno", "roomno"
ADMIN_LABELS = ("prov", "city", "district")
STREET_LABELS = (TOWN, COMMUNITY, DEVZONE, ROAD, ROADNO, SUBROAD, SUBROADNO, POI, SUBPOI)
_ROADS = (ROAD, SUBROAD)
HOUSE_LABELS = (HOUSENO, CELLNO, FLOORNO, ROOMNO)

_CN_NUM = "零〇一二三四五六七八九十百两"
_NUM = rf"(?:[0-9]+|[{_CN_NUM}]{{1,4}})"
# A number as used for buildings and doors: "12", "B5", "甲10" (甲乙丙丁 prefixes are common in Beijing), "十二", "A".
_ID = rf"(?:[甲乙丙丁]?[A-Za-z]?[0-9]+[A-Za-z]?|[{_CN_NUM}]{{1,4}}|[A-Za-z])"
_CJK = "\u4e00-\u9fff"
# Characters that (practically) never occur inside a place name: pronouns and particles. Whole function words
# are masked beforehand for free text (nlu.extract.address_mask); these are the ones that need no context.
STOP_CHARS = "我你他她它们的了吗呢吧啊呀"
_ADMIN_SUFFIX_CHARS = "省市县区镇乡"
_SEPARATORS = " \t,，、;；:：_/（）()·"
_SENTENCE_END = "。！？!?\n"

_ROAD_SUFFIX = r"(?:大道|大街|公路|国道|省道|胡同|马路|[东西南北中]?路|[东西南北中]?街|[东西南北中]?巷|里弄)"
_AFTER_NAME_NOT_ROAD = r"(?!路|街|大道|大街|巷|弄|中学|小学|学校|医院|卫生院|政府|派出所|中心|公园|市场|广场)"
_TOWN_SUFFIX = r"(?:街道办事处|街道办|街道|镇|乡)"
_COMMUNITY_SUFFIX = r"(?:社区居委会|社区居民委员会|社区|居委会|村委会|村民委员会|(?<!新)村)"
_DEVZONE_SUFFIX = r"(?:经济技术开发区|经济开发区|技术开发区|开发区|高新技术产业开发区|高新区|保税区|新区)"
# "楼" ends a POI name ("科技楼") but not after a number ("5楼", "五楼" are floors).
_POI_SUFFIX = (
    r"(?:小区|大厦|广场|医院|卫生院|卫生服务中心|学校|小学|中学|大学|学院|幼儿园|公园|菜市场|农贸市场|市场|商场|"
    r"购物中心|中心|花园|公寓|家园|新村|新城|大楼|宾馆|酒店|饭店|公司|工厂|厂|超市|银行|商城|城|苑|园|府|庭|"
    rf"山庄|大院|院|馆|车站|站|店|厅|所|局|工业区|园区|产业园|科技园|基地|农场|仓库|写字楼|(?<![0-9A-Za-z{_CN_NUM}])楼|区)"
)
_STRONG_POI_SUFFIX = re.compile(
    r"(?:小区|大厦|广场|医院|大学|学院|中学|小学|市场|商场|花园|公寓|家园|新村|山庄|公司|工业区|工业园|工业城|科技园|产业园|园区|"
    r"局|中心|商城|宾馆|酒店)"
)
_BARE_SUFFIX = re.compile(_POI_SUFFIX)
# A POI that ends in a sub-area ("梅墅水庄北区", "投资创业中心B区", "富通城二期") is split into POI + sub-POI.
_SUB_AREA = re.compile(rf"(?:[东西南北中]|[A-Za-z]|[0-9]{{1,2}}|[{_CN_NUM}]{{1,3}})(?:区|期)$")
_ASSIST = re.compile(
    r"(?:斜对面|对面|旁边|隔壁|附近|门口|路口|交叉口|交汇处|[东西南北]侧|[东西南北]门|楼下|楼上|楼道|里面|后面|前面|旁|内)"
)


def _name(strict: bool, max_len: int, exclude: str = "") -> str:
    """A character class repeated for a name body (no digits; in strict mode no function words)."""
    banned = exclude + (STOP_CHARS if strict else "")
    char = f"[{_CJK}A-Za-z]" if not banned else f"(?:(?![{re.escape(banned)}])[{_CJK}A-Za-z])"
    return f"{char}{{1,{max_len}}}"


@dataclass(frozen=True)
class Part:
    """One labelled piece of the address, offsets into the text given to :func:`parse_components`."""

    label: str
    start: int
    end: int
    guessed: bool = False  # a name recognised only by its position, not by a suffix


def _split_sub_area(text: str, part: Part) -> list[Part]:
    """Split a POI that names a place inside a place.

    "梅墅水庄北区" → POI "梅墅水庄" + sub-POI "北区"; "财经大学下沙校区" → "财经大学" + "下沙校区" (the first
    strong suffix ends the POI when at least two characters follow it).
    """
    for inner in _STRONG_POI_SUFFIX.finditer(text, part.start + 2, part.end - 2):
        if not _STRONG_POI_SUFFIX.fullmatch(text, inner.end(), part.end):
            return [Part(POI, part.start, inner.end()), Part(SUBPOI, inner.end(), part.end)]
    match = _SUB_AREA.search(text, part.start, part.end)
    if match is None or match.start() - part.start < 2:
        return [part]
    return [Part(POI, part.start, match.start()), Part(SUBPOI, match.start(), part.end)]


def _compile(strict: bool) -> dict[str, re.Pattern[str]]:
    place = _name(strict, 6, "省县区镇乡")
    return {
        TOWN: re.compile(rf"{place}?{_TOWN_SUFFIX}{_AFTER_NAME_NOT_ROAD}"),
        COMMUNITY: re.compile(rf"{_name(strict, 6, _ADMIN_SUFFIX_CHARS + '村')}?{_COMMUNITY_SUFFIX}{_AFTER_NAME_NOT_ROAD}"),
        DEVZONE: re.compile(rf"{_name(strict, 8, '省市县镇乡')}?{_DEVZONE_SUFFIX}"),
        ROAD: re.compile(
            rf"{_name(strict, 6 if strict else 10, '省县区镇乡号楼层室栋幢')}?(?:[0-9]{{1,3}}(?=路|街|巷))?{_ROAD_SUFFIX}"
            rf"(?:[东西南北中]段|[{_CN_NUM}0-9]{{1,2}}段)?(?!道|口|边|旁|对面|灯)"
        ),
        # A POI name does not start with a building word; greedy, so it ends at its last suffix
        # ("蓝湾国际超市"). A bare suffix word ("小区", "医院") is refused in parse_components.
        POI: re.compile(
            rf"(?![号楼层室栋幢]){_name(strict, 14, '省')}(?<=[{_CJK}A-Za-z]){_POI_SUFFIX}"
        ),
    }


_PATTERNS = {True: _compile(True), False: _compile(False)}

_CHAIN3 = re.compile(rf"(?P<house>{_ID})-(?P<cell>{_ID})-(?P<room>{_ID}(?:室|号|房)?)(?![0-9-])")
_CHAIN2 = re.compile(rf"(?P<house>{_ID}(?:号楼|栋|幢|座|号)?)-(?P<room>{_ID}(?:室|号|房)?)(?![0-9-])")
_CELL = re.compile(rf"{_ID}(?:单元|号单元)")
# "88号楼下/楼上/楼道…" is a position near number 88, not building 88.
# A range of buildings ("3至5号楼", "3-5栋", "3号楼至5号楼") is one part.
_HOUSE_SUFFIX = r"(?:号楼(?![下上道里外前后旁边口顶梯])|栋|幢|座|号?库)"
_HOUSE = re.compile(rf"{_ID}(?:{_HOUSE_SUFFIX}?[-~至到]{_ID})?{_HOUSE_SUFFIX}")
_FLOOR = re.compile(rf"(?:负|地下)?{_NUM}(?:层|楼|[Ff](?![A-Za-z]))(?!号)")
_ROOM = re.compile(rf"{_ID}(?:室|号房|房间|房)")
_NUMBER_HAO = re.compile(rf"{_ID}(?:[-~至到]{_ID})?(?:号院|号|弄)")
_BARE_NUMBER = re.compile(r"[A-Za-z]?[0-9]{1,5}[A-Za-z]?(?:-[0-9]{1,5})?(?![0-9])")
_RUN = re.compile(rf"[{_CJK}A-Za-z]+")


def _match_any(text: str, position: int, patterns: list[tuple[str, re.Pattern[str]]]) -> Part | None:
    for label, pattern in patterns:
        match = pattern.match(text, position)
        if match and match.end() > position:
            return Part(label, position, match.end())
    return None


def _number_part(text: str, position: int, last: str | None, last_guessed: bool = False) -> list[Part]:
    """Numbered parts at ``position`` (building / unit / floor / room / road number), given the previous label.

    ``last_guessed``: the previous part is a name known only by its position (a hamlet, a compound without
    suffix); "X号" after it is the address number, as after a village.
    """
    after_house = last in HOUSE_LABELS
    chain = _CHAIN3.match(text, position)
    if chain and last not in _ROADS:
        return [Part(HOUSENO, *chain.span("house")), Part(CELLNO, *chain.span("cell")),
                Part(ROOMNO, *chain.span("room"))]
    if last in _ROADS:
        match = _NUMBER_HAO.match(text, position) or _BARE_NUMBER.match(text, position)
        if match and not _HOUSE.match(text, position):
            return [Part(ROADNO if last == ROAD else SUBROADNO, position, match.end())]
    for label, pattern in ((CELLNO, _CELL), (HOUSENO, _HOUSE), (FLOORNO, _FLOOR), (ROOMNO, _ROOM)):
        match = pattern.match(text, position)
        if match:
            return [Part(label, position, match.end())]
    chain = _CHAIN2.match(text, position)
    if chain and last is not None:
        return [Part(HOUSENO if not after_house else CELLNO, *chain.span("house")), Part(ROOMNO, *chain.span("room"))]
    match = _NUMBER_HAO.match(text, position)
    if match:
        if after_house:
            return [Part(ROOMNO, position, match.end())]
        if last in (ROADNO, SUBROADNO, POI, SUBPOI, DEVZONE) and not last_guessed:
            return [Part(HOUSENO, position, match.end())]
        return [Part(ROADNO, position, match.end())]
    match = _BARE_NUMBER.match(text, position)
    if match and last is not None:
        digits = sum(char.isdigit() for char in match.group())
        if after_house or digits >= 3 and last in (POI, SUBPOI):
            return [Part(ROOMNO, position, match.end())]
        if last in (POI, SUBPOI, ROADNO, SUBROADNO):
            return [Part(HOUSENO, position, match.end())]
        if last in (TOWN, COMMUNITY):
            return [Part(ROADNO, position, match.end())]
    return []


_HOUSE_PARTS = (_CELL, _HOUSE, _FLOOR, _ROOM)
# A villagers' group after the village ("七里村董岗组", "吴家村四组"); labelled as the road of a village address.
_VILLAGE_GROUP = re.compile(rf"(?:[0-9]{{1,3}}|[{_CN_NUM}]{{1,3}}|[{_CJK}]{{2,3}}?)(?:村民小组|小组|组|队)")
_CONNECTIVES = "与和及跟"
# Delivery-form filler that is no part of the address: "电联" (= 电话联系).
_FILLER = re.compile(r"(?:电联|电话联系|联系电话|电话|手机|联系)")


def _cut_at_number(text: str, part: Part) -> Part:
    """End a POI before a building / floor written in Chinese numerals ("皮革城五楼B区" → "皮革城")."""
    for index in range(part.start + 2, part.end):
        if text[index] in _CN_NUM and any(pattern.match(text, index) for pattern in _HOUSE_PARTS):
            return Part(part.label, part.start, index, part.guessed)
    return part


def _starts_part(text: str, position: int, name_patterns: list[tuple[str, re.Pattern[str]]]) -> bool:
    """True when a named part (town / community / zone / road) or a numbered building part starts here."""
    if (text[position] in _CN_NUM or text[position].isascii()) and any(
        pattern.match(text, position) for pattern in _HOUSE_PARTS
    ):
        return True
    return _match_any(text, position, name_patterns) is not None


def parse_components(text: str, position: int = 0, *, strict: bool = False,
                     last: str | None = None) -> tuple[list[Part], int]:
    """Label the address parts of ``text`` from ``position`` on; returns the parts and where the address ends.

    ``last`` is the label just before ``position`` (``"district"`` when the walk starts after the
    administrative part). In strict mode the walk stops at sentence punctuation and at anything unknown.
    """
    patterns = _PATTERNS[strict]
    parts: list[Part] = []
    end = position
    length = len(text)
    while position < length:
        char = text[position]
        if char in _SENTENCE_END or (strict and (char in ",，;；" or char.isspace())):
            break
        if char in _SEPARATORS or char in "-—":
            position += 1
            continue
        found: list[Part] = []
        if char.isdigit() or (char in _CN_NUM + "负地甲乙丙丁" and last in HOUSE_LABELS + (ROAD, ROADNO, SUBROAD, POI, SUBPOI)) or (
            char.isascii() and char.isalpha() and last is not None
        ):
            found = _number_part(text, position, last, bool(parts) and parts[-1].guessed)
        if not found and last == COMMUNITY:
            group = _VILLAGE_GROUP.match(text, position)
            if group:
                found = [Part(ROAD, position, group.end())]
        if not found and not strict and last in _ROADS and char in _CONNECTIVES and patterns[ROAD].match(
            text, position + 1
        ):
            position += 1  # "文二西路与紫荆港路交叉口"
            continue
        if not found and _ASSIST.match(text, position):
            if strict:
                break
            position = _ASSIST.match(text, position).end()  # type: ignore[union-attr]
            if text.startswith("的", position):
                position += 1  # "对面的幸福小区": the place starts after 的
            continue
        if not found:
            order = [(TOWN, patterns[TOWN]), (COMMUNITY, patterns[COMMUNITY]), (DEVZONE, patterns[DEVZONE]),
                     (ROAD, patterns[ROAD]), (POI, patterns[POI])]
            if last in HOUSE_LABELS:
                order = [(POI, patterns[POI])]
            part = _match_any(text, position, order)
            if part is not None and part.label == POI:
                part = _cut_at_number(text, part)
                if _BARE_SUFFIX.fullmatch(text, part.start, part.end):
                    part = None
            if part is not None:
                found = _split_sub_area(text, part) if part.label == POI else [part]
                if found[0].label == POI and any(p.label == POI for p in parts):
                    found[0] = Part(SUBPOI, found[0].start, found[0].end)
                if found[0].label == ROAD and any(p.label == ROAD for p in parts):
                    found[0] = Part(SUBROAD, found[0].start, found[0].end)
        if not found:
            if strict:
                break
            run = _RUN.match(text, position)
            if not run:
                position += 1
                continue
            run_end = next((i for i in range(position, run.end()) if text[i] in STOP_CHARS), run.end())
            if run_end == position:
                break  # "楼下的垃圾…": the address is over
            run_end = next((i for i in range(position + 1, run_end) if _starts_part(text, i, order[:4])), run_end)
            if _FILLER.fullmatch(text, position, run_end):
                position = run_end
                continue
            if run_end - position < 2:
                position = run_end
                continue
            label = SUBPOI if any(p.label == POI for p in parts) else POI
            found = [Part(label, position, run_end, guessed=True)]
        parts.extend(found)
        last = found[-1].label
        position = end = found[-1].end
    return parts, end
