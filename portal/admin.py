from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group, Permission, User
from django.http import HttpRequest
from django.urls import reverse

from portal import policies, services
from portal.access_log import access_record
from portal.admin_base import GovernedAdmin, ReadOnlyAdmin, date_range_filter, labelled_filter
from portal.audit import action_label, action_labels, value_labels
from portal.display import enterprise_profile_link, model_values, pairs_html, plain
from portal.models import (
    AccessLog,
    ApiToken,
    AuditLog,
    Enterprise,
    EnterpriseMember,
    HolidayNotice,
    HolidayOverride,
    Membership,
    Notification,
    Organization,
)
from portal.permissions import can_view_enterprise_profile
from portal.profile import SEARCH_LIMIT, enterprise_search
from portal.roles import declared_permissions


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "title", "phone")
    autocomplete_fields = ("user",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(GovernedAdmin):
    policy = policies.OrganizationPolicy()
    list_display = ("name", "code", "kind", "level", "region_code", "parent")
    list_filter = ("level", "kind")
    search_fields = ("name", "short_name", "code", "region_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        services.organization_save(organization=obj, acting_user=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for membership in formset.save(commit=False):  # unsaved instances; also sets new/changed_objects
            services.membership_save(membership=membership, acting_user=request.user)


@admin.register(Membership)
class MembershipAdmin(GovernedAdmin):
    policy = policies.MembershipPolicy()
    list_display = ("user", "organization", "role", "title", "retired_at")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__name")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization")
    actions = ["retire"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        services.membership_save(membership=obj, acting_user=request.user)

    @admin.action(description="停用所选角色（须填写理由）")
    def retire(self, request: HttpRequest, queryset: Any) -> Any:
        from django.shortcuts import render

        from portal.services import membership_retire

        reason = request.POST.get("reason", "").strip()
        if "apply" in request.POST and reason:
            for membership in queryset.filter(retired_at__isnull=True):
                self.run_service(request, membership_retire, membership=membership, acting_user=request.user,
                                 reason=reason)
            self.message_user(request, "已停用所选角色。")
            return None
        return render(request, "admin/portal/membership_retire.html", {
            **self.admin_site.each_context(request), "title": "停用角色", "queryset": queryset,
            "error": "请填写停用理由。" if "apply" in request.POST else "",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})


class EnterpriseMemberInline(admin.TabularInline):
    """Members are shown; accounts are added by the organisation's manager on the site (``enterprise_member_add``)."""

    model = EnterpriseMember
    extra = 0
    fields = ("user", "is_manager", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(GovernedAdmin):
    """Applicant organisations; each has its 企业画像 (``profile_view``) and the profile has a search page
    (``profile_search_view``) for staff with a need to know (``can_view_enterprise_profile``)."""

    policy = policies.EnterprisePolicy()
    list_display = ("name", "uscc", "kind", "is_domestic_controlled", "is_small_micro", "region", "profile_link")
    list_filter = ("kind", "is_domestic_controlled", "is_small_micro", "region")
    search_fields = ("name", "uscc")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("profile_link",)
    inlines = [EnterpriseMemberInline]

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        services.enterprise_save(enterprise=obj, acting_user=request.user)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {**(extra_context or {}), "can_view_profiles": bool(can_view_enterprise_profile(request.user))}
        return super().changelist_view(request, extra)

    @admin.display(description="企业画像")
    def profile_link(self, obj: Enterprise) -> str:
        return enterprise_profile_link(obj)

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path("profile/", self.profile_guard(self.profile_search_view), name="portal_enterprise_profile_search"),
            path("<path:object_id>/profile/", self.profile_guard(self.profile_view), name="portal_enterprise_profile"),
            *super().get_urls(),
        ]

    def profile_guard(self, view: Any) -> Any:
        """The admin's login check, then ``can_view_enterprise_profile`` (403 with its reason otherwise)."""
        from functools import update_wrapper

        from django.core.exceptions import PermissionDenied

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            decision = can_view_enterprise_profile(request.user)
            if not decision:
                raise PermissionDenied(decision.reason)
            return view(request, *args, **kwargs)
        return self.admin_site.admin_view(update_wrapper(guarded, view))

    def profile_view(self, request: HttpRequest, object_id: str) -> Any:
        """企业画像 of one enterprise: the sections the viewer may see; one access-log row (查询) per view."""
        from django.http import Http404
        from django.template.response import TemplateResponse

        from portal.access_log import access_record
        from portal.profile import enterprise_profile, profile_access

        enterprise = (self.get_queryset(request).filter(pk=int(object_id)).first()
                      if str(object_id).isdigit() else None)
        if enterprise is None:
            raise Http404("申报主体不存在。")
        profile = enterprise_profile(viewer=request.user, enterprise=enterprise)
        access_record(request=request, channel="admin", **profile_access(profile, enterprise))
        return TemplateResponse(request, "admin/portal/enterprise_profile.html", {
            **self.admin_site.each_context(request), "title": f"企业画像：{enterprise.name}", "opts": self.model._meta,
            "original": enterprise, "enterprise": enterprise,
            "sections": [{**s, "table": [(row.get("url", ""), [row.get(c["key"], "") for c in s["columns"]])
                                         for row in s["rows"]]} for s in profile["sections"]],
            "search_url": reverse("admin:portal_enterprise_profile_search")})

    def profile_search_view(self, request: HttpRequest) -> Any:
        """Find an enterprise for its profile by the exact 统一社会信用代码 (opens the profile) or a name fragment."""
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        query = request.GET.get("q", "").strip()
        found = list(enterprise_search(user=request.user, query=query)) if query else []
        if len(found) == 1 and found[0].uscc == query.upper():
            return redirect("admin:portal_enterprise_profile", found[0].pk)
        if query:
            access_record(request=request, channel="admin", action="query", model=Enterprise, objects=found,
                          count=len(found), label=f"企业画像检索：{query}"[:255])
        return TemplateResponse(request, "admin/portal/enterprise_profile_search.html", {
            **self.admin_site.each_context(request), "title": "企业画像", "opts": self.model._meta,
            "query": query, "found": found, "limit": SEARCH_LIMIT})


class HolidayNoticeDayInline(admin.TabularInline):
    model = HolidayOverride
    fk_name = "notice"
    extra = 3
    fields = ("date", "is_workday", "name")
    verbose_name = "通知所列日期"
    verbose_name_plural = "通知所列日期（放假日与调休上班日；未列出的日期按周一至周五上班）"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(retired_at__isnull=True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policies.can_maintain_holidays(request.user).allowed


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(GovernedAdmin):
    """A year's State Council notice with its days; saving it counts open deadlines of that year again."""

    policy = policies.HolidayOverridePolicy()
    list_display = ("year", "document_number", "published_on", "recomputed_at", "recomputed_count")
    fields = ("year", "document_number", "title", "published_on", "recomputed_at", "recomputed_count")
    readonly_fields = ("recomputed_at", "recomputed_count")
    inlines = [HolidayNoticeDayInline]

    def save_model(self, request: HttpRequest, obj: HolidayNotice, form: Any, change: bool) -> None:
        """Saved with its days by the service in ``save_related``."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        days = None
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is HolidayOverride:
                days = [{k: data.get(k) for k in ("date", "is_workday", "name")}
                        for data in (getattr(f, "cleaned_data", None) or {} for f in formset.forms)
                        if data.get("date") and not data.get("DELETE")]
        services.holiday_notice_save(notice=form.instance, days=days, acting_user=request.user)

    def response_add(self, request: HttpRequest, obj: HolidayNotice, post_url_continue: Any = None) -> Any:
        self._recomputed_message(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: HolidayNotice) -> Any:
        self._recomputed_message(request, obj)
        return super().response_change(request, obj)

    def _recomputed_message(self, request: HttpRequest, obj: HolidayNotice) -> None:
        self.message_user(request, f"{obj.year}年日历已按通知更新，重算未办结事项的期限 {obj.recomputed_count} 项。")


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(GovernedAdmin):
    policy = policies.HolidayOverridePolicy()
    list_display = ("date", "is_workday", "name", "notice", "source")
    list_filter = ("is_workday", "notice")
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: HolidayOverride, form: Any, change: bool) -> None:
        services.holiday_override_save(override=obj, acting_user=request.user)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    policy = policies.AuditLogPolicy()
    list_display = ("at", "actor_name", "action_display", "object_repr", "reason")
    list_filter = (labelled_filter("action", "操作", action_label, codes=lambda: action_labels().keys()),
                   "content_type", date_range_filter("at", "时间"))
    search_fields = ("object_repr", "actor_name", "reason", "object_id")
    fields = ("at", "actor", "actor_name", "action_display", "content_type", "object_id", "object_repr", "reason",
              "before_display", "after_display", "prev_hash", "hash")
    readonly_fields = fields

    @admin.display(description="操作", ordering="action")
    def action_display(self, obj: AuditLog) -> str:
        return obj.action_label

    @admin.display(description="变更前")
    def before_display(self, obj: AuditLog) -> str:
        return self._values(obj, obj.before)

    @admin.display(description="变更后")
    def after_display(self, obj: AuditLog) -> str:
        return self._values(obj, obj.after)

    @staticmethod
    def _values(obj: AuditLog, data: Any) -> str:
        """A before/after snapshot with the recorded model's field names and labels (无 when there is none)."""
        model = obj.content_type.model_class() if obj.content_type is not None else None
        if not isinstance(data, dict) or model is None:
            return plain(data)
        return pairs_html(model_values(model, data, value_labels()))


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Reads of governed data (QZ §八(四)); read-only for everyone, its own pages are not logged again."""

    policy = policies.AccessLogPolicy()
    access_logged = False
    list_display = ("at", "user_name", "api_token", "client_ip", "channel", "action", "content_type",
                    "object_repr", "result_count", "producer_units")
    list_filter = ("channel", "action", "content_type", date_range_filter("at", "时间"))
    search_fields = ("user_name", "object_repr", "object_id", "query", "client_ip")
    list_select_related = ("content_type",)
    fields = ("at", "user", "user_name", "api_token", "client_ip", "channel", "action", "content_type", "object_id",
              "object_repr", "object_ids", "query", "result_count", "producer_units")
    readonly_fields = fields

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The producer units' names of the page's rows in one query (the list keeps a constant query count)."""
        cl = super().get_changelist_instance(request)
        rows = list(cl.result_list)
        names = dict(Organization.objects.filter(
            pk__in={i for row in rows for i in row.producer_unit_ids}).values_list("pk", "name"))
        for row in rows:
            row._unit_names = names
        return cl

    @admin.display(description="数据生产单位")
    def producer_units(self, obj: AccessLog) -> str:
        names = getattr(obj, "_unit_names", None)
        if names is None:
            names = dict(Organization.objects.filter(pk__in=obj.producer_unit_ids).values_list("pk", "name"))
        return "、".join(names.get(i, str(i)) for i in obj.producer_unit_ids) or "—"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued with `manage.py issue_api_token` so the secret is shown once

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("user")
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from portal.services import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token, acting_user=request.user)
        self.message_user(request, "已吊销。")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("recipient")
        return qs if request.user.is_superuser else qs.filter(recipient=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


PERMISSION_ACTIONS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """A permission as 应用 | 模型 | 操作, in Chinese (Django stores built-in names as “Can add …”)."""

    def label_from_instance(self, obj: Permission) -> str:
        model = obj.content_type.model_class()
        action, _, model_name = obj.codename.partition("_")
        label = PERMISSION_ACTIONS.get(action) if model_name == obj.content_type.model else None
        return " | ".join([str(django_apps.get_app_config(obj.content_type.app_label).verbose_name),
                           str(model._meta.verbose_name if model else obj.content_type.model), label or obj.name])


class RolePermissionsMixin:
    """The permission pickers offer the permissions roles are declared with (``ROLE_PERMISSIONS``), in Chinese."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["queryset"] = declared_permissions()
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class RoleGroupAdmin(RolePermissionsMixin, GroupAdmin):
    """Groups are the roles: rebuilt from code by ``ensure_roles``, so never deleted here."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's admin password form, its warning in Chinese (Django hard-codes it in English)."""

    usable_password_help_text = (
        "用户能否使用密码登录。停用后，仍可通过单点登录、LDAP 等其他方式认证。"
        '<ul id="id_unusable_warning" class="messagelist"><li class="warning">停用后，该用户的当前密码将失效。</li></ul>')


class PortalUserAdmin(RolePermissionsMixin, UserAdmin):
    change_password_form = PasswordChangeForm

    def get_queryset(self, request: HttpRequest) -> Any:
        return policies.user_list_scope(request.user, super().get_queryset(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
