"""Catalog changes reach the live grants (issue 13 point 1, docs/adr/0205-catalog-changes-reach-grants.md).

An entry reclassified, narrowed or retired flags or suspends every authorization and open-data grant that depends on it,
by rule; the holder, the producer unit and the data authority are told; the link is shown on both records.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogs.models import CatalogEntry, EntryStatus, OpenType, ShareType
from catalogs.services import entry_transition, entry_update
from portal.models import AuditLog, Notification
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    CatalogImpact,
    ImpactChange,
    ImpactDecision,
    InterfaceKind,
    OpenDataGrant,
    ServiceMode,
)
from sharing.services import (
    authorization_resume,
    open_application_act,
    open_application_create,
    open_application_submit,
    open_grant_resume,
    share_application_act,
    share_application_submit,
)
from tests.sharing.conftest import make_application, make_entry, open_consent_and_sign, open_verify

A = AuthorizationStatus
VERIFY_INTERFACE = {"name": "企业名称核查", "kind": "verify", "endpoint": "https://platform.example/verify",
                    "spec": "OpenAPI 3 文档", "call_instructions": "以令牌调用，POST JSON。"}


def published(world, code: str, **fields) -> CatalogEntry:
    """An entry of unit B published through the workflow (version 1 frozen)."""
    entry = make_entry(code, world.unit_b, status=EntryStatus.DRAFT, **fields)
    entry = entry_transition(entry=entry, action="submit", acting_user=world.user_b)
    return entry_transition(entry=entry, action="publish", acting_user=world.authority)


def republish(world, entry: CatalogEntry, **changes) -> CatalogEntry:
    """Revise, change and publish the next version (as the producer and the authority do)."""
    entry = entry_transition(entry=entry, action="revise", acting_user=world.user_b)
    entry = entry_update(entry=entry, acting_user=world.user_b, **changes)
    entry = entry_transition(entry=entry, action="submit", acting_user=world.user_b)
    return entry_transition(entry=entry, action="publish", acting_user=world.authority, reason="同意发布。")


def granted(world, entry: CatalogEntry, mode: str, *, items=None, **extra) -> Authorization:
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry], mode=mode,
                                                                items=items, **extra),
                                   acting_user=world.user_a)
    steps = {ServiceMode.BULK_EXCHANGE: [("push_configure", world.tech)],
             ServiceMode.API: [("assess_reasonable", world.tech), ("confirm", world.authority),
                               ("grant", world.tech)]}[mode]
    for action, user in steps:
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    return Authorization.objects.get(application=app)


def test_not_shared_suspends_bulk_and_flags_usable_invisible_interfaces(world, clock):
    """QZ §五(四): 暂不共享 data is used only through 比对、核查、统计 interfaces (可用不可见): a bulk exchange or a data-query
    interface on it is suspended when the entry is republished as 暂不共享; a verification interface is flagged for
    review. The holder, the producer unit and the authority are told; the link is kept with the entry version."""
    entry = published(world, "CC1")
    bulk = granted(world, entry, ServiceMode.BULK_EXCHANGE)
    query = granted(world, entry, ServiceMode.API)
    verify = granted(world, entry, ServiceMode.API, interface_kind=InterfaceKind.VERIFY)
    assert {bulk.status, query.status, verify.status} == {A.ACTIVE}
    before = Notification.objects.count()

    entry = republish(world, entry, share_type=ShareType.NOT_SHARED, open_type=OpenType.CLOSED,
                      legal_basis="《中华人民共和国个人信息保护法》第十三条", interfaces=[VERIFY_INTERFACE])
    assert entry.version == 2 and entry.share_type == ShareType.NOT_SHARED

    for auth in (bulk, query, verify):
        auth.refresh_from_db()
    assert bulk.status == A.SUSPENDED and query.status == A.SUSPENDED
    assert verify.status == A.ACTIVE  # 核查接口 is 可用不可见: flagged, not suspended
    assert "暂不共享" in bulk.status_reason and "CC1" in bulk.status_reason
    event = AuthorizationEvent.objects.get(authorization=bulk, event="suspend")
    assert event.from_status == A.ACTIVE and event.actor is None  # the system, on the catalog change
    assert AuditLog.objects.filter(action="sharing.authorization.catalog_suspend", object_id=str(bulk.pk)).exists()

    impacts = {i.authorization_id: i for i in CatalogImpact.objects.filter(entry=entry)}
    assert impacts[bulk.pk].decision == ImpactDecision.SUSPENDED
    assert impacts[bulk.pk].change == ImpactChange.NOT_SHARED and impacts[bulk.pk].entry_version == 2
    assert impacts[verify.pk].decision == ImpactDecision.FLAGGED
    assert impacts[bulk.pk].changed_by == world.authority

    notes = Notification.objects.filter(pk__gt=0).order_by("pk")[before:]
    by_user = {}
    for n in notes:
        by_user.setdefault(n.recipient_id, []).append(n)
    assert any("已暂停" in n.title for n in by_user[world.user_a.pk])  # holder: the suspension
    assert any("目录变更涉及您的授权" in n.title for n in by_user[world.user_a.pk])  # holder: the flag
    assert any(bulk.number in n.body for n in by_user[world.user_b.pk])  # producer unit
    assert any(bulk.number in n.body and verify.number in n.body for n in by_user[world.authority.pk])  # authority


def test_not_shared_cannot_come_back_as_bulk(world, clock):
    """QZ §五(四): while the entry stays 暂不共享 the suspended bulk exchange cannot be resumed (nor renewed)."""
    entry = published(world, "CC2")
    bulk = granted(world, entry, ServiceMode.BULK_EXCHANGE)
    republish(world, entry, share_type=ShareType.NOT_SHARED, open_type=OpenType.CLOSED,
              legal_basis="《中华人民共和国个人信息保护法》第十三条", interfaces=[VERIFY_INTERFACE])
    bulk.refresh_from_db()
    with pytest.raises(ValidationError, match="暂不共享"):
        authorization_resume(authorization=bulk, reason="已整改", acting_user=world.authority)
    bulk.refresh_from_db()
    assert bulk.status == A.SUSPENDED


def test_unconditional_to_conditional_flags_for_review(world, clock):
    """QZ §五(四): conditional data is shared only after the authority and the producer agree: a grant made while the
    entry was unconditional is flagged for review (not suspended)."""
    entry = published(world, "CC3")
    auth = granted(world, entry, ServiceMode.API)
    entry = republish(world, entry, share_type=ShareType.CONDITIONAL, share_conditions="仅限市场监管履职",
                      legal_basis="《泉州市政务数据管理规定》§五(二)")
    auth.refresh_from_db()
    assert auth.status == A.ACTIVE
    impact = CatalogImpact.objects.get(authorization=auth)
    assert (impact.change, impact.decision, impact.entry_version) == (
        ImpactChange.CONDITIONAL, ImpactDecision.FLAGGED, 2)
    assert "会商" in impact.reason


def test_retired_items_flag_or_suspend(world, clock):
    """QZ §四(二) (the catalog is updated when the data change) and the least-sufficient scope of QZ §二(二): an
    authorization whose data items were retired is flagged (some gone) or suspended (all of them gone)."""
    entry = published(world, "CC4")
    name, code, phone = entry.items.order_by("sort_order")
    partly = granted(world, entry, ServiceMode.API, items=[name, code])
    wholly = granted(world, entry, ServiceMode.API, items=[phone])
    republish(world, entry, items=[{"name": "名称"}])
    partly.refresh_from_db()
    wholly.refresh_from_db()
    assert partly.status == A.ACTIVE and wholly.status == A.SUSPENDED
    flagged = CatalogImpact.objects.get(authorization=partly)
    assert flagged.change == ImpactChange.ITEMS_RETIRED and flagged.decision == ImpactDecision.FLAGGED
    assert "代码" in flagged.reason and "名称" not in flagged.reason.split("：", 1)[1]
    assert CatalogImpact.objects.get(authorization=wholly).decision == ImpactDecision.SUSPENDED


def test_unchanged_republication_touches_nothing(world, clock):
    """A new version that neither reclassifies nor narrows the entry leaves the grants alone."""
    entry = published(world, "CC5")
    auth = granted(world, entry, ServiceMode.BULK_EXCHANGE)
    republish(world, entry, description="补充资源摘要")
    auth.refresh_from_db()
    assert auth.status == A.ACTIVE and not CatalogImpact.objects.exists()


@pytest.fixture
def open_grant(world, clock, enterprises):
    # no personal item: opening one needs a desensitisation record (tests/catalogs/test_desensitisation.py)
    entry = published(world, "CC6", open_type=OpenType.AUTHORIZED, items=("名称", "代码", "注册资本"))
    ent, user = enterprises.domestic
    app = open_application_create(enterprise=ent, entries=[entry], purpose="产业链分析", scenario="供应商筛选",
                                  is_commercial=True, acting_user=user, declares_eligibility=True,
                                  requested_until_on=timezone.localdate() + dt.timedelta(days=365))
    app = open_verify(open_application_submit(application=app, acting_user=user), world.authority)
    app = open_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    app = open_application_act(application=app, action="confirm", acting_user=world.authority)
    open_consent_and_sign(app, [world.user_b], world.tech)
    return OpenDataGrant.objects.get(application=app), entry


def test_closing_the_open_type_suspends_open_grants(world, open_grant):
    """FJ-OPEN art.14, 33 (seed 001): changing the open type is not done silently; data no longer open is withdrawn
    and the service suspended: a 授权开放 grant is suspended when the entry is republished as 不予开放, and cannot be
    resumed while it stays closed."""
    grant, entry = open_grant
    entry = republish(world, entry, open_type=OpenType.CLOSED)
    grant.refresh_from_db()
    assert grant.status == A.SUSPENDED
    impact = CatalogImpact.objects.get(open_grant=grant)
    assert impact.change == ImpactChange.OPEN_CLOSED and impact.decision == ImpactDecision.SUSPENDED
    assert AuthorizationEvent.objects.filter(open_grant=grant, event="suspend").exists()
    with pytest.raises(ValidationError, match="不予开放"):
        open_grant_resume(grant=grant, reason="恢复", acting_user=world.authority)


def test_retiring_the_entry_suspends_every_grant(world, open_grant):
    """QZ §五(十), FJ-OPEN art.33: data that is withdrawn (entry retired) is no longer served: every live
    authorization and open-data grant on it is suspended, an already suspended one is flagged; resumption refused."""
    grant, entry = open_grant
    active = granted(world, entry, ServiceMode.API)
    entry = entry_transition(entry=entry, action="retire", acting_user=world.authority, reason="数据已不再生产")
    assert entry.status == EntryStatus.RETIRED
    active.refresh_from_db()
    grant.refresh_from_db()
    assert active.status == A.SUSPENDED and grant.status == A.SUSPENDED
    changes = set(CatalogImpact.objects.filter(entry=entry).values_list("change", "decision"))
    assert changes == {(ImpactChange.ENTRY_RETIRED, ImpactDecision.SUSPENDED)}
    assert "数据已不再生产" in active.status_reason
    with pytest.raises(ValidationError, match="已停用"):
        authorization_resume(authorization=active, reason="恢复", acting_user=world.authority)


def test_the_link_shows_on_both_records_and_is_scoped(world, clock, client):
    """The entry page links its impacts; the authorization page lists each change with the entry version; a unit
    that neither holds the grant nor produces the data does not see the impact rows."""
    entry = published(world, "CC7")
    bulk = granted(world, entry, ServiceMode.BULK_EXCHANGE)
    republish(world, entry, share_type=ShareType.NOT_SHARED, open_type=OpenType.CLOSED,
              legal_basis="《中华人民共和国个人信息保护法》第十三条", interfaces=[VERIFY_INTERFACE])
    client.force_login(world.authority)
    page = client.get(f"/admin/catalogs/catalogentry/{entry.pk}/change/").content.decode()
    assert "目录变更对授权的影响" in page and f"entry__id__exact={entry.pk}" in page
    page = client.get(f"/admin/sharing/authorization/{bulk.pk}/change/").content.decode()
    assert "CC7" in page and "第2版" in page and "共享类型改为暂不共享" in page
    listing = client.get(f"/admin/sharing/catalogimpact/?entry__id__exact={entry.pk}").content.decode()
    assert bulk.number in listing
    for user, sees in ((world.user_a, True), (world.user_b, True), (world.jj_tax_admin, False)):
        client.force_login(user)
        response = client.get("/admin/sharing/catalogimpact/")
        assert (bulk.number in response.content.decode()) is sees, user.username


def test_entry_published_before_versions_were_kept(world, clock):
    """An entry published without a frozen version (imported or seeded as published) has no previous snapshot: the
    authorization's frozen scope says what was granted, so 暂不共享 still suspends its bulk exchange (QZ §五(四))."""
    entry = make_entry("CC8", world.unit_b)  # published, version 0, no CatalogVersion
    bulk = granted(world, entry, ServiceMode.BULK_EXCHANGE)
    entry = republish(world, entry, share_type=ShareType.NOT_SHARED, open_type=OpenType.CLOSED,
                      legal_basis="《中华人民共和国个人信息保护法》第十三条", interfaces=[VERIFY_INTERFACE])
    assert entry.version == 1
    bulk.refresh_from_db()
    assert bulk.status == A.SUSPENDED
    assert CatalogImpact.objects.get(authorization=bulk).change == ImpactChange.NOT_SHARED


def test_a_second_version_does_not_flag_again(world, clock):
    """Items retired in version 2 are flagged once; version 3 (a description change) leaves the grant alone."""
    entry = published(world, "CC9")
    name, code, _phone = entry.items.order_by("sort_order")
    auth = granted(world, entry, ServiceMode.API, items=[name, code])
    entry = republish(world, entry, items=[{"name": "名称"}, {"name": "联系电话"}])
    republish(world, entry, description="补充资源摘要")
    assert CatalogImpact.objects.filter(authorization=auth).count() == 1
