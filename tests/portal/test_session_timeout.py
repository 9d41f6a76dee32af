"""Inactivity timeout (ADR 0014): staff idle past PORTAL_STAFF_IDLE_MINUTES are signed out and sent to the login
page with a Chinese message; applicants have the longer PORTAL_APPLICANT_IDLE_MINUTES. Time travel: the session's
last-seen timestamp is moved into the past."""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import reverse

from portal.middleware import IDLE_SESSION_KEY


def _idle(client, minutes: float) -> None:
    session = client.session
    session[IDLE_SESSION_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_staff_idle_past_the_limit_are_signed_out_and_told_why(client, make_user):
    client.force_login(make_user("staffer", is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 200
    _idle(client, settings.PORTAL_STAFF_IDLE_MINUTES + 1)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=/admin/")
    assert "_auth_user_id" not in client.session
    html = client.get(response["Location"]).content.decode()
    assert f"您已超过 {settings.PORTAL_STAFF_IDLE_MINUTES} 分钟未操作" in html


def test_staff_active_within_the_limit_stay_signed_in(client, make_user):
    client.force_login(make_user("staffer", is_staff=True))
    client.get(reverse("admin:index"))
    _idle(client, settings.PORTAL_STAFF_IDLE_MINUTES - 1)
    assert client.get(reverse("admin:index")).status_code == 200
    # that request counted as activity: the timestamp moved to now
    assert time.time() - client.session[IDLE_SESSION_KEY] < 5
    assert "_auth_user_id" in client.session


def test_applicants_keep_the_longer_limit(client, make_user):
    assert settings.PORTAL_APPLICANT_IDLE_MINUTES > settings.PORTAL_STAFF_IDLE_MINUTES
    client.force_login(make_user("applicant1"))
    client.get(reverse("notifications"))
    _idle(client, settings.PORTAL_STAFF_IDLE_MINUTES + 1)
    assert client.get(reverse("notifications")).status_code == 200
    _idle(client, settings.PORTAL_APPLICANT_IDLE_MINUTES + 1)
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    html = client.get(response["Location"]).content.decode()
    assert f"您已超过 {settings.PORTAL_APPLICANT_IDLE_MINUTES} 分钟未操作" in html


def test_api_call_of_an_idle_session_is_401_in_chinese(client, make_user):
    client.force_login(make_user("staffer", is_staff=True))
    client.get("/api/v1/organizations/")
    _idle(client, settings.PORTAL_STAFF_IDLE_MINUTES + 1)
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert "分钟未操作" in response.json()["detail"]
    assert client.get("/api/v1/organizations/").status_code in (401, 403)  # signed out for good
