"""Query parameters and date bounds, checked once (issue 15; docs/input-validation.md, docs/adr/0013).

A bad ``?month=``, ``?year=``, ``?date=`` or numeric parameter is never replaced by a default in silence: the parse
functions raise ``ParamError`` (Django's ``BadRequest``), which the API answers as 400 ``{"<name>": ["…"]}`` and the
admin and site as the 400 page showing the Chinese message. An absent (or empty) parameter takes the ``default``.

Dates people type (requested usage periods, dates of workflow steps) must lie within ``date_bounds()``: not before
``DATE_MIN`` (2000-01-01) and not more than ``FUTURE_YEARS`` (10) years after today. ``date_bound_error`` gives the
Chinese refusal for services, ``validate_date_bounds`` is the same check as a form / serializer field validator.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone

DATE_MIN = date(2000, 1, 1)
FUTURE_YEARS = 10
_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_INT = re.compile(r"\d{1,9}", re.ASCII)


class ParamError(BadRequest):
    """A query parameter that cannot be read: ``name`` is the parameter, ``message`` the Chinese explanation."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def date_bounds(today: date | None = None) -> tuple[date, date]:
    """(earliest, latest) date accepted where people type dates: 2000-01-01 to today + 10 years."""
    today = today or timezone.localdate()
    try:
        latest = today.replace(year=today.year + FUTURE_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + FUTURE_YEARS, day=28)
    return DATE_MIN, latest


def date_bound_error(value: date | None, label: str, *, today: date | None = None) -> str:
    """The Chinese refusal when ``value`` lies outside ``date_bounds()`` ('' when it is inside or empty)."""
    if value is None:
        return ""
    earliest, latest = date_bounds(today)
    if value < earliest:
        return f"{label}（{value.isoformat()}）早于 {earliest.isoformat()}，请检查年份。"
    if value > latest:
        return f"{label}（{value.isoformat()}）晚于 {latest.isoformat()}（今天起 {FUTURE_YEARS} 年内），请检查年份。"
    return ""


def validate_date_bounds(value: date | None) -> None:
    """Field validator (forms, serializers, workflow step inputs): the date lies within ``date_bounds()``."""
    message = date_bound_error(value, "日期")
    if message:
        raise ValidationError(message, code="date_bounds")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def parse_month(value: object, *, name: str = "month", default: date | None = None) -> date | None:
    """``YYYY-MM`` → the first day of that month; absent → ``default``; anything else (``abc``, ``2026-13``, a
    year outside the bounds) → ``ParamError``."""
    text = _text(value)
    if not text:
        return default
    found = _MONTH.fullmatch(text)
    earliest, latest = date_bounds()
    if found and 1 <= int(found[2]) <= 12:
        month = date(int(found[1]), int(found[2]), 1)
        if earliest <= month <= latest:
            return month
    raise ParamError(name, f"参数 {name} 应为年月，格式 YYYY-MM（如 {timezone.localdate():%Y-%m}），"
                           f"年份在 {earliest.year} 至 {latest.year} 之间；收到“{text[:20]}”。")


def parse_year(value: object, *, name: str = "year", default: int | None = None) -> int | None:
    """A four-digit year within the bounds; absent → ``default``; anything else → ``ParamError``."""
    text = _text(value)
    if not text:
        return default
    earliest, latest = date_bounds()
    if _YEAR.fullmatch(text) and earliest.year <= int(text) <= latest.year:
        return int(text)
    raise ParamError(name, f"参数 {name} 应为年度（四位数字，{earliest.year} 至 {latest.year}），"
                           f"如 {timezone.localdate().year}；收到“{text[:20]}”。")


def parse_date(value: object, *, name: str = "date", default: date | None = None) -> date | None:
    """``YYYY-MM-DD`` within the bounds; absent → ``default``; anything else → ``ParamError``."""
    text = _text(value)
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ParamError(name, f"参数 {name} 应为日期，格式 YYYY-MM-DD；收到“{text[:20]}”。") from None
    message = date_bound_error(day, f"参数 {name}")
    if message:
        raise ParamError(name, message)
    return day


def parse_int(value: object, *, name: str, default: int | None = None, minimum: int = 1) -> int | None:
    """A whole number ≥ ``minimum`` (ids, version numbers); absent → ``default``; anything else → ``ParamError``."""
    text = _text(value)
    if not text:
        return default
    if _INT.fullmatch(text) and int(text) >= minimum:
        return int(text)
    raise ParamError(name, f"参数 {name} 应为不小于 {minimum} 的整数；收到“{text[:20]}”。")
