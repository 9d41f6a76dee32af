"""REST: GET /api/v1/catalogs/entries/{id}/diff/?old=&new= — field-by-field changes between two published versions,
permission-scoped (staff only, 404 outside scope, 403 for 暂不共享 entries of other units)."""

from __future__ import annotations

import pytest

from catalogs.models import EntryStatus, OpenType, ShareType
from catalogs.services import entry_transition, entry_update


def _republish(entry, user, authority, **changes):
    entry = entry_transition(entry=entry, action="revise", acting_user=user)
    entry = entry_update(entry=entry, acting_user=user, **changes)
    entry = entry_transition(entry=entry, action="submit", acting_user=user)
    return entry_transition(entry=entry, action="publish", acting_user=authority)


@pytest.fixture
def two_versions(make_entry, unit_a, user_a, city_authority):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority,
                       open_type=OpenType.OPEN)
    return _republish(entry, user_a, city_authority, title="企业扶持资金拨付信息（修订）",
                      items=[{"name": "企业名称", "description": "企业登记名称"},
                             {"name": "拨付日期", "data_type": "date", "description": "拨付日"}])


def _url(entry, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/catalogs/entries/{entry.pk}/diff/?{query}"


def test_diff_field_by_field_for_other_units_staff(api_client, two_versions, user_b):
    api_client.force_authenticate(user_b)  # another unit's staff may see a published entry's history
    res = api_client.get(_url(two_versions, old=1, new=2))
    assert res.status_code == 200
    body = res.json()
    assert (body["old"], body["new"], body["code"]) == (1, 2, two_versions.code)
    changes = {c["field"]: c for c in body["changes"]}
    assert changes["title"]["new"] == "企业扶持资金拨付信息（修订）" and changes["title"]["label"]
    assert changes["items:拨付日期"]["new"] == "新增" and changes["items:金额"]["old"] == "删除"
    # reversed order gives the reverse change; same version gives none
    back = {c["field"]: c for c in api_client.get(_url(two_versions, old=2, new=1)).json()["changes"]}
    assert back["items:拨付日期"]["old"] == "删除"
    assert api_client.get(_url(two_versions, old=2, new=2)).json()["changes"] == []


def test_diff_bad_parameters(api_client, two_versions, user_a):
    api_client.force_authenticate(user_a)
    assert api_client.get(_url(two_versions, old=1)).status_code == 400
    assert api_client.get(_url(two_versions, old="x", new=2)).status_code == 400
    res = api_client.get(_url(two_versions, old=1, new=7))
    assert res.status_code == 400 and "版本不存在" in str(res.json())


def test_diff_denials(api_client, make_entry, two_versions, unit_a, user_a, user_b, city_authority, applicant):
    # applicants see the open entry in the list, but not its version history
    api_client.force_authenticate(applicant)
    assert api_client.get(f"/api/v1/catalogs/entries/{two_versions.pk}/").status_code == 200
    res = api_client.get(_url(two_versions, old=1, new=2))
    assert res.status_code == 403 and "政务人员" in str(res.json())
    api_client.force_authenticate(None)
    assert api_client.get(_url(two_versions, old=1, new=2)).status_code in (401, 403)
    # 暂不共享 entry of another unit: listed (可用不可见) but no diff; its own unit and the authority may
    secret = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority,
                        share_type=ShareType.NOT_SHARED, legal_basis="某法第十条")
    secret = _republish(secret, user_a, city_authority, title="企业内部核查线索（修订）")
    api_client.force_authenticate(user_b)
    res = api_client.get(_url(secret, old=1, new=2))
    assert res.status_code == 403 and "暂不共享" in str(res.json())
    for user in (user_a, city_authority):
        api_client.force_authenticate(user)
        assert api_client.get(_url(secret, old=1, new=2)).status_code == 200
    # a draft of another unit is outside the caller's scope: 404
    draft = make_entry(unit_a, user_a, title="草稿目录")
    api_client.force_authenticate(user_b)
    assert api_client.get(_url(draft, old=1, new=2)).status_code == 404
