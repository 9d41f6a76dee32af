"""Admin of policy documents, rules with dated parameters, calls and budget pools (history on all of them).

Every save goes through ``subsidies.services.config`` (permission, history, audit; budget pools under their row
lock), from the pages and from the inlines alike.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.html import format_html, format_html_join

from portal.admin_base import GovernedAdmin, ViewOnlyDisplayMixin
from subsidies import permissions as perms
from subsidies import services
from subsidies.models import BudgetPool, Call, PolicyDocument, Rule, RuleParameter
from subsidies.rules import rule_facts_schema
from subsidies.rules.labels import (
    EVIDENCE_HELP,
    PARAM_HELP,
    PARAM_LABELS,
    evidence_lines,
    param_label,
    param_lines,
    param_text,
    parse_evidence_lines,
    parse_param_lines,
)
from subsidies.selectors import pool_list


class LinesField(forms.CharField):
    """A JSON field edited as readable lines: ``to_lines`` renders the stored value, ``parse`` maps the lines back."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def __init__(self, *, to_lines: Any, parse: Any, **kwargs: Any) -> None:
        self.to_lines, self.parse = to_lines, parse
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) else self.to_lines(value)

    def clean(self, value: Any) -> Any:
        return self.parse(super().clean(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.parse(data or "") != initial
        except ValidationError:
            return True


class RuleParameterForm(forms.ModelForm):
    name = forms.ChoiceField(label="参数名", choices=sorted(((k, v) for k, v in PARAM_LABELS.items()),
                                                            key=lambda c: c[1]))
    value = LinesField(label="取值", to_lines=param_lines, parse=parse_param_lines, help_text=PARAM_HELP)

    class Meta:
        model = RuleParameter
        fields = ["rule", "name", "value", "valid_from", "valid_to", "note"]


class CallForm(forms.ModelForm):
    evidence_requirements = LinesField(label="申报材料清单", to_lines=evidence_lines, parse=parse_evidence_lines,
                                       required=False, help_text=EVIDENCE_HELP)

    class Meta:
        model = Call
        fields = ["code", "name", "year", "family", "opens_on", "closes_on", "evidence_requirements",
                  "publicity_workdays", "responsible_unit", "description", "rules"]


class ParameterDisplayMixin(ViewOnlyDisplayMixin):
    """Read-only views name a parameter and its value in Chinese, not the stored codes and JSON."""

    view_only_display = {"name": "name_label", "value": "value_text"}

    @admin.display(description="参数名")
    def name_label(self, obj: RuleParameter) -> str:
        return param_label(obj.name)

    @admin.display(description="取值")
    def value_text(self, obj: RuleParameter) -> str:
        return param_text(obj.value)


class ParameterNameFilter(admin.SimpleListFilter):
    title = "参数名"
    parameter_name = "name"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        names = RuleParameter.objects.values_list("name", flat=True).distinct().order_by("name")
        return [(n, param_label(n)) for n in names]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(name=self.value()) if self.value() else queryset


class ServiceSaveMixin:
    """The page's save calls the entity's service (``save_service(request, obj, form)``); many-to-many fields are
    saved by the service too, so Django's own ``save_m2m`` is skipped."""

    def save_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_service(request, obj, form)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        form.save_m2m = lambda: None  # done by the service in save_model
        super().save_related(request, form, formsets, change)  # type: ignore[misc]


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(ServiceSaveMixin, GovernedAdmin):
    policy = perms.PublicReadPolicy()
    list_display = ["doc_number", "title", "issuer", "issued_on", "effective_from", "effective_to", "jurisdiction"]
    search_fields = ["doc_number", "title"]
    filter_horizontal = ["supersedes", "repeals"]

    def save_service(self, request: HttpRequest, obj: PolicyDocument, form: Any) -> Any:
        data = form.cleaned_data
        return services.policy_document_save(document=obj, acting_user=request.user,
                                             supersedes=data.get("supersedes"), repeals=data.get("repeals"))


class RuleParameterInline(ParameterDisplayMixin, admin.TabularInline):
    model = RuleParameter
    form = RuleParameterForm
    extra = 0
    fields = ["name", "value", "valid_from", "valid_to", "note"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and bool(perms.can_edit_rules(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and bool(perms.can_edit_rules(request.user))


@admin.register(Rule)
class RuleAdmin(ServiceSaveMixin, GovernedAdmin):
    policy = perms.PublicReadPolicy()
    list_display = ["code", "title", "family", "citation_display", "responsible_department", "funding",
                    "competitive_limit", "valid_from", "valid_to", "superseded_by"]
    list_filter = ["family", "funding", "recipient_type", "document"]
    list_select_related = ["document", "superseded_by"]
    search_fields = ["code", "title"]
    readonly_fields = ["code", "document", "clause", "facts_display"]
    fields = ["code", "title", "document", "clause", "family", "responsible_department", "responsible_unit",
              "funding", "recipient_type", "competitive_limit", "valid_from", "valid_to", "superseded_by", "summary",
              "note", "sort_order", "facts_display"]
    inlines = [RuleParameterInline]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # the 38 rules come from subsidy_rules.md; their data is edited here

    @admin.display(description="条款出处")
    def citation_display(self, obj: Rule) -> str:
        return obj.citation

    @admin.display(description="申报事实（试算所需字段）")
    def facts_display(self, obj: Rule) -> str:
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}（{}{}）</li>",
            ((f["label"], f["type_label"], "" if f["required"] else "，选填")
             for f in rule_facts_schema(obj.code))))

    def save_service(self, request: HttpRequest, obj: Rule, form: Any) -> Any:
        return services.rule_save(rule=obj, acting_user=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            services.rule_parameter_save(parameter=obj, acting_user=request.user)


@admin.register(RuleParameter)
class RuleParameterAdmin(ParameterDisplayMixin, ServiceSaveMixin, GovernedAdmin):
    policy = perms.PublicReadPolicy()
    form = RuleParameterForm
    list_display = ["rule", "name_label", "value_text", "valid_from", "valid_to", "note"]
    list_filter = ["rule__family", ParameterNameFilter]
    list_select_related = ["rule"]
    search_fields = ["rule__code", "name"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        """A parameter's Chinese name finds it as well as its code."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        names = [code for code, label in PARAM_LABELS.items() if search_term and search_term in label]
        return (found | queryset.filter(name__in=names)) if names else found, duplicates

    def save_service(self, request: HttpRequest, obj: RuleParameter, form: Any) -> Any:
        return services.rule_parameter_save(parameter=obj, acting_user=request.user)


class BudgetPoolInline(admin.TabularInline):
    """The call's pools; saved by ``CallAdmin.save_formset`` through ``budget_pool_save`` (row lock: the reserved and
    committed totals are read-only here and always the database's)."""

    model = BudgetPool
    extra = 0
    can_delete = False
    fields = ["level", "county", "amount", "reserved", "committed", "budget_unit", "budget_doc_number",
              "budget_summary", "parent_budget_doc_number"]
    readonly_fields = ["reserved", "committed"]
    autocomplete_fields = ["county", "budget_unit"]

    def get_queryset(self, request: HttpRequest) -> Any:
        """Only the pools the user may see (a county authority reading a call sees its own county's pool)."""
        return pool_list(user=request.user)


@admin.register(Call)
class CallAdmin(ServiceSaveMixin, GovernedAdmin):
    policy = perms.CallPolicy()
    form = CallForm
    list_display = ["code", "name", "year", "family", "opens_on", "closes_on", "publicity_workdays"]
    list_filter = ["year", "family"]
    search_fields = ["code", "name"]
    filter_horizontal = ["rules"]
    autocomplete_fields = ["responsible_unit"]
    inlines = [BudgetPoolInline]
    view_only_display = {"evidence_requirements": "evidence_requirements_text"}
    actions = ["run_matching"]

    @admin.action(description="运行匹配（免申即享：测算所选批次的候选企业）")
    def run_matching(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        from subsidies.admin.matching import run_matching_action

        run_matching_action(self, request, list(queryset.order_by("pk")))

    @admin.display(description="申报材料清单")
    def evidence_requirements_text(self, obj: Call) -> str:
        lines = evidence_lines(obj.evidence_requirements).splitlines()
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "无"

    def save_service(self, request: HttpRequest, obj: Call, form: Any) -> Any:
        return services.call_save(call=obj, acting_user=request.user, rules=form.cleaned_data.get("rules"))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            services.budget_pool_save(pool=obj, acting_user=request.user)


@admin.register(BudgetPool)
class BudgetPoolAdmin(ServiceSaveMixin, GovernedAdmin):
    policy = perms.BudgetPoolPolicy()
    list_display = ["call", "level", "county", "amount", "reserved", "committed", "available_display",
                    "utilisation_display"]
    list_filter = ["call__year", "level", "county"]
    list_select_related = ["call", "county"]
    readonly_fields = ["reserved", "committed"]
    autocomplete_fields = ["county", "budget_unit"]

    @admin.display(description="可用余额（元）")
    def available_display(self, obj: BudgetPool) -> Any:
        return obj.available

    @admin.display(description="使用率")
    def utilisation_display(self, obj: BudgetPool) -> str:
        return f"{obj.utilisation}%"

    def get_queryset(self, request: HttpRequest) -> Any:
        return pool_list(user=request.user)

    def get_urls(self) -> list[Any]:
        return [path("utilisation/", self.custom_view(self.utilisation_view), name="subsidies_budgetpool_utilisation"),
                *super().get_urls()]

    def utilisation_view(self, request: HttpRequest) -> Any:
        """资金使用情况: budget use per pool and per county (已拨付, 已核定未拨付, 可用余额) as figures."""
        from portal.figures import figures_page

        return figures_page(self, request, title="资金使用情况", keys=("budget-pool", "budget-county"),
                            intro="本年度各资金池及各县（市、区）预算的使用情况：已拨付、已核定未拨付与可用余额；"
                                  "范围为您可查看的资金池。")

    def save_service(self, request: HttpRequest, obj: BudgetPool, form: Any) -> Any:
        return services.budget_pool_save(pool=obj, acting_user=request.user)
