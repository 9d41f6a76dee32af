"""Admin for authorizations (status actions, usage export), usage records, open-data applications and grants,
webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from portal.admin_base import GovernedAdmin, ReadOnlyAdmin
from portal.display import pairs_html, plain
from portal.xlsx import xlsx_response
from sharing import exports, permissions, selectors, services
from sharing.admin.applications import ActionForm, OpenStepInline
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    DataUseRecord,
    MisuseKind,
    OpenDataApplication,
    OpenDataGrant,
    ShareType,
    WebhookDelivery,
    WebhookSubscription,
)
from sharing.workflow import OPEN_TRANSITIONS, today

# Keys (and coded values) of the frozen scope of an authorization or open-data grant.
SCOPE_LABELS = {
    "entries": "目录", "data_items": "信息项", "conditions": "共享条件", "business_matter": "业务事项",
    "information_system": "使用数据的信息系统", "adjustment": "调整说明", "purpose": "使用目的", "scenario": "应用场景",
    "note": "说明", "id": "编号", "code": "目录编码", "title": "资源名称", "source_unit": "数源单位",
    "share_type": "共享类型", "entry": "所属目录", "name": "名称", **dict(ShareType.choices),
}


@admin.display(description="授权范围快照")
def scope_display(obj: Authorization | OpenDataGrant) -> str:
    return pairs_html((SCOPE_LABELS.get(k, k), plain(v, SCOPE_LABELS)) for k, v in (obj.scope_snapshot or {}).items())


class EventInline(admin.TabularInline):
    """Append-only status history: shown, never added, changed or deleted here."""

    model = AuthorizationEvent
    fk_name = "authorization"
    extra = 0
    can_delete = False
    fields = ("at", "event_display", "from_status_display", "to_status_display", "misuse_kind", "reason", "actor")
    readonly_fields = fields

    @admin.display(description="事件")
    def event_display(self, obj: AuthorizationEvent) -> str:
        return obj.event_label

    @admin.display(description="原状态")
    def from_status_display(self, obj: AuthorizationEvent) -> str:
        return AuthorizationStatus(obj.from_status).label if obj.from_status else "无"

    @admin.display(description="新状态")
    def to_status_display(self, obj: AuthorizationEvent) -> str:
        return AuthorizationStatus(obj.to_status).label

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("actor")


class GrantEventInline(EventInline):
    fk_name = "open_grant"


class AuthorizationActionForm(forms.Form):
    misuse_kind = forms.ChoiceField(label="原因类别", choices=[("", "—")] + MisuseKind.choices, required=False)
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    valid_until_on = forms.DateField(label="续期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))


AUTH_ACTIONS = {"suspend": "暂停服务", "resume": "恢复服务", "revoke": "终止服务", "renew": "续期"}
GRANT_ACTIONS = {"suspend": "暂停许可", "resume": "恢复许可", "revoke": "终止许可"}
ALLOWED_BY_STATUS = {AuthorizationStatus.ACTIVE: ["suspend", "revoke", "renew"],
                     AuthorizationStatus.SUSPENDED: ["resume", "revoke"],
                     AuthorizationStatus.EXPIRED: ["renew"]}


class OpenActionForm(ActionForm):
    extra_restrictions = forms.CharField(
        label="附加限制条件（每行一条）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="确认或调整授权时填写；规定的限制条款（不得提供给第三方、不得倒卖、注明来源和获取日期等）自动写入许可。")


@admin.register(Authorization)
class AuthorizationAdmin(GovernedAdmin):
    policy = permissions.AuthorizationPolicy()
    change_form_template = "admin/sharing/authorization/change_form.html"
    list_display = ("number", "consumer_unit", "service_mode", "share_type", "valid_from_on", "valid_until_on",
                    "status")
    list_filter = ("status", "service_mode", "share_type")
    search_fields = ("number", "consumer_unit__name", "application__number")
    list_select_related = ("consumer_unit",)
    readonly_fields = ("number", "application", "consumer_unit", "service_mode", "interface_kind", "share_type",
                       "valid_from_on", "valid_until_on", "status", "status_changed_at", "status_reason",
                       "renewed_from", scope_display, "is_special")
    exclude = ("entries", "data_items")
    inlines = [EventInline]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [
            path("<int:pk>/usage.xlsx", view(self.usage_export_view), name="sharing_authorization_usage"),
            path("<int:pk>/do/<str:action>/", view(self.action_view), name="sharing_authorization_action"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        auth = selectors.authorization_get(request.user, object_id) if object_id.isdigit() else None
        if auth is not None and permissions.can_manage_authorization(request.user, auth):
            allowed = ALLOWED_BY_STATUS.get(auth.status, [])
            extra["auth_actions"] = [(a, AUTH_ACTIONS[a]) for a in allowed]
        return super().change_view(request, object_id, form_url, extra)

    def usage_export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        auth = selectors.authorization_get(request.user, pk)
        if auth is None:
            raise Http404("授权不存在或无权查看。")
        return xlsx_response(f"使用记录-{auth.number}.xlsx", [exports.usage_sheet(auth, request.user)])

    def action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        auth = selectors.authorization_get(request.user, pk)
        if auth is None or action not in AUTH_ACTIONS:
            raise Http404("授权不存在或无权查看。")
        form = AuthorizationActionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            calls = {
                "suspend": lambda: services.authorization_suspend(authorization=auth, misuse_kind=data["misuse_kind"],
                                                                  reason=data["reason"], acting_user=request.user),
                "resume": lambda: services.authorization_resume(authorization=auth, reason=data["reason"],
                                                                acting_user=request.user),
                "revoke": lambda: services.authorization_revoke(authorization=auth, misuse_kind=data["misuse_kind"],
                                                                reason=data["reason"], acting_user=request.user),
                "renew": lambda: services.authorization_renew(authorization=auth, reason=data["reason"],
                                                              valid_until_on=data["valid_until_on"] or today(),
                                                              acting_user=request.user),
            }
            result = self.run_service(request, calls[action], success=f"已{AUTH_ACTIONS[action]}。", form=form)
            if result is not None:
                return redirect(reverse("admin:sharing_authorization_change", args=[result.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": AUTH_ACTIONS[action],
                   "object": auth, "form": form}
        return TemplateResponse(request, "admin/sharing/action_form.html", context)


@admin.register(DataUseRecord)
class DataUseRecordAdmin(ReadOnlyAdmin):
    policy = permissions.DataUseRecordPolicy()
    list_display = ("acquired_at", "unit", "authorization", "user_name", "approver_name", "purpose",
                    "acquisition_method", "media_type", "retain_until_on")
    list_filter = ("acquisition_method", "media_type")
    search_fields = ("purpose", "user_name", "authorization__number", "external_id")
    list_select_related = ("unit", "authorization")
    date_hierarchy = "acquired_at"


@admin.register(OpenDataApplication)
class OpenDataApplicationAdmin(GovernedAdmin):
    policy = permissions.OpenDataApplicationPolicy()
    change_form_template = "admin/sharing/opendataapplication/change_form.html"
    list_display = ("number", "enterprise", "is_commercial", "status", "current_due_on", "submitted_at")
    list_filter = ("status", "is_commercial", "enterprise__kind")
    search_fields = ("number", "enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise",)
    readonly_fields = ("number", "enterprise", "applicant_user", "purpose", "scenario", "is_commercial",
                       "usage_method", "requested_until_on", "status", "submitted_at", "current_due_on",
                       "assessment_opinion", "decision_note", "stop_policy_basis", "stop_reason", "withdraw_reason",
                       "previous_application")
    exclude = ("entries",)
    inlines = [OpenStepInline]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [path("<int:pk>/act/<str:action>/", view(self.act_view), name="sharing_opendataapplication_act"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        app = selectors.open_application_get_for_user(request.user, object_id)
        if app is not None:
            extra["workflow_actions"] = [
                (t.name, t.label) for t in OPEN_TRANSITIONS.values()
                if app.status in t.sources and t.actor != "applicant"
                and permissions.can_open_transition(request.user, app, t)]
        return super().change_view(request, object_id, form_url, extra)

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        app = selectors.open_application_get_for_user(request.user, pk)
        transition = OPEN_TRANSITIONS.get(action)
        if app is None or transition is None:
            raise Http404("申请不存在或无权查看。")
        form = OpenActionForm(request.POST if request.method == "POST" else None)
        entries = list(app.entries.all()) if action == "adjust" else []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            chosen = request.POST.getlist("entries")
            result = self.run_service(
                request, services.open_application_act, application=app, action=action, acting_user=request.user,
                opinion=data["opinion"], policy_basis=data["policy_basis"], valid_until_on=data["valid_until_on"],
                extra_restrictions=data["extra_restrictions"],
                entries=[e for e in entries if str(e.pk) in chosen] if action == "adjust" else None,
                success=f"已{transition.label}。", form=form)
            if result is not None:
                return redirect(reverse("admin:sharing_opendataapplication_change", args=[app.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": transition.label,
                   "object": app, "form": form, "transition": transition, "entries": entries}
        return TemplateResponse(request, "admin/sharing/action_form.html", context)


@admin.register(OpenDataGrant)
class OpenDataGrantAdmin(GovernedAdmin):
    """Grants are issued by the workflow; the city authority suspends, resumes or terminates them here."""

    policy = permissions.OpenDataGrantPolicy()
    change_form_template = "admin/sharing/opendatagrant/change_form.html"
    inlines = [GrantEventInline]
    list_display = ("number", "enterprise", "valid_from_on", "valid_until_on", "is_commercial_use_allowed", "status")
    list_filter = ("status", "is_commercial_use_allowed")
    search_fields = ("number", "enterprise__name")
    list_select_related = ("enterprise",)
    readonly_fields = ("number", "application", "enterprise", "valid_from_on", "valid_until_on", "status",
                       "status_reason", "is_third_party_forbidden", "is_resale_forbidden", "is_commercial_use_allowed",
                       "must_state_source", "restrictions_display", "attribution_text", scope_display,
                       "status_changed_at", "expiry_reminded_on")
    exclude = ("entries",)

    @admin.display(description="使用限制条款")
    def restrictions_display(self, obj: OpenDataGrant) -> str:
        return format_html_join("", "<p>{}</p>", ((r,) for r in obj.restrictions or [])) or "无"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [path("<int:pk>/do/<str:action>/", view(self.action_view), name="sharing_opendatagrant_action"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        grant = selectors.open_grant_get(request.user, object_id) if object_id.isdigit() else None
        if grant is not None and permissions.can_manage_open_grant(request.user, grant):
            extra["grant_actions"] = [(a, GRANT_ACTIONS[a]) for a in ALLOWED_BY_STATUS.get(grant.status, [])
                                      if a in GRANT_ACTIONS]
        return super().change_view(request, object_id, form_url, extra)

    def action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        grant = selectors.open_grant_get(request.user, pk)
        if grant is None or action not in GRANT_ACTIONS:
            raise Http404("许可不存在或无权查看。")
        form = AuthorizationActionForm(request.POST if request.method == "POST" else None)
        if action == "resume":
            del form.fields["misuse_kind"]
        del form.fields["valid_until_on"]
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            kwargs: dict[str, Any] = {"grant": grant, "reason": data["reason"], "acting_user": request.user}
            if action != "resume":
                kwargs["misuse_kind"] = data["misuse_kind"]
            func = {"suspend": services.open_grant_suspend, "resume": services.open_grant_resume,
                    "revoke": services.open_grant_revoke}[action]
            result = self.run_service(request, func, success=f"已{GRANT_ACTIONS[action]}。", form=form, **kwargs)
            if result is not None:
                return redirect(reverse("admin:sharing_opendatagrant_change", args=[grant.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": GRANT_ACTIONS[action],
                   "object": grant, "form": form}
        return TemplateResponse(request, "admin/sharing/action_form.html", context)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    policy = permissions.WebhookSubscriptionPolicy()
    list_display = ("authorization", "url", "owner", "is_enabled", "created_at")
    list_select_related = ("authorization", "owner")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    policy = permissions.WebhookDeliveryPolicy()
    list_display = ("created_at", "event", "subscription", "status", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at")
    list_filter = ("status", "event")
    list_select_related = ("subscription",)
