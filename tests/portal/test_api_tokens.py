import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from portal.models import ApiToken


def test_no_token_is_401(api_client, db):
    response = api_client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token abc.def")
    assert api_client.get("/api/v1/organizations/").status_code == 401


def test_valid_token_works_and_only_hash_is_stored(api_client, user_a, token_for):
    key = token_for(user_a)
    token = ApiToken.objects.get(user=user_a)
    assert key not in (token.key_hash, token.prefix) and key.startswith(token.prefix + ".")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/organizations/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_401(api_client, user_a, token_for):
    from django.db import transaction

    from portal.services import api_token_revoke

    key = token_for(user_a)
    with transaction.atomic():
        api_token_revoke(token=ApiToken.objects.get(user=user_a), acting_user=user_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌已被吊销。"


def test_expired_token_is_401(api_client, user_a, token_for):
    key = token_for(user_a)
    ApiToken.objects.filter(user=user_a).update(expires_at=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌已过期。"


def test_issue_api_token_command(user_a, capsys, api_client):
    call_command("issue_api_token", "admin_a")
    key = capsys.readouterr().out.strip()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/organizations/").status_code == 200


def test_schema_and_docs_are_served_locally(client, user_a):
    client.force_login(user_a)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # the sidecar's assets from our own static files, nothing from another host (no CDN)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html, re.I)
    assert "/static/drf_spectacular_sidecar/" in html
