"""Authorizations: frozen records, suspension/termination with reasons, renewal, expiry, reminders, signed webhooks."""

from __future__ import annotations

import datetime as dt
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.models import Notification
from sharing import webhooks
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    DeliveryStatus,
    MisuseKind,
    WebhookDelivery,
)
from sharing.services import (
    authorization_renew,
    authorization_resume,
    authorization_revoke,
    authorization_suspend,
    authorizations_expire,
    authorizations_remind_expiring,
    share_application_act,
    share_application_submit,
    webhook_deliver,
    webhook_retry_due,
    webhook_subscribe,
)
from tests.sharing.conftest import make_application

D = dt.date


@pytest.fixture
def granted(world, clock):
    entry = world.entry("A1", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    for action, user in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    return Authorization.objects.get(application=app)


def test_authorization_is_frozen(granted):
    granted.valid_until_on = D(2030, 1, 1)
    with pytest.raises(PermissionDenied, match="冻结"):
        granted.save()
    fresh = Authorization.objects.get(pk=granted.pk)
    fresh.scope_snapshot = {"entries": []}
    with pytest.raises(PermissionDenied):
        fresh.save()
    with pytest.raises(PermissionDenied):
        fresh.delete()
    with pytest.raises(PermissionDenied, match="有效期止"):  # FrozenFieldsQuerySet: no update() around save()
        Authorization.objects.filter(pk=granted.pk).update(valid_until_on=D(2030, 1, 1))
    Authorization.objects.filter(pk=granted.pk).update(expiry_reminded_on=D(2026, 10, 8))  # bookkeeping may change


def test_suspend_resume_revoke_need_authority_and_reason(world, granted):
    with pytest.raises(PermissionDenied, match="数据管理机构"):
        authorization_suspend(authorization=granted, misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围",
                              acting_user=world.user_b)
    with pytest.raises(ValidationError):
        authorization_suspend(authorization=granted, misuse_kind="", reason="超范围", acting_user=world.authority)
    with pytest.raises(ValidationError):
        authorization_suspend(authorization=granted, misuse_kind=MisuseKind.OVER_SCOPE, reason=" ",
                              acting_user=world.authority)
    assert Authorization.objects.get(pk=granted.pk).status == AuthorizationStatus.ACTIVE
    auth = authorization_suspend(authorization=granted, misuse_kind=MisuseKind.OVER_SCOPE,
                                 reason="调用量异常，疑似超范围使用", acting_user=world.authority)
    assert auth.status == AuthorizationStatus.SUSPENDED
    auth = authorization_resume(authorization=auth, reason="已整改", acting_user=world.authority)
    assert auth.status == AuthorizationStatus.ACTIVE
    auth = authorization_revoke(authorization=auth, misuse_kind=MisuseKind.SECURITY_RISK, reason="数据泄露风险",
                                acting_user=world.authority)
    assert auth.status == AuthorizationStatus.REVOKED
    events = list(AuthorizationEvent.objects.filter(authorization=auth).values_list("event", "to_status"))
    assert events == [("suspend", "suspended"), ("resume", "active"), ("revoke", "revoked")]
    with pytest.raises(ValidationError):
        authorization_resume(authorization=auth, reason="再恢复", acting_user=world.authority)
    assert Notification.objects.filter(recipient=world.user_a, title="数据共享授权已终止").exists()


def test_renewal_creates_new_and_supersedes_old(world, granted, clock):
    with pytest.raises(ValidationError):
        authorization_renew(authorization=granted, valid_until_on=D(2027, 1, 1), reason="续期",
                            acting_user=world.authority)
    new = authorization_renew(authorization=granted, valid_until_on=D(2028, 9, 30), reason="业务延续",
                              acting_user=world.authority)
    old = Authorization.objects.get(pk=granted.pk)
    assert old.status == AuthorizationStatus.SUPERSEDED and new.renewed_from == old
    assert new.valid_from_on == D(2027, 9, 30) and new.valid_until_on == D(2028, 9, 30)
    assert list(new.data_items.all()) == list(old.data_items.all())
    assert new.scope_snapshot["renewed_from"] == old.number


def test_expiry_and_reminder(world, granted, clock):
    clock.set(D(2027, 9, 17))  # 10 working days before 09-30 (the National Day 2027 data is not yet published)
    assert authorizations_remind_expiring() == [granted.pk]
    assert authorizations_remind_expiring() == []  # once only
    assert Authorization.history.filter(id=granted.pk, expiry_reminded_on__isnull=False).exists()  # saved, not update()
    assert Notification.objects.filter(recipient=world.user_a, title="数据共享授权即将到期").count() == 1
    assert authorizations_expire() == []
    clock.set(D(2027, 10, 1))
    assert authorizations_expire() == [granted.pk]
    assert Authorization.objects.get(pk=granted.pk).status == AuthorizationStatus.EXPIRED


class _Receiver(BaseHTTPRequestHandler):
    responses: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        code = type(self).responses.pop(0) if type(self).responses else 200
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.responses, _Receiver.received = [500], []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_revocation_webhook_is_signed_and_retried_after_failure(world, granted, receiver,
                                                                django_capture_on_commit_callbacks):
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    sub = webhook_subscribe(authorization=granted, url=url, acting_user=world.user_a)
    with django_capture_on_commit_callbacks(execute=True):
        authorization_revoke(authorization=granted, misuse_kind=MisuseKind.ILLEGAL_USE, reason="提供给第三方",
                             acting_user=world.authority)
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.RETRYING, 1, 500)
    assert len(_Receiver.received) == 1
    assert webhook_retry_due() == []  # back-off not elapsed yet
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry_due(now=timezone.now() + timedelta(minutes=5)) == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    headers, body = _Receiver.received[1]
    assert headers["X-Portal-Event"] == "authorization.revoked"
    assert headers["X-Portal-Delivery"] == str(delivery.pk)
    assert webhooks.verify_signature(sub.secret, headers["X-Portal-Timestamp"], body, headers["X-Portal-Signature"])
    assert not webhooks.verify_signature("wrong-secret", headers["X-Portal-Timestamp"], body,
                                         headers["X-Portal-Signature"])
    payload = json.loads(body)
    assert payload["authorization"]["number"] == granted.number and payload["authorization"]["status"] == "revoked"
    assert _Receiver.received[0][1] == body  # the retried body is the same event


def test_webhook_retries_are_bounded(world, granted, receiver, settings, django_capture_on_commit_callbacks):
    settings.SHARING_WEBHOOK_MAX_ATTEMPTS = 2
    _Receiver.responses = [500, 503, 200]
    sub = webhook_subscribe(authorization=granted, url=f"http://127.0.0.1:{receiver.server_port}/",
                            acting_user=world.tech)
    with django_capture_on_commit_callbacks(execute=True):
        authorization_suspend(authorization=granted, misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围",
                              acting_user=world.authority)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_retry_due(now=timezone.now() + timedelta(hours=1))
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(_Receiver.received) == 2


def test_each_delivery_is_posted_once_when_its_task_runs_several_times(world, granted, receiver,
                                                                       django_capture_on_commit_callbacks):
    """Two clusters can run the same delivery (the on-commit task, ``retry_webhooks``, a broker redelivery): the
    first run claims it, the others send nothing (ADR 0011)."""
    _Receiver.responses = [200]
    sub = webhook_subscribe(authorization=granted, url=f"http://127.0.0.1:{receiver.server_port}/",
                            acting_user=world.tech)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        authorization_suspend(authorization=granted, misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围",
                              acting_user=world.authority)
    delivery = WebhookDelivery.objects.get(subscription=sub)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry_due() == [delivery.pk]  # the new delivery is due: a second task for it
    for callback in callbacks:  # the on-commit task runs after the retry job's
        callback()
    webhook_deliver(delivery.pk)  # and a redelivered copy
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(_Receiver.received)) == (DeliveryStatus.DELIVERED, 1, 1)


def test_a_claimed_delivery_is_not_sent_again_until_its_lease_runs_out(world, granted, receiver):
    _Receiver.responses = [200]
    sub = webhook_subscribe(authorization=granted, url=f"http://127.0.0.1:{receiver.server_port}/",
                            acting_user=world.tech)
    delivery = WebhookDelivery.objects.create(subscription=sub, event="authorization.suspended", payload={"n": 1})
    # another worker claimed it and is sending right now
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1, next_attempt_at=timezone.now() + timedelta(
        seconds=30))
    assert webhook_retry_due() == []
    assert webhook_deliver(delivery.pk).status == DeliveryStatus.PENDING
    assert _Receiver.received == []
    # that worker died before recording the answer: after the lease the delivery is sent again (at least once)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    delivery = webhook_deliver(delivery.pk)
    assert (delivery.status, delivery.attempts, len(_Receiver.received)) == (DeliveryStatus.DELIVERED, 2, 1)
    assert webhook_deliver(delivery.pk).attempts == 2  # delivered: left alone
    assert len(_Receiver.received) == 1


def test_subscription_rules(world, granted):
    with pytest.raises(PermissionDenied):
        webhook_subscribe(authorization=granted, url="https://example.cn/h", acting_user=world.jj_fin_admin)
    with pytest.raises(ValidationError):
        webhook_subscribe(authorization=granted, url="ftp://example.cn/h", acting_user=world.user_a)
    with pytest.raises(ValidationError):
        webhook_subscribe(authorization=granted, url="https://example.cn/h", events=["x"], acting_user=world.user_a)


def test_admin_and_api_steps_of_an_authorization(world, granted, clock, client, api_client, token_for):
    """Step buttons and forms derived from ``sharing.authorization``; a renewal leads to the new authorization; the
    API keeps its paths (``…/{id}/suspend/``, ``…/{id}/renew/``)."""
    from django.urls import reverse

    client.force_login(world.authority)
    change = reverse("admin:sharing_authorization_change", args=[granted.pk])
    page = client.get(change).content.decode()
    assert "暂停服务" in page and "续期" in page and "恢复服务" not in page
    response = client.post(reverse("admin:sharing_authorization_step", args=[granted.pk, "renew"]),
                           {"valid_until_on": "2028-09-30", "reason": "业务延续"})
    new = Authorization.objects.get(renewed_from=granted)
    assert response.status_code == 302
    assert response.url == reverse("admin:sharing_authorization_change", args=[new.pk])

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    url = f"/api/v1/sharing/authorizations/{new.pk}/"
    assert api_client.post(url + "suspend/", {"misuse_kind": "over_scope", "reason": "超范围"},
                           format="json").status_code == 403
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    refused = api_client.post(url + "suspend/", {"reason": "超范围"}, format="json")
    assert refused.status_code == 400 and "misuse_kind" in refused.json()
    response = api_client.post(url + "suspend/", {"misuse_kind": "over_scope", "reason": "超范围"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert [s["name"] for s in api_client.get(url + "steps/").json()["steps"]] == ["resume", "revoke"]
    response = api_client.post(url + "renew/", {"valid_until_on": "2029-09-30", "reason": "再续"}, format="json")
    assert response.status_code == 400  # a suspended authorization is not renewed
