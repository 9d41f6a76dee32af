"""Issue 12 over the seeded demo: share lists open on 本单位 for a unit's staff; application ↔ authorization ↔ usage
records linked both ways."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.permissions import user_scope
from sharing import selectors
from sharing.models import Authorization, DataUseRecord
from tests.portal.test_chinese_staff_pages import login

pytestmark = pytest.mark.django_db


def links(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    block = response.content.decode().split('class="related-records"', 1)[1].split("</ul>", 1)[0]
    return {label: html.unescape(href) for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)}


def changelist(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"]


def test_unit_admin_opens_share_applications_on_its_unit(client, demo):
    user = get_user_model().objects.get(username="unit_admin")
    login(client, "unit_admin")
    units = user_scope(user).unit_ids
    own = list(changelist(client, "/admin/sharing/shareapplication/").queryset)
    assert own and all(a.applicant_unit_id in units or any(e.source_unit_id in units for e in a.entries.all())
                       for a in own)
    every = changelist(client, "/admin/sharing/shareapplication/?unit_scope=all").queryset
    assert every.count() == selectors.share_application_list(user=user).count() >= len(own)


def test_application_authorization_usage_linked_both_ways(client, demo):
    login(client, "city_authority")
    record = DataUseRecord.objects.filter(authorization__isnull=False).select_related("authorization").first()
    assert record is not None, "the demo has usage records"
    auth = record.authorization
    app_page = reverse("admin:sharing_shareapplication_change", args=[auth.application_id])
    auth_page = reverse("admin:sharing_authorization_change", args=[auth.pk])

    from_app = links(client, app_page)
    auths = changelist(client, from_app["共享授权"]).queryset
    assert auth in auths and all(a.application_id == auth.application_id for a in auths)
    usage = changelist(client, from_app["数据使用记录"]).queryset
    assert record in usage and all(u.authorization.application_id == auth.application_id for u in usage)

    from_auth = links(client, auth_page)
    assert from_auth["来源申请"] == app_page
    usage = changelist(client, from_auth["数据使用记录"]).queryset
    assert set(usage) == set(DataUseRecord.objects.filter(authorization=auth))

    from_usage = links(client, reverse("admin:sharing_datauserecord_change", args=[record.pk]))
    assert from_usage["所依据的授权"] == auth_page


def test_unit_admin_sees_its_own_authorizations_by_default(client, demo):
    user = get_user_model().objects.get(username="unit_admin")
    login(client, "unit_admin")
    own = changelist(client, "/admin/sharing/authorization/").queryset
    assert all(a.consumer_unit_id in user_scope(user).unit_ids for a in own)
    assert Authorization.objects.exists()
