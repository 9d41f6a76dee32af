"""Defects the crawl (tests/crawl) found on the demo, proven gone on the demo data.

- an admin page of its own (board, step, action, export) opened by URL by a role without access to the model;
- malformed ids in history URLs (500);
- English in the admin and on the site: Django's 403/404 pages, icon texts, event codes, permission names,
  django-q2 labels; the host name instead of the portal's name on the login page.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from sharing.models import Authorization, ShareApplication
from sharing.selectors import authorization_list, share_application_list


def client(username):
    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


@pytest.mark.django_db
def test_custom_admin_pages_need_the_models_view_permission(demo):
    """市工信局's program officer is in the unit consuming shared data, but has no access to the sharing or catalog
    admin: its boards, step forms and exports stay closed by URL, as their changelists are."""
    officer = get_user_model().objects.get(username="program_officer")
    auth = authorization_list(user=officer).order_by("pk").first()
    app = share_application_list(user=officer).order_by("pk").first()
    assert auth is not None and app is not None  # in the sharing policy's scope: only the model permission refuses
    c = client("program_officer")
    assert c.get("/admin/sharing/authorization/").status_code == 403
    for url in ("/admin/catalogs/collectiontask/board/", f"/admin/sharing/authorization/{auth.pk}/usage.xlsx",
                f"/admin/sharing/authorization/{auth.pk}/do/suspend/",
                f"/admin/sharing/shareapplication/{app.pk}/act/withdraw/", "/admin/sharing/shareapplication/overdue/"):
        response = c.get(url)
        assert response.status_code == 403, url
        assert "无权访问" in response.content.decode()


@pytest.mark.django_db
def test_custom_admin_pages_still_open_to_roles_with_access(demo):
    c = client("unit_admin")
    assert c.get("/admin/catalogs/collectiontask/board/").status_code == 200
    auth = Authorization.objects.filter(consumer_unit__code="QZ-GXJ").order_by("pk").first()
    response = client("city_authority").get(f"/admin/sharing/authorization/{auth.pk}/usage.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/sharing/shareapplication/zz/history/",
                                 "/admin/sharing/shareapplication/{pk}/history/zz/",
                                 "/admin/sharing/shareapplication/zz/history/1/"])
def test_malformed_history_ids_are_not_found(demo, url):
    pk = ShareApplication.objects.order_by("pk").values_list("pk", flat=True).first()
    response = client("city_authority").get(url.format(pk=pk))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_history_versions_still_open(demo):
    app = ShareApplication.objects.order_by("pk").first()
    version = app.history.order_by("-history_id").first()
    c = client("city_authority")
    assert c.get(f"/admin/sharing/shareapplication/{app.pk}/history/").status_code == 200
    assert c.get(f"/admin/sharing/shareapplication/{app.pk}/history/{version.history_id}/").status_code == 200


@pytest.mark.django_db
def test_error_pages_are_chinese(demo):
    body = Client().get("/no-such-page/").content.decode()
    assert "页面不存在" in body and "Not Found" not in body
    body = client("applicant").get(f"/applications/{_foreign_application()}/").content.decode()
    assert "页面不存在" in body and "requested resource" not in body
    body = client("unit_admin").get("/admin/subsidies/budgetpool/").content.decode()
    assert "无权访问" in body and "Forbidden" not in body


def _foreign_application():
    from subsidies.models import Application

    return Application.objects.exclude(enterprise__members__user__username="applicant").order_by("pk").first().pk


@pytest.mark.django_db
def test_login_page_shows_the_portal_name_not_the_host(demo):
    body = Client().get("/accounts/login/").content.decode()
    assert "<title>登录 · 泉州市政务数据治理门户</title>" in body
    assert "testserver" not in body


@pytest.mark.django_db
def test_admin_icons_and_search_speak_chinese(demo):
    body = client("admin").get("/admin/auth/user/").content.decode()
    assert 'alt="是"' in body and 'alt="否"' in body and 'alt="搜索"' in body
    assert 'alt="True"' not in body and 'alt="False"' not in body and 'alt="Search"' not in body


@pytest.mark.django_db
def test_status_histories_show_labels_not_codes(demo):
    from sharing.models import AuthorizationEvent

    body = client("city_authority").get("/admin/subsidies/applicationevent/").content.decode()
    assert '<td class="field-action_display">受理</td>' in body and '<td class="field-to_status_display">已受理</td>' in body
    assert ">accept<" not in body and ">under_review<" not in body
    event = AuthorizationEvent.objects.filter(authorization__isnull=False, event="suspend").first()
    body = client("city_authority").get(
        f"/admin/sharing/authorization/{event.authorization_id}/change/").content.decode()
    assert "暂停" in body and "已暂停" in body
    assert ">suspend<" not in body and ">suspended<" not in body


@pytest.mark.django_db
def test_role_and_user_admin_speak_chinese(demo):
    c = client("admin")
    body = c.get("/admin/auth/group/add/").content.decode()
    assert "Can add" not in body and "Can view" not in body and "historical" not in body
    assert "基础信息与权限 | 政务单位 | 查看" in body
    group_pk = get_user_model().objects.get(username="unit_admin").groups.first().pk
    assert c.get(f"/admin/auth/group/{group_pk}/delete/").status_code == 403  # roles are rebuilt from code
    user_pk = get_user_model().objects.get(username="applicant").pk
    body = c.get(f"/admin/auth/user/{user_pk}/password/").content.decode()
    assert "该用户的当前密码将失效" in body and "will be lost" not in body
    assert "创建用户后" in c.get("/admin/auth/user/add/").content.decode()


@pytest.mark.django_db
def test_task_admin_speaks_chinese(demo):
    body = client("admin").get("/admin/django_q/schedule/add/").content.decode()
    assert "关键字参数" in body and "下次运行时间（按 UTC 存储）" in body
    assert "Keyword arguments" not in body and "John" not in body


@pytest.mark.django_db
def test_view_only_staff_see_no_step_form_fields(demo):
    """The auditor may view a complaint but not act on it: no read-only copies of the step form's fields (which have
    no Chinese label outside the form)."""
    from procurement.models import Complaint

    body = client("auditor").get(f"/admin/procurement/complaint/{Complaint.objects.first().pk}/change/").content
    assert "field-order_suspension" not in body.decode() and "Step" not in body.decode()


@pytest.mark.django_db
def test_view_only_staff_open_a_collection_item_history_version(demo):
    """The history version page of an item the user may only view showed its read-only displays as form fields (500)."""
    from catalogs.models import CollectionItem

    item = CollectionItem.objects.order_by("pk").first()
    version = item.history.order_by("history_id").first()
    response = client("tech_operator").get(f"/admin/catalogs/collectionitem/{item.pk}/history/{version.history_id}/")
    assert response.status_code == 200
    assert "、".join(item.fields) in response.content.decode()
