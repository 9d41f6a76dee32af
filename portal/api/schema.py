"""OpenAPI: the portal's authentication schemes (loaded by drf-spectacular) and schema post-processing."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension

from portal.ids import BIGINT_MAX, ID_PATTERN


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


class DownloadLinkFieldSchema(OpenApiSerializerFieldExtension):
    """A private file: uploaded as binary, read back as the site-relative path of the kernel download."""

    target_class = "portal.api.fields.DownloadLinkField"

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        if direction == "request":
            return {"type": "string", "format": "binary"}
        return {"type": "string", "nullable": True, "description": "下载地址：站内路径 /files/…，凭令牌或登录会话访问"}


def integer_path_ids(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Path ids are routed by the pattern ``portal.ids.ID_PATTERN``; describe them as the integers they are."""
    pattern = f"^{ID_PATTERN}$"
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path" and parameter.get("schema", {}).get("pattern") == pattern:
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}
    return result
