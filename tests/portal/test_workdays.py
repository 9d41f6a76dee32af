from datetime import date

import pytest
from django.core.management import call_command

from portal.models import HolidayOverride
from portal.workdays import add_workdays, add_workdays_explained, day_info, is_workday, workdays_between


def run(*args, capsys):
    call_command("workdays", *args)
    return capsys.readouterr().out.strip()


def test_command_across_national_day_2026(db, capsys):
    assert run("add", "2026-09-30", "1", capsys=capsys) == "2026-10-08"


def test_command_make_up_saturday_2026(db, capsys):
    assert run("add", "2026-02-13", "1", capsys=capsys) == "2026-02-14"
    assert run("is", "2026-02-14", capsys=capsys) == "workday"
    assert run("is", "2026-10-05", capsys=capsys) == "holiday"


def test_start_day_not_counted_and_weekends_skipped(db):
    assert add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert add_workdays(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert add_workdays(date(2026, 11, 23), -1) == date(2026, 11, 20)


def test_five_and_ten_working_days_over_national_day(db):
    # 2026-09-28 (Mon) + 5 wd: 29, 30, then holiday 1–7 Oct, 8, 9, and Sat 10 Oct (make-up working day).
    assert add_workdays(date(2026, 9, 28), 4) == date(2026, 10, 9)
    assert add_workdays(date(2026, 9, 28), 5) == date(2026, 10, 10)
    assert add_workdays(date(2026, 9, 28), 6) == date(2026, 10, 12)
    assert workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_override_table_wins(db):
    day = date(2026, 11, 23)
    assert is_workday(day)
    HolidayOverride.objects.create(date=day, is_workday=False, name="临时调整")
    info = day_info(day)
    assert not info.is_workday and info.source == "override"
    assert add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 24)


def test_year_without_official_data_is_estimated_and_flagged(db, caplog):
    info = day_info(date(2031, 3, 3))
    assert info.is_estimate and info.is_workday
    end, estimated = add_workdays_explained(date(2031, 3, 6), 1)
    assert end == date(2031, 3, 7) and estimated
    _, estimated_2026 = add_workdays_explained(date(2026, 3, 6), 1)
    assert not estimated_2026


def test_bad_date_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("workdays", "add", "2026/09/30", "1")
