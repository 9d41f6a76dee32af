"""API error format: ``{"detail": …}`` with a Chinese message, also for errors raised outside DRF (404 of an unknown
URL, 500) on ``/api/`` paths; other pages keep Django's own error views."""

from __future__ import annotations

import math
import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.params import ParamError

DJANGO_NOT_FOUND = re.compile(r"No .+ matches the given query\.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service refusals (Django ValidationError / PermissionDenied) become 400 / 403 with their Chinese messages;
    Django's and DRF's untranslated texts (generic 404, throttling) are replaced by Chinese ones."""
    if isinstance(exc, ParamError):  # a query parameter that cannot be read (portal.params)
        exc = exceptions.ValidationError({exc.name: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "无权执行此操作。")
    elif isinstance(exc, Http404) and (not exc.args or DJANGO_NOT_FOUND.fullmatch(str(exc))):
        exc = exceptions.NotFound("未找到该记录，或您无权查看。")  # Django's generic text is English
    elif isinstance(exc, exceptions.Throttled):  # DRF's own text is not translated
        wait = exc.wait
        exc = exceptions.Throttled(detail=f"请求过于频繁，请 {math.ceil(wait or 1)} 秒后再试。")
        exc.wait = wait  # Retry-After
    return drf_exception_handler(exc, context)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a query parameter refused by ``portal.params`` shows its Chinese message (JSON on ``/api/``, the 400
    page elsewhere); other bad requests keep the generic text."""
    if isinstance(exception, ParamError):
        if is_api(request):
            return JsonResponse({exception.name: [exception.message]}, status=400,
                                json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"message": exception.message}, status=400)
    if is_api(request):
        return json_error(400, "请求格式错误。")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(403, str(exception) or "无权执行此操作。")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(404, "未找到该接口或记录。")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error(500, "服务器内部错误，请稍后再试；问题已记录。")
    return defaults.server_error(request)
