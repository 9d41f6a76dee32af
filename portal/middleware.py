from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse

from portal.api.errors import is_api, json_error

# No inline script or style anywhere (ADR 0014): behaviour lives in static/js, styles in static/css; JSON data blocks
# (<script type="application/json">) are not executed and need no exception.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

NO_STORE_PREFIXES = ("/api/", "/admin/", "/accounts/")


def needs_no_store(request: HttpRequest) -> bool:
    """Every API answer, every admin and account page, and every page served to a signed-in person: these show
    personal or financial data (or the forms that lead to them), so no browser or proxy may keep a copy."""
    if request.path.startswith(NO_STORE_PREFIXES):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (self only, no inline code: no CDN can load, no injected script can run),
    Permissions-Policy on every response, and ``Cache-Control: no-store`` where personal data may show."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if needs_no_store(request) and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        return response


IDLE_SESSION_KEY = "portal_last_seen"
IDLE_MESSAGE = "您已超过 {minutes} 分钟未操作，为保护数据安全已自动退出，请重新登录。"


def idle_limit_minutes(user: Any) -> int:
    """Staff (admin users) are signed out after PORTAL_STAFF_IDLE_MINUTES idle, applicants after
    PORTAL_APPLICANT_IDLE_MINUTES (ADR 0014)."""
    if user.is_staff or user.is_superuser:
        return int(settings.PORTAL_STAFF_IDLE_MINUTES)
    return int(settings.PORTAL_APPLICANT_IDLE_MINUTES)


class IdleTimeoutMiddleware:
    """Inactivity timeout: a signed-in person idle for longer than the limit is signed out; the next page redirects
    to the login page (admin pages to the admin's) with a Chinese message, API calls answer 401 in JSON. The last-seen
    time is written at most once a minute (a session write per request would be wasted)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_SESSION_KEY)
            minutes = idle_limit_minutes(user)
            if isinstance(last, int) and now - last > minutes * 60:
                logout(request)
                message = IDLE_MESSAGE.format(minutes=minutes)
                if is_api(request):
                    return json_error(401, message)
                messages.warning(request, message)
                login_url = reverse("admin:login") if request.path.startswith("/admin/") else settings.LOGIN_URL
                return redirect_to_login(request.get_full_path(), login_url=login_url)
            if not isinstance(last, int) or now - last >= 60:
                request.session[IDLE_SESSION_KEY] = now
        return self.get_response(request)


NUL_MESSAGE = "请求地址或参数中含有 NUL 字符（%00），无法处理。"


class RejectNulMiddleware:
    """A NUL byte in the path or the query string is 400 on every page (PostgreSQL cannot take it in a query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in key or any("\x00" in v for v in values)
                                        for key, values in request.GET.lists()):
            if is_api(request):
                return json_error(400, NUL_MESSAGE)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NodeHeaderMiddleware:
    """``X-Portal-Node: <PORTAL_NODE_NAME>`` on every response, so an operator (and ``make cluster``) can see which web
    node behind the load balancer answered. Installed only when ``PORTAL_NODE_NAME`` is set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.node = str(settings.PORTAL_NODE_NAME)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers["X-Portal-Node"] = self.node
        return response
