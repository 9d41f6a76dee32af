"""Years without an official holiday notice: the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision,
in force 1 Jan 2025: 13 days, adding 除夕 and 5月2日; art. 2; a holiday falling on a weekend is made up on a working
day, 补假, art. 6) plus weekends, marked 暂定 wherever a date computed from them is shown; the authority enters the
State Council notice with its days, and open deadlines are counted again (docs/adr/0003)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from portal.models import HolidayNotice, HolidayOverride
from portal.roles import Role
from portal.services import holiday_notice_save
from portal.workdays import add_workdays, add_workdays_explained, calendar_changed, day_info, is_provisional


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar_changed()
    yield
    calendar_changed()  # a notice entered here is rolled back with the test: forget the cached notice years


def _run(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("workdays", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return out.getvalue().strip(), err.getvalue().strip(), code


def test_2027_new_years_day_is_a_statutory_holiday_marked_provisional(db):
    """放假办法第二条（一）：元旦放假1天. 2027 has no notice in the official data: 1 Jan 2027 is a holiday, 暂定."""
    info = day_info(date(2027, 1, 1))
    assert not info.is_workday and info.source == "statutory" and info.is_provisional and info.name == "元旦"
    assert _run("is", "2027-01-01")[:1] == ("holiday 暂定",)
    out, err, code = _run("add", "2026-12-31", "1")
    assert out == "2027-01-04 暂定" and "暂定" in err and code == 0
    assert _run("--strict", "add", "2026-12-31", "1")[2] == 3  # refuses to guess when asked to


def test_official_years_are_not_provisional(db):
    """2026 is in the official data (国办发明电〔2025〕7号): answers carry no mark and exit 0 even with --strict."""
    assert _run("--strict", "add", "2026-09-30", "1") == ("2026-10-08", "", 0)
    assert not is_provisional(date(2026, 12, 31)) and is_provisional(date(2027, 1, 4))
    assert add_workdays_explained(date(2026, 12, 1), 5) == (date(2026, 12, 8), False)


def test_2024_revision_13_days_with_new_years_eve_and_may_2(db):
    """2024年修订（2025年1月1日起施行）：春节放假4天（农历除夕、正月初一至初三）、劳动节2天（5月1日、2日）; 全体公民
    假日逢周六、周日在工作日补假 (第六条). 2027: 除夕 = 5 Feb (Fri), 初一至初三 6–8 Feb (Sat–Mon) → 补假 9–10 Feb."""
    for day in (date(2027, 2, 5), date(2027, 5, 2), date(2027, 10, 3), date(2027, 9, 15), date(2027, 6, 9),
                date(2027, 4, 5)):
        assert not day_info(day).is_workday, day
    assert not day_info(date(2027, 2, 9)).is_workday and not day_info(date(2027, 2, 10)).is_workday
    assert day_info(date(2027, 2, 11)).is_workday
    import holidays

    named = [d for d, name in holidays.country_holidays("CN", years=2027, language="zh_CN").items()
             if "补假" not in name and "调休" not in name]
    assert len(named) == 13


def test_a_deadline_of_20_working_days_from_december_2026_lands_provisionally_in_2027(db):
    """A step started 2026-12-10 with 20 working days runs into 2027: due 2027-01-08 (元旦 not counted), 暂定."""
    assert add_workdays_explained(date(2026, 12, 10), 20) == (date(2027, 1, 8), True)


def _notice(user, days, **kw):
    notice = HolidayNotice(year=2027, document_number=kw.pop("document_number", "国办发明电〔2026〕99号（测试）"),
                           published_on=date(2026, 12, 5), **kw)
    return holiday_notice_save(notice=notice, days=days, acting_user=user)


def test_entering_the_notice_makes_the_year_official_with_history(city_authority):
    """The authority enters the notice (holidays and make-up working days): the year is no longer 暂定; days not
    listed follow the week; the notice and its days keep history."""
    notice = _notice(city_authority, [
        {"date": date(2027, 1, 1), "is_workday": False, "name": "元旦"},
        {"date": date(2027, 2, 20), "is_workday": True, "name": "春节调休上班"},  # a Saturday worked
    ])
    assert not is_provisional(date(2027, 3, 1))
    assert day_info(date(2027, 2, 20)).is_workday and day_info(date(2027, 2, 20)).source == "override"
    assert day_info(date(2027, 2, 9)).is_workday  # not listed by this (hypothetical) notice: a Tuesday works
    assert _run("--strict", "is", "2027-02-20") == ("workday", "", 0)
    assert notice.history.exists() and HolidayOverride.objects.get(date=date(2027, 1, 1)).history.exists()
    assert HolidayOverride.objects.filter(notice=notice).count() == 2


def test_only_the_city_data_authority_enters_a_notice(make_user, make_unit):
    clerk = make_user("clerk", Role.UNIT_DATA_ADMIN, make_unit("QZ-X", "某局"))
    with pytest.raises(PermissionDenied):
        _notice(clerk, [])
    assert not HolidayNotice.objects.exists()


def test_a_day_outside_the_year_is_refused_and_nothing_is_written(city_authority):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不在 2027 年内"):
        _notice(city_authority, [{"date": date(2026, 12, 31), "is_workday": False, "name": "错"}])
    assert not HolidayNotice.objects.exists() and not HolidayOverride.objects.exists()


def test_entering_the_notice_recomputes_open_deadlines(city_authority, make_unit, make_user):
    """An entry submitted 2026-12-29 is due in 5 working days (GD第十一条) = 2027-01-06 on the provisional calendar;
    a notice making Saturday 2 Jan 2027 a make-up working day brings it to 2027-01-05, with a history row saying why;
    a published entry (closed step) is not touched."""
    from catalogs.services import entry_create, entry_transition

    unit = make_unit("QZ-F", "市财政局")
    admin = make_user("fin", Role.UNIT_DATA_ADMIN, unit)
    entry = entry_create(source_unit=unit, code="T-1", title="测试资源", acting_user=admin,
                         description="本目录登记本单位依法履职过程中产生的业务数据，按月更新，供各单位共享使用，包含必要的字段说明。",
                         items=[{"name": "企业名称", "description": "企业登记名称"}])
    entry = entry_transition(entry=entry, action="submit", acting_user=admin, on=date(2026, 12, 29))
    assert entry.review_due_on == date(2027, 1, 6) and is_provisional(entry.review_due_on)
    notice = _notice(city_authority, [{"date": date(2027, 1, 1), "is_workday": False, "name": "元旦"},
                                      {"date": date(2027, 1, 2), "is_workday": True, "name": "元旦调休上班"}])
    entry.refresh_from_db()
    assert entry.review_due_on == date(2027, 1, 5) and not is_provisional(entry.review_due_on)
    assert notice.recomputed_count == 1
    assert "2027年放假通知" in entry.history.latest().history_change_reason
    assert add_workdays(date(2026, 12, 29), 5) == date(2027, 1, 5)


def test_api_marks_provisional_due_dates(city_authority, make_unit, make_user, api_client):
    """The API carries ``<due field>_provisional`` next to each due date (docs/api.md)."""
    from catalogs.services import entry_create, entry_transition

    unit = make_unit("QZ-F", "市财政局")
    admin = make_user("fin", Role.UNIT_DATA_ADMIN, unit)
    entry = entry_create(source_unit=unit, code="T-1", title="测试资源", acting_user=admin,
                         description="本目录登记本单位依法履职过程中产生的业务数据，按月更新，供各单位共享使用，包含必要的字段说明。",
                         items=[{"name": "企业名称", "description": "企业登记名称"}])
    entry_transition(entry=entry, action="submit", acting_user=admin, on=date(2026, 12, 29))
    api_client.force_authenticate(admin)
    body = api_client.get(f"/api/v1/catalogs/entries/{entry.pk}/").json()
    assert body["review_due_on"] == "2027-01-06" and body["review_due_on_provisional"] is True


def test_admin_screen_enters_a_notice_and_refuses_others(client, city_authority, make_user, make_unit):
    """节假日通知 admin page: the authority adds the notice with its days inline; a unit clerk cannot open it."""
    client.force_login(city_authority)
    url = "/admin/portal/holidaynotice/add/"
    assert client.get(url).status_code == 200
    data = {"year": "2027", "document_number": "国办发明电〔2026〕99号（测试）", "title": "", "published_on": "2026-12-05",
            "days-TOTAL_FORMS": "2", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-01-01", "days-0-name": "元旦",
            "days-1-date": "2027-02-20", "days-1-is_workday": "on", "days-1-name": "调休上班"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = HolidayNotice.objects.get(year=2027)
    assert notice.days.count() == 2 and day_info(date(2027, 2, 20)).is_workday
    client.force_login(make_user("clerk", Role.UNIT_DATA_ADMIN, make_unit("QZ-X", "某局")))
    assert client.get(url).status_code == 403


def test_admin_changelist_due_columns_carry_the_mark(rf, city_authority):
    """Every ``*_due_on`` column of a governed admin list (here 接口申请 ``due_on``) shows 暂定 for a 2027 date and
    nothing for a 2026 one, with the date displayed as Django displays it."""
    from django.contrib import admin as django_admin

    from catalogs.models import InterfaceRequest

    model_admin = django_admin.site._registry[InterfaceRequest]
    request = rf.get("/admin/catalogs/interfacerequest/")
    request.user = city_authority
    column = next(c for c in model_admin.get_list_display(request) if getattr(c, "__name__", "") == "due_on")
    assert "暂定" in column(InterfaceRequest(due_on=date(2027, 1, 6)))
    assert "暂定" not in column(InterfaceRequest(due_on=date(2026, 12, 30)))


def test_a_single_override_also_recomputes_open_deadlines(city_authority, make_unit, make_user):
    """A one-day correction (节假日调整 without a notice) moves open deadlines too: 4 Jan 2027 made a rest day moves
    the review due 2027-01-06 to 2027-01-07; the year stays 暂定 (no notice)."""
    from catalogs.services import entry_create, entry_transition
    from portal.services import holiday_override_save

    unit = make_unit("QZ-F", "市财政局")
    admin = make_user("fin", Role.UNIT_DATA_ADMIN, unit)
    entry = entry_create(source_unit=unit, code="T-1", title="测试资源", acting_user=admin,
                         description="本目录登记本单位依法履职过程中产生的业务数据，按月更新，供各单位共享使用，包含必要的字段说明。",
                         items=[{"name": "企业名称", "description": "企业登记名称"}])
    entry = entry_transition(entry=entry, action="submit", acting_user=admin, on=date(2026, 12, 29))
    holiday_override_save(override=HolidayOverride(date=date(2027, 1, 4), is_workday=False, name="临时调整"),
                          acting_user=city_authority)
    entry.refresh_from_db()
    assert entry.review_due_on == date(2027, 1, 7) and is_provisional(entry.review_due_on)
