"""工作台 over the seeded demo: what awaits each role, badges, the role's boards, the person in the header."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.demo import DEMO_PERSONS
from tests.portal.test_chinese_staff_pages import login, page, shows

pytestmark = pytest.mark.django_db
STAFF = ["city_authority", "county_authority", "unit_admin", "tech_operator", "program_officer", "finance_officer",
         "procurement_officer", "procurement_supervisor", "auditor"]


@pytest.mark.parametrize("username", STAFF)
def test_header_names_the_person_and_unit(client, demo, username):
    login(client, username)
    raw, text = page(client, "/admin/")
    assert DEMO_PERSONS[username] in text
    assert username.upper() not in raw and f"<strong>{username}</strong>" not in raw
    assert "待我办理" in text


def test_unit_admin_sees_its_unit_and_work(client, demo):
    login(client, "unit_admin")
    _, text = page(client, "/admin/")
    assert shows(text, "林晓峰（泉州市工业和信息化局）")


def test_links_follow_the_role(client, demo):
    login(client, "city_authority")
    _, city = page(client, "/admin/")
    assert "共享办理逾期看板" in city and "采集报送看板" in city
    login(client, "applicant")
    assert client.get("/admin/").status_code in (302, 403)


def test_every_task_link_opens_and_is_in_scope(client, demo):
    """Each task on a unit admin's list opens (200): the list never shows what the person may not see."""
    from django.contrib import admin
    from django.test import RequestFactory

    from portal.workbench import awaiting

    user = get_user_model().objects.get(username="unit_admin")
    request = RequestFactory().get("/admin/")
    request.user = user
    login(client, "unit_admin")
    for kind in awaiting(request, admin.site):
        for task in kind.tasks[:5]:
            assert client.get(task.url).status_code == 200, task.url


def test_index_queries_do_not_grow_with_the_lists(client, demo):
    login(client, "city_authority")
    with CaptureQueriesContext(connection) as first:
        client.get("/admin/")
    with CaptureQueriesContext(connection) as second:
        client.get("/admin/")
    assert len(second) <= len(first) <= 60, len(first)
