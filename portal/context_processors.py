from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    unread = 0
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        unread = request.user.notifications.filter(read_at__isnull=True).count()
    return {"site_name": settings.PORTAL_SITE_NAME, "unread_notifications": unread}
