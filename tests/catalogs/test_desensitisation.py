"""Personal data is opened only after a recorded desensitisation (issue 13 point 4).

Seed 001: 《广东省公共数据管理办法》第三十二条 “涉及商业秘密、个人隐私……的公共数据，不予开放。但是，经过依法脱密、脱敏处理
或者相关权利人同意开放的，应当开放”; 《福建省公共数据资源开放开发管理办法（试行）》（闽数字办〔2022〕6号）第十一条(三)
(涉及个人隐私的不予开放) and 第十三条 (通过匿名化、去标识化等脱敏处理拓展普遍开放); 《福建省大数据发展条例》第三十二条 (对个人信息
进行去标识化或者匿名化处理，记录数据处理全流程). Seed 000 泉政办〔2021〕21号 §六(一): 脱密脱敏后开放.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalogs.models import CatalogEntry, DataItem, Desensitisation, EntryStatus, OpenType, ShareType
from catalogs.services import desensitisation_record, desensitisation_retire, entry_transition, entry_update
from portal.models import AuditLog

ITEMS = [{"name": "企业名称", "description": "备案企业名称"},
         {"name": "联系人", "is_personal_info": True, "description": "企业联系人姓名"},
         {"name": "联系电话", "is_personal_info": True, "description": "联系人手机号"}]
TODAY = dt.date(2026, 9, 15)


@pytest.fixture
def authorized_entry(make_entry, unit_a, user_a):
    return make_entry(unit_a, user_a, code="QZ-SWJ-0101", title="跨境电商企业备案信息", items=ITEMS,
                      share_type=ShareType.CONDITIONAL, legal_basis="《福建省大数据发展条例》第十五条",
                      open_type=OpenType.AUTHORIZED)


def _personal(entry):
    return {i.name: i for i in entry.items.filter(is_personal_info=True)}


def _record(item, user, method="deidentify", on=None, note=""):
    return desensitisation_record(item=item, method=method, performed_on=on or timezone.localdate(), note=note,
                                  acting_user=user)


def test_authorized_opening_needs_a_record_per_personal_item(authorized_entry, user_a, city_authority):
    """GD 第三十二条 / FJ-OPEN 第十一条(三): 授权开放 with personal items lacking a desensitisation record is refused at
    submission, naming each item; with one record per item it is submitted and published."""
    entry = authorized_entry
    with pytest.raises(ValidationError) as err:
        entry_transition(entry=entry, action="submit", acting_user=user_a)
    text = str(err.value)
    assert "“联系人”、“联系电话”尚无脱敏处理记录" in text and "授权开放" in text and "第三十二条" in text
    personal = _personal(entry)
    _record(personal["联系人"], user_a, "mask", note="保留姓氏，名用*代替")
    with pytest.raises(ValidationError, match="“联系电话”尚无脱敏处理记录"):
        entry_transition(entry=entry, action="submit", acting_user=user_a)
    _record(personal["联系电话"], user_a, "mask", note="中间四位以*代替")
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    entry = entry_transition(entry=entry, action="publish", acting_user=city_authority)
    assert entry.status == EntryStatus.PUBLISHED


def test_open_general_with_personal_items_after_desensitisation(make_entry, unit_a, user_a, city_authority):
    """FJ-OPEN 第十三条 (脱敏后拓展普遍开放) and QZ §六(一): 普遍开放 is refused while a personal item is not desensitised;
    after recording each, the entry may be switched to 普遍开放 and published."""
    with pytest.raises(ValidationError, match="脱敏"):
        make_entry(unit_a, user_a, items=ITEMS, open_type=OpenType.OPEN)
    entry = make_entry(unit_a, user_a, items=ITEMS, open_type=OpenType.CLOSED)
    with pytest.raises(ValidationError, match="脱敏"):
        entry_update(entry=entry, acting_user=user_a, open_type=OpenType.OPEN)
    for item in _personal(entry).values():
        _record(item, user_a, "anonymize")
    entry = entry_update(entry=entry, acting_user=user_a, open_type=OpenType.OPEN)
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    assert entry_transition(entry=entry, action="publish", acting_user=city_authority).open_type == OpenType.OPEN


def test_closed_entries_need_no_record(make_entry, unit_a, user_a, city_authority):
    """不予开放 data is not opened, so GD 第三十二条 asks nothing: it publishes without records."""
    entry = make_entry(unit_a, user_a, items=ITEMS, status=EntryStatus.PUBLISHED, authority=city_authority)
    assert entry.status == EntryStatus.PUBLISHED


def test_flag_without_named_personal_items_is_not_opened(make_entry, unit_a, user_a):
    """FJ-REG 第三十二条 (记录处理全流程): an entry marked 含个人信息 must say which items are personal before opening."""
    entry = make_entry(unit_a, user_a, has_personal_info=True, open_type=OpenType.AUTHORIZED,
                       share_type=ShareType.CONDITIONAL, legal_basis="依据")
    with pytest.raises(ValidationError, match="未标明哪些信息项是个人信息"):
        entry_transition(entry=entry, action="submit", acting_user=user_a)


def test_publication_rechecks_records(authorized_entry, user_a, city_authority):
    """GD 第三十二条: a record withdrawn after submission (legacy data, or a mistake) stops the publication."""
    entry = authorized_entry
    records = [_record(i, user_a) for i in _personal(entry).values()]
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    Desensitisation.objects.filter(pk=records[0].pk).update(retired_at=timezone.now())
    with pytest.raises(ValidationError, match="尚无脱敏处理记录"):
        entry_transition(entry=entry, action="publish", acting_user=city_authority)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED and not entry.versions.exists()


def test_record_who_how_when_with_history_and_audit(authorized_entry, user_a):
    """FJ-REG 第三十二条 “记录数据处理全流程”: the record keeps who, method and date; a newer record retires (not deletes)
    the older one, both stay in history; each is audited; withdrawing leaves the item undesensitised again."""
    item = _personal(authorized_entry)["联系电话"]
    first = _record(item, user_a, "mask", on=timezone.localdate() - dt.timedelta(days=3), note="中间四位以*代替")
    assert (first.performed_by, first.get_method_display()) == (user_a, "部分屏蔽（掩码）")
    second = _record(item, user_a, "deidentify")
    first.refresh_from_db()
    assert first.retired_at is not None and second.retired_at is None
    assert Desensitisation.objects.filter(item=item).count() == 2
    assert first.history.count() == 2  # created, then retired
    assert AuditLog.objects.filter(action="catalogs.desensitisation.record").count() == 2
    desensitisation_retire(record=second, acting_user=user_a, reason="登记错误")
    assert AuditLog.objects.filter(action="catalogs.desensitisation.retire").count() == 1
    assert not Desensitisation.objects.filter(item=item, retired_at__isnull=True).exists()


def test_record_refusals(authorized_entry, user_a, user_b, city_authority):
    """Permissions and input: only the source unit's data administrators, only while the entry is editable; only
    personal items; a date not in the future; “其他” needs a description. Every refusal is Chinese, nothing written."""
    entry = authorized_entry
    item = _personal(entry)["联系人"]
    plain = entry.items.get(name="企业名称")
    with pytest.raises(PermissionDenied, match="数据管理员"):
        _record(item, user_b)
    with pytest.raises(PermissionDenied, match="数据管理员"):
        _record(item, city_authority)
    with pytest.raises(ValidationError, match="未标注为个人信息"):
        _record(plain, user_a)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _record(item, user_a, on=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="写明具体做法"):
        _record(item, user_a, "other")
    with pytest.raises(ValidationError, match="脱敏方式"):
        _record(item, user_a, "shred")
    assert not Desensitisation.objects.exists()
    _record(item, user_a)
    _record(_personal(entry)["联系电话"], user_a)
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    with pytest.raises(PermissionDenied, match="不能登记脱敏处理记录"):
        _record(item, user_a)


# ------------------------------------------------------------------------------------------ exposure
@pytest.fixture
def legacy_open(unit_a):
    """A 授权开放 entry published before this rule, with a personal item and no record (the issue's case)."""
    entry = CatalogEntry.objects.create(code="QZ-LEGACY-01", title="历史授权开放目录", source_unit=unit_a,
                                        status=EntryStatus.PUBLISHED, open_type=OpenType.AUTHORIZED, version=1,
                                        has_personal_info=True)
    DataItem.objects.create(entry=entry, name="企业名称", sort_order=1)
    DataItem.objects.create(entry=entry, name="法定代表人手机号", sort_order=2, is_personal_info=True)
    return entry


def _exposed(client, code):
    """Where the entry shows up: CKAN list/show/search/organization_list, DCAT Turtle, the public site."""
    lower = code.lower()
    return {
        "package_list": lower in client.get("/api/3/action/package_list").json()["result"],
        "package_show": client.get(f"/api/3/action/package_show?id={code}").status_code == 200,
        "package_search": client.get("/api/3/action/package_search?q=历史").json()["result"]["count"] > 0,
        "dcat": code in client.get("/catalog.ttl").content.decode(),
        "site_list": code in client.get("/open-data/").content.decode(),
        "site_entry": client.get(f"/open-data/{code}/").status_code == 200,
    }


def test_undesensitised_personal_entry_is_not_exposed(client, legacy_open, user_a, city_authority):
    """GD 第三十二条: the 授权开放 entry with an undesensitised personal item is in neither CKAN nor DCAT nor the public
    site; once revised, recorded and republished it is, and the public page says the item was desensitised."""
    assert not any(_exposed(client, legacy_open.code).values())
    entry = entry_transition(entry=legacy_open, action="revise", acting_user=user_a)
    _record(entry.items.get(name="法定代表人手机号"), user_a, "mask", note="仅保留后四位")
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    entry_transition(entry=entry, action="publish", acting_user=city_authority)
    assert all(_exposed(client, legacy_open.code).values())
    page = client.get(f"/open-data/{legacy_open.code}/").content.decode()
    assert "已脱敏（部分屏蔽（掩码）" in page


def test_admin_inline_records_through_the_service(client, authorized_entry, user_a):
    """The entry's admin change form has a 脱敏处理记录 inline (shown once the entry has personal items); saving a row
    calls ``desensitisation_record`` (the recorder is the logged-in user); a bad date comes back as a form error."""
    from tests.catalogs.test_admin_inlines_steps import entry_post, management

    entry = authorized_entry
    url = f"/admin/catalogs/catalogentry/{entry.pk}/change/"
    client.force_login(user_a)
    page = client.get(url).content.decode()
    assert "脱敏处理记录" in page
    existing = [{"id": str(i.pk), "entry": str(entry.pk), "name": i.name, "description": i.description,
                 **({"is_personal_info": "on"} if i.is_personal_info else {})}
                for i in entry.items.order_by("sort_order")]
    data = entry_post(entry.source_unit, entry.code, [], existing_items=existing)
    data.update(share_type="conditional", legal_basis="《福建省大数据发展条例》第十五条", open_type="authorized",
                title=entry.title)
    item = _personal(entry)["联系电话"]
    data.update(management("desensitisations", 1))
    data.update({"desensitisations-0-item": str(item.pk), "desensitisations-0-method": "mask",
                 "desensitisations-0-performed_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
                 "desensitisations-0-note": "中间四位以*代替"})
    response = client.post(url, data)
    assert response.status_code == 200 and "不能晚于今天" in response.content.decode()
    assert not Desensitisation.objects.exists()
    data["desensitisations-0-performed_on"] = timezone.localdate().isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Desensitisation.objects.get()
    assert (record.item, record.performed_by, record.method) == (item, user_a, "mask")
