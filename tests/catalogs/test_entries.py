"""Catalog entry rules, 一数一源, lifecycle with role checks, versions and field-by-field diff, quality score."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CatalogEntry, CatalogLevel, CatalogVersion, DataItem, EntryStatus, OpenType, ShareType
from catalogs.selectors import entry_list_open, entry_list_visible
from catalogs.services import entry_transition, entry_update, entry_version_diff
from portal.models import AuditLog


def test_create_draft_with_items_and_audit(make_entry, unit_a, user_a):
    entry = make_entry(unit_a, user_a, code="GXJ-001")
    assert entry.status == EntryStatus.DRAFT
    assert entry.level == CatalogLevel.CITY
    assert [i.name for i in entry.items.all()] == ["企业名称", "金额"]
    assert AuditLog.objects.filter(action="catalogs.entry.create", object_id=str(entry.pk)).exists()


def test_other_unit_cannot_register_for_a_unit(make_entry, unit_a, user_b):
    with pytest.raises(PermissionDenied, match="单位甲"):
        make_entry(unit_a, user_b)


def test_single_source_second_unit_refused_naming_owner(make_entry, unit_a, user_a, unit_b, user_b):
    make_entry(unit_a, user_a, items=[{"name": "统一社会信用代码", "element_code": "DE-USCC"}])
    with pytest.raises(ValidationError) as exc:
        make_entry(unit_b, user_b, items=[{"name": "社会信用代码", "element_code": "DE-USCC"}])
    assert "单位甲" in str(exc.value) and "一数一源" in str(exc.value)
    assert not CatalogEntry.objects.filter(source_unit=unit_b).exists()  # rolled back entirely


def test_same_unit_may_reuse_its_own_element(make_entry, unit_a, user_a):
    make_entry(unit_a, user_a, items=[{"name": "统一社会信用代码", "element_code": "DE-USCC"}])
    second = make_entry(unit_a, user_a, items=[{"name": "统一社会信用代码", "element_code": "DE-USCC"}])
    assert second.items.get().element.source_unit == unit_a


@pytest.mark.parametrize("share_type", [ShareType.CONDITIONAL, ShareType.NOT_SHARED])
def test_legal_basis_required(make_entry, unit_a, user_a, share_type):
    with pytest.raises(ValidationError) as exc:
        make_entry(unit_a, user_a, share_type=share_type, legal_basis="")
    assert "legal_basis" in exc.value.message_dict
    entry = make_entry(unit_a, user_a, share_type=share_type, legal_basis="《中华人民共和国个人信息保护法》第十三条")
    assert entry.share_type == share_type


def test_state_secret_refused_outright(make_entry, unit_a, user_a):
    with pytest.raises(ValidationError, match="国家秘密"):
        make_entry(unit_a, user_a, is_state_secret=True)
    assert not CatalogEntry.objects.exists()


def test_base_resource_forced_unconditional(make_entry, unit_a, user_a):
    entry = make_entry(unit_a, user_a, base_category="population", share_type=ShareType.CONDITIONAL,
                       legal_basis="")
    assert entry.share_type == ShareType.UNCONDITIONAL


def test_not_shared_cannot_be_open_and_personal_info_not_open_general(make_entry, unit_a, user_a):
    with pytest.raises(ValidationError, match="不予开放"):
        make_entry(unit_a, user_a, share_type=ShareType.NOT_SHARED, legal_basis="依据", open_type=OpenType.OPEN)
    with pytest.raises(ValidationError, match="脱敏"):
        make_entry(unit_a, user_a, has_personal_info=True, open_type=OpenType.OPEN)


def test_personal_item_marks_entry(make_entry, unit_a, user_a):
    entry = make_entry(unit_a, user_a, items=[{"name": "联系电话", "is_personal_info": True}])
    entry.refresh_from_db()
    assert entry.has_personal_info is True


def test_county_entry_level_follows_unit(make_entry, county_unit, county_admin):
    assert make_entry(county_unit, county_admin).level == CatalogLevel.COUNTY


def test_full_lifecycle_and_versions(make_entry, unit_a, user_a, city_authority):
    entry = make_entry(unit_a, user_a, status=EntryStatus.SUBMITTED)
    assert entry.review_due_on is not None
    entry = entry_transition(entry=entry, action="return", acting_user=city_authority, reason="摘要不完整")
    assert entry.status == EntryStatus.RETURNED and entry.return_reason == "摘要不完整"
    entry = entry_update(entry=entry, acting_user=user_a, title="企业扶持资金拨付信息")
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    entry = entry_transition(entry=entry, action="publish", acting_user=city_authority)
    assert (entry.status, entry.version) == (EntryStatus.PUBLISHED, 1)
    # published → revising → submitted → published keeps every version
    entry = entry_transition(entry=entry, action="revise", acting_user=user_a)
    entry = entry_update(entry=entry, acting_user=user_a, share_type=ShareType.CONDITIONAL, legal_basis="某条例第五条",
                         items=[{"name": "企业名称", "description": "企业登记名称"},
                                {"name": "拨付日期", "data_type": "date", "description": "拨付日"}])
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    entry = entry_transition(entry=entry, action="publish", acting_user=city_authority)
    assert list(CatalogVersion.objects.filter(entry=entry).values_list("number", flat=True)) == [2, 1]
    changes = {c.field: c for c in entry_version_diff(entry=entry, old_number=1, new_number=2)}
    assert changes["share_type"].old == "无条件共享" and changes["share_type"].new == "有条件共享"
    assert changes["items:拨付日期"].new == "新增" and changes["items:金额"].old == "删除"
    # dropped item is retired, not deleted
    assert DataItem.objects.get(entry=entry, name="金额").retired_at is not None
    # retirement: unit requests, authority approves
    entry = entry_transition(entry=entry, action="request_retire", acting_user=user_a, reason="业务已撤销")
    entry = entry_transition(entry=entry, action="retire", acting_user=city_authority, reason="同意")
    assert entry.status == EntryStatus.RETIRED


def test_versions_are_append_only(make_entry, unit_a, user_a, city_authority):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    version = entry.versions.get()
    with pytest.raises(PermissionDenied):
        version.save()
    with pytest.raises(PermissionDenied):
        CatalogVersion.objects.filter(pk=version.pk).update(number=9)
    with pytest.raises(PermissionDenied):
        CatalogEntry.objects.filter(pk=entry.pk).delete()


def test_wrong_role_transitions_refused(make_entry, unit_a, user_a, user_b, city_authority, county_authority):
    entry = make_entry(unit_a, user_a)
    with pytest.raises(PermissionDenied, match="数源单位"):
        entry_transition(entry=entry, action="submit", acting_user=user_b)
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    with pytest.raises(PermissionDenied, match="市数据管理机构"):
        entry_transition(entry=entry, action="publish", acting_user=user_a)  # a unit cannot approve itself
    with pytest.raises(PermissionDenied):
        entry_transition(entry=entry, action="publish", acting_user=county_authority)  # city entry
    with pytest.raises(ValidationError, match="不能执行“发起修订”"):
        entry_transition(entry=entry, action="revise", acting_user=user_a)  # wrong state
    with pytest.raises(ValidationError, match="理由"):
        entry_transition(entry=entry, action="return", acting_user=city_authority, reason=" ")
    with pytest.raises(PermissionDenied, match="修订"):
        entry_update(entry=entry, acting_user=user_a, title="x")  # submitted → not editable
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_county_entries_approved_by_their_county_authority(make_entry, county_unit, county_admin, county_authority,
                                                           city_authority):
    entry = make_entry(county_unit, county_admin, status=EntryStatus.SUBMITTED)
    with pytest.raises(PermissionDenied, match="县"):
        entry_transition(entry=entry, action="publish", acting_user=city_authority)
    entry = entry_transition(entry=entry, action="publish", acting_user=county_authority)
    assert entry.status == EntryStatus.PUBLISHED


def test_visibility(make_entry, unit_a, user_a, unit_b, user_b, city_authority, applicant):
    draft = make_entry(unit_a, user_a)
    published = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    opened = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority,
                        open_type=OpenType.OPEN)
    assert set(entry_list_visible(user_a)) == {draft, published, opened}
    assert set(entry_list_visible(user_b)) == {published, opened}  # other unit: not the draft
    assert set(entry_list_visible(city_authority)) == {draft, published, opened}
    assert set(entry_list_visible(applicant)) == {opened}
    assert set(entry_list_open()) == {opened}


def test_quality_score_explains_itself(make_entry, unit_a, user_a):
    entry = make_entry(unit_a, user_a, description="短", keywords="")
    entry.refresh_from_db()
    by_code = {c["code"]: c for c in entry.quality}
    assert by_code["description"]["passed"] is False
    assert by_code["items_documented"]["passed"] is True
    assert by_code["legal_basis"]["passed"] is None  # not applicable to unconditional
    assert by_code["interface_spec"]["passed"] is None
    assert by_code["frequency_met"]["passed"] is None
    before = entry.quality_score
    entry = entry_update(entry=entry, acting_user=user_a, keywords="财政,资金",
                         description="这是一段足够长的资源摘要，用于说明该数据资源的来源、内容、更新方式和共享用途等信息。")
    assert entry.quality_score > before
    entry = entry_update(entry=entry, acting_user=user_a, interfaces=[{"name": "查询接口", "endpoint": "/q"}])
    assert {c["code"]: c["passed"] for c in entry.quality}["interface_spec"] is False
