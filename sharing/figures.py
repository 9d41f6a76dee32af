"""Figures of 数据共享 for the 工作台: share-application decisions per month, within the user's scope.

One aggregate query (GROUP BY month of the decision, in Asia/Shanghai) over the applications
``ShareApplicationPolicy.scope`` lets the user see, whatever their number; the function returns plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sharing.models import ShareApplication
from sharing.permissions import ShareApplicationPolicy
from sharing.workflow import Status

DECIDED = (Status.GRANTED, Status.REJECTED, Status.STOPPED)


@dataclass(frozen=True)
class MonthDecisions:
    year: int
    month: int
    granted: int  # 已授权（服务已开通）
    rejected: int  # 审核不通过
    stopped: int  # 停止授权

    @property
    def total(self) -> int:
        return self.granted + self.rejected + self.stopped


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def decisions_by_month(user: Any, *, months: int = 12, today: dt.date | None = None) -> list[MonthDecisions]:
    """The last ``months`` calendar months (this one included, oldest first), each with the applications decided in
    it: granted, rejected, stopped (months without decisions count zero); one query."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    qs = ShareApplicationPolicy().scope(user, ShareApplication.objects.filter(
        retired_at__isnull=True, status__in=DECIDED, decided_at__gte=since))
    counted = {}
    for r in (qs.annotate(month=TruncMonth("decided_at", tzinfo=tz)).values("month")
              .annotate(granted=Count("pk", filter=Q(status=Status.GRANTED)),
                        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
                        stopped=Count("pk", filter=Q(status=Status.STOPPED))).order_by("month")):
        month = timezone.localtime(r["month"], tz).date() if isinstance(r["month"], dt.datetime) else r["month"]
        counted[(month.year, month.month)] = (r["granted"], r["rejected"], r["stopped"])
    out = []
    for back in range(months - 1, -1, -1):
        start = _month_start(today, back)
        out.append(MonthDecisions(start.year, start.month, *counted.get((start.year, start.month), (0, 0, 0))))
    return out


@dataclass(frozen=True)
class UnitOverdueSteps:
    unit: str
    statutory: int  # 超过法定期限
    target: int  # 超过服务目标期限（非法定）

    @property
    def total(self) -> int:
        return self.statutory + self.target


def overdue_steps_by_unit(user: Any, *, today: dt.date | None = None, limit: int = 12
                          ) -> tuple[list[UnitOverdueSteps], int]:
    """Open application steps past their due date per responsible unit (most first), within what the user's
    ``WorkflowStepPolicy`` lets them see, and how many such units there are; one aggregate query."""
    from sharing.models import WorkflowStep
    from sharing.permissions import WorkflowStepPolicy

    today = today or timezone.localdate()
    qs = WorkflowStepPolicy().scope(user, WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=today))
    rows = list(qs.values("responsible_unit__short_name", "responsible_unit__name")
                .annotate(statutory=Count("pk", filter=Q(is_statutory=True)),
                          target=Count("pk", filter=Q(is_statutory=False)), total=Count("pk"))
                .order_by("-total", "responsible_unit__name"))
    out = [UnitOverdueSteps(r["responsible_unit__short_name"] or r["responsible_unit__name"] or "申请方（补正、确认）",
                            r["statutory"], r["target"]) for r in rows]
    return out[:limit], len(out)
