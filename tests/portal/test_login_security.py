"""Login lockout (ADR 0014): fixed window per username and per client address, the same message for unknown
usernames, the unlock time in the message, no extension while locked; admin and applicant-site logins alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.auth import locked_message, record_failure
from portal.models import LoginThrottle

PASSWORD = "Pw-for-tests-123"
LOCKED = "登录失败次数过多，请于"


def _post(client: Client, url: str, username: str, password: str, ip: str = "10.0.0.1") -> str:
    response = client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return response.content.decode()


def _fail(client: Client, url: str, username: str, times: int, ip: str = "10.0.0.1") -> str:
    html = ""
    for _ in range(times):
        html = _post(client, url, username, "wrong-password", ip)
    return html


def _travel(minutes: int) -> None:
    """Move every login window and lock ``minutes`` into the past (as if that much time had gone by)."""
    for row in LoginThrottle.objects.all():
        row.window_started_at -= timedelta(minutes=minutes)
        if row.locked_until is not None:
            row.locked_until -= timedelta(minutes=minutes)
        row.save()


@pytest.fixture
def staff(make_user):
    return make_user("staff1", is_staff=True)


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_five_failures_lock_the_username_and_the_message_gives_the_unlock_time(client, staff, url_name):
    url = reverse(url_name)
    html = _fail(client, url, "staff1", settings.PORTAL_LOGIN_MAX_FAILURES - 1)
    assert "用户名或密码错误" in html and LOCKED not in html
    html = _fail(client, url, "staff1", 1)
    row = LoginThrottle.objects.get(scope="username", key="staff1")
    assert row.failures == settings.PORTAL_LOGIN_MAX_FAILURES
    assert row.locked_until is not None
    assert locked_message(row.locked_until) in html
    # the right password is refused while locked, with the same message (not "wrong password")
    html = _post(client, url, "staff1", PASSWORD)
    assert locked_message(row.locked_until) in html and "用户名或密码错误" not in html
    assert "_auth_user_id" not in client.session


def test_unlock_time_is_local_hh_mm_rounded_up(db):
    until = datetime(2026, 12, 6, 2, 14, 5, tzinfo=UTC)
    assert locked_message(until) == "登录失败次数过多，请于 10:15 后再试。"  # Asia/Shanghai = UTC+8


def test_attempts_while_locked_do_not_extend_the_lock(client, staff):
    url = reverse("login")
    _fail(client, url, "staff1", settings.PORTAL_LOGIN_MAX_FAILURES)
    row = LoginThrottle.objects.get(scope="username", key="staff1")
    first_until, started = row.locked_until, row.window_started_at
    _fail(client, url, "staff1", 3)
    _post(client, url, "staff1", PASSWORD)
    row.refresh_from_db()
    assert (row.locked_until, row.window_started_at, row.failures) == (
        first_until, started, settings.PORTAL_LOGIN_MAX_FAILURES)
    # straight through the backend too (a caller that skips the form): still not extended
    record_failure("staff1", "10.0.0.9", now=timezone.now() + timedelta(minutes=5))
    row.refresh_from_db()
    assert row.locked_until == first_until


def test_unlocked_after_the_window_and_a_new_window_starts(client, staff):
    url = reverse("login")
    _fail(client, url, "staff1", settings.PORTAL_LOGIN_MAX_FAILURES)
    _travel(settings.PORTAL_LOGIN_LOCK_MINUTES + 1)
    html = _post(client, url, "staff1", "wrong-password")
    assert "用户名或密码错误" in html and LOCKED not in html
    row = LoginThrottle.objects.get(scope="username", key="staff1")
    assert row.failures == 1 and row.locked_until is None
    response = client.post(url, {"username": "staff1", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(scope="username", key="staff1").exists()


def test_the_window_is_fixed_from_the_first_failure(client, staff):
    """Four failures, then the window runs out: the fifth failure opens a new window instead of locking."""
    url = reverse("login")
    _fail(client, url, "staff1", settings.PORTAL_LOGIN_MAX_FAILURES - 1)
    _travel(settings.PORTAL_LOGIN_LOCK_MINUTES)
    html = _fail(client, url, "staff1", 1)
    assert LOCKED not in html
    assert LoginThrottle.objects.get(scope="username", key="staff1").failures == 1


def test_unknown_username_reads_exactly_like_an_existing_one(client, staff):
    url = reverse("login")
    for name in ("staff1", "nobody-here"):
        _fail(client, url, name, settings.PORTAL_LOGIN_MAX_FAILURES)
    forms = {}
    for name in ("staff1", "nobody-here"):
        response = client.post(url, {"username": name, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200
        forms[name] = response.context["form"]
    rows = {r.key: r.locked_until for r in LoginThrottle.objects.filter(scope="username")}
    for name, form in forms.items():
        assert [(e.code, e.message) for e in form.non_field_errors().as_data()] == [
            ("locked", locked_message(rows[name]))]
        assert not any(form.errors.get(f) for f in ("username", "password"))


def test_one_client_address_is_limited_across_usernames(client, staff):
    url = reverse("login")
    limit = settings.PORTAL_LOGIN_MAX_FAILURES_PER_CLIENT
    for i in range(limit):
        html = _post(client, url, f"guess{i}", "wrong-password", ip="192.0.2.7")
    assert LOCKED in html  # the failure that reached the client limit
    # a fresh username, even the right password, from that address: locked
    html = _post(client, url, "staff1", PASSWORD, ip="192.0.2.7")
    assert LOCKED in html and "_auth_user_id" not in client.session
    # another address is not affected, and staff1 itself is not locked
    response = Client().post(url, {"username": "staff1", "password": PASSWORD}, REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 302


def test_admin_login_of_an_applicant_with_the_right_password_is_refused_in_chinese(client, make_user):
    make_user("applicant1")
    html = _post(client, reverse("admin:login"), "applicant1", PASSWORD)
    assert "用户名或密码错误" in html and "_auth_user_id" not in client.session


def test_lock_is_held_in_the_database_for_every_web_node(client, staff):
    """A second client (another node: no shared process memory, only the database) sees the lock."""
    _fail(client, reverse("login"), "staff1", settings.PORTAL_LOGIN_MAX_FAILURES)
    html = _post(Client(), reverse("admin:login"), "staff1", PASSWORD, ip="10.9.9.9")
    assert LOCKED in html


def test_daily_purge_drops_finished_windows_and_old_failures_only(client, staff):
    from portal.models import LoginFailure
    from portal.tasks import purge_login_failures

    _fail(client, reverse("login"), "staff1", settings.PORTAL_LOGIN_MAX_FAILURES)  # locked now
    _fail(client, reverse("login"), "other", 1, ip="10.0.0.2")
    assert purge_login_failures() == 0  # everything is current
    _travel(2 * 24 * 60)  # two days later
    LoginFailure.objects.update(at=timezone.now() - timedelta(days=31))
    failures = settings.PORTAL_LOGIN_MAX_FAILURES + 1  # staff1's and other's rows
    throttles = 4  # two usernames, two client addresses
    assert purge_login_failures() == failures + throttles
    assert not LoginThrottle.objects.exists() and not LoginFailure.objects.exists()
