"""List columns that fit a 1366-px screen: codes and times on one line, units by their short names."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from portal.display import local_datetime


def nowrap(value: Any) -> SafeString:
    return format_html('<span class="nowrap">{}</span>', "-" if value in (None, "") else value)


def unit_short(unit: Any) -> str:
    """The unit's 简称 where it has one (the full name is on the record)."""
    return (getattr(unit, "short_name", "") or getattr(unit, "name", "")) if unit is not None else "-"


def moment(value: Any) -> SafeString:
    return nowrap(local_datetime(value) if value else "")
