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
    # two statements per kind awaiting the city authority (13 kinds: keys in due order, then those rows), the figures,
    # the links, session and user
    assert len(second) <= len(first) <= 70, len(first)


def _awaiting(username):
    from django.contrib import admin
    from django.test import RequestFactory

    from portal.workbench import awaiting

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username=username)
    return [task for kind in awaiting(request, admin.site) for task in kind.tasks]


def test_optional_steps_do_not_put_records_on_the_list(demo):
    """Withdrawing, suspending or retiring at will is possible, not awaited: such records stay off the list."""
    from catalogs.models import CatalogEntry, EntryStatus

    optional_only = {("批准停用",), ("撤回申请",), ("暂停服务", "终止服务", "续期"), ("发起修订", "申请停用")}
    for username in ("city_authority", "unit_admin", "program_officer"):
        assert not [t for t in _awaiting(username) if t.steps in optional_only], username
    entry = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED, source_unit__level="city").first()
    from catalogs.services import entry_transition

    entry_transition(entry=entry, action="request_retire", acting_user=get_user_model().objects.get(
        username="unit_admin") if entry.source_unit.code == "QZ-GXJ" else get_user_model().objects.get(
        username="admin"), reason="数据已由新目录替代")
    assert any(t.title == str(entry) and "批准停用" in t.steps for t in _awaiting("city_authority"))
