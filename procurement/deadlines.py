"""Statutory time limits of the procurement app, and the date arithmetic for them (procurement.md §3.8).

"N日" = calendar days counted from the day after the trigger (民法典 art. 201); when the last day of a deadline is not a
working day it moves to the next working day. "N个工作日" = working days through ``portal.workdays`` only.
Minimum publicity durations count whole days after the start day (ADR 0401).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from portal.workdays import add_workdays, is_workday

# ---- projects (HLJ; Heilongjiang figures adopted for Quanzhou, see ADR 0401)
DEMAND_CALL_MONTH = 6  # D32: June of year N-1
PLAN_DRAFT_MONTH_DAY = (10, 31)  # D34: by 31 October of year N-1
JOINT_REVIEW_WORKDAYS = 5  # D33
PD_REVIEW_WORKDAYS = 20  # D35
ADJUSTMENT_MAX_PCT = 15  # HLJ 28
ACCEPTANCE_MONTHS = 6  # D36
SELF_EVAL_MIN_MONTHS, SELF_EVAL_MAX_MONTHS = 6, 12  # D37
# ---- tenders (Fujian MT / R / SM)
AMENDMENT_MIN_DAYS = 15  # D3
MIN_BID_PERIOD_DAYS = 20  # D4 (EXT TL art 24)
MIN_BIDS = 3  # D6 / MT 35.1
CANDIDATE_PUBLICITY_START_DAYS, CANDIDATE_PUBLICITY_MIN_DAYS = 3, 3  # D12, D13
AWARD_DECISION_DAYS = 15  # D14
AWARD_PUBLICITY_START_DAYS, AWARD_PUBLICITY_MIN_DAYS = 3, 10  # D15, D16
CONTRACT_PUBLICITY_START_DAYS, CONTRACT_PUBLICITY_MIN_DAYS = 3, 3  # D18
WRITTEN_REPORT_DAYS = 15  # D19
BOND_REFUND_DAYS = 5  # D20, D21
OBJECTION_DECISION_DAYS = 2  # D7 (R 31: 2 days satisfies MT's 3 as well)
OBJECTION_REPLY_DAYS = 3  # D8
COMPLAINT_FILING_DAYS = 10  # D23
COMPLAINT_REVIEW_WORKDAYS = 3  # D24
PENALTY_PAY_DAYS = 15  # D25
CREDIT_REGISTER_WORKDAYS = 7  # D27
BAD_CONDUCT_YEARS = 1  # D28


def today() -> date:
    return timezone.localdate()


def local_date(value: datetime) -> date:
    return timezone.localtime(value).date()


def calendar_due(trigger: date, days: int) -> date:
    """Last day of an "N日内" deadline: trigger + N calendar days, moved to the next working day if needed."""
    due = trigger + timedelta(days=days)
    while not is_workday(due):
        due += timedelta(days=1)
    return due


def workday_due(trigger: date, days: int) -> date:
    """Last day of an "N个工作日内" deadline (the trigger day is not counted)."""
    return add_workdays(trigger, days)


def lasts_at_least(starts_on: date, ends_on: date, days: int) -> bool:
    """Whether a window [start, end] runs for at least ``days`` days counted after the start day."""
    return (ends_on - starts_on).days >= days


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (clamped to the month's last day: 31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def demand_window(plan_year: int) -> tuple[date, date]:
    """June of the year before the plan year."""
    return date(plan_year - 1, DEMAND_CALL_MONTH, 1), date(plan_year - 1, DEMAND_CALL_MONTH, 30)


def plan_draft_due(plan_year: int) -> date:
    return date(plan_year - 1, *PLAN_DRAFT_MONTH_DAY)


def limit_due(limit: Any, start: date, unit: Any = None) -> date:
    """Due date of a declared workflow ``Limit`` (``procurement.workflow``) started on ``start``: its rule parameter
    as in force for ``unit``'s jurisdiction when it names one, natural days moved off holidays, else working days."""
    from procurement import parameters

    days = limit.days
    if limit.parameter:
        days = parameters.int_value(limit.parameter.split(".", 1)[1], on=start, unit=unit)
    return calendar_due(start, days) if limit.calendar else workday_due(start, days)
