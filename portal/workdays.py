"""Working days by China's official calendar.

Order of authority: the admin-editable ``HolidayOverride`` table, then the ``chinesecalendar`` package (official State
Council notices; its data ends with 2026), then a Monday–Friday estimate that is flagged and logged. See docs/adr/0003.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger("portal.workdays")

SOURCE_OVERRIDE = "override"
SOURCE_OFFICIAL = "official"
SOURCE_ESTIMATE = "estimate"
_warned_years: set[int] = set()


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    source: str  # override / official / estimate
    name: str = ""

    @property
    def is_estimate(self) -> bool:
        return self.source == SOURCE_ESTIMATE


def _overrides(start: date, end: date) -> dict[date, tuple[bool, str]]:
    from portal.models import HolidayOverride

    rows = HolidayOverride.objects.filter(date__gte=start, date__lte=end, retired_at__isnull=True)
    return {r.date: (r.is_workday, r.name) for r in rows}


def _official(day: date) -> DayInfo:
    try:
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning("%s 年无官方节假日数据，按周一至周五估算；请在“节假日调整”中录入国务院通知。", day.year)
        return DayInfo(day, day.weekday() < 5, SOURCE_ESTIMATE, "估算（无官方数据）")
    name = ""
    if not workday:
        on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
        name = str(holiday_name) if on_holiday and holiday_name else "周末"
    elif day.weekday() >= 5:
        name = "调休上班"
    return DayInfo(day, workday, SOURCE_OFFICIAL, name)


def day_info(day: date) -> DayInfo:
    """Whether ``day`` is a working day, and on whose authority."""
    override = _overrides(day, day).get(day)
    if override is not None:
        return DayInfo(day, override[0], SOURCE_OVERRIDE, override[1])
    return _official(day)


def is_workday(day: date) -> bool:
    return day_info(day).is_workday


def _walk(start: date, n: int) -> tuple[date, list[DayInfo]]:
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    window = timedelta(days=remaining * 3 + 40)
    lo, hi = (start, start + window) if step > 0 else (start - window, start)
    overrides = _overrides(lo, hi)
    counted: list[DayInfo] = []
    current = start
    while remaining:
        current += timedelta(days=step)
        if not lo <= current <= hi:  # extremely long holiday runs: widen the window
            overrides.update(_overrides(current - window, current + window))
            lo, hi = current - window, current + window
        if current in overrides:
            info = DayInfo(current, overrides[current][0], SOURCE_OVERRIDE, overrides[current][1])
        else:
            info = _official(current)
        if info.is_workday:
            counted.append(info)
            remaining -= 1
    return current, counted


def add_workdays(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (the start day is not counted); negative ``n`` counts back."""
    return _walk(start, n)[0]


def add_workdays_explained(start: date, n: int) -> tuple[date, bool]:
    """Like ``add_workdays`` and also whether any counted day was only estimated (no official data)."""
    end, counted = _walk(start, n)
    return end, any(info.is_estimate for info in counted)


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have elapsed from ``start`` until ``end``."""
    if end <= start:
        return -workdays_between(end, start) if end < start else 0
    overrides = _overrides(start, end)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        flag = overrides[current][0] if current in overrides else _official(current).is_workday
        count += flag
    return count
