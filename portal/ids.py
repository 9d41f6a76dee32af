"""Database ids taken from untrusted text (URLs, request bodies): digits only, within the bigint key range."""

from __future__ import annotations

import re
from typing import Any

BIGINT_MAX = 2**63 - 1
ID_PATTERN = "[0-9]{1,19}"  # URL routes: anything else is no route (404)
_ID = re.compile(ID_PATTERN)


def parse_id(value: Any) -> int | None:
    """The id written in ``value``, or None when it is not one (not ASCII digits, or beyond bigint)."""
    text = str(value).strip()
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None
