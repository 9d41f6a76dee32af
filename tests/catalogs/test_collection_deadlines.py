"""Collection deadlines and the first collection (JJ seed 004: 附件1 报送时限 “每月15日前提供上月份数据”, “每年1月底前提供
上年度数据”; 附件2 首次采集 “2020年1月至2023年4月” / “2020年至2023年”; §十六 各镇人民政府、街道办事处).

A deadline on a statutory holiday or rest day rolls to the next working day (民法典第二百零三条: 期限的最后一日是法定
休假日的，以法定休假日结束的次日为期限的最后一日); the overdue job and the on-time check use the rolled date; the first
collection holds data as of April 2023, so regular tasks follow without gaps; a task is never overdue when created;
each town and street submits its own tasks (docs/adr/0102, 0104)."""

from __future__ import annotations

from datetime import date

import pytest

from catalogs.models import CollectionItem, CollectionTask, DeadlineRule, TaskStatus
from catalogs.services import collection_submit, collection_tasks_generate, collection_tasks_mark_overdue
from portal.models import Notification, OrgKind, OrgLevel
from portal.roles import Role
from portal.workdays import add_workdays, calendar_changed


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    calendar_changed()
    yield
    calendar_changed()


def _item(unit, code="JJ-T-1", *, frequency="monthly", rule=DeadlineRule.MONTHLY_BY_15TH, first=("", "")):
    return CollectionItem.objects.create(unit=unit, code=code, name="城市基础设施配套费", fields=["缴款书号码", "金额"],
                                         frequency=frequency, deadline_rule=rule, first_collection_from=first[0],
                                         first_collection_to=first[1])


def _periods(item, **filters):
    return sorted(item.tasks.filter(is_initial_load=False, **filters).values_list("period", flat=True))


def test_15_february_2026_in_the_spring_festival_rolls_to_24_february(unit_a, user_a):
    """“每月15日前提供上月份数据”: January 2026's data is due 15 Feb 2026, a Sunday inside the Spring Festival
    holiday (15–23 Feb, 国办发明电〔2025〕7号): the deadline rolls to Tuesday 24 Feb. The overdue job run
    mid-holiday and on the 24th flags nothing; a submission on the 24th is on time; the 25th flags it."""
    item = _item(unit_a)
    assert collection_tasks_generate(on=date(2026, 2, 1)) == 1
    task = CollectionTask.objects.get(item=item)
    assert (task.period, task.nominal_due_on, task.due_on) == ("2026-01", date(2026, 2, 15), date(2026, 2, 24))
    assert task.deadline_note == "截止日 2026-02-15 遇节假日顺延至 2026-02-24" and not task.is_catch_up
    assert collection_tasks_mark_overdue(on=date(2026, 2, 18)) == 0
    assert collection_tasks_mark_overdue(on=date(2026, 2, 24)) == 0
    collection_submit(task=task, acting_user=user_a, columns=item.fields, rows=[["1", "2"]], on=date(2026, 2, 24))
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED


def test_overdue_only_after_the_rolled_deadline(unit_a):
    item = _item(unit_a)
    collection_tasks_generate(on=date(2026, 2, 1))
    assert collection_tasks_mark_overdue(on=date(2026, 2, 25)) == 1
    assert CollectionTask.objects.get(item=item).status == TaskStatus.OVERDUE


def test_a_deadline_on_a_working_day_does_not_move(unit_a):
    """2026-04-15 is a Wednesday: nothing to roll; the note says so plainly."""
    item = _item(unit_a)
    collection_tasks_generate(on=date(2026, 4, 1))
    task = CollectionTask.objects.get(item=item)
    assert task.nominal_due_on == task.due_on == date(2026, 4, 15) and task.deadline_note == "截止日 2026-04-15"


def _daily(from_day: date, to_day: date) -> None:
    """The scheduled job, run on the 1st and the 20th of every month from ``from_day`` to ``to_day``."""
    day = from_day
    while day <= to_day:
        collection_tasks_generate(on=day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1) if day.day >= 20 else day.replace(day=20)


def test_yearly_items_get_the_2023_task_due_31_january_2024(unit_a):
    """附件2 “2020年至2023年” was collected in May 2023 (as of April 2023): 2023's full year is regular data,
    due “每年1月底前” = 31 Jan 2024 (a Wednesday)."""
    item = _item(unit_a, frequency="yearly", rule=DeadlineRule.YEARLY_BY_JAN_END, first=("2020", "2023"))
    _daily(date(2023, 5, 22), date(2025, 2, 1))
    assert _periods(item) == ["2023", "2024"]
    task = item.tasks.get(period="2023")
    assert task.due_on == date(2024, 1, 31) and not task.is_catch_up


def test_no_gap_may_to_december_2023_for_a_monthly_rule_with_a_yearly_range(unit_a):
    """The two items whose annex-1 rule is monthly but whose annex-2 range is yearly (“2020年至2023年”) start
    monthly tasks with May 2023, like every monthly item (first collection as of April 2023)."""
    item = _item(unit_a, frequency="yearly", rule=DeadlineRule.MONTHLY_BY_15TH, first=("2020", "2023"))
    _daily(date(2023, 5, 22), date(2024, 1, 20))
    assert _periods(item) == [f"2023-{m:02d}" for m in range(5, 13)]


def test_a_task_is_never_overdue_when_created(unit_a):
    """A monthly-rule item with a quarterly range (“2020年一季度至2023年一季度”) owes April 2023, due 15 May 2023;
    generated on 22 May 2023 it is a catch-up task due 20 working days later, not overdue on creation."""
    item = _item(unit_a, frequency="quarterly", rule=DeadlineRule.MONTHLY_BY_15TH, first=("2020-Q1", "2023-Q1"))
    collection_tasks_generate(on=date(2023, 5, 22))
    task = item.tasks.get(period="2023-04")
    assert task.is_catch_up and task.nominal_due_on == date(2023, 5, 15)
    assert task.due_on == add_workdays(date(2023, 5, 22), 20) == date(2023, 6, 19)
    assert "补报截止日 2023-06-19" in task.deadline_note
    assert collection_tasks_mark_overdue(on=date(2023, 5, 23)) == 0


def test_a_missed_run_leaves_no_gap(unit_a):
    """The job continues each series from its latest task: after three months without a run, all three come."""
    item = _item(unit_a)
    collection_tasks_generate(on=date(2026, 2, 1))
    collection_tasks_generate(on=date(2026, 5, 2))
    assert _periods(item) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert _periods(item, is_catch_up=True) == ["2026-02", "2026-03"]  # due 16 Mar and 15 Apr: passed by 2 May


def test_each_town_and_street_has_its_own_tasks_and_liaison(make_unit, make_user, unit_a):
    """§十六 各镇人民政府、街道办事处: every town/street submits the towns' items itself; the overdue notice goes to
    that town's liaison only."""
    grouping = make_unit("JJ-towns", "晋江市各镇（街道）", kind=OrgKind.TOWN_STREET, level=OrgLevel.TOWN)
    qingyang = make_unit("JJ-town-qy", "晋江市青阳街道", parent=grouping, kind=OrgKind.TOWN_STREET, level=OrgLevel.TOWN)
    anhai = make_unit("JJ-town-ah", "晋江市安海镇", parent=grouping, kind=OrgKind.TOWN_STREET, level=OrgLevel.TOWN)
    liaison_qy = make_user("qy", Role.UNIT_DATA_ADMIN, qingyang)
    liaison_ah = make_user("ah", Role.UNIT_DATA_ADMIN, anhai)
    item = _item(grouping, code="JJ-towns-2")
    item.reporting_units.set([qingyang, anhai])
    assert collection_tasks_generate(on=date(2026, 4, 1)) == 2
    assert set(CollectionTask.objects.values_list("unit__name", flat=True)) == {"晋江市青阳街道", "晋江市安海镇"}
    collection_submit(task=CollectionTask.objects.get(unit=qingyang), acting_user=liaison_qy, columns=item.fields,
                      rows=[["1", "2"]], on=date(2026, 4, 10))
    assert collection_tasks_mark_overdue(on=date(2026, 4, 16)) == 1
    assert Notification.objects.filter(recipient=liaison_ah, title__startswith="采集任务已逾期").exists()
    assert not Notification.objects.filter(recipient=liaison_qy, title__startswith="采集任务已逾期").exists()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # a town cannot submit another town's task
        collection_submit(task=CollectionTask.objects.get(unit=anhai), acting_user=liaison_qy, columns=item.fields,
                          rows=[["1", "2"]], on=date(2026, 4, 20))


def test_a_holiday_notice_rolls_open_collection_deadlines_again(unit_a, city_authority):
    """December 2026's data is due 15 Jan 2027 (a Friday; 暂定, no 2027 notice). A notice making that day a holiday
    (hypothetical, for the test) rolls the open task to Monday 18 Jan (docs/adr/0003)."""
    from portal.models import HolidayNotice
    from portal.services import holiday_notice_save
    from portal.workdays import is_provisional

    item = _item(unit_a)
    collection_tasks_generate(on=date(2027, 1, 2))
    task = item.tasks.get(period="2026-12")
    assert task.due_on == date(2027, 1, 15) and is_provisional(task.due_on)
    notice = holiday_notice_save(notice=HolidayNotice(year=2027, document_number="测试〔2026〕1号",
                                                      published_on=date(2026, 12, 5)),
                                 days=[{"date": date(2027, 1, 15), "is_workday": False, "name": "测试假日"}],
                                 acting_user=city_authority)
    task.refresh_from_db()
    assert task.due_on == date(2027, 1, 18) and notice.recomputed_count == 1
    assert task.deadline_note == "截止日 2027-01-15 遇节假日顺延至 2027-01-18"


def test_admin_shows_the_rule_on_the_task(client, unit_a, user_a):
    item = _item(unit_a)
    collection_tasks_generate(on=date(2026, 2, 1))
    client.force_login(user_a)
    task = CollectionTask.objects.get(item=item)
    page = client.get(f"/admin/catalogs/collectiontask/{task.pk}/change/").content.decode()
    assert "截止日 2026-02-15 遇节假日顺延至 2026-02-24" in page
    listing = client.get("/admin/catalogs/collectiontask/").content.decode()
    assert "2026-02-24" in listing and "（顺延）" in listing


def test_api_gives_the_rule_the_rolled_date_and_the_note(unit_a, user_a, api_client):
    item = _item(unit_a)
    collection_tasks_generate(on=date(2026, 2, 1))
    api_client.force_authenticate(user_a)
    task = CollectionTask.objects.get(item=item)
    body = api_client.get(f"/api/v1/catalogs/tasks/{task.pk}/").json()
    assert (body["nominal_due_on"], body["due_on"], body["due_on_provisional"]) == ("2026-02-15", "2026-02-24", False)
    assert body["deadline_note"] == "截止日 2026-02-15 遇节假日顺延至 2026-02-24" and body["is_catch_up"] is False
