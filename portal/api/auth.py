"""Hashed, expiring API tokens (`Authorization: Token <key>`); DRF's stock token is stored in clear, ours is not."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误：应为 Authorization: Token <key>。")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌含非法字符。") from None
        from portal.models import ApiToken

        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效。")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("令牌已被吊销。")
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed("令牌已过期。")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用。")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            from portal.services import api_token_touch

            api_token_touch(token=token, at=now)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions (with CSRF) for the docs page and the applicant site's calls."""
