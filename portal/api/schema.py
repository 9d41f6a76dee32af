"""OpenAPI descriptions of the portal's authentication schemes (loaded by drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.auth.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`；由 `manage.py issue_api_token` 签发，有效期默认 90 天，可吊销。"}


class CsrfSessionScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.auth.CsrfSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
