from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from portal.files import file_response
from portal.forms import MemberAddForm, RegistrationForm
from portal.models import EnterpriseMember, Notification
from portal.services import enterprise_member_add, enterprise_register, notifications_mark_read


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


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([])
@renderer_classes([JSONRenderer])
def file_download(request: Any, app_label: str, model_name: str, pk: int, field: str) -> Any:
    """The one download path of private files, for a browser session or an API token (``portal.files``)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return file_response(user=request.user, app_label=app_label, model_name=model_name, pk=pk, field=field)


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
                contact_phone=data["contact_phone"], is_domestic_controlled=data["is_domestic_controlled"],
                region=data["region"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, member.user, backend="portal.auth.LockoutModelBackend")
            messages.success(request, f"注册成功，欢迎 {member.enterprise.name}。")
            return redirect("home")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


def add_service_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            for msg in msgs:
                form.add_error(field if field in form.fields else None, msg)
    else:
        for msg in exc.messages:
            form.add_error(None, msg)


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    """The user's applicant organisation(s): members, and (for a manager) adding a colleague's account."""
    memberships = list(EnterpriseMember.objects.filter(user=request.user, retired_at__isnull=True)
                       .select_related("enterprise", "enterprise__region").order_by("enterprise__name"))
    if not memberships:
        return render(request, "portal/organisation.html", {"memberships": []})
    current = memberships[0]
    if request.GET.get("e") or request.POST.get("enterprise"):
        wanted = str(request.POST.get("enterprise") or request.GET.get("e"))
        current = next((m for m in memberships if str(m.enterprise_id) == wanted), current)
    enterprise = current.enterprise
    form = MemberAddForm(request.POST or None) if current.is_manager else None
    if request.method == "POST":
        if form is None:
            messages.error(request, "只有主体管理员可以添加用户。")
            return redirect("organisation")
        if form.is_valid():
            data = form.cleaned_data
            try:
                member = enterprise_member_add(enterprise=enterprise, username=data["username"],
                                               password=data["password"], email=data["email"],
                                               acting_user=request.user)
            except ValidationError as exc:
                if not hasattr(exc, "error_dict") and any("密码" in m for m in exc.messages):
                    exc = ValidationError({"password": exc.messages})
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已添加用户 {member.user.get_username()}，请将登录信息告知本人。")
                return redirect(f"{request.path}?e={enterprise.pk}")
    members = (EnterpriseMember.objects.filter(enterprise=enterprise, retired_at__isnull=True)
               .select_related("user").order_by("-is_manager", "user__username"))
    return render(request, "portal/organisation.html",
                  {"memberships": memberships, "current": current, "enterprise": enterprise, "members": members,
                   "form": form}, status=400 if form is not None and form.errors else 200)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = request.user.notifications.all()[:100]
    return render(request, "portal/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    messages.success(request, "已将全部通知标为已读。")
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, notification=item)
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return redirect(item.url)
    return redirect("notifications")


def applicant_enterprises(user: Any) -> list[Any]:
    """The applicant organisations the user acts for (active memberships), by name."""
    if not user.is_authenticated:
        return []
    return [m.enterprise for m in EnterpriseMember.objects.filter(user=user, retired_at__isnull=True,
                                                                  enterprise__retired_at__isnull=True)
            .select_related("enterprise").order_by("enterprise__name")]


def current_enterprise(request: HttpRequest) -> Any:
    """The organisation the user is acting for on the site (``?e=`` / POST ``enterprise`` picks one of theirs)."""
    enterprises = applicant_enterprises(request.user)
    wanted = str(request.POST.get("enterprise") or request.GET.get("e") or "")
    return next((e for e in enterprises if str(e.pk) == wanted), enterprises[0] if enterprises else None)


def no_enterprise(request: HttpRequest) -> HttpResponse:
    """Explain (instead of failing) that the page needs an applicant organisation."""
    return render(request, "site/no_enterprise.html", status=403)
