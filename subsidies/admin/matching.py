"""Admin of 免申即享: fact sources (declared by the city authority, saved through ``fact_source_save``, history
visible), the enterprise facts read from submissions (read only) and the match candidates (read only; 推送 / 不予推送
are the buttons of ``MATCH_CANDIDATE``). 「运行匹配」 runs ``matching_run`` for the selected calls (here and on the call
list)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from portal.admin_base import GovernedAdmin, ReadOnlyAdmin
from portal.admin_workflow import WorkflowAdminMixin
from subsidies import permissions as perms
from subsidies.models import Call
from subsidies.models.matching import EnterpriseFact, FactSource, MatchCandidate, fact_choices, fact_label
from subsidies.selectors import match_candidate_list
from subsidies.services.facts import fact_source_save
from subsidies.services.matching import matching_run
from subsidies.workflow import MATCH_CANDIDATE


def run_matching_action(model_admin: Any, request: HttpRequest, calls: list[Call]) -> None:
    """Run the match for ``calls`` as the request's user; one Chinese message with the counts per call."""
    texts = []
    for call in calls:
        summary = model_admin.run_service(request, matching_run, call=call, acting_user=request.user)
        if summary is None:
            return  # refused: the reason is already shown
        texts.append(f"{call.name}：{summary.message()}")
    model_admin.message_user(request, "；".join(texts) or "未选择批次。", level=messages.SUCCESS)


class FactSourceForm(forms.ModelForm):
    class Meta:
        model = FactSource
        fields = ["fact", "rule", "data_item", "collection_item", "key_column", "value_column", "vouching_unit",
                  "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "fact" in self.fields:
            self.fields["fact"] = forms.ChoiceField(
                label="奖补事实", choices=[("", "——请选择——"), *fact_choices()],
                help_text="计算器的事实（括号内为使用该事实的规则）。")


@admin.register(FactSource)
class FactSourceAdmin(GovernedAdmin):
    policy = perms.FactSourcePolicy()
    form = FactSourceForm
    list_display = ["fact_display", "rule", "data_item", "collection_item", "value_column", "vouching_unit",
                    "values_count"]
    list_select_related = ["rule", "data_item", "collection_item", "vouching_unit"]
    search_fields = ["fact", "value_column", "collection_item__name"]
    autocomplete_fields = ["vouching_unit"]
    raw_id_fields = ["data_item", "collection_item"]
    view_only_display = {"fact": "fact_display"}

    def get_queryset(self, request: HttpRequest) -> QuerySet[FactSource]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_values=Count("values"))

    @admin.display(description="奖补事实", ordering="fact")
    def fact_display(self, obj: FactSource) -> str:
        return fact_label(obj.fact)

    @admin.display(description="已读取事实（条）")
    def values_count(self, obj: FactSource) -> int:
        return getattr(obj, "n_values", 0)

    def save_model(self, request: HttpRequest, obj: FactSource, form: Any, change: bool) -> None:
        fact_source_save(source=obj, acting_user=request.user)


@admin.register(EnterpriseFact)
class EnterpriseFactAdmin(ReadOnlyAdmin):
    policy = perms.EnterpriseFactPolicy()
    list_display = ["enterprise", "fact_display", "value", "period", "source", "submission", "row_number", "read_at"]
    list_filter = ["period"]
    list_select_related = ["enterprise", "source__collection_item", "submission__task__item"]
    search_fields = ["enterprise__name", "enterprise__uscc", "fact"]

    @admin.display(description="奖补事实", ordering="fact")
    def fact_display(self, obj: EnterpriseFact) -> str:
        return fact_label(obj.fact)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["enterprise", "fact_display", "value", "period", "source", "submission", "entry_version",
                "row_number", "read_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)


@admin.register(MatchCandidate)
class MatchCandidateAdmin(WorkflowAdminMixin, GovernedAdmin):
    policy = perms.MatchCandidatePolicy()
    workflow = MATCH_CANDIDATE
    list_display = ["enterprise", "call", "rule", "period", "amount", "workflow_state", "matched_at", "pushed_at"]
    list_filter = ["status", "period", "rule", "call"]
    list_select_related = ["enterprise", "call", "rule"]
    search_fields = ["enterprise__name", "enterprise__uscc", "rule__code"]
    actions = ["run_matching"]
    READ_FIELDS = ["enterprise", "call", "rule", "period", "amount", "status", "facts_display", "sources_display",
                   "trace_display", "matched_at", "pushed_at", "pushed_by", "responded_at", "responded_by", "reason",
                   "application"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchCandidate]:
        return match_candidate_list(user=request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.READ_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.READ_FIELDS

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(None, {"fields": self.READ_FIELDS})]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return []

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # proposed by the matching job only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the steps are the buttons above the record

    @admin.display(description="事实")
    def facts_display(self, obj: MatchCandidate) -> str:
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}</li>", (
            (src.get("label", src.get("fact")), src.get("value")) for src in obj.sources or [])))

    @admin.display(description="数据来源")
    def sources_display(self, obj: MatchCandidate) -> str:
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}（目录版本 {}，报送记录 {}，报送日期 {}，{}负责核实）</li>", (
            (src.get("label"), src.get("entry"), src.get("version") or "无", src.get("submission"),
             src.get("submitted_on") or "", src.get("unit")) for src in obj.sources or [])))

    @admin.display(description="测算过程")
    def trace_display(self, obj: MatchCandidate) -> str:
        from subsidies.trace import trace_rows

        return format_html("<ol>{}</ol>", format_html_join("", "<li>{}：{}（{}）</li>", (
            (row["caption"], row["value"], row["citation"]) for row in trace_rows(obj.calculation))))

    @admin.action(description="运行匹配（所选候选所在批次）")
    def run_matching(self, request: HttpRequest, queryset: QuerySet[MatchCandidate]) -> None:
        calls = list(Call.objects.filter(pk__in=queryset.values("call_id")).order_by("pk"))
        run_matching_action(self, request, calls)
