"""Exact JSON for OCDS: Decimal amounts are written as JSON numbers from their decimal text, never through float
(``Decimal("950000.10")`` → ``950000.10``). The standard ``json`` module cannot emit a raw number from ``default``,
so each Decimal becomes a per-call random placeholder string that is replaced by the number text after encoding."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any


def _swap(value: Any, marks: dict[str, str], token: str) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("OCDS 金额不能为 NaN 或无穷大。")
        key = f"{token}{len(marks)}"
        marks[key] = format(value, "f")
        return key
    if isinstance(value, dict):
        return {k: _swap(v, marks, token) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_swap(v, marks, token) for v in value]
    return value


def dumps_exact(data: Any, **kwargs: Any) -> str:
    """``json.dumps`` with every Decimal written exactly as a JSON number."""
    marks: dict[str, str] = {}
    token = f"__dec_{secrets.token_hex(8)}_"
    text = json.dumps(_swap(data, marks, token), ensure_ascii=False, **kwargs)
    if not marks:
        return text
    return re.sub(f'"({re.escape(token)}\\d+)"', lambda m: marks[m.group(1)], text)


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON keeping non-integer numbers as Decimal."""
    return json.loads(text, parse_float=Decimal)
