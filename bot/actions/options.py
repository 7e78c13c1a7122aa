"""Understanding which numbered candidate a citizen picked ("2", "第二个", "选三", "2号")."""
from __future__ import annotations

import re

_CN_DIGITS = {"一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_PICK = re.compile(r"(?:^|第|选|要|是|号码?|序号)\s*([1-9]|[一二两三四五壹贰叁肆伍])(?:\s*(?:个|条|项|号|种|吧|呢|$))")
_BARE = re.compile(r"^\s*([1-9]|[一二两三四五])\s*[.、。!！]?\s*$")


def parse_option(text: str, *, count: int) -> int | None:
    """Return the 1-based option picked in ``text`` when it is within 1..count, else None."""
    if not text:
        return None
    cleaned = text.translate(_FULLWIDTH).strip()
    match = _BARE.match(cleaned) or _PICK.search(cleaned)
    if not match:
        return None
    token = match.group(1)
    number = int(token) if token.isdigit() else _CN_DIGITS[token]
    return number if 1 <= number <= count else None
