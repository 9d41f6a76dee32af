from django.urls import reverse

from portal.models import Enterprise, LoginFailure
from portal.uscc import make_uscc

GOOD = make_uscc("91350582MA2XK0A10")


def _form(**overrides):
    data = {"uscc": GOOD, "name": "晋江测试科技有限公司", "kind": "enterprise", "is_domestic_controlled": "on",
            "contact_name": "李四", "contact_phone": "0595-88888888", "email": "li@example.cn",
            "username": "jjtest", "password": "Ugh-long-pass-2026", "password2": "Ugh-long-pass-2026"}
    data.update(overrides)
    return data


def test_registration_with_valid_code_creates_enterprise_and_logs_in(client, db):
    response = client.post(reverse("register"), _form())
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(uscc=GOOD)
    assert enterprise.members.get().user.username == "jjtest"
    assert client.get(reverse("home")).context["user"].username == "jjtest"


def test_registration_with_invalid_code_is_refused_and_keeps_input(client, db):
    bad = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    response = client.post(reverse("register"), _form(uscc=bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert "第18位校验码错误" in html
    assert 'value="晋江测试科技有限公司"' in html
    assert not Enterprise.objects.exists()


def test_registration_refuses_weak_password(client, db):
    response = client.post(reverse("register"), _form(password="12345678", password2="12345678"))
    assert response.status_code == 400
    assert not Enterprise.objects.exists()


def test_login_lockout_after_five_failures(client, make_user):
    make_user("locked")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "locked", "password": "wrong"})
        assert response.status_code == 200
    assert LoginFailure.objects.filter(username="locked").count() == 5
    response = client.post(reverse("login"), {"username": "locked", "password": "Pw-for-tests-123"})
    assert response.status_code in (200, 403)
    assert "_auth_user_id" not in client.session


def test_successful_login_clears_failures(client, make_user):
    make_user("ok")
    client.post(reverse("login"), {"username": "ok", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ok", "password": "Pw-for-tests-123"})
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="ok").exists()
