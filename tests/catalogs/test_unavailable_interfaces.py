"""暂不共享 needs 可用不可见 interfaces (issue 13 point 3).

泉政办〔2021〕21号 §五(四): “对于暂不共享的政务数据，数据生产单位应当依照‘可用不可见’的原则，向市汇聚共享平台挂接
比对、核查、统计等接口，数据应用单位应当向数据管理机构提出接口应用申请”; 附件1 第4–5点 (共享类型、共享服务方式);
附件2 第2点 (技术服务单位完成需求合理性评估后“开放相应的接口”). Publication of a 暂不共享 entry and the assessment of an
interface application to it both refuse when the interface is missing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogs.models import EntryStatus, ServiceInterface, ShareType
from catalogs.services import entry_create, entry_transition, entry_update
from sharing.models import InterfaceKind, ServiceMode
from sharing.services import share_application_act, share_application_create, share_application_submit
from sharing.workflow import Status

BASIS = "《市场监督管理行政处罚程序规定》第九条"
DESC = "市场监管执法过程中形成的内部线索材料，涉及执法秘密，暂不共享，仅提供核查接口（可用不可见）。"


def _iface(name: str, kind: str) -> dict[str, str]:
    return {"name": name, "kind": kind, "endpoint": "https://dsj.example/api/x", "spec": "仅返回是/否",
            "call_instructions": "经同意后调用"}


def _not_shared(unit, user, *, interfaces):
    return entry_create(source_unit=unit, code=f"NS-{unit.code}-{len(interfaces)}", title="市场主体监管内部线索",
                        acting_user=user, share_type=ShareType.NOT_SHARED, legal_basis=BASIS, description=DESC,
                        items=[{"name": "线索编号"}, {"name": "涉及主体"}], interfaces=interfaces)


@pytest.mark.django_db
def test_not_shared_entry_without_compare_verify_or_statistics_interface_is_not_submitted(unit_a, user_a):
    """QZ §五(四): a 暂不共享 entry with no interface, or only a 数据查询 / 批量交换 one, is refused at submission with the
    clause named; a 比对 (or 核查 / 统计) interface lets it through."""
    entry = _not_shared(unit_a, user_a, interfaces=[])
    with pytest.raises(ValidationError) as err:
        entry_transition(entry=entry, action="submit", acting_user=user_a)
    assert "可用不可见" in str(err.value) and "§五(四)" in str(err.value)
    assert "interfaces" in err.value.message_dict
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT  # nothing half-written

    entry = entry_update(entry=entry, acting_user=user_a, interfaces=[_iface("主体查询", "data_query"),
                                                                      _iface("批量推送", "bulk_exchange")])
    with pytest.raises(ValidationError, match="比对、核查或统计接口"):
        entry_transition(entry=entry, action="submit", acting_user=user_a)

    entry = entry_update(entry=entry, acting_user=user_a, interfaces=[_iface("主体查询", "data_query"),
                                                                      _iface("线索比对", "compare")])
    assert entry_transition(entry=entry, action="submit", acting_user=user_a).status == EntryStatus.SUBMITTED


@pytest.mark.django_db
def test_publication_refuses_when_the_interface_was_retired_after_submission(unit_a, user_a, city_authority):
    """QZ §五(四): the authority's publication checks again; a 暂不共享 entry whose only 核查 interface was retired since
    submission is refused with the reason and stays submitted (no version frozen)."""
    entry = _not_shared(unit_a, user_a, interfaces=[_iface("线索核查", "verify")])
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    ServiceInterface.objects.filter(entry=entry).update(retired_at=timezone.now())
    with pytest.raises(ValidationError, match="可用不可见"):
        entry_transition(entry=entry, action="publish", acting_user=city_authority)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED and entry.version == 0 and not entry.versions.exists()


@pytest.mark.django_db
def test_other_share_types_need_no_such_interface(make_entry, unit_a, user_a, city_authority):
    """QZ §五(四) concerns 暂不共享 only: 有条件共享 data without any interface still publishes."""
    entry = make_entry(unit_a, user_a, share_type=ShareType.CONDITIONAL, legal_basis=BASIS,
                       status=EntryStatus.PUBLISHED, authority=city_authority)
    assert entry.status == EntryStatus.PUBLISHED


@pytest.mark.django_db
def test_api_submit_refusal_is_a_400_with_the_chinese_reason(api_client, unit_a, user_a):
    """QZ §五(四) through the REST API: 400 naming the missing 可用不可见 interface, never a 500."""
    entry = _not_shared(unit_a, user_a, interfaces=[])
    api_client.force_authenticate(user_a)
    res = api_client.post(f"/api/v1/catalogs/entries/{entry.pk}/submit/", {}, format="json")
    assert res.status_code == 400 and "可用不可见" in str(res.json())


# ------------------------------------------------------------------------------------------ sharing side
def _published_not_shared(unit, user, authority, kinds):
    entry = _not_shared(unit, user, interfaces=[_iface(f"接口{k}", k) for k in kinds])
    entry = entry_transition(entry=entry, action="submit", acting_user=user)
    return entry_transition(entry=entry, action="publish", acting_user=authority)


def _apply(unit, user, entry, interface_kind):
    return share_application_create(
        applicant_unit=unit, entries=[entry], data_items=[entry.items.order_by("sort_order").first()],
        acting_user=user, business_matter="企业开办一件事", application_scenario="窗口受理时核查线索",
        information_system="一窗受理系统", purpose="核查申请主体是否涉案", service_mode=ServiceMode.API,
        interface_kind=interface_kind, requested_from_on=timezone.localdate(),
        requested_until_on=timezone.localdate() + dt.timedelta(days=300))


@pytest.mark.django_db
def test_interface_application_needs_an_interface_of_that_kind(unit_a, user_a, unit_b, user_b, city_authority):
    """QZ §五(四) + 附件2 第2点: an application for a 核查 interface of a 暂不共享 entry that only has a 统计 interface is
    refused (naming the entry and the kind); the 统计 interface it has may be applied for."""
    entry = _published_not_shared(unit_b, user_b, city_authority, ["statistics"])
    with pytest.raises(ValidationError) as err:
        _apply(unit_a, user_a, entry, InterfaceKind.VERIFY)
    assert "未挂接核查接口" in str(err.value) and entry.title in str(err.value)
    app = _apply(unit_a, user_a, entry, InterfaceKind.STATISTICS)
    assert share_application_submit(application=app, acting_user=user_a).status == Status.ASSESSING


@pytest.mark.django_db
def test_assessment_refuses_when_the_entry_lost_its_interface(unit_a, user_a, unit_b, user_b, city_authority,
                                                              tech_operator):
    """附件2 第2点 / QZ §五(四): the tech service unit's 需求合理性评估 cannot pass a 核查 application once the entry has no
    active 核查 interface (retired after submission); the application stays in assessment, the reason is Chinese, and
    “需求不合理” (negotiation) remains possible."""
    entry = _published_not_shared(unit_b, user_b, city_authority, ["verify"])
    app = share_application_submit(application=_apply(unit_a, user_a, entry, InterfaceKind.VERIFY),
                                   acting_user=user_a)
    assert app.status == Status.ASSESSING
    ServiceInterface.objects.filter(entry=entry).update(retired_at=timezone.now())
    with pytest.raises(ValidationError, match="未挂接核查接口"):
        share_application_act(application=app, action="assess_reasonable", acting_user=tech_operator,
                              opinion="需求合理")
    app.refresh_from_db()
    assert app.status == Status.ASSESSING
    app = share_application_act(application=app, action="assess_unreasonable", acting_user=tech_operator,
                                opinion="该目录暂无核查接口，请协商调整")
    assert app.status == Status.NEGOTIATING


@pytest.mark.django_db
def test_assessment_passes_with_the_interface(unit_a, user_a, unit_b, user_b, city_authority, tech_operator):
    """QZ §五(四): with the 核查 interface hung, the assessment passes to the joint review with the producer."""
    entry = _published_not_shared(unit_b, user_b, city_authority, ["verify"])
    app = share_application_submit(application=_apply(unit_a, user_a, entry, InterfaceKind.VERIFY),
                                   acting_user=user_a)
    app = share_application_act(application=app, action="assess_reasonable", acting_user=tech_operator,
                                opinion="需求合理")
    assert app.status == Status.JOINT_REVIEW
