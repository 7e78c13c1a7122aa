"""The district (区/县) of an address: the only location the public feed shows.

A district the operator lists in ``routing.yml`` (``districts``) wins wherever it appears in the address.
Otherwise the administrative prefix is read: an optional province (省/自治区), a city (市), then a name ending in
区, 县 or 旗 — but never a residential or campus ``…小区/社区/校区/园区/景区`` (that would name the estate). Without
the city in front, "和平里东区" could be a block of flats, so no guess is made.
Anything else gives ``None``: the feed then shows no location at all rather than guess.
"""

from __future__ import annotations

import re

_ADMIN = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?\s*[\u4e00-\u9fff]{2,7}?市\s*"
    r"(?P<district>[\u4e00-\u9fff]{1,8}?(?:区|县|旗))")
_NOT_DISTRICTS = ("小区", "社区", "校区", "园区", "景区", "厂区", "营区", "库区", "生活区", "住宅区", "商业区", "服务区")


def district_of(address: str | None, known: tuple[str, ...] = ()) -> str | None:
    """The district named in ``address`` (see the module docstring), or None."""
    if not address:
        return None
    for name in known:
        if name and name in address:
            return name
    match = _ADMIN.match(address)
    if match is None:
        return None
    district = match.group("district")
    if district.endswith(_NOT_DISTRICTS) or len(district) < 2:
        return None
    return district
