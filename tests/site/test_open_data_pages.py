"""Applicant-site 授权开放 pages: apply, follow status, see the grant; non-commercial rule; id tampering."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from catalogs.models import CatalogEntry, EntryStatus, OpenType
from portal.models import ApplicantKind
from sharing.models import OpenDataApplication
from sharing.workflow import OpenStatus

ASKED = {"requested_until_on": dt.date(2027, 6, 30), "declares_eligibility": True}


@pytest.fixture
def auth_entry(unit_a):
    return CatalogEntry.objects.create(code="QZ-AUTH-1", title="企业用电数据", source_unit=unit_a,
                                       open_type=OpenType.AUTHORIZED, status=EntryStatus.PUBLISHED)


@pytest.fixture
def open_entry(unit_a):
    return CatalogEntry.objects.create(code="QZ-OPEN-1", title="企业登记信息", source_unit=unit_a,
                                       open_type=OpenType.OPEN, status=EntryStatus.PUBLISHED)


def _form(entry, **over):
    data = {"entries": [entry.pk], "purpose": "开展区域产业用能分析", "scenario": "园区能耗监测平台",
            "is_commercial": "false", "requested_until_on": "2027-06-30", "declares_eligibility": "on", "submit": "1"}
    data.update(over)
    return data


def test_apply_and_submit_then_follow_status(client, applicant, auth_entry):
    client.force_login(applicant)
    url = reverse("sharing_site:open_application_create")
    assert auth_entry.title in client.get(url, {"entry": auth_entry.pk}).content.decode()
    response = client.post(url, _form(auth_entry))
    assert response.status_code == 302
    app = OpenDataApplication.objects.get()
    assert app.status == OpenStatus.VERIFYING and list(app.entries.all()) == [auth_entry]
    html = client.get(response["Location"]).content.decode()
    assert "待数据管理机构核验申请资格" in html and app.current_due_on.strftime("%Y年%-m月%-d日") in html
    assert "尚未经数据管理机构核验证明材料，不具备授权资格" in html  # unverified is shown as not eligible


def test_draft_then_submit_from_detail(client, applicant, auth_entry):
    client.force_login(applicant)
    data = _form(auth_entry)
    data.pop("submit")
    data["draft"] = "1"
    client.post(reverse("sharing_site:open_application_create"), data)
    app = OpenDataApplication.objects.get()
    assert app.status == OpenStatus.DRAFT
    client.post(reverse("sharing_site:open_application_submit", args=[app.pk]))
    app.refresh_from_db()
    assert app.status == OpenStatus.VERIFYING


def test_university_cannot_apply_for_commercial_use(client, make_applicant, auth_entry):
    univ = make_applicant("univ", kind=ApplicantKind.UNIVERSITY, name="泉州某大学")
    client.force_login(univ)
    response = client.post(reverse("sharing_site:open_application_create"), _form(auth_entry, is_commercial="true"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_is_commercial_error"' in html and "高等院校只能申请非商业用途" in html
    assert "开展区域产业用能分析" in html  # what was typed is kept
    assert not OpenDataApplication.objects.exists()
    response = client.post(reverse("sharing_site:open_application_create"), _form(auth_entry))
    assert response.status_code == 302
    assert OpenDataApplication.objects.get().is_commercial is False


def test_only_authorized_entries_can_be_chosen_and_errors_keep_input(client, applicant, auth_entry, open_entry):
    client.force_login(applicant)
    response = client.post(reverse("sharing_site:open_application_create"),
                           _form(open_entry, purpose="", scenario="监测平台"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_entries_error"' in html and 'id="id_purpose_error"' in html
    assert "监测平台" in html
    assert not OpenDataApplication.objects.exists()


def test_association_is_told_why_before_the_form(client, make_applicant, auth_entry):
    """QZ §六(四): only 内资控股法人企业、高校、科研院所 may apply."""
    user = make_applicant("assoc", kind=ApplicantKind.ASSOCIATION)
    client.force_login(user)
    response = client.get(reverse("sharing_site:open_application_create"))
    assert response.status_code == 403 and "内资控股" in response.content.decode()


def test_enterprise_must_declare_eligibility_and_a_time_limit(client, applicant, auth_entry):
    """QZ §六(四) (declaration, not ticked by default) and FJ-OPEN art.10 (the time limit is stated)."""
    client.force_login(applicant)
    html = client.get(reverse("sharing_site:open_application_create")).content.decode()
    assert 'name="declares_eligibility"' in html and "checked" not in html.split('name="declares_eligibility"')[1][:80]
    data = _form(auth_entry)
    data.pop("declares_eligibility")
    data.pop("requested_until_on")
    response = client.post(reverse("sharing_site:open_application_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_declares_eligibility_error"' in html and 'id="id_requested_until_on_error"' in html
    assert not OpenDataApplication.objects.exists()


def test_granted_application_shows_grant_and_restrictions(client, applicant, auth_entry, make_user, make_unit):
    from portal.roles import Role
    from sharing.services import open_application_act, open_application_create, open_application_submit
    from tests.sharing.conftest import open_consent_and_sign, open_verify

    app = open_application_create(enterprise=applicant.enterprise_memberships.get().enterprise,
                                  entries=[auth_entry], purpose="研究", scenario="分析", is_commercial=False,
                                  acting_user=applicant, **ASKED)
    open_application_submit(application=app, acting_user=applicant)
    tech = make_user("tech", Role.TECH_OPERATOR, make_unit("QZ-TECH", "技术服务单位"))
    city = make_user("city", Role.CITY_AUTHORITY, make_unit("QZ-DATA", "市数据管理局"))
    provider = make_user("provider", Role.UNIT_DATA_ADMIN, auth_entry.source_unit)
    open_verify(app, city)
    open_application_act(application=app, action="assess_reasonable", acting_user=tech, opinion="需求合理")
    open_application_act(application=app, action="confirm", acting_user=city, opinion="同意")
    open_consent_and_sign(app, [provider], tech)
    client.force_login(applicant)
    html = client.get(reverse("sharing_site:open_application_detail", args=[app.pk])).content.decode()
    assert "已授权" in html and "授权许可 KQ" in html
    assert "不得提供给第三方" in html and "注明所利用政务数据的来源和获取日期" in html
    assert "需求合理" in html  # the assessment opinion and the step history are shown


def test_other_applicant_cannot_open_or_act_on_application_by_id(client, applicant, other_applicant, auth_entry):
    from sharing.services import open_application_create, open_application_submit

    app = open_application_create(enterprise=applicant.enterprise_memberships.get().enterprise,
                                  entries=[auth_entry], purpose="研究", scenario="分析", is_commercial=False,
                                  acting_user=applicant, **ASKED)
    client.force_login(other_applicant)
    assert client.get(reverse("sharing_site:open_application_detail", args=[app.pk])).status_code == 404
    assert client.post(reverse("sharing_site:open_application_submit", args=[app.pk])).status_code == 404
    open_application_submit(application=app, acting_user=applicant)
    response = client.post(reverse("sharing_site:open_application_withdraw", args=[app.pk]), {"reason": "恶意"})
    assert response.status_code == 404
    app.refresh_from_db()
    assert app.status == OpenStatus.VERIFYING
    assert app.number not in client.get(reverse("sharing_site:open_applications")).content.decode()


def test_withdraw_requires_reason(client, applicant, auth_entry):
    from sharing.services import open_application_create, open_application_submit

    app = open_application_create(enterprise=applicant.enterprise_memberships.get().enterprise,
                                  entries=[auth_entry], purpose="研究", scenario="分析", is_commercial=False,
                                  acting_user=applicant, **ASKED)
    open_application_submit(application=app, acting_user=applicant)
    client.force_login(applicant)
    url = reverse("sharing_site:open_application_withdraw", args=[app.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    assert client.post(url, {"reason": "需求变更"}).status_code == 302
    app.refresh_from_db()
    assert app.status == OpenStatus.WITHDRAWN
