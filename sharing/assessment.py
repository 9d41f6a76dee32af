"""Assessment per unit and month (QZ §九(一); catalog_sharing.md §6.2): steps answered on time, average working days
per step, producer opinions on time, data corrections on time, catalog completeness."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from portal.models import Organization
from portal.params import parse_month
from portal.workdays import workdays_between
from sharing import permissions
from sharing.models import ProducerOpinion, WorkflowStep


@dataclass
class UnitMonthRow:
    unit: Organization
    steps_due: int = 0
    steps_on_time: int = 0
    steps_finished: int = 0
    workdays_total: int = 0
    opinions_due: int = 0
    opinions_on_time: int = 0
    corrections_due: int = 0
    corrections_on_time: int = 0
    entries_total: int = 0
    entries_published: int = 0
    quality_avg: Decimal | None = None
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def _pct(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._pct(self.steps_on_time + self.opinions_on_time, self.steps_due + self.opinions_due)

    @property
    def avg_workdays(self) -> Decimal | None:
        if not self.steps_finished:
            return None
        return (Decimal(self.workdays_total) / Decimal(self.steps_finished)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def correction_rate(self) -> Decimal | None:
        return self._pct(self.corrections_on_time, self.corrections_due)

    @property
    def completeness(self) -> Decimal | None:
        return self._pct(self.entries_published, self.entries_total)


def month_param(value: object) -> date:
    """The month of ``?month=YYYY-MM`` (default: the previous month); a bad value is a 400 (``portal.params``)."""
    month = parse_month(value, default=previous_month(timezone.localdate()))
    assert month is not None
    return month


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def unit_month_rows(user: Any, month: date) -> list[UnitMonthRow]:
    """One row per unit that had something due in ``month`` or owns catalog entries, within the user's scope."""
    start, end = month, _month_end(month)
    rows: dict[int, UnitMonthRow] = {}
    units_q = permissions.assessment_units_q(user)
    units = Organization.objects.all() if units_q is None else Organization.objects.filter(units_q)
    unit_by_id = {u.pk: u for u in units}

    def row(unit_id: int | None) -> UnitMonthRow | None:
        if unit_id is None or unit_id not in unit_by_id:
            return None
        return rows.setdefault(unit_id, UnitMonthRow(unit_by_id[unit_id]))

    local_today = timezone.localdate()
    for step in WorkflowStep.objects.filter(due_on__gte=start, due_on__lte=end).only(
            "responsible_unit_id", "due_on", "finished_on", "started_on"):
        r = row(step.responsible_unit_id)
        if r is None:
            continue
        r.steps_due += 1
        if step.finished_on is not None and step.finished_on <= step.due_on:
            r.steps_on_time += 1
    for step in WorkflowStep.objects.filter(finished_on__gte=start, finished_on__lte=end).only(
            "responsible_unit_id", "started_on", "finished_on"):
        r = row(step.responsible_unit_id)
        if r is None:
            continue
        r.steps_finished += 1
        r.workdays_total += max(workdays_between(step.started_on, step.finished_on), 0)
    for op in ProducerOpinion.objects.filter(due_on__gte=start, due_on__lte=end):
        r = row(op.producer_unit_id)
        if r is None:
            continue
        r.opinions_due += 1
        if timezone.localtime(op.given_at).date() <= op.due_on:
            r.opinions_on_time += 1
    try:
        from catalogs.models import CatalogEntry, DataCorrection, EntryStatus
    except ImportError:  # pragma: no cover - catalogs is always installed in this project
        return list(rows.values())
    for corr in DataCorrection.objects.filter(Q(decide_due_on__range=(start, end))
                                              | Q(correct_due_on__range=(start, end))):
        r = row(corr.source_unit_id)
        if r is None:
            continue
        for due, done in ((corr.decide_due_on, corr.decided_on), (corr.correct_due_on, corr.corrected_on)):
            if due is not None and start <= due <= end:
                r.corrections_due += 1
                if done is not None and done <= due:
                    r.corrections_on_time += 1
                elif done is None and due >= local_today:
                    r.corrections_due -= 1  # not yet due: not counted
    stats = (CatalogEntry.objects.filter(retired_at__isnull=True).values("source_unit_id")
             .annotate(total=Count("pk"), published=Count("pk", filter=Q(status=EntryStatus.PUBLISHED)),
                       quality=Avg("quality_score")))
    for stat in stats:
        r = row(stat["source_unit_id"])
        if r is None:
            continue
        r.entries_total, r.entries_published = stat["total"], stat["published"]
        if stat["quality"] is not None:
            r.quality_avg = Decimal(str(stat["quality"])).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return sorted(rows.values(), key=lambda r: r.unit.path)
