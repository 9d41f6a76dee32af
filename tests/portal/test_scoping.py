"""A user of unit A cannot read or change unit B's records, through the admin or the API."""

import pytest
from django.urls import reverse

from portal.models import Membership, Organization
from portal.roles import Role


@pytest.fixture
def logged_in_a(client, user_a):
    client.force_login(user_a)
    return client


def test_admin_changelist_shows_only_own_unit(logged_in_a, unit_a, unit_b):
    response = logged_in_a.get(reverse("admin:portal_organization_changelist"))
    assert response.status_code == 200
    names = [o.name for o in response.context["cl"].result_list]
    assert names == ["单位甲"]


def test_admin_change_page_of_other_unit_is_refused(logged_in_a, unit_b):
    url = reverse("admin:portal_organization_change", args=[unit_b.pk])
    response = logged_in_a.get(url)
    # Django admin answers "does not exist" (redirect to the index) for rows outside the queryset.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_admin_post_to_other_unit_changes_nothing(logged_in_a, unit_b):
    url = reverse("admin:portal_organization_change", args=[unit_b.pk])
    logged_in_a.post(url, {"code": unit_b.code, "name": "被篡改", "kind": unit_b.kind, "level": unit_b.level,
                           "region_code": "350500", "sort_order": 0})
    unit_b.refresh_from_db()
    assert unit_b.name == "单位乙"


def test_admin_can_change_own_unit_and_history_records_user(logged_in_a, unit_a, user_a, city):
    url = reverse("admin:portal_organization_change", args=[unit_a.pk])
    data = {"code": unit_a.code, "name": "单位甲（更名）", "kind": unit_a.kind, "level": unit_a.level,
            "region_code": "350500", "parent": city.pk, "sort_order": 0,
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}
    response = logged_in_a.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit_a.refresh_from_db()
    assert unit_a.name == "单位甲（更名）"
    latest = unit_a.history.latest()
    assert latest.history_user == user_a
    assert latest.history_type == "~"


def test_admin_has_no_delete(logged_in_a, unit_a):
    response = logged_in_a.get(reverse("admin:portal_organization_delete", args=[unit_a.pk]))
    assert response.status_code == 403
    assert Organization.objects.filter(pk=unit_a.pk).exists()


def test_admin_membership_list_is_scoped(logged_in_a, user_a, user_b):
    response = logged_in_a.get(reverse("admin:portal_membership_changelist"))
    users = {m.user.username for m in response.context["cl"].result_list}
    assert users == {"admin_a"}


def test_api_lists_only_own_unit(api_client, user_a, unit_a, unit_b, token_for):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user_a)}")
    response = api_client.get("/api/v1/organizations/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [r["code"] for r in response.json()["results"]] == ["QZ-A"]
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_api_detail_of_other_unit_is_404(api_client, user_a, unit_b, token_for):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user_a)}")
    assert api_client.get(f"/api/v1/organizations/{unit_b.pk}/").status_code == 404


def test_api_cannot_change_any_unit(api_client, user_a, unit_a, token_for):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user_a)}")
    response = api_client.patch(f"/api/v1/organizations/{unit_a.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 405
    unit_a.refresh_from_db()
    assert unit_a.name == "单位甲"


def test_county_authority_sees_its_county_only(make_unit, make_user, city, api_client, token_for):
    from portal.models import OrgKind, OrgLevel

    jinjiang = make_unit("C-350582", "晋江市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY)
    jj_data = make_unit("JJ-DATA", "晋江市数据管理局", parent=jinjiang, kind=OrgKind.COUNTY_AUTHORITY,
                        level=OrgLevel.COUNTY)
    jj_finance = make_unit("JJ-finance", "晋江市财政局", parent=jinjiang, level=OrgLevel.COUNTY)
    shishi = make_unit("C-350581", "石狮市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY)
    user = make_user("jj", Role.COUNTY_AUTHORITY, jj_data)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    codes = {r["code"] for r in api_client.get("/api/v1/organizations/?page_size=100").json()["results"]}
    assert codes == {"C-350582", "JJ-DATA", "JJ-finance"}
    assert shishi.code not in codes and jj_finance.code in codes


def test_city_authority_sees_all(api_client, city_authority, unit_a, unit_b, token_for):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(city_authority)}")
    codes = {r["code"] for r in api_client.get("/api/v1/organizations/?page_size=100").json()["results"]}
    assert {"QZ", "QZ-A", "QZ-B", "QZ-DATA"} <= codes


def test_guardian_grant_extends_scope(api_client, user_a, unit_b, token_for):
    from guardian.shortcuts import assign_perm

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user_a)}")
    assert api_client.get(f"/api/v1/organizations/{unit_b.pk}/").status_code == 404
    assign_perm("portal.view_organization", user_a, unit_b)
    from portal.models import OrganizationUserObjectPermission

    assert OrganizationUserObjectPermission.objects.filter(user=user_a, content_object=unit_b).exists()
    assert api_client.get(f"/api/v1/organizations/{unit_b.pk}/").status_code == 200


def test_applicant_sees_only_own_enterprise(api_client, make_user, token_for, db):
    from portal.models import Enterprise, EnterpriseMember
    from portal.uscc import make_uscc

    mine = Enterprise.objects.create(uscc=make_uscc("91350582MA2XK0A10"), name="甲企业")
    other = Enterprise.objects.create(uscc=make_uscc("91350503MA34HQ2W1"), name="乙企业")
    user = make_user("ent")
    EnterpriseMember.objects.create(user=user, enterprise=mine)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    listed = api_client.get("/api/v1/enterprises/").json()["results"]
    assert [e["name"] for e in listed] == ["甲企业"]
    assert api_client.get(f"/api/v1/enterprises/{other.pk}/").status_code == 404


def test_membership_cannot_be_deleted_through_orm(user_a):
    from django.core.exceptions import PermissionDenied

    membership = Membership.objects.get(user=user_a)
    with pytest.raises(PermissionDenied):
        membership.delete()
    with pytest.raises(PermissionDenied):
        Membership.objects.filter(user=user_a).delete()


def test_city_authority_retires_a_membership_with_a_reason(client, city_authority, user_a):
    from portal.models import AuditLog

    membership = Membership.objects.get(user=user_a)
    client.force_login(city_authority)
    url = reverse("admin:portal_membership_changelist")
    page = client.post(url, {"action": "retire", "_selected_action": [membership.pk]})
    assert page.status_code == 200 and "停用理由" in page.content.decode()
    client.post(url, {"action": "retire", "_selected_action": [membership.pk], "apply": "1", "reason": ""})
    membership.refresh_from_db()
    assert membership.retired_at is None  # no reason, nothing changed
    client.post(url, {"action": "retire", "_selected_action": [membership.pk], "apply": "1", "reason": "调岗"})
    membership.refresh_from_db()
    assert membership.retired_at is not None
    assert AuditLog.objects.get(action="portal.membership.retire").reason == "调岗"
    assert membership.history.latest().history_user == city_authority
