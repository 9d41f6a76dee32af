"""Kernel write services used by the admin: units, roles, applicants, holiday corrections, notifications."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import AuditLog, Organization, OrgKind, OrgLevel
from portal.roles import Role
from portal.services import holiday_override_save, notifications_mark_read, notify, organization_save


@pytest.mark.django_db
def test_moving_a_unit_reroots_descendants_with_history(city, make_unit, make_user):
    authority = make_user("auth", Role.CITY_AUTHORITY, city)
    county = make_unit("JJ", "晋江市", level=OrgLevel.COUNTY)
    office = make_unit("JJ-A", "晋江某局", parent=county)
    desk = make_unit("JJ-A-1", "某科室", parent=office)
    other = make_unit("NA", "南安市", level=OrgLevel.COUNTY)

    office.parent = other
    organization_save(organization=office, acting_user=authority)

    office.refresh_from_db()
    desk.refresh_from_db()
    assert office.path == f"{other.path}{office.pk}/"
    assert desk.path == f"{office.path}{desk.pk}/"
    assert desk.history.first().history_user == authority  # the descendant's new path is in its history
    assert AuditLog.objects.filter(action="portal.organization.update", object_id=str(office.pk)).exists()


@pytest.mark.django_db
def test_unit_edit_refused_outside_scope(city, make_unit, make_user):
    unit, elsewhere = make_unit("A", "甲"), make_unit("B", "乙")
    admin = make_user("ua", Role.UNIT_DATA_ADMIN, unit)
    elsewhere.name = "改名"
    with pytest.raises(PermissionDenied):
        organization_save(organization=elsewhere, acting_user=admin)
    assert Organization.objects.get(pk=elsewhere.pk).name == "乙"
    new = Organization(code="C", name="丙", kind=OrgKind.DEPARTMENT, level=OrgLevel.CITY, region_code="350500",
                       parent=city)
    with pytest.raises(PermissionDenied):
        organization_save(organization=new, acting_user=admin)
    assert not Organization.objects.filter(code="C").exists()


@pytest.mark.django_db
def test_holiday_corrections_only_by_city_authority(city, make_unit, make_user):
    from datetime import date

    from portal.models import HolidayOverride

    unit = make_unit("A", "甲")
    with pytest.raises(PermissionDenied):
        holiday_override_save(override=HolidayOverride(date=date(2027, 10, 8), is_workday=False, name="国庆"),
                              acting_user=make_user("ua", Role.UNIT_DATA_ADMIN, unit))
    saved = holiday_override_save(override=HolidayOverride(date=date(2027, 10, 8), is_workday=False, name="国庆"),
                                  acting_user=make_user("auth", Role.CITY_AUTHORITY, city))
    assert saved.history.first().history_user.username == "auth"
    assert AuditLog.objects.filter(action="portal.holiday.save").count() == 1


@pytest.mark.django_db
def test_notifications_marked_read_only_for_their_recipient(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    [note] = notify(recipients=[alice], title="通知")
    assert notifications_mark_read(user=bob, notification=note) == 0
    assert notifications_mark_read(user=alice) == 1
    note.refresh_from_db()
    assert note.read_at is not None
