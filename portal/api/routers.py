"""The router of every API module: detail routes match integer ids only, so ``…/abc/`` or ``…/null/`` is 404."""

from __future__ import annotations

from typing import Any

from rest_framework.routers import DefaultRouter

from portal.ids import ID_PATTERN


class PortalRouter(DefaultRouter):
    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        if hasattr(viewset, "lookup_value_regex") or getattr(viewset, "lookup_field", "pk") != "pk":
            return super().get_lookup_regex(viewset, lookup_prefix)
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or "pk"
        return f"(?P<{lookup_prefix}{kwarg}>{ID_PATTERN})"
