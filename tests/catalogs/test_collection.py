"""Collection schedule: due dates per JJ rule, task generation, submissions checked against fields, statuses,
reminders, overdue board and on-time rate."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from catalogs.models import CollectionItem, CollectionTask, DeadlineRule, TaskStatus
from catalogs.selectors import on_time_rate, task_overdue_board
from catalogs.services import (
    collection_reminders_send,
    collection_submit,
    collection_tasks_generate,
    collection_tasks_mark_overdue,
)
from catalogs.services.collection import Period, due_date, last_closed_period
from portal.models import Notification


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def item(unit_a):
    return CollectionItem.objects.create(
        unit=unit_a, code="JJ-finance-1", name="城市基础设施配套费", fields=["缴款书号码", "开票日期", "金额"],
        frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)


def xlsx(headers, rows=1):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for i in range(rows):
        ws.append([f"v{i}"] * len(headers))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(("rule", "period", "expected"), [
    (DeadlineRule.MONTHLY_BY_15TH, Period("2026-03", date(2026, 3, 1), date(2026, 3, 31)), date(2026, 4, 15)),
    (DeadlineRule.MONTHLY_BY_15TH, Period("2026-12", date(2026, 12, 1), date(2026, 12, 31)), date(2027, 1, 15)),
    (DeadlineRule.YEARLY_BY_JAN_END, Period("2025", date(2025, 1, 1), date(2025, 12, 31)), date(2026, 1, 31)),
    (DeadlineRule.YEARLY_BY_MAR_END, Period("2025", date(2025, 1, 1), date(2025, 12, 31)), date(2026, 3, 31)),
    (DeadlineRule.QUARTERLY_30_DAYS, Period("2026Q1", date(2026, 1, 1), date(2026, 3, 31)), date(2026, 4, 30)),
    (DeadlineRule.QUARTERLY_30_DAYS, Period("2026Q2", date(2026, 4, 1), date(2026, 6, 30)), date(2026, 7, 30)),
    (DeadlineRule.QUARTERLY_30_DAYS, Period("2026Q4", date(2026, 10, 1), date(2026, 12, 31)), date(2027, 1, 30)),
])
def test_due_dates(rule, period, expected):
    assert due_date(rule, period) == expected


def test_last_closed_period():
    assert last_closed_period("monthly", date(2026, 1, 5)).label == "2025-12"
    assert last_closed_period("quarterly", date(2026, 5, 1)).label == "2026Q1"
    assert last_closed_period("yearly", date(2026, 2, 1)).label == "2025"


def test_generation_is_idempotent_and_uses_annex1_rule_on_conflict(item, unit_b):
    conflict = CollectionItem.objects.create(
        unit=unit_b, code="JJ-hr-2", name="就业指标", fields=["统计时间"], frequency="yearly",
        deadline_rule=DeadlineRule.MONTHLY_BY_15TH, has_frequency_conflict=True)
    assert collection_tasks_generate(on=date(2026, 5, 3)) == 2
    assert collection_tasks_generate(on=date(2026, 5, 20)) == 0
    task = CollectionTask.objects.get(item=conflict)
    assert (task.period, task.due_on) == ("2026-04", date(2026, 5, 15))  # monthly (annex 1), not yearly


def test_submission_on_time_late_and_column_check(item, user_a):
    collection_tasks_generate(on=date(2026, 5, 3))
    task = CollectionTask.objects.get()
    bad = collection_submit(task=task, acting_user=user_a, file=xlsx(["缴款书号码", "金额", "备注"]),
                            file_name="bad.xlsx", on=date(2026, 5, 10))
    assert not bad.is_accepted
    assert bad.missing_columns == ["开票日期"] and bad.extra_columns == ["备注"]
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
    ok = collection_submit(task=task, acting_user=user_a, file=xlsx(["缴款书号码", "开票日期", "金额"], rows=4),
                           file_name="ok.xlsx", on=date(2026, 5, 15))
    assert ok.is_accepted and ok.row_count == 4
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED  # the 15th itself is on time


def test_every_file_is_one_submit_step_refused_and_repeated_files_keep_the_state(item, user_a):
    """Through the kernel (transition ``submit``): a refused file and a further file for a submitted task are
    recorded, each with one audit row ``catalogs.collection_task.submit``, and leave the state (and due date) as
    they were."""
    from portal.models import AuditLog

    collection_tasks_generate(on=date(2026, 5, 3))
    task = CollectionTask.objects.get()
    bad = collection_submit(task=task, acting_user=user_a, columns=["金额"], rows=[["1"]], on=date(2026, 5, 10))
    task.refresh_from_db()
    assert not bad.is_accepted and (task.status, task.submitted_at) == (TaskStatus.PENDING, None)
    first = collection_submit(task=task, acting_user=user_a, columns=item.fields, rows=[["A", "2026-04-02", "1"]],
                              on=date(2026, 5, 12))
    again = collection_submit(task=task, acting_user=user_a, columns=item.fields, rows=[["B", "2026-04-03", "2"]],
                              on=date(2026, 5, 20))
    task.refresh_from_db()
    assert first.is_accepted and again.is_accepted and again.pk != first.pk
    assert (task.status, task.submitted_at, task.due_on) == (TaskStatus.SUBMITTED, first.submitted_at,
                                                             date(2026, 5, 15))
    rows = AuditLog.objects.filter(action="catalogs.collection_task.submit", object_id=str(task.pk))
    assert [r.reason for r in rows.order_by("pk")] == [bad.message, "校验通过", "校验通过"]


def test_overdue_then_late_submission_via_csv(item, user_a):
    collection_tasks_generate(on=date(2026, 5, 3))
    assert collection_tasks_mark_overdue(on=date(2026, 5, 16)) == 1
    task = CollectionTask.objects.get()
    assert task.status == TaskStatus.OVERDUE
    csv_bytes = "缴款书号码,开票日期,金额\nA1,2026-04-02,100.00\n".encode("utf-8-sig")
    collection_submit(task=task, acting_user=user_a, file=io.BytesIO(csv_bytes), file_name="d.csv",
                      on=date(2026, 5, 18))
    task.refresh_from_db()
    assert task.status == TaskStatus.LATE_SUBMITTED
    board = task_overdue_board()
    assert board[0]["unit"] == "单位甲" and board[0]["late_submitted"] == 1
    assert on_time_rate(year=2026) == [{"unit_id": item.unit_id, "unit": "单位甲", "due": 1, "on_time": 0,
                                        "rate": 0.0}]


def test_other_unit_cannot_submit(item, user_b):
    collection_tasks_generate(on=date(2026, 5, 3))
    with pytest.raises(PermissionDenied, match="单位甲"):
        collection_submit(task=CollectionTask.objects.get(), acting_user=user_b, columns=["金额"], rows=[["1"]])


def test_reminder_sent_once_before_due(item, user_a):
    collection_tasks_generate(on=date(2026, 5, 3))
    assert collection_reminders_send(on=date(2026, 5, 10)) == 0  # too early
    assert collection_reminders_send(on=date(2026, 5, 13)) == 1
    assert collection_reminders_send(on=date(2026, 5, 14)) == 0  # once
    assert Notification.objects.filter(recipient=user_a, title__contains="城市基础设施配套费").count() == 1


def test_daily_job_through_the_task_queue(item, user_a):
    from portal.tasks import enqueue

    enqueue("catalogs.tasks.daily_collection")  # sync in tests
    assert CollectionTask.objects.filter(item=item).count() == 1
    from portal.schedules import all_schedules

    assert any(s[1] == "catalogs.tasks.daily_collection" for s in all_schedules())


@pytest.mark.parametrize(("first_from", "first_to", "cadence", "rule", "label", "start", "end", "regular"), [
    ("2020-01", "2023-04", "monthly", DeadlineRule.MONTHLY_BY_15TH, "2020-01~2023-04", date(2020, 1, 1),
     date(2023, 4, 30), 40),  # 2023-05 … 2026-08
    ("2020-Q1", "2023-Q1", "quarterly", DeadlineRule.QUARTERLY_30_DAYS, "2020Q1~2023Q1", date(2020, 1, 1),
     date(2023, 3, 31), 13),  # 2023Q2 … 2026Q2
    ("2020", "2023", "yearly", DeadlineRule.YEARLY_BY_JAN_END, "2020~2023", date(2020, 1, 1), date(2023, 12, 31),
     3),  # 2023 … 2025: the first collection holds data as of April 2023 (docs/adr/0104)
    ("FULL_SNAPSHOT", "2023-04", "monthly", DeadlineRule.MONTHLY_BY_15TH, "存量至2023-04", date(2023, 4, 1),
     date(2023, 4, 30), 40),
])
def test_first_collection_is_one_historical_batch_task(unit_a, first_from, first_to, cadence, rule, label, start,
                                                       end, regular):
    from portal.workdays import add_workdays

    item = CollectionItem.objects.create(unit=unit_a, code="I-1", name="历史数据事项", fields=["金额"],
                                         frequency=cadence, deadline_rule=rule, first_collection_from=first_from,
                                         first_collection_to=first_to)
    on = date(2026, 9, 28)  # the 20 working days cross the 2026 National Day holiday
    assert collection_tasks_generate(on=on) == 1 + regular  # the batch + every period after it (no gaps)
    batch = CollectionTask.objects.get(item=item, is_initial_load=True)
    assert (batch.period, batch.period_start_on, batch.period_end_on) == (label, start, end)
    assert batch.due_on == add_workdays(on, 20) == date(2026, 10, 30)  # 1–7 Oct off, 10 Oct worked
    assert collection_tasks_generate(on=date(2026, 9, 30)) == 0  # idempotent: one batch ever
    assert CollectionTask.objects.filter(item=item, is_initial_load=True).count() == 1


def test_no_regular_task_inside_the_first_collection_range(unit_a):
    item = CollectionItem.objects.create(unit=unit_a, code="I-2", name="历史数据事项", fields=["金额"],
                                         frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH,
                                         first_collection_from="2020-01", first_collection_to="2023-04")
    collection_tasks_generate(on=date(2023, 4, 20))  # last closed period 2023-03 is inside the batch
    assert list(item.tasks.values_list("period", flat=True)) == ["2020-01~2023-04"]
    collection_tasks_generate(on=date(2023, 6, 2))
    assert sorted(item.tasks.values_list("period", flat=True)) == ["2020-01~2023-04", "2023-05"]


def test_overdue_job_notifies_unit_admins_and_writes_audit(item, user_a, user_b):
    from portal.models import AuditLog

    collection_tasks_generate(on=date(2026, 5, 3))
    assert collection_tasks_mark_overdue(on=date(2026, 5, 16)) == 1
    task = CollectionTask.objects.get()
    row = AuditLog.objects.get(action="catalogs.collection_task.overdue")
    assert row.object_id == str(task.pk) and row.actor is None
    assert (row.before["status"], row.after["status"]) == ("pending", "overdue")
    note = Notification.objects.get(recipient=user_a, title__startswith="采集任务已逾期")
    assert "城市基础设施配套费" in note.title and note.url.endswith(f"/{task.pk}/change/")
    assert not Notification.objects.filter(recipient=user_b).exists()  # another unit's admin is not told
    assert collection_tasks_mark_overdue(on=date(2026, 5, 17)) == 0  # once
    assert AuditLog.objects.filter(action="catalogs.collection_task.overdue").count() == 1
