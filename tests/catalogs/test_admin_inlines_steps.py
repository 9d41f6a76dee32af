"""Admin: items and interfaces as inlines saved through the services (一数一源 refusal next to the item), correction
steps and interface-request steps as buttons and one-form pages, both with their denials."""

from __future__ import annotations

from catalogs.models import (
    CatalogEntry,
    DataCorrection,
    DataElement,
    DataItem,
    EntryStatus,
    InterfaceRequest,
    ServiceInterface,
)

ADD = "/admin/catalogs/catalogentry/add/"


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def entry_post(unit, code, items, interfaces=(), existing_items=()):
    data = {"code": code, "title": "企业补助拨付信息", "source_unit": str(unit.pk),
            "description": "本目录登记本单位依法履职过程中产生的企业补助拨付数据，按月更新，供各单位共享使用。",
            "share_type": "unconditional", "open_type": "closed", "update_frequency": "monthly",
            "aggregation_mode": "realtime_full", "doc_kind": "", "base_category": ""}
    rows = [*existing_items, *items]
    data.update(management("items", len(rows), len(existing_items)))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{i}-{key}"] = value
        data.setdefault(f"items-{i}-data_type", "string")
    data.update(management("interfaces", len(interfaces)))
    for i, row in enumerate(interfaces):
        for key, value in row.items():
            data[f"interfaces-{i}-{key}"] = value
    return data


def test_add_entry_with_inline_items_and_interfaces(client, unit_a, user_a):
    client.force_login(user_a)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, entry_post(unit_a, "ADM-1", [
        {"name": "企业名称", "description": "登记名称"},
        {"name": "信用代码", "element_code": "DE-ADM-USCC"},
        {"name": "联系电话", "is_personal_info": "on"}],
        [{"name": "补助查询", "kind": "data_query", "origin": "producer", "endpoint": "https://x/q",
          "spec": "OpenAPI", "call_instructions": "令牌调用"}]))
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = CatalogEntry.objects.get(code="ADM-1")
    assert [i.name for i in entry.items.all()] == ["企业名称", "信用代码", "联系电话"]
    assert entry.has_personal_info and entry.interfaces.get().spec == "OpenAPI"
    assert DataElement.objects.get(code="DE-ADM-USCC").source_unit == unit_a


def test_single_source_refusal_shown_next_to_item(client, unit_a, unit_b, user_a, user_b, make_entry):
    make_entry(unit_a, user_a, items=[{"name": "信用代码", "element_code": "DE-OWNED"}])
    client.force_login(user_b)
    response = client.post(ADD, entry_post(unit_b, "ADM-2", [{"name": "统一社会信用代码",
                                                              "element_code": "DE-OWNED"}]))
    assert response.status_code == 200  # the form comes back with the error on the item row
    page = response.content.decode()
    assert "已由“单位甲”登记为数源单位（一数一源）" in page and 'class="errorlist' in page
    assert not CatalogEntry.objects.filter(code="ADM-2").exists()


def test_edit_inlines_retires_removed_item_and_locks_published(client, unit_a, user_a, make_entry,
                                                               city_authority, user_b):
    entry = make_entry(unit_a, user_a)
    a, b = entry.items.order_by("sort_order")
    url = f"/admin/catalogs/catalogentry/{entry.pk}/change/"
    client.force_login(user_a)
    existing = [{"id": str(a.pk), "entry": str(entry.pk), "name": a.name, "description": "改过的说明"},
                {"id": str(b.pk), "entry": str(entry.pk), "name": b.name, "DELETE": "on"}]
    data = entry_post(unit_a, entry.code, [{"name": "拨付日期", "data_type": "date"}], existing_items=existing)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.description == "改过的说明" and b.retired_at is not None  # removed = retired, never deleted
    assert list(DataItem.objects.filter(entry=entry, retired_at__isnull=True).values_list("name", flat=True)) == [
        a.name, "拨付日期"]
    client.force_login(user_b)  # another unit cannot open the draft at all
    assert client.get(url).status_code in (302, 404)
    from catalogs.services import entry_transition

    entry_transition(entry=entry, action="submit", acting_user=user_a)
    client.force_login(user_a)
    page = client.get(url).content.decode()
    assert 'name="items-0-name"' not in page  # submitted: inlines read-only
    before = DataItem.objects.filter(entry=entry).count()
    client.post(url, entry_post(unit_a, entry.code, [{"name": "新项"}]))
    assert DataItem.objects.filter(entry=entry).count() == before


def test_correction_from_admin_through_every_step(client, make_entry, unit_a, user_a, user_b, city_authority,
                                                  tech_operator):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    client.force_login(user_b)
    page = client.get(f"/admin/catalogs/catalogentry/{entry.pk}/change/").content.decode()
    assert f"/admin/catalogs/datacorrection/add/?entry={entry.pk}" in page
    add = "/admin/catalogs/datacorrection/add/"
    client.post(add, {"entry": entry.pk, "description": "太短"})
    assert not DataCorrection.objects.exists()  # refused: description too short
    response = client.post(add, {"entry": entry.pk, "description": "金额字段存在负数记录，疑似录入错误"})
    correction = DataCorrection.objects.get()
    assert response.status_code == 302 and correction.reporter_unit == user_b.memberships.get().organization
    change = f"/admin/catalogs/datacorrection/{correction.pk}/change/"
    step = f"/admin/catalogs/datacorrection/{correction.pk}/step/"
    assert "step/dispatch_to_source/" not in client.get(change).content.decode()  # reporter cannot dispatch
    client.post(step + "dispatch_to_source/", {"analysis": "自行分派"})
    correction.refresh_from_db()
    assert correction.status == "reported"
    client.force_login(tech_operator)
    assert "step/dispatch_to_source/" in client.get(change).content.decode()
    client.post(step + "dispatch_to_source/", {"analysis": "属源头数据问题"})
    correction.refresh_from_db()
    assert correction.status == "dispatched" and correction.decide_due_on
    client.force_login(user_b)
    client.post(step + "decide/", {"reason": "属实", "will_correct": "on"})
    correction.refresh_from_db()
    assert correction.status == "dispatched"  # only the source unit decides
    client.force_login(user_a)
    assert "step/decide/" in client.get(change).content.decode()
    client.post(step + "decide/", {"reason": "", "will_correct": "on"})
    correction.refresh_from_db()
    assert correction.status == "dispatched"  # reason required
    client.post(step + "decide/", {"reason": "核实属实", "will_correct": "on"})
    client.post(step + "complete/", {"note": "已在源头更正并重新汇聚"})
    correction.refresh_from_db()
    assert correction.status == "corrected" and correction.corrected_on


def test_interface_request_admin_steps(client, make_entry, unit_a, user_a, user_b, city_authority, tech_operator):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    add = "/admin/catalogs/interfacerequest/add/"
    client.force_login(user_a)
    assert client.get(add).status_code == 403  # a unit cannot demand interfaces
    client.force_login(city_authority)
    response = client.post(add, {"entry": entry.pk, "description": "需要按信用代码核验的接口"})
    req = InterfaceRequest.objects.get()
    assert response.status_code == 302 and req.due_on == req.original_due_on
    step = f"/admin/catalogs/interfacerequest/{req.pk}/step/"
    change = f"/admin/catalogs/interfacerequest/{req.pk}/change/"
    client.force_login(user_b)
    assert client.get(change).status_code in (302, 404)  # not the producer's business
    client.force_login(user_a)
    assert "step/request_extension/" in client.get(change).content.decode()
    client.post(step + "request_extension/", {"reason": "需协调省级系统", "workdays": "7"})
    req.refresh_from_db()
    assert req.status == "open"  # > 5 working days refused
    client.post(step + "request_extension/", {"reason": "需协调省级系统", "workdays": "5"})
    client.post(step + "decide_extension/", {"approve": "1", "note": "自批"})
    req.refresh_from_db()
    assert req.status == "extension_requested" and not req.is_extension_approved  # producer cannot approve
    client.force_login(city_authority)
    client.post(step + "decide_extension/", {"approve": "1", "note": "同意"})
    req.refresh_from_db()
    assert req.is_extension_approved and req.due_on > req.original_due_on
    client.force_login(user_a)
    page = client.get(change).content.decode()
    assert "step/deliver/" in page and "step/request_extension/" not in page  # one extension only
    client.post(step + "deliver/", {"name": "信用核验", "kind": "verify", "endpoint": "https://x/v", "spec": "",
                                    "call_instructions": "令牌"})
    req.refresh_from_db()
    assert req.status == "open" and req.delivered_on is None  # spec missing: refused
    client.post(step + "deliver/", {"name": "信用核验", "kind": "verify", "endpoint": "https://x/v",
                                    "spec": "REST/JSON", "call_instructions": "令牌"})
    req.refresh_from_db()
    assert req.status == "delivered"
    assert not ServiceInterface.objects.filter(entry=entry, name="信用核验").exists()  # the tech unit re-wraps first
    assert "step/rewrap/" not in client.get(change).content.decode()
    client.force_login(tech_operator)
    assert "step/rewrap/" in client.get(change).content.decode()
    client.post(step + "rewrap/", {"platform_endpoint": "https://platform.example/v"})
    req.refresh_from_db()
    assert req.status == "published" and req.published_version == 2
    assert ServiceInterface.objects.get(entry=entry, name="信用核验").endpoint == "https://platform.example/v"
