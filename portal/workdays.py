"""Working days by China's official calendar.

Order of authority for a day (docs/adr/0003):
1. the admin-entered ``HolidayOverride`` rows (a year's State Council notice is entered as a ``HolidayNotice`` with
   its days; single corrections are rows without a notice);
2. in a year with an entered notice, every other day follows the week (Monday–Friday work): the notice is complete;
3. the ``chinesecalendar`` package (official notices; its data ends with 2026);
4. for any other year, the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision, in force 2025: 13 days,
   incl. 除夕 and 5月2日; lunar dates and 补假 computed by the pinned ``holidays`` package) plus weekends. Make-up
   working days (调休上班) are unknown until the notice, so every such day is **provisional** (``暂定``) and so is
   every date computed from it: ``is_provisional(day)`` answers for the day's year.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import holidays as holidays_lib

logger = logging.getLogger("portal.workdays")

SOURCE_OVERRIDE = "override"
SOURCE_NOTICE = "notice"
SOURCE_OFFICIAL = "official"
SOURCE_STATUTORY = "statutory"
SOURCE_ESTIMATE = SOURCE_STATUTORY  # the former name of a provisional day (kept for callers)
PROVISIONAL_LABEL = "暂定"
PROVISIONAL_HELP = "该年尚无国务院放假通知，按《全国年节及纪念日放假办法》推算，调休上班日未计，日期为暂定。"
NOTICE_YEARS_TTL = 60.0  # seconds another process may keep answering from a stale list of notice years
_warned_years: set[int] = set()
_notice_cache: dict[str, tuple[float, frozenset[int]]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    source: str  # override / notice / official / statutory
    name: str = ""
    is_provisional: bool = False

    @property
    def is_estimate(self) -> bool:
        return self.is_provisional


# ------------------------------------------------------------------------------------------------- which years
@lru_cache(maxsize=256)
def has_official_data(year: int) -> bool:
    """Whether the pinned ``chinesecalendar`` carries the State Council notice of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def notice_years() -> frozenset[int]:
    """Years for which the authority entered the State Council notice (cached ``NOTICE_YEARS_TTL`` seconds)."""
    now = time.monotonic()
    cached = _notice_cache.get("years")
    if cached is not None and now - cached[0] < NOTICE_YEARS_TTL:
        return cached[1]
    from portal.models import HolidayNotice

    years = frozenset(HolidayNotice.objects.filter(retired_at__isnull=True).values_list("year", flat=True))
    with _lock:
        _notice_cache["years"] = (now, years)
    return years


def calendar_changed() -> None:
    """Forget the cached notice years (called by the services that enter a notice)."""
    with _lock:
        _notice_cache.clear()


def is_provisional_year(year: int) -> bool:
    return not has_official_data(year) and year not in notice_years()


def is_provisional(day: date | None) -> bool:
    """Whether ``day`` (a due date, a working day) was computed from a year without an official notice."""
    return day is not None and is_provisional_year(day.year)


def provisional_years(days: list[date | None]) -> set[int]:
    """The provisional years among ``days`` (one look-up for a whole list)."""
    return {d.year for d in days if d is not None and is_provisional_year(d.year)}


# ------------------------------------------------------------------------------------------------- the days
@lru_cache(maxsize=64)
def _statutory(year: int) -> dict[date, str]:
    """Statutory rest days of 《全国年节及纪念日放假办法》 for ``year`` (with 补假 of days falling on a weekend)."""
    table = holidays_lib.country_holidays("CN", years=year, language="zh_CN", categories=("public",))
    return {d: str(name) for d, name in table.items() if d.year == year}


def _overrides(start: date, end: date) -> dict[date, tuple[bool, str]]:
    from portal.models import HolidayOverride

    rows = HolidayOverride.objects.filter(date__gte=start, date__lte=end, retired_at__isnull=True)
    return {r.date: (r.is_workday, r.name) for r in rows}


def _weekday(day: date) -> tuple[bool, str]:
    return (True, "") if day.weekday() < 5 else (False, "周末")


def _official(day: date, noticed: frozenset[int] | None = None) -> DayInfo:
    """The day when no override row names it."""
    if day.year in (notice_years() if noticed is None else noticed):
        workday, name = _weekday(day)
        return DayInfo(day, workday, SOURCE_NOTICE, name)
    if has_official_data(day.year):
        workday = chinese_calendar.is_workday(day)
        name = ""
        if not workday:
            on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
            name = str(holiday_name) if on_holiday and holiday_name else "周末"
        elif day.weekday() >= 5:
            name = "调休上班"
        return DayInfo(day, workday, SOURCE_OFFICIAL, name)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning("%s 年尚无国务院放假通知：按《全国年节及纪念日放假办法》推算（暂定）；"
                       "通知发布后请在“节假日通知”中录入。", day.year)
    statutory = _statutory(day.year)
    if day in statutory:
        return DayInfo(day, False, SOURCE_STATUTORY, statutory[day], True)
    workday, name = _weekday(day)
    return DayInfo(day, workday, SOURCE_STATUTORY, name, True)


def day_info(day: date) -> DayInfo:
    """Whether ``day`` is a working day, on whose authority, and whether that is provisional."""
    override = _overrides(day, day).get(day)
    if override is not None:
        return DayInfo(day, override[0], SOURCE_OVERRIDE, override[1], is_provisional(day))
    return _official(day)


def is_workday(day: date) -> bool:
    return day_info(day).is_workday


def _walk(start: date, n: int) -> tuple[date, list[DayInfo]]:
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    window = timedelta(days=remaining * 3 + 40)
    lo, hi = (start, start + window) if step > 0 else (start - window, start)
    overrides = _overrides(lo, hi)
    noticed = notice_years()
    counted: list[DayInfo] = []
    current = start
    while remaining:
        current += timedelta(days=step)
        if not lo <= current <= hi:  # extremely long holiday runs: widen the window
            overrides.update(_overrides(current - window, current + window))
            lo, hi = current - window, current + window
        if current in overrides:
            info = DayInfo(current, overrides[current][0], SOURCE_OVERRIDE, overrides[current][1],
                           is_provisional(current))
        else:
            info = _official(current, noticed)
        if info.is_workday:
            counted.append(info)
            remaining -= 1
    return current, counted


def add_workdays(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (the start day is not counted); negative ``n`` counts back."""
    return _walk(start, n)[0]


def add_workdays_explained(start: date, n: int) -> tuple[date, bool]:
    """Like ``add_workdays`` and also whether the result is provisional (a counted day lies in a year without a
    notice)."""
    end, counted = _walk(start, n)
    return end, any(info.is_provisional for info in counted) or (n == 0 and is_provisional(end))


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it (a deadline 遇节假日顺延)."""
    return day if is_workday(day) else add_workdays(day, 1)


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have elapsed from ``start`` until ``end``."""
    if end <= start:
        return -workdays_between(end, start) if end < start else 0
    overrides = _overrides(start, end)
    noticed = notice_years()
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        flag = overrides[current][0] if current in overrides else _official(current, noticed).is_workday
        count += flag
    return count
