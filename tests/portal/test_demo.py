"""The kernel's demo data: idempotent, one account per role, each seeing only what its role allows."""

import pytest
from django.urls import reverse

from portal.demo import DEMO_USERS, seed_organizations, seed_users
from portal.models import Enterprise, Membership, Organization
from portal.uscc import uscc_errors


@pytest.fixture
def kernel_demo(db):
    orgs = seed_organizations()
    users = seed_users(orgs, "Demo-pass-2026!", reset=False)
    return orgs, users


def test_seed_is_idempotent(kernel_demo):
    counts = (Organization.objects.count(), Membership.objects.count(), Enterprise.objects.count())
    orgs = seed_organizations()
    seed_users(orgs, "Demo-pass-2026!", reset=False)
    assert (Organization.objects.count(), Membership.objects.count(), Enterprise.objects.count()) == counts


def test_structure(kernel_demo):
    orgs, _ = kernel_demo
    names = set(Organization.objects.values_list("name", flat=True))
    for county in ["鲤城区", "丰泽区", "洛江区", "泉港区", "石狮市", "晋江市", "南安市", "惠安县", "安溪县", "永春县", "德化县"]:
        assert f"{county}人民政府" in names
    assert {"泉州经济技术开发区管委会", "泉州台商投资区管委会"} <= names
    assert orgs["JJ-finance"].county == orgs["C-350582"]
    assert orgs["QZ-GXJ"].county is None
    assert all(uscc_errors(e.uscc) == [] for e in Enterprise.objects.all())


@pytest.mark.parametrize("username", ["admin", *DEMO_USERS])
def test_every_staff_account_logs_into_admin(client, kernel_demo, username):
    assert client.login(username=username, password="Demo-pass-2026!")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200


def test_applicant_cannot_enter_admin(client, kernel_demo):
    assert client.login(username="applicant", password="Demo-pass-2026!")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def _visible_units(client, username):
    client.login(username=username, password="Demo-pass-2026!")
    response = client.get(reverse("admin:portal_organization_changelist") + "?all=")
    return {o.code for o in response.context["cl"].queryset}


def test_roles_see_what_they_should(client, kernel_demo):
    orgs, _ = kernel_demo
    everything = set(Organization.objects.values_list("code", flat=True))
    assert _visible_units(client, "city_authority") == everything
    jinjiang = _visible_units(client, "county_authority")
    assert "JJ-finance" in jinjiang and "QZ-GXJ" not in jinjiang and "C-350581" not in jinjiang
    assert _visible_units(client, "unit_admin") == {"QZ-GXJ"}
    assert _visible_units(client, "unit_admin_b") == {"QZ-SCJGJ"}


def test_auditor_cannot_change_or_add(client, kernel_demo):
    orgs, _ = kernel_demo
    client.login(username="auditor", password="Demo-pass-2026!")
    assert client.get(reverse("admin:portal_organization_add")).status_code == 403
    page = client.get(reverse("admin:portal_organization_change", args=[orgs["QZ-GXJ"].pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
