from django.urls import reverse


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_admin_login_is_chinese(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "泉州市政务数据治理门户" in text
    assert "用户名" in text and "密码" in text
