"""Webhook targets: private, loopback, link-local and other non-public addresses are refused in production, when
subscribing and again at delivery; redirects are not followed (ADR 0203)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError

from sharing import webhooks
from sharing.models import Authorization, DeliveryStatus, MisuseKind, WebhookDelivery
from sharing.services import authorization_suspend, share_application_act, share_application_submit, webhook_subscribe
from tests.sharing.conftest import make_application

PUBLIC = {"hooks.example.cn": ["36.110.10.10"], "evil.example.cn": ["10.1.2.3"],
          "mixed.example.cn": ["36.110.10.11", "192.168.0.7"], "extranet.example.cn": ["10.20.1.5"]}


@pytest.fixture
def auth(world, clock):
    entry = world.entry("WT1", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    for action, user in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    return Authorization.objects.get(application=app)


@pytest.fixture
def production(settings, monkeypatch):
    """Production flags, and a fixed resolver (no DNS at test time) for the example host names."""
    settings.DEBUG, settings.TESTING = False, False
    real = webhooks.resolve
    monkeypatch.setattr(webhooks, "resolve", lambda host: PUBLIC.get(host) or real(host))
    return settings


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.0.0.5/hook",
    "http://172.16.3.4/hook", "http://192.168.1.1/hook", "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/hook", "http://100.64.0.1/hook", "http://[::ffff:127.0.0.1]/hook", "http://224.0.0.1/hook",
    "https://evil.example.cn/hook", "https://mixed.example.cn/hook", "https://no-such-host.invalid/hook",
])
def test_non_public_targets_are_refused_in_production(world, auth, production, url):
    with pytest.raises(ValidationError) as exc:
        webhook_subscribe(authorization=auth, url=url, acting_user=world.user_a)
    text = " ".join(exc.value.messages)
    assert "非公网地址" in text or "无法解析" in text
    assert not auth.webhook_subscriptions.exists()


def test_public_and_explicitly_allowed_targets(world, auth, production):
    assert webhook_subscribe(authorization=auth, url="https://hooks.example.cn/h", acting_user=world.user_a)
    with pytest.raises(ValidationError):
        webhook_subscribe(authorization=auth, url="https://extranet.example.cn/h", acting_user=world.user_a)
    production.SHARING_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]  # e.g. the e-government extranet
    assert webhook_subscribe(authorization=auth, url="https://extranet.example.cn/h", acting_user=world.user_a)
    assert webhook_subscribe(authorization=auth, url="http://10.20.9.9/h", acting_user=world.user_a)


def test_loopback_is_allowed_only_in_debug_or_testing(world, auth, settings):
    settings.DEBUG, settings.TESTING = False, True
    assert webhook_subscribe(authorization=auth, url="http://127.0.0.1:9/h", acting_user=world.user_a)
    settings.DEBUG, settings.TESTING = True, False
    assert webhook_subscribe(authorization=auth, url="http://127.0.0.1:9/h", acting_user=world.user_a)
    with pytest.raises(ValidationError):  # private networks stay refused even in debug
        webhook_subscribe(authorization=auth, url="http://192.168.1.1/h", acting_user=world.user_a)


class _Redirector(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).paths.append(self.path)
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirector():
    _Redirector.paths = []
    server = HTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_delivery_rechecks_the_target_and_never_follows_redirects(world, auth, redirector, settings,
                                                                  django_capture_on_commit_callbacks):
    sub = webhook_subscribe(authorization=auth, url=f"http://127.0.0.1:{redirector.server_port}/hook",
                            acting_user=world.user_a)  # allowed: tests run with PORTAL_TESTING
    with django_capture_on_commit_callbacks(execute=True):
        authorization_suspend(authorization=auth, misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围",
                              acting_user=world.authority)
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.RETRYING, 302)
    assert _Redirector.paths == ["/hook"]  # the redirect target was not requested
    settings.TESTING = False  # the same subscription in production: refused before any connection
    from sharing.services import webhook_deliver

    delivery = webhook_deliver(delivery.pk)
    assert delivery.status == DeliveryStatus.RETRYING and "非公网地址" in delivery.last_error
    assert _Redirector.paths == ["/hook"]
