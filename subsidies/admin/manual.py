"""Admin of 一事一议 awards: the entry page (decision document, 文号, approver, amount, enterprise, pool) saves
through ``manual_award_create``; afterwards the record is read-only and its steps (批准、不予批准、拨付、撤销) are the
buttons of ``MANUAL_AWARD`` (``portal.admin_workflow``). The decision document downloads through the kernel's audited
download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.admin_base import GovernedAdmin
from portal.admin_workflow import WorkflowAdminMixin
from portal.files import download_link
from portal.models import Enterprise
from portal.roles import Role
from subsidies import permissions as perms
from subsidies import services
from subsidies.exports import disbursement_response
from subsidies.models import ManualAward
from subsidies.selectors import manual_award_list, pool_list
from subsidies.workflow import MANUAL_AWARD

APPROVER_ROLES = (Role.CITY_AUTHORITY, Role.UNIT_LEADER, Role.COUNTY_AUTHORITY)


class ManualAwardForm(forms.ModelForm):
    class Meta:
        model = ManualAward
        fields = ["enterprise", "pool", "amount", "subject", "decision_number", "decided_on", "decision_document",
                  "approver"]
        widgets = {"decided_on": forms.DateInput(attrs={"type": "date"})}


@admin.register(ManualAward)
class ManualAwardAdmin(WorkflowAdminMixin, GovernedAdmin):
    policy = perms.ManualAwardPolicy()
    workflow = MANUAL_AWARD
    form = ManualAwardForm
    list_display = ["decision_number", "enterprise", "subject", "amount", "pool", "year", "workflow_state",
                    "approver", "entered_by", "approved_on", "disbursed_on"]
    list_filter = ["year", "status", "pool__level"]
    list_select_related = ["enterprise", "pool__call", "pool__county", "approver", "entered_by"]
    search_fields = ["decision_number", "subject", "enterprise__name", "enterprise__uscc"]
    actions = ["export_selected_year"]
    READ_FIELDS = ["kind_display", "decision_number", "decided_on", "document_display", "document_sha256", "subject",
                   "enterprise", "pool", "amount", "year", "status", "entered_by", "approver", "approved_on",
                   "decision_note", "disbursed_on", "payment_reference", "released_on"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ManualAward]:
        return manual_award_list(user=request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.READ_FIELDS if obj is not None else ManualAwardForm.Meta.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.READ_FIELDS if obj is not None else []

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.with_profile_links(request, obj, [(None, {"fields": self.get_fields(request, obj)})])

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "pool":
            kwargs["queryset"] = pool_list(user=request.user).filter(retired_at__isnull=True)
        elif db_field.name == "enterprise":
            kwargs["queryset"] = Enterprise.objects.filter(retired_at__isnull=True).order_by("name")
        elif db_field.name == "approver":
            kwargs["queryset"] = (get_user_model().objects.filter(
                is_active=True, memberships__role__in=APPROVER_ROLES, memberships__retired_at__isnull=True)
                .exclude(pk=request.user.pk).distinct().order_by("username"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # entered once; the steps are the buttons above the record

    def save_model(self, request: HttpRequest, obj: ManualAward, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = services.manual_award_create(
            enterprise=data["enterprise"], pool=data["pool"], amount=data["amount"], subject=data["subject"],
            decision_number=data["decision_number"], decided_on=data["decided_on"],
            decision_document=data.get("decision_document"), approver=data.get("approver"),
            acting_user=request.user)
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    @admin.display(description="奖补方式")
    def kind_display(self, obj: ManualAward) -> str:
        return obj.kind_label

    @admin.display(description="决定文件")
    def document_display(self, obj: ManualAward) -> str:
        return download_link(obj, "decision_document")

    @admin.action(description="导出所选一事一议所在年度的财政拨付表（.xlsx）")
    def export_selected_year(self, request: HttpRequest, queryset: QuerySet[ManualAward]) -> Any:
        """The same finance workbook as the award list's (rule awards and 一事一议 within the user's scope)."""
        years = sorted(set(queryset.values_list("year", flat=True)))
        if len(years) != 1:
            self.message_user(request, "请选择同一年度的一事一议奖补导出。", level=messages.ERROR)
            return None
        return disbursement_response(years[0], request.user)
