"""Rule-based entity extractors (phone numbers, ID numbers, time expressions, ways of being addressed).

Each extractor reports spans in the original message; phone and ID extractors normalise first with
:func:`nlu.normalize.normalize_with_offsets`.
"""

from nlu.extract.address import ParsedAddress, extract_addresses, parse_address
from nlu.extract.idcard import extract_id_like, extract_id_numbers, mask_id
from nlu.extract.person import extract_addressing
from nlu.extract.phone import extract_phone_like, extract_phones, mask_phone
from nlu.extract.timeexpr import TimeMention, extract_times
from nlu.extract.types import Extraction

__all__ = [
    "Extraction",
    "ParsedAddress",
    "TimeMention",
    "extract_addresses",
    "extract_addressing",
    "extract_id_like",
    "extract_id_numbers",
    "extract_phone_like",
    "extract_phones",
    "extract_times",
    "mask_id",
    "mask_phone",
    "parse_address",
]
