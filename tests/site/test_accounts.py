"""Accounts on the applicant site: registration by 统一社会信用代码, login lockout, password reset, members."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from portal.models import Enterprise, EnterpriseMember, LoginFailure
from portal.uscc import make_uscc

from .conftest import PASSWORD

VALID_USCC = make_uscc("91350582MA2XK0B10")


@pytest.fixture(autouse=True)
def _county(county):
    return county


def _registration(**over):
    from portal.models import Organization

    data = {"region": Organization.objects.get(code="C-350582").pk, "uscc": VALID_USCC, "name": "晋江测试科技有限公司", "kind": "enterprise", "is_domestic_controlled": "on",
            "contact_name": "李联系", "contact_phone": "0595-88888888", "email": "li@example.cn",
            "username": "jjtest", "password": "Strong-pass-2026", "password2": "Strong-pass-2026"}
    data.update(over)
    return data


def test_register_creates_organisation_manager_and_logs_in(client, db):
    response = client.post(reverse("register"), _registration())
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(uscc=VALID_USCC)
    member = EnterpriseMember.objects.get(enterprise=enterprise)
    assert member.is_manager and member.user.username == "jjtest"
    assert enterprise.contact_name == "李联系" and enterprise.region.code == "C-350582"
    assert client.get(reverse("organisation")).status_code == 200


def test_register_bad_uscc_shows_message_next_to_field_and_keeps_input(client, db):
    bad = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")
    response = client.post(reverse("register"), _registration(uscc=bad, password2="other-pass-2026x"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_uscc_error"' in html and "第18位校验码错误" in html
    assert 'id="id_password2_error"' in html and "两次输入的密码不一致" in html
    assert 'aria-invalid="true"' in html
    assert 'value="晋江测试科技有限公司"' in html and f'value="{bad}"' in html  # what the user typed is kept
    assert not Enterprise.objects.exists() and not get_user_model().objects.filter(username="jjtest").exists()


def test_register_weak_password_and_taken_code_are_refused_without_saving(client, db, applicant):
    taken = Enterprise.objects.get(members__user=applicant).uscc
    response = client.post(reverse("register"), _registration(uscc=taken, password="12345678", password2="12345678"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "该统一社会信用代码已注册" in html
    assert 'id="id_password_error"' in html
    assert not get_user_model().objects.filter(username="jjtest").exists()


def test_login_locks_after_repeated_failures_even_with_right_password(client, applicant, settings):
    for _ in range(settings.PORTAL_LOGIN_MAX_FAILURES - 1):
        response = client.post(reverse("login"), {"username": "acme", "password": "wrong-password"})
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    response = client.post(reverse("login"), {"username": "acme", "password": "wrong-password"})
    assert "登录失败次数过多，请于" in response.content.decode()  # the failure that reaches the limit says so
    assert LoginFailure.objects.filter(username="acme").count() == settings.PORTAL_LOGIN_MAX_FAILURES
    response = client.post(reverse("login"), {"username": "acme", "password": PASSWORD})
    assert "登录失败次数过多，请于" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_success_clears_failures(client, applicant):
    client.post(reverse("login"), {"username": "acme", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "acme", "password": PASSWORD})
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="acme").exists()


def test_password_reset_sends_chinese_mail_and_link_sets_new_password(client, applicant):
    response = client.post(reverse("password_reset"), {"email": "acme@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "重置密码" in message.subject and "acme" in message.body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.check_password("Brand-new-pass-77")


def test_manager_adds_member_who_then_sees_the_organisation(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("organisation"), {"username": "acme_clerk", "email": "clerk@example.cn",
                                                     "password": "Clerk-pass-2026", "password2": "Clerk-pass-2026"})
    assert response.status_code == 302
    clerk = get_user_model().objects.get(username="acme_clerk")
    enterprise = Enterprise.objects.get(members__user=applicant)
    assert EnterpriseMember.objects.filter(user=clerk, enterprise=enterprise, is_manager=False).exists()
    client.force_login(clerk)
    html = client.get(reverse("organisation")).content.decode()
    assert enterprise.name in html and "acme_clerk" in html and 'id="add-member"' not in html


def test_member_add_errors_are_next_to_fields(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("organisation"), {"username": "x", "email": "not-an-email",
                                                     "password": "short", "password2": "short"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_username_error"' in html and 'id="id_email_error"' in html
    assert 'value="not-an-email"' in html
    response = client.post(reverse("organisation"), {"username": "acme_two", "email": "two@example.cn",
                                                     "password": "1234567890", "password2": "1234567890"})
    assert response.status_code == 400
    assert 'id="id_password_error"' in response.content.decode()
    assert not get_user_model().objects.filter(username="acme_two").exists()


def test_non_manager_cannot_add_members(client, make_applicant, applicant):
    enterprise = Enterprise.objects.get(members__user=applicant)
    clerk = make_applicant("clerk1", enterprise=enterprise, is_manager=False)
    client.force_login(clerk)
    response = client.post(reverse("organisation"), {"username": "sneaky", "email": "s@example.cn",
                                                     "password": "Sneaky-pass-2026", "password2": "Sneaky-pass-2026"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_notifications_are_private_and_mark_read(client, applicant, other_applicant):
    from portal.services import notify

    [mine] = notify(recipients=[applicant], title="请补正材料", body="缺少发票", url="/applications/")
    [theirs] = notify(recipients=[other_applicant], title="他人的通知")
    client.force_login(applicant)
    html = client.get(reverse("notifications")).content.decode()
    assert "请补正材料" in html and "他人的通知" not in html
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("notification_read", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/applications/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_notification_link_to_other_host_is_not_followed(client, applicant):
    from portal.services import notify

    [item] = notify(recipients=[applicant], title="x", url="https://evil.example/phish")
    client.force_login(applicant)
    response = client.post(reverse("notification_read", args=[item.pk]))
    assert response["Location"] == reverse("notifications")


def test_pages_send_security_headers_and_csrf_is_enforced(db, applicant):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.get(reverse("register"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    response = strict.post(reverse("register"), _registration())
    assert response.status_code == 403
    assert not Enterprise.objects.filter(uscc=VALID_USCC).exists()


def test_region_is_required_when_counties_exist(client, db):
    response = client.post(reverse("register"), _registration(region=""))
    assert response.status_code == 400
    assert 'id="id_region_error"' in response.content.decode() and "请选择所在县" in response.content.decode()
    assert not Enterprise.objects.exists()
