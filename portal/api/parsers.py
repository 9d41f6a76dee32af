"""The API's JSON parser: a request body is one JSON object, of bounded depth, that the database can store."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


def _refuse_constant(name: str) -> Any:
    raise ParseError(f"请求体不是有效的 JSON：不支持 {name}，数值必须是有限的数字。")


def _check(value: Any) -> None:
    """Depth, NUL characters and overflowing numbers (``1e309``), walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                raise ParseError(f"请求体嵌套过深：最多 {MAX_DEPTH} 层。")
            for key, child in item.items():
                if "\x00" in key:
                    raise ParseError("请求体不能包含 NUL 字符（\\u0000）。")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                raise ParseError(f"请求体嵌套过深：最多 {MAX_DEPTH} 层。")
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            raise ParseError("请求体不能包含 NUL 字符（\\u0000）。")
        elif isinstance(item, float) and not math.isfinite(item):
            raise ParseError("请求体中的数值超出范围。")


class ObjectJSONParser(JSONParser):
    """Every API view expects a JSON object (``{…}``): arrays, numbers, strings and null are refused with 400, as
    are NaN/Infinity and numbers beyond float range, nesting deeper than ``MAX_DEPTH`` and NUL characters (which
    PostgreSQL cannot store). Messages are Chinese."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError:
            raise ParseError(f"请求体不是有效的 {encoding} 文本。") from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"请求体嵌套过深：最多 {MAX_DEPTH} 层。") from None
        except ValueError as exc:
            raise ParseError(f"请求体不是有效的 JSON（第 {getattr(exc, 'lineno', '?')} 行第 "
                             f"{getattr(exc, 'colno', '?')} 列）。") from None
        if not isinstance(data, dict):
            raise ParseError("请求体应为 JSON 对象（{…}）。")
        _check(data)
        return data
