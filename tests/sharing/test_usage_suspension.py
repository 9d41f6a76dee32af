"""Use during a suspension (issue 13 point 6, docs/adr/0205-catalog-changes-reach-grants.md).

A usage record dated inside a suspension of its authorization (or after its termination) is accepted as a recorded
violation: flagged on the record, returned by the API, reported to the data authority, listed on its board. It is not
refused: the use already happened, and refusing the record would lose the evidence QZ §八(二) requires to be kept.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditLog, Notification
from sharing.models import Authorization, AuthorizationEvent, DataUseRecord, MisuseKind
from sharing.selectors import authorization_service_gaps
from sharing.services import (
    authorization_resume,
    authorization_revoke,
    authorization_suspend,
    share_application_act,
    share_application_submit,
    usage_record_create,
    usage_records_push,
)
from tests.sharing.conftest import make_application


@pytest.fixture
def auth(world, clock):
    entry = world.entry("U1", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    for action, user in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    return Authorization.objects.get(application=app)


def row(auth, at, **extra):
    return {"authorization": auth.number, "purpose": "受理企业开办", "user_name": "窗口经办人", "approver_name": "科长",
            "data_content": "企业名称", "acquired_at": at.isoformat(), "acquisition_method": "api_call",
            "media_type": "online", **extra}


def suspended_then_resumed(world, auth):
    """Suspend, wait a moment, resume: returns the two event times (the suspension window)."""
    authorization_suspend(authorization=auth, misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围使用",
                          acting_user=world.authority)
    time.sleep(0.02)
    authorization_resume(authorization=auth, reason="已整改", acting_user=world.authority)
    events = {e.event: e.at for e in AuthorizationEvent.objects.filter(authorization=auth)}
    return events["suspend"], events["resume"]


def test_use_inside_a_suspension_is_recorded_as_a_violation(world, auth):
    """QZ §五(十) (the authority suspends service) and §八(二) (every use is recorded): a use dated inside the suspension
    is kept and flagged; uses before it and after the resumption are not; the authority is told once, with an audit
    row for the batch."""
    start, end = suspended_then_resumed(world, auth)
    inside = start + (end - start) / 2
    before_notes = Notification.objects.filter(recipient=world.authority).count()
    created, _ = usage_records_push(records=[
        row(auth, start - timedelta(hours=1), external_id="B1"), row(auth, inside, external_id="IN"),
        row(auth, timezone.now(), external_id="AF")], acting_user=world.user_a)
    flags = {r.external_id: r for r in DataUseRecord.objects.filter(pk__in=[r.pk for r in created])}
    assert [flags[k].is_violation for k in ("B1", "IN", "AF")] == [False, True, False]
    assert "暂停期间" in flags["IN"].violation_note and auth.number in flags["IN"].violation_note
    notes = Notification.objects.filter(recipient=world.authority).order_by("pk")[before_notes:]
    assert len(notes) == 1 and "暂停期间使用数据" in notes[0].title and "窗口经办人" in notes[0].body
    assert not Notification.objects.filter(recipient=world.user_b, title__contains="暂停期间").exists()
    assert AuditLog.objects.filter(action="sharing.usage_record.violation").count() == 1


def test_use_while_still_suspended_or_after_termination(world, auth):
    """QZ §五(十): a suspension not yet lifted and a termination both leave the authorization out of service."""
    authorization_suspend(authorization=auth, misuse_kind=MisuseKind.SECURITY_RISK, reason="存在安全风险",
                          acting_user=world.authority)
    record = usage_record_create(authorization=auth, acting_user=world.user_a,
                                 **{k: v for k, v in row(auth, timezone.now()).items() if k != "authorization"})
    assert record.is_violation and "至今未恢复" in record.violation_note
    authorization_revoke(authorization=auth, misuse_kind=MisuseKind.SECURITY_RISK, reason="拒不整改",
                         acting_user=world.authority)
    gaps = authorization_service_gaps([auth.pk])[auth.pk]
    assert len(gaps) == 1 and gaps[0][1] is None and gaps[0][2] == "revoked"
    later = usage_record_create(authorization=auth, acting_user=world.user_a,
                                **{k: v for k, v in row(auth, timezone.now()).items() if k != "authorization"})
    assert later.is_violation and "终止" in later.violation_note


def test_api_returns_the_flag(world, auth, api_client, token_for):
    """The integrator pushing records learns which ones were flagged (batch and single)."""
    start, end = suspended_then_resumed(world, auth)
    inside = start + (end - start) / 2
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    url = "/api/v1/sharing/usage-records/"
    batch = api_client.post(url + "batch/", {"records": [row(auth, inside, external_id="A1"),
                                                         row(auth, timezone.now(), external_id="A2")]},
                            format="json")
    assert batch.status_code == 201, batch.content
    body = batch.json()
    assert body["created"] == 2 and [v["external_id"] for v in body["violations"]] == ["A1"]
    assert "暂停期间" in body["violations"][0]["violation_note"]
    single = api_client.post(url, row(auth, inside, external_id="A3"), format="json")
    assert single.status_code == 201 and single.json()["is_violation"] is True
    listing = api_client.get(url, {"authorization": auth.pk}).json()["results"]
    assert {r["external_id"]: r["is_violation"] for r in listing} == {"A1": True, "A2": False, "A3": True}


def test_authority_board_lists_violations_and_scope(world, auth, client):
    """The authority's overdue board lists the flagged uses; a unit with no part in the authorization sees none."""
    start, end = suspended_then_resumed(world, auth)
    usage_records_push(records=[row(auth, start + (end - start) / 2, purpose="暂停期间仍调用接口")],
                       acting_user=world.user_a)
    client.force_login(world.authority)
    page = client.get("/admin/sharing/shareapplication/overdue/").content.decode()
    assert "暂停期间仍调用接口" in page and auth.number in page
    listing = client.get("/admin/sharing/datauserecord/?is_violation__exact=1").content.decode()
    assert "暂停期间仍调用接口" in listing
    client.force_login(world.jj_tax_admin)
    page = client.get("/admin/sharing/shareapplication/overdue/")
    assert "暂停期间仍调用接口" not in page.content.decode()
