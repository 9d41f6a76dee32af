"""Periodic collection (晋江 附件1/2): periods and due dates, task generation, submissions, overdue and reminders."""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalogs.models import (
    CatalogEntry,
    CollectionFrequency,
    CollectionItem,
    CollectionSubmission,
    CollectionTask,
    DeadlineRule,
    SubmissionChannel,
    TaskStatus,
)
from catalogs.selectors import unit_members, unit_members_by_unit
from catalogs.services.quality import entry_quality_refresh
from catalogs.workflow import COLLECTION_TASK, OPEN_TASK_STATES
from portal import deadlines, files
from portal.bulk import BulkStep, Notice, mark_in_batches, notify_bulk, transition_in_batches
from portal.faults import checkpoint
from portal.history import acting_as
from portal.hooks import announce
from portal.services import notify
from portal.workdays import add_workdays, next_workday
from portal.workflow import Step
from portal.xlsx import XlsxImportError, upload_rows

REMIND_DAYS_BEFORE = 3
INITIAL_LOAD_WORKDAYS = 20  # the source gives no deadline for the first (historical) load; docs/adr/0104
CATCH_UP_WORKDAYS = 20  # a task generated after its deadline has passed gets as long as the first load (adr/0102)
# The first collection is "as of" April 2023 (JJ annex 2: “2020年1月至2023年4月”, “截止至2023年4月全量”): what ends
# after it is regular periodic data, whatever the yearly range says (“2020年至2023年” cannot hold 2023's full year,
# due by 2024-01-31 under annex 1). docs/adr/0104.
FIRST_COLLECTION_AS_OF = date(2023, 4, 30)
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024

# Which task cadence a deadline rule generates. Annex 1 (deadline_rule) wins over annex 2 (frequency) when they
# disagree: the stricter annex-1 deadline generates tasks until the customer decides (spec §7.3, docs/adr/0102).
RULE_CADENCE = {
    DeadlineRule.MONTHLY_BY_15TH: CollectionFrequency.MONTHLY,
    DeadlineRule.QUARTERLY_30_DAYS: CollectionFrequency.QUARTERLY,
    DeadlineRule.YEARLY_BY_JAN_END: CollectionFrequency.YEARLY,
    DeadlineRule.YEARLY_BY_MAR_END: CollectionFrequency.YEARLY,
}


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_containing(cadence: str, day: date) -> Period:
    if cadence == CollectionFrequency.MONTHLY:
        return Period(f"{day.year}-{day.month:02d}", date(day.year, day.month, 1), _month_end(day.year, day.month))
    if cadence == CollectionFrequency.QUARTERLY:
        q = (day.month - 1) // 3 + 1
        return Period(f"{day.year}Q{q}", date(day.year, 3 * q - 2, 1), _month_end(day.year, 3 * q))
    return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))


def last_closed_period(cadence: str, on: date) -> Period:
    """The most recent period that ended before ``on`` (its data is what is due next)."""
    current = period_containing(cadence, on)
    return period_containing(cadence, current.start - timedelta(days=1))


def due_date(rule: str, period: Period) -> date:
    """The date a JJ annex-1 rule sets for a period (calendar dates, not working days; before rolling)."""
    if rule == DeadlineRule.MONTHLY_BY_15TH:
        nxt = period.end + timedelta(days=1)
        return date(nxt.year, nxt.month, 15)
    if rule == DeadlineRule.QUARTERLY_30_DAYS:
        return period.end + timedelta(days=30)
    if rule == DeadlineRule.YEARLY_BY_JAN_END:
        return date(period.end.year + 1, 1, 31)
    if rule == DeadlineRule.YEARLY_BY_MAR_END:
        return date(period.end.year + 1, 3, 31)
    raise ValueError(rule)


def rolled_due_date(rule: str, period: Period) -> date:
    """The due date: the rule's date, or the first working day after it when it falls on a statutory holiday or a
    rest day (顺延; 民法典第二百零三条: 期限的最后一日是法定休假日的，以法定休假日结束的次日为期限的最后一日)."""
    return next_workday(due_date(rule, period))


def reporting_units(item: CollectionItem) -> list[Any]:
    """Who submits: each of ``item.reporting_units`` (towns and streets, each its own task), else ``item.unit``."""
    units = [u for u in item.reporting_units.all() if u.retired_at is None]
    return units or [item.unit]


def _task_defaults(item: CollectionItem, unit: Any, period: Period, on: date) -> dict[str, Any]:
    nominal = due_date(item.deadline_rule, period)
    due = next_workday(nominal)
    catch_up = due < on  # generated too late to meet it: never overdue on creation
    return {"period_start_on": period.start, "period_end_on": period.end, "nominal_due_on": nominal,
            "due_on": add_workdays(on, CATCH_UP_WORKDAYS) if catch_up else due, "is_catch_up": catch_up}


def task_for(item: CollectionItem, period: Period, *, on: date | None = None, unit: Any = None) -> CollectionTask:
    """The task of ``period`` for ``unit`` (default: the item's own unit), created on ``on`` when missing."""
    unit = unit or item.unit
    task, _ = CollectionTask.objects.get_or_create(
        item=item, unit=unit, period=period.label,
        defaults=_task_defaults(item, unit, period, on or timezone.localdate()))
    return task


def _parse_bound(text: str) -> Period | None:
    """'2020-01' (month), '2020-Q1' (quarter), '2020' (year) of the first-collection range; None otherwise."""
    text = text.strip()
    try:
        if len(text) == 7 and text[4] == "-" and text[5:].isdigit():
            return period_containing(CollectionFrequency.MONTHLY, date(int(text[:4]), int(text[5:]), 1))
        if len(text) == 7 and text[4:6] == "-Q":
            return period_containing(CollectionFrequency.QUARTERLY, date(int(text[:4]), 3 * int(text[6]) - 2, 1))
        if len(text) == 4 and text.isdigit():
            return period_containing(CollectionFrequency.YEARLY, date(int(text), 1, 1))
    except ValueError:
        return None
    return None


def initial_period(item: CollectionItem) -> Period | None:
    """The one-off first collection of an item (JJ annex 1: “2020年以来历史数据” / “现有存量数据”) as a single period:
    '2020-01~2023-04', '2020Q1~2023Q1', '2020~2023', or '存量至2023-04' for a full snapshot (docs/adr/0104)."""
    end = _parse_bound(item.first_collection_to)
    if end is None:
        return None
    start = _parse_bound(item.first_collection_from)
    if start is None:  # FULL_SNAPSHOT: everything that exists at the end of the range
        return Period(f"存量至{end.label}", end.start, end.end)
    return Period(f"{start.label}~{end.label}", start.start, end.end)


def first_collection_covers_until(item: CollectionItem) -> date | None:
    """The last day whose data the first collection holds: the end of its range, at most ``FIRST_COLLECTION_AS_OF``
    (regular tasks start with the first period ending after it)."""
    period = initial_period(item)
    return None if period is None else min(period.end, FIRST_COLLECTION_AS_OF)


def initial_task_for(item: CollectionItem, on: date, *, unit: Any = None) -> tuple[CollectionTask | None, bool]:
    """Create (once) the first-collection task of ``item`` (for ``unit``), due ``INITIAL_LOAD_WORKDAYS`` working days
    after ``on``."""
    period = initial_period(item)
    if period is None:
        return None, False
    due = add_workdays(on, INITIAL_LOAD_WORKDAYS)
    return CollectionTask.objects.get_or_create(
        item=item, unit=unit or item.unit, period=period.label,
        defaults={"period_start_on": period.start, "period_end_on": period.end, "nominal_due_on": due,
                  "due_on": due, "is_initial_load": True})


def periods_due(item: CollectionItem, unit: Any, on: date) -> list[Period]:
    """The regular periods to generate on ``on``: from the one after the unit's latest task (or after the first
    collection) up to the last closed period, so a series has no gaps; an item without a first collection and
    without tasks starts with the last closed period."""
    cadence = RULE_CADENCE[item.deadline_rule]
    last = last_closed_period(cadence, on)
    latest = (CollectionTask.objects.filter(item=item, unit=unit, is_initial_load=False)
              .order_by("-period_end_on").values_list("period_end_on", flat=True).first())
    covered = first_collection_covers_until(item)
    after = max(d for d in (latest, covered) if d is not None) if (latest or covered) else None
    if after is None:
        return [last]
    out: list[Period] = []
    period = period_containing(cadence, after + timedelta(days=1))
    while period.end <= last.end:
        if period.end > after:
            out.append(period)
        period = period_containing(cadence, period.end + timedelta(days=1))
    return out


@transaction.atomic
def collection_tasks_generate(*, on: date | None = None, acting_user: Any = None) -> int:
    """Create, for every active item and each unit that submits it (every town and street of a “各镇（街道）” item),
    its one-off first-collection task (once) and the task of every closed period after the first collection or the
    unit's latest task (idempotent, no gaps). Due dates roll to the next working day; a task whose due date has
    already passed is a catch-up task due ``CATCH_UP_WORKDAYS`` later. Returns how many tasks are new."""
    today = on or timezone.localdate()
    created = 0
    with acting_as(acting_user):
        for item in (CollectionItem.objects.filter(is_active=True, retired_at__isnull=True)
                     .select_related("unit").prefetch_related("reporting_units")):
            for unit in reporting_units(item):
                _, new = initial_task_for(item, today, unit=unit)
                created += new
                for period in periods_due(item, unit, today):
                    _, new = CollectionTask.objects.get_or_create(
                        item=item, unit=unit, period=period.label,
                        defaults=_task_defaults(item, unit, period, today))
                    created += new
                    checkpoint("catalogs.collection_tasks_generate")
    return created


def _nominal_of(task: CollectionTask) -> date | None:
    return None if task.is_catch_up or task.is_initial_load else task.nominal_due_on


# A holiday notice entered for a year rolls the open tasks' deadlines again (portal.deadlines, docs/adr/0003).
deadlines.register(deadlines.DueDates(label="采集任务", model="catalogs.CollectionTask", field="due_on",
                                      open=Q(status=TaskStatus.PENDING), nominal=_nominal_of))


@COLLECTION_TASK.effect("overdue")
def _overdue(step: Step) -> None:
    task = step.obj
    if task.due_on >= step.on:
        raise ValidationError(f"截止日 {task.due_on:%Y-%m-%d} 未过，不能标记逾期。")
    step.audit_reason = f"{task.deadline_note}，届时未报送"
    recipients = unit_members(task.unit_id)
    if recipients:
        step.then(lambda: notify(
            recipients=recipients, title=f"采集任务已逾期：{task.item.name}（{task.period}）",
            body=f"截止日 {task.due_on:%Y年%m月%d日} 已过，请尽快报送；逾期报送将计入按时报送率。",
            url=f"/admin/catalogs/collectiontask/{task.pk}/change/"))
    if task.item.entry_id:
        step.then(lambda: entry_quality_refresh(task.item.entry))


OVERDUE_CHANGE_REASON = "截止日已过未报送，定时任务标记为逾期"
REMIND_CHANGE_REASON = "到期提醒已发送，定时任务记录提醒时间"


def _overdue_after(batch: BulkStep) -> None:
    """What the ``overdue`` effect does besides the state, for a whole batch: the unit's notice per task, then the
    quality score of each catalog entry the batch's items belong to (once per entry, after all its tasks changed)."""
    tasks = batch.records
    members = unit_members_by_unit({t.unit_id for t in tasks})
    notify_bulk(Notice(recipients=members[t.unit_id], title=f"采集任务已逾期：{t.item.name}（{t.period}）",
                       body=f"截止日 {t.due_on:%Y年%m月%d日} 已过，请尽快报送；逾期报送将计入按时报送率。",
                       url=f"/admin/catalogs/collectiontask/{t.pk}/change/")
                for t in tasks if members[t.unit_id])
    entry_ids = {t.item.entry_id for t in tasks if t.item.entry_id}
    for entry in CatalogEntry.objects.filter(pk__in=entry_ids).order_by("pk"):
        entry_quality_refresh(entry)


def collection_tasks_mark_overdue(*, on: date | None = None) -> int:
    """Daily job: pending tasks past their due date become overdue (transition ``overdue``: history, an audit row per
    task, and the unit's data administrators are notified once). Set-based (``portal.bulk``, docs/adr/0017): batches
    of one ``UPDATE`` each, their own transaction; an overdue task is no longer selected, so a run again after a crash
    goes on with the rest."""
    today = on or timezone.localdate()
    return len(transition_in_batches(
        COLLECTION_TASK, "overdue", CollectionTask.objects.filter(due_on__lt=today), on=today, update={},
        reason=lambda task: f"{task.deadline_note}，届时未报送", change_reason=OVERDUE_CHANGE_REASON,
        point="catalogs.collection_tasks_mark_overdue", after=_overdue_after, relock_related=("item", "unit")))


def collection_reminders_send(*, on: date | None = None, days_before: int = REMIND_DAYS_BEFORE) -> int:
    """Remind each unit's data administrators once, ``days_before`` days (or fewer) before a pending task is due.
    Set-based batches (``portal.bulk``), each its own transaction: a reminded task carries its time (saved with
    history), so a run again after a crash reminds nobody twice."""
    today = on or timezone.localdate()
    due = CollectionTask.objects.filter(status=TaskStatus.PENDING, reminded_at__isnull=True, due_on__gte=today,
                                        due_on__lte=today + timedelta(days=days_before))

    def notices(tasks: list[CollectionTask]) -> Iterable[Notice]:
        members = unit_members_by_unit({t.unit_id for t in tasks})
        return (Notice(recipients=members[t.unit_id], title=f"采集任务即将到期：{t.item.name}（{t.period}）",
                       body=f"请于 {t.due_on:%Y年%m月%d日} 前报送 {t.period} 的“{t.item.name}”数据。",
                       url=f"/admin/catalogs/collectiontask/{t.pk}/change/")
                for t in tasks if members[t.unit_id])

    return len(mark_in_batches(due.select_related("item"), update=lambda now: {"reminded_at": now},
                               change_reason=REMIND_CHANGE_REASON, point="catalogs.collection_reminders_send",
                               notices=notices))


# --------------------------------------------------------------------------------------------- submissions
def _norm(name: Any) -> str:
    return "" if name is None else "".join(str(name).split())


def _filled(row: tuple[Any, ...]) -> bool:
    return any(v is not None and str(v).strip() for v in row)


def read_columns(fileobj: IO[bytes], file_name: str) -> tuple[list[str], int]:
    """Header (first non-empty row) and data-row count of an uploaded .xlsx or .csv (UTF-8, UTF-8 with BOM or
    GB18030), read with the kernel's safe reader; unreadable files are a ``ValidationError`` on ``file``."""
    if not file_name.lower().endswith((".xlsx", ".csv")):
        raise ValidationError({"file": ["只接受 .xlsx 或 .csv 文件。"]})
    try:
        with closing(upload_rows(fileobj, file_name, max_bytes=MAX_SUBMISSION_BYTES, csv_allowed=True)) as rows:
            header = next((r for r in rows if _filled(r)), None)
            if header is None:
                raise ValidationError({"file": ["文件为空。"]})
            count = sum(1 for r in rows if _filled(r))
    except XlsxImportError as exc:
        raise ValidationError({"file": [str(e) if e.row else e.message for e in exc.errors]}) from exc
    names = [_norm(h) for h in header if h is not None and str(h).strip()]
    repeated = sorted({n for n in names if names.count(n) > 1}, key=names.index)
    if repeated:
        raise ValidationError({"file": [f"表头“{'、'.join(repeated)}”重复出现，请每列只保留一个。"]})
    return [str(h).strip() for h in header if h is not None and str(h).strip()], count


def check_columns(item: CollectionItem, columns: list[str]) -> tuple[list[str], list[str]]:
    """(missing declared fields, extra columns), compared ignoring whitespace."""
    declared = {_norm(f): f for f in item.fields}
    present = {_norm(c): c for c in columns}
    missing = [f for key, f in declared.items() if key not in present]
    extra = [c for key, c in present.items() if key not in declared]
    return missing, extra


def _rows_to_csv(columns: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


@COLLECTION_TASK.effect("submit")
def _submit(step: Step) -> None:
    """Record the file (``file`` + ``file_name``, or ``columns`` + ``rows`` pushed through the API) as a submission and
    check it against the item's declared fields. Missing columns → not accepted (state unchanged); extra columns are
    reported (accepted only when the item's field list is open-ended, "等"). Accepted for an open task: 按时报送 on or
    before the due date, 逾期报送 after it; a task already submitted keeps its state and first submission time."""
    task = step.obj
    user = step.user
    file: IO[bytes] | None = step.inputs.get("file")
    file_name: str = step.inputs.get("file_name") or ""
    columns: list[str] | None = step.inputs.get("columns")
    rows: list[list[Any]] | None = step.inputs.get("rows")
    if file is not None:
        channel = SubmissionChannel.UPLOAD
        file_name = files.upload_name(file_name or file)
        found, count = read_columns(file, file_name)
        content: Any = file
    elif columns is not None:
        channel = SubmissionChannel.API
        found, count = [str(c).strip() for c in columns], len(rows or [])
        if any(len(r) != len(found) for r in rows or []):
            raise ValidationError("每行的值个数必须与列数一致。")
        file_name = file_name or f"{task.item.code}-{task.period}.csv"
        content = ContentFile(_rows_to_csv(found, rows or []), name=file_name)
    else:
        raise ValidationError("请上传文件或提供数据行。")
    missing, extra = check_columns(task.item, found)
    problems = []
    if missing:
        problems.append(f"缺少列：{'、'.join(missing)}")
    if extra and not task.item.is_fields_open_ended:
        problems.append(f"多出列：{'、'.join(extra)}（该事项字段清单已穷尽）")
    accepted = not problems and count > 0
    if count == 0:
        problems.append("文件没有数据行")
    message = "校验通过" + (f"；附加列：{'、'.join(extra)}" if extra else "") if accepted else "；".join(problems)
    submission = CollectionSubmission(
        task=task, channel=channel, file_name=file_name, row_count=count, columns=found, missing_columns=missing,
        extra_columns=extra, is_accepted=accepted, message=message, submitted_at=step.now, submitted_by=user)
    with files.atomic():  # inside collection_submit's files.atomic(), which deletes the file if the step rolls back
        files.store(submission.file, content, name=file_name)
        submission.save()
    if accepted and task.status in OPEN_TASK_STATES:
        step.go(TaskStatus.SUBMITTED if step.on <= task.due_on else TaskStatus.LATE_SUBMITTED)
        task.submitted_at = submission.submitted_at
    else:
        step.go(task.status)  # refused file, or a further file for a submitted task: recorded, state unchanged
    step.audit_reason = message
    if task.item.entry_id:
        step.then(lambda: entry_quality_refresh(task.item.entry))
    if accepted:  # readers of the data (e.g. 免申即享 fact sources) react without catalogs importing them
        step.then(lambda: announce("catalogs.submission.accepted", submission=submission, user=user, on=step.on))


@files.atomic()
def collection_submit(*, task: CollectionTask, acting_user: Any, file: IO[bytes] | None = None,
                      file_name: str = "", columns: list[str] | None = None, rows: list[list[Any]] | None = None,
                      on: date | None = None) -> CollectionSubmission:
    """Submit a file (upload, or columns+rows pushed through the API) for ``task``: transition ``submit`` (the
    submission is recorded whether or not its columns pass the check; see ``_submit``). Returns the submission."""
    task = COLLECTION_TASK.apply("submit", task, user=acting_user, on=on, file=file, file_name=file_name,
                                 columns=columns, rows=rows)
    # the row stays locked until this transaction ends: the newest submission is the one just recorded
    return task.submissions.latest("pk")
