from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.forms import RegistrationForm
from portal.models import Notification
from portal.services import enterprise_register


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """`ok` when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure is "not ok"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"sections": _home_sections()})


def _home_sections() -> list[dict[str, Any]]:
    """Links contributed by the domain apps' public pages (only those that exist)."""
    from django.urls import NoReverseMatch, reverse

    items = [
        ("subsidies_site:policy_list", "惠企政策与试算", "查看正在实施的惠企政策条款，在线试算可享受的奖励金额。"),
        ("subsidies_site:my_applications", "我的申报", "在线申报、上传材料、补正与进度查询。"),
        ("catalogs_site:open_catalog", "开放数据目录", "检索可开放的政务数据资源，支持 DCAT 与 CKAN 接口。"),
        ("sharing_site:open_applications", "授权开放申请", "企业、高校和科研院所申请授权开放数据。"),
    ]
    found = []
    for name, title, text in items:
        try:
            found.append({"url": reverse(name), "title": title, "text": text})
        except NoReverseMatch:
            continue
    return found


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = enterprise_register(
                uscc=data["uscc"], name=data["name"], kind=data["kind"], username=data["username"],
                password=data["password"], email=data["email"], contact_name=data["contact_name"],
                contact_phone=data["contact_phone"], is_domestic_controlled=data["is_domestic_controlled"])
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            login(request, member.user, backend="portal.auth.LockoutModelBackend")
            messages.success(request, f"注册成功，欢迎 {member.enterprise.name}。")
            return redirect("home")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = request.user.notifications.all()[:100]
    return render(request, "portal/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return redirect(item.url or "notifications")
