"""Interface delivery goes through the technical service unit and a new published version (issue 13 point 7).

QZ §二(三) (seed 000): “数据生产单位向市汇聚共享平台提供服务接口，需同时提供相应的接口规范及调用说明，并由技术服务单位对接口
再封装后在市汇聚共享平台进行统一发布”. The producer's delivery does not reach the entry; the technical service unit
re-wraps it (records the platform address) and the entry gets a new published version that contains it, so the
version diff shows it.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CatalogVersion, EntryStatus, InterfaceKind, InterfaceRequestStatus
from catalogs.services import (
    entry_transition,
    entry_version_diff,
    interface_request_create,
    interface_request_deliver,
    interface_request_rewrap,
)
from catalogs.workflow import INTERFACE_REQUEST
from portal.models import AuditLog, Notification


@pytest.fixture
def delivered(make_entry, unit_a, user_a, city_authority, tech_operator):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    req = interface_request_create(entry=entry, description="需要企业名称核验接口", acting_user=city_authority)
    req = interface_request_deliver(request=req, name="企业名称核验", endpoint="http://10.1.2.3/verify",
                                    spec="OpenAPI 3 文档", call_instructions="POST JSON，令牌鉴权",
                                    kind=InterfaceKind.VERIFY, acting_user=user_a)
    return entry, req


def test_delivery_waits_for_the_tech_unit(delivered, user_a, tech_operator):
    """QZ §二(三): what the producer delivers is not yet published: the entry, its published version and the open
    catalog do not contain it; the technical service unit is told and has the step on its list."""
    entry, req = delivered
    assert req.status == InterfaceRequestStatus.DELIVERED
    assert req.producer_endpoint == "http://10.1.2.3/verify" and req.delivered_interface is None
    assert not entry.interfaces.exists()
    entry.refresh_from_db()
    assert entry.version == 1
    assert Notification.objects.filter(recipient=tech_operator, title__contains="待再封装").exists()
    assert [t.name for t in INTERFACE_REQUEST.awaiting(tech_operator, req)] == ["rewrap"]
    assert not INTERFACE_REQUEST.allows("rewrap", user_a, req)


def test_rewrap_publishes_a_new_version_that_contains_it(delivered, user_a, city_authority, tech_operator):
    """QZ §二(三): the technical service unit re-wraps and publishes: the interface joins the entry at the platform
    address, the entry gets published version 2 containing it, and the diff v1 → v2 names the new interface."""
    entry, req = delivered
    req = interface_request_rewrap(request=req, platform_endpoint="https://platform.qz.gov.cn/gw/verify",
                                   note="统一鉴权、限流", acting_user=tech_operator)
    assert req.status == InterfaceRequestStatus.PUBLISHED and req.published_version == 2
    assert req.rewrapped_by == tech_operator and req.platform_endpoint.endswith("/gw/verify")
    iface = entry.interfaces.get()
    assert iface == req.delivered_interface
    assert iface.endpoint == "https://platform.qz.gov.cn/gw/verify" and iface.spec == "OpenAPI 3 文档"
    entry.refresh_from_db()
    assert entry.version == 2 and entry.status == EntryStatus.PUBLISHED
    v2 = CatalogVersion.objects.get(entry=entry, number=2)
    assert [i["name"] for i in v2.snapshot["interfaces"]] == ["企业名称核验"]
    assert v2.snapshot["interfaces"][0]["endpoint"] == "https://platform.qz.gov.cn/gw/verify"
    changes = entry_version_diff(entry=entry, old_number=1, new_number=2)
    assert [(c.label, c.new) for c in changes] == [("服务接口“企业名称核验”", "新增")]
    assert AuditLog.objects.filter(action="catalogs.interface_request.rewrap", object_id=str(req.pk)).exists()
    assert AuditLog.objects.filter(action="catalogs.entry.publish_interface", object_id=str(entry.pk)).exists()
    assert Notification.objects.filter(recipient=user_a, title__contains="已再封装并统一发布").exists()
    assert Notification.objects.filter(recipient=city_authority, title__contains="已再封装并统一发布").exists()


def test_only_the_tech_unit_rewraps_and_the_address_is_required(delivered, user_a, city_authority, tech_operator):
    """QZ §二(三) names the technical service unit: the producer and the authority are refused with the reason; the
    platform address is required; nothing is written on a refusal."""
    entry, req = delivered
    for user in (user_a, city_authority):
        with pytest.raises(PermissionDenied, match="技术服务单位"):
            interface_request_rewrap(request=req, platform_endpoint="https://p/x", acting_user=user)
    with pytest.raises(ValidationError) as refused:
        interface_request_rewrap(request=req, platform_endpoint="", acting_user=tech_operator)
    assert "platform_endpoint" in refused.value.message_dict
    req.refresh_from_db()
    entry.refresh_from_db()
    assert req.status == InterfaceRequestStatus.DELIVERED and entry.version == 1 and not entry.interfaces.exists()


def test_entry_under_revision_gets_it_in_the_next_version(delivered, user_a, city_authority, tech_operator):
    """An entry being revised is not republished by the re-wrap: the interface joins the working copy and is in the
    version its next publication freezes."""
    entry, req = delivered
    entry = entry_transition(entry=entry, action="revise", acting_user=user_a)
    req = interface_request_rewrap(request=req, platform_endpoint="https://platform.qz.gov.cn/gw/v",
                                   acting_user=tech_operator)
    assert req.published_version is None
    entry.refresh_from_db()
    assert entry.version == 1
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    entry = entry_transition(entry=entry, action="publish", acting_user=city_authority)
    assert [i["name"] for i in entry.versions.get(number=2).snapshot["interfaces"]] == ["企业名称核验"]


def test_retired_entry_is_refused(delivered, user_a, city_authority, tech_operator):
    """A retired entry is no longer on the platform: nothing is published on it."""
    entry, req = delivered
    entry_transition(entry=entry, action="retire", acting_user=city_authority, reason="停止生产")
    with pytest.raises(ValidationError, match="已停用"):
        interface_request_rewrap(request=req, platform_endpoint="https://p/x", acting_user=tech_operator)
    req.refresh_from_db()
    assert req.status == InterfaceRequestStatus.DELIVERED
