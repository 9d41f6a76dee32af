"""``?format=xlsx`` on API actions that answer an Excel workbook (DRF treats ``format`` as the renderer choice)."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer

from portal.xlsx import XLSX_CONTENT_TYPE


class XlsxRenderer(BaseRenderer):
    """Lets ``?format=xlsx`` through content negotiation; the view itself answers with ``portal.xlsx.xlsx_response``.
    Only refusals (403, 400) are rendered here, and they stay JSON."""

    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)
