"""Admin for authorizations (status actions, usage export), usage records, open-data applications and grants,
webhooks."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from catalogs.admin.common import OwnUnitFilter, filtered_list, own_unit_filter, related_links
from catalogs.permissions import own_unit_ids
from portal.admin_base import GovernedAdmin, ReadOnlyAdmin, date_range_filter
from portal.admin_workflow import WorkflowAdminMixin
from portal.display import pairs_html, plain
from portal.files import download_link
from portal.workflow import Transition
from portal.xlsx import xlsx_response
from sharing import exports, permissions, selectors, services
from sharing.admin.applications import OpenStepInline
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    CatalogImpact,
    DataUseRecord,
    OpenDataAgreement,
    OpenDataApplication,
    OpenDataConsent,
    OpenDataGrant,
    ShareType,
    WebhookDelivery,
    WebhookSubscription,
)
from sharing.states import EligibilityStatus
from sharing.workflow import AUTHORIZATION, OPEN_APPLICATION, OPEN_GRANT

# Keys (and coded values) of the frozen scope of an authorization or open-data grant.
SCOPE_LABELS = {
    "entries": "目录", "data_items": "信息项", "conditions": "共享条件", "business_matter": "业务事项",
    "information_system": "使用数据的信息系统", "adjustment": "调整说明", "purpose": "使用目的", "scenario": "应用场景",
    "note": "说明", "id": "编号", "code": "目录编码", "title": "资源名称", "source_unit": "数源单位",
    "share_type": "共享类型", "entry": "所属目录", "name": "名称", **dict(ShareType.choices),
    # open-data grants: the verification, the providers' consents and the signed agreement (FJ-OPEN art.10)
    "requested_until_on": "申请使用截止日", "term_reason": "缩短期限的理由", "eligibility": "资格核验", "status": "状态",
    "verified_at": "核验时间", "consents": "数据提供单位意见", "unit": "单位", "agrees": "同意", "at": "时间",
    "agreement": "数据使用和安全保障协议", "number": "协议编号", "signed_on": "签订日期", "signatories": "签署方",
    **dict(EligibilityStatus.choices),
}


def impacts_html(impacts: Any) -> str:
    """Each catalog change that reached a grant: the entry version (linked), the change, the decision and why."""
    rows = [(reverse("admin:catalogs_catalogentry_change", args=[i.entry_id]), i.entry.code, i.entry_version,
             i.get_change_display(), i.get_decision_display(), i.reason) for i in impacts]
    if not rows:
        return "无"
    return format_html("<ul>{}</ul>", format_html_join(
        "", '<li><a href="{}">{}</a> 第{}版：{}，<strong>{}</strong>。{}</li>', rows))


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


class LegacyStepUrlMixin:
    """The step pages' first addresses (``<pk>/do/<step>/``, ``<pk>/act/<step>/``), kept for bookmarks: they lead to
    the step pages derived from the declaration."""

    def legacy_step_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        obj = self.get_queryset(request).filter(pk=pk).first()  # type: ignore[attr-defined]
        if obj is None or action not in self.workflow.transitions:  # type: ignore[attr-defined]
            raise Http404("记录不存在、无权查看，或没有该办理环节。")
        opts = self.model._meta  # type: ignore[attr-defined]
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_step", args=[obj.pk, action]))


@admin.register(Authorization)
class AuthorizationAdmin(LegacyStepUrlMixin, WorkflowAdminMixin, GovernedAdmin):
    policy = permissions.AuthorizationPolicy()
    workflow = AUTHORIZATION
    change_form_template = "admin/sharing/authorization/change_form.html"
    list_display = ("number", "consumer_unit", "application", "share_type", "valid_until_on", "workflow_state")
    list_filter = (own_unit_filter("被授权单位", "consumer_unit"), "status", "service_mode", "share_type")
    search_fields = ("number", "consumer_unit__name", "application__number")
    list_select_related = ("consumer_unit", "application")
    readonly_fields = ("number", "application", "consumer_unit", "service_mode", "interface_kind", "share_type",
                       "valid_from_on", "valid_until_on", "status", "status_changed_at", "status_reason",
                       "renewed_from", scope_display, "is_special", "catalog_impacts_display", "related_records")
    exclude = ("entries", "data_items")
    inlines = [EventInline]
    field_groups = [
        ("授权范围与期限", ["service_mode", "interface_kind", "share_type", scope_display, "valid_from_on",
                     "valid_until_on", "is_special"]),
        ("暂停、撤销与续期", ["status_changed_at", "status_reason", "renewed_from", "catalog_impacts_display"]),
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description="相关记录")
    def related_records(self, obj: Authorization) -> str:
        """The application it was issued on, its usage records (list and workbook) and its renewals."""
        links = [("来源申请", reverse("admin:sharing_shareapplication_change", args=[obj.application_id])),
                 ("数据使用记录", filtered_list("sharing.datauserecord", authorization__id__exact=obj.pk)),
                 ("导出使用记录（Excel）", reverse("admin:sharing_authorization_usage", args=[obj.pk])),
                 ("续期后的授权", filtered_list("sharing.authorization", renewed_from__id__exact=obj.pk))]
        if obj.renewed_from_id:
            links.append(("续期前的授权", reverse("admin:sharing_authorization_change", args=[obj.renewed_from_id])))
        links.append(("目录变更影响", filtered_list("sharing.catalogimpact", authorization__id__exact=obj.pk)))
        return related_links(links)

    @admin.display(description="目录变更影响")
    def catalog_impacts_display(self, obj: Authorization) -> str:
        return impacts_html(obj.catalog_impacts.select_related("entry"))

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [
            path("<int:pk>/usage.xlsx", view(self.usage_export_view), name="sharing_authorization_usage"),
            path("<int:pk>/do/<str:action>/", view(self.legacy_step_view), name="sharing_authorization_action"),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.authorization_list(user=request.user)

    def workflow_apply(self, request: HttpRequest, obj: Any, transition: Transition, data: dict[str, Any]) -> Any:
        if transition.name == "renew":  # the service issues the new authorization and returns it
            return services.authorization_renew(authorization=obj, acting_user=request.user, **data)
        return super().workflow_apply(request, obj, transition, data)

    def step_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        """After a renewal, the new authorization's page (as before), not the superseded one's."""
        response = super().step_view(request, pk, name)
        if name == "renew" and request.method == "POST" and response.status_code == 302:
            new = selectors.authorization_list(user=request.user).filter(renewed_from_id=pk).first()
            if new is not None:
                return redirect(reverse("admin:sharing_authorization_change", args=[new.pk]))
        return response

    def usage_export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        auth = selectors.authorization_get(request.user, pk)
        if auth is None:
            raise Http404("授权不存在或无权查看。")
        return xlsx_response(f"使用记录-{auth.number}.xlsx", [exports.usage_sheet(auth, request.user)],
                             subject=auth)


LIST_ATTR = "_portal_usage_changelist"  # set on the request while the usage records' list is being built


@admin.register(DataUseRecord)
class DataUseRecordAdmin(ReadOnlyAdmin):
    policy = permissions.DataUseRecordPolicy()
    list_display = ("acquired_at", "unit", "authorization", "user_name", "approver_name", "purpose",
                    "acquisition_method", "media_type", "is_violation", "retain_until_on")
    list_filter = (own_unit_filter("使用单位", "unit"), "is_violation", "acquisition_method", "media_type",
                   date_range_filter("acquired_at", "获取时间"))
    search_fields = ("purpose", "user_name", "authorization__number", "external_id")
    list_select_related = ("unit", "authorization")
    readonly_fields = ("related_records",)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """The usage records of one application (linked from its page)."""
        return lookup == "authorization__application__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="相关记录")
    def related_records(self, obj: DataUseRecord) -> str:
        if obj.authorization_id is None:
            return "无"
        return related_links([
            ("所依据的授权", reverse("admin:sharing_authorization_change", args=[obj.authorization_id])),
            ("该授权的全部使用记录", filtered_list("sharing.datauserecord", authorization__id__exact=obj.authorization_id)),
        ])

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        setattr(request, LIST_ATTR, True)
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The list on 本单位 (a unit user's default) reads the unit's records without the scope's semi-join: they are
        visible by construction (``DataUseRecordPolicy.own_units``); 全部可见 and record pages use the scope."""
        units = own_unit_ids(request.user)
        if getattr(request, LIST_ATTR, False) and units and OwnUnitFilter.chosen(request) == OwnUnitFilter.MINE:
            return selectors.usage_record_list(user=request.user, own_unit_ids=units)
        return selectors.usage_record_list(user=request.user)


class ConsentInline(admin.TabularInline):
    """The provider units' consents (FJ-OPEN art.10), read-only: given through the workflow step."""

    model = OpenDataConsent
    extra = 0
    can_delete = False
    fields = ("producer_unit", "agrees", "reason", "given_by", "given_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OpenDataApplication)
class OpenDataApplicationAdmin(LegacyStepUrlMixin, WorkflowAdminMixin, GovernedAdmin):
    policy = permissions.OpenDataApplicationPolicy()
    workflow = OPEN_APPLICATION
    list_display = ("number", "enterprise", "is_commercial", "eligibility_status", "workflow_state",
                    "current_due_on", "submitted_at")
    list_filter = ("status", "eligibility_status", "is_commercial", "enterprise__kind")
    search_fields = ("number", "enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise",)
    readonly_fields = ("number", "enterprise", "applicant_user", "purpose", "scenario", "is_commercial",
                       "usage_method", "requested_until_on", "status", "submitted_at", "current_due_on",
                       "declares_eligibility", "eligibility_display",
                       "eligibility_note", "eligibility_verified_by", "eligibility_verified_at",
                       "assessment_opinion", "decision_note", "granted_until_on", "term_reason",
                       "extra_restrictions", "agreement_display", "stop_policy_basis", "stop_reason",
                       "withdraw_reason", "previous_application")
    field_groups = [
        ("资格核验", ["declares_eligibility", "eligibility_display", "eligibility_note", "eligibility_verified_by",
                  "eligibility_verified_at"]),
        ("评估与确认", ["assessment_opinion", "decision_note", "granted_until_on", "term_reason", "extra_restrictions",
                   "agreement_display"]),
        ("终止、撤回与重新申请", ["stop_policy_basis", "stop_reason", "withdraw_reason", "previous_application"]),
    ]
    exclude = ("entries",)
    inlines = [ConsentInline, OpenStepInline]

    @admin.display(description="申请资格")
    def eligibility_display(self, obj: OpenDataApplication) -> str:
        """Verified or not (QZ §六(四)): until the authority verified the evidence the applicant is not eligible."""
        decision = services.open_grant_eligibility(obj)
        return "符合（已核验）" if decision else f"不具备授权资格：{decision.reason}"

    @admin.display(description="数据使用和安全保障协议")
    def agreement_display(self, obj: OpenDataApplication) -> str:
        agreement = OpenDataAgreement.objects.filter(application=obj).select_related("recorded_by").first()
        if agreement is None:
            return "尚未登记（签署前不签发许可，FJ-OPEN 第十条）"
        return format_html("{}，{} 签署；签署各方：{}；{}（{} 于 {} 登记）", agreement.number, agreement.signed_on,
                           "、".join(agreement.signatories.splitlines()),
                           download_link(agreement, "file", agreement.file_name), agreement.recorded_by,
                           agreement.recorded_at.strftime("%Y-%m-%d %H:%M"))

    def workflow_apply(self, request: HttpRequest, obj: Any, transition: Transition, data: dict[str, Any]) -> Any:
        """Through the service (its ``files.atomic()`` removes an uploaded file again when the step is refused)."""
        return services.open_application_act(application=obj, action=transition.name, acting_user=request.user,
                                             **data)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [path("<int:pk>/act/<str:action>/", view(self.legacy_step_view),
                     name="sharing_opendataapplication_act"),
                *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.open_application_list(user=request.user)


@admin.register(OpenDataGrant)
class OpenDataGrantAdmin(LegacyStepUrlMixin, WorkflowAdminMixin, GovernedAdmin):
    """Grants are issued by the workflow; the city authority suspends, resumes or terminates them here."""

    policy = permissions.OpenDataGrantPolicy()
    workflow = OPEN_GRANT
    inlines = [GrantEventInline]
    list_display = ("number", "enterprise", "valid_until_on", "is_commercial_use_allowed", "workflow_state")
    list_filter = ("status", "is_commercial_use_allowed")
    search_fields = ("number", "enterprise__name")
    list_select_related = ("enterprise",)
    readonly_fields = ("number", "application", "enterprise", "valid_from_on", "valid_until_on", "status",
                       "status_reason", "is_third_party_forbidden", "is_resale_forbidden", "is_commercial_use_allowed",
                       "must_state_source", "restrictions_display", "attribution_text", scope_display,
                       "status_changed_at", "expiry_reminded_on", "catalog_impacts_display", "related_records")
    exclude = ("entries",)
    field_groups = [
        ("使用限制", ["is_third_party_forbidden", "is_resale_forbidden", "is_commercial_use_allowed", "must_state_source",
                  "restrictions_display", "attribution_text"]),
        ("暂停、撤销与到期", ["status_changed_at", "status_reason", "expiry_reminded_on", "catalog_impacts_display"]),
    ]

    @admin.display(description="目录变更影响")
    def catalog_impacts_display(self, obj: OpenDataGrant) -> str:
        return impacts_html(obj.catalog_impacts.select_related("entry"))

    @admin.display(description="相关记录")
    def related_records(self, obj: OpenDataGrant) -> str:
        return related_links([
            ("来源申请", reverse("admin:sharing_opendataapplication_change", args=[obj.application_id])),
            ("目录变更影响", filtered_list("sharing.catalogimpact", open_grant__id__exact=obj.pk)),
        ])

    @admin.display(description="使用限制条款")
    def restrictions_display(self, obj: OpenDataGrant) -> str:
        return format_html_join("", "<p>{}</p>", ((r,) for r in obj.restrictions or [])) or "无"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [path("<int:pk>/do/<str:action>/", view(self.legacy_step_view), name="sharing_opendatagrant_action"),
                *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.open_grant_list(user=request.user)


@admin.register(CatalogImpact)
class CatalogImpactAdmin(ReadOnlyAdmin):
    """What each catalog change did to the live grants (docs/adr/0205): linked to the entry and to the grant."""

    policy = permissions.CatalogImpactPolicy()
    list_display = ("created_at", "entry", "entry_version", "change", "decision", "authorization", "open_grant")
    list_filter = ("change", "decision")
    search_fields = ("entry__code", "entry__title", "authorization__number", "open_grant__number")
    list_select_related = ("entry", "authorization", "open_grant")
    readonly_fields = ("entry", "entry_version", "change", "decision", "authorization", "open_grant", "reason",
                       "changed_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.catalog_impact_list(user=request.user)


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
