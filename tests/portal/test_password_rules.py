"""Password rules (ADR 0014): Chinese messages; staff accounts 12+ characters of 3 classes; applicants 10+; both
refuse common, all-digit and username-like passwords; applied by the admin's forms and the applicant registration."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.passwords import applicant_password_validators
from tests.demo_db import DEMO_PASSWORD

User = get_user_model()


def _messages(password: str, user=None, validators=None) -> list[str]:
    try:
        validate_password(password, user, password_validators=validators)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _all_chinese(messages: list[str]) -> bool:
    return all(any("\u4e00" <= ch <= "\u9fff" for ch in m) and "password" not in m.lower() for m in messages)


@pytest.mark.parametrize(("password", "expected"), [
    ("Ab1-xyz", "至少需要 12 个字符"),                          # short
    ("onlylowercaseletters", "中的 3 类"),                       # one class
    ("lowercase-and-symbols", "中的 3 类"),                      # two classes
    ("123456789012345", "密码只包含数字"),                        # all digits
    ("Q1W2E3R4T5Y6", "这个密码太常见了"),                          # Django's shipped common list (case-blind)
    ("Zhang.San.2026", "太相似"),                                # like the username zhang.san.2026
])
def test_staff_passwords_are_refused_in_chinese(db, password, expected):
    staff = User.objects.create_user(username="zhang.san.2026", is_staff=True)
    messages = _messages(password, staff)
    assert any(expected in m for m in messages), messages
    assert _all_chinese(messages)


def test_conforming_staff_password_and_the_demo_password_pass(db):
    staff = User.objects.create_user(username="staffer", is_staff=True)
    assert _messages("Quanzhou-Data-7", staff) == []
    assert _messages(DEMO_PASSWORD, staff) == []
    assert _messages("Bench-only-2026!", staff) == []  # the benchmark's accounts (benchmarks/scale.py)


def test_new_accounts_outside_registration_get_the_staff_rules(db):
    """The admin's "add user" and createsuperuser validate with an unsaved user: staff rules."""
    assert any("中的 3 类" in m for m in _messages("quanzhoutea88", User(username="newbie")))
    assert any("中的 3 类" in m for m in _messages("quanzhoutea88", None))


def test_applicants_keep_the_lighter_rules(db):
    applicant = User.objects.create_user(username="acme-user")
    assert _messages("quanzhoutea88", applicant) == []
    assert any("至少需要 10 个字符" in m for m in _messages("tea-88", applicant))
    candidate = User(username="newco")
    assert _messages("quanzhoutea88", candidate, applicant_password_validators()) == []
    assert any("太常见" in m for m in _messages("password123", candidate, applicant_password_validators()))


@pytest.fixture
def superuser_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_admin_add_user_refuses_a_weak_password_in_chinese(superuser_client):
    url = reverse("admin:auth_user_add")
    data = {"username": "clerk2026", "usable_password": "true", "password1": "quanzhoutea88",
            "password2": "quanzhoutea88"}
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "中的 3 类" in response.content.decode()
    assert not User.objects.filter(username="clerk2026").exists()
    data.update(password1="Quanzhou-Tea-88", password2="Quanzhou-Tea-88")
    assert superuser_client.post(url, data).status_code == 302
    assert User.objects.get(username="clerk2026").check_password("Quanzhou-Tea-88")


def test_admin_set_password_of_a_staff_account_uses_the_staff_rules(superuser_client, make_user):
    staff = make_user("clerk", is_staff=True)
    url = reverse("admin:auth_user_password_change", args=[staff.pk])
    response = superuser_client.post(url, {"password1": "shortpw1", "password2": "shortpw1",
                                           "usable_password": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "至少需要 12 个字符" in html and "中的 3 类" in html
    staff.refresh_from_db()
    assert staff.check_password("Pw-for-tests-123")


def test_applicant_registration_takes_a_ten_character_password(client, db):
    from tests.portal.test_accounts import _form

    response = client.post(reverse("register"), _form(password="quanzhoutea88", password2="quanzhoutea88"))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_weak_demo_password_is_refused_before_seeding(db, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from portal.demo import demo_password

    monkeypatch.setenv("PORTAL_DEMO_PASSWORD", "demo12345")
    with pytest.raises(ImproperlyConfigured, match="不符合工作人员密码规则"):
        demo_password(False)
    monkeypatch.setenv("PORTAL_DEMO_PASSWORD", DEMO_PASSWORD)
    assert demo_password(False) == DEMO_PASSWORD


def test_the_generated_demo_password_passes_the_staff_rules(db, monkeypatch, tmp_path):
    import portal.demo

    monkeypatch.delenv("PORTAL_DEMO_PASSWORD", raising=False)
    monkeypatch.setattr(portal.demo, "PASSWORD_FILE", tmp_path / "demo-password.txt")
    for _ in range(20):
        assert _messages(portal.demo.demo_password(True), None) == []
