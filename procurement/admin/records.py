"""Data-entry admins for lots, committee members, evaluators' scores, objections, complaints and contracts: every
save calls the service of that step (``procurement.services``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from portal.admin_workflow import WorkflowAdminMixin
from procurement import models as m
from procurement import permissions as perms
from procurement.admin import forms
from procurement.admin.entry import ServiceEntryAdmin
from procurement.admin.links import RelatedLinksMixin
from procurement.parameters import REGISTRY
from procurement.selectors import committee_member_get
from procurement.services import award as aw
from procurement.services import evaluation as ev
from procurement.services import parameters as pm
from procurement.services import remedies as rm
from procurement.services import tenders as ts
from procurement.workflow import COMPLAINT, OBJECTION


def _scoped_tenders(request: HttpRequest, **filters: Any) -> Any:
    return perms.TenderPolicy().scope(request.user, m.Tender.objects.filter(**filters))


@admin.register(m.Lot)
class LotAdmin(RelatedLinksMixin, ServiceEntryAdmin):
    """合同包: added to draft tenders (``lot_add``)."""

    policy = perms.TenderChildPolicy()
    list_display = ["tender", "lot_no", "subject", "control_price", "status"]
    list_select_related = ["tender"]
    add_fields = ["tender", "subject", "control_price", "bid_bond_amount"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "tender" in fields:
            fields["tender"].queryset = _scoped_tenders(request, status=m.TenderStatus.DRAFT)

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return ts.lot_add(tender=data["tender"], subject=data["subject"], control_price=data["control_price"],
                          bid_bond_amount=data.get("bid_bond_amount") or 0, acting_user=request.user)


@admin.register(m.CommitteeMember)
class CommitteeMemberAdmin(RelatedLinksMixin, ServiceEntryAdmin):
    """评标委员会成员 (``committee_member_add``: experts drawn after opening; a portal account makes an evaluator)."""

    policy = perms.TenderChildPolicy()
    form = forms.CommitteeMemberForm
    list_display = ["tender", "name", "kind", "user", "is_chair", "is_recused"]
    list_select_related = ["tender", "user"]
    add_fields = ["tender", "name", "kind", "evaluator_username", "is_chair", "drawn_at"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "tender" in fields:
            fields["tender"].queryset = _scoped_tenders(request, status__in=m.OPENED_STATUSES[:2])

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        user = None
        if data.get("evaluator_username"):
            user = get_user_model().objects.filter(username=data["evaluator_username"], is_active=True).first()
            if user is None:
                raise ValidationError("未找到该评委账户（用户名）。")
        return ts.committee_member_add(tender=data["tender"], name=data["name"], kind=data["kind"], user=user,
                                       is_chair=data.get("is_chair", False), drawn_at=data.get("drawn_at"),
                                       acting_user=request.user)


@admin.register(m.Score)
class ScoreAdmin(RelatedLinksMixin, ServiceEntryAdmin):
    """评委打分: an evaluator enters their own points for bids of tenders they are assigned to, after opening
    (``score_record``); the procuring unit and supervisors read them."""

    policy = perms.ScorePolicy()
    list_display = ["bid", "member", "part", "points", "updated_at"]
    list_filter = ["part"]
    list_select_related = ["bid__bidder", "bid__lot__tender", "member"]
    add_fields = ["bid", "part", "points"]
    change_fields = ["points"]

    @staticmethod
    def _is_evaluator(request: HttpRequest) -> bool:
        return perms.evaluator_tender_ids(request.user).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or self._is_evaluator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_view_permission(request) or self._is_evaluator(request)
        return self.policy.scope(request.user, m.Score.objects.filter(pk=obj.pk)).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(self.policy.can_add(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._is_evaluator(request)
        return bool(self.policy.can_change(request.user, obj))

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "bid" in fields:
            fields["bid"].queryset = m.Bid.objects.filter(
                lot__tender__in=perms.evaluator_tender_ids(request.user),
                status__in=ev.EVALUABLE).select_related("bidder", "lot__tender")

    def _member(self, request: HttpRequest, bid: m.Bid) -> m.CommitteeMember:
        member = committee_member_get(user=request.user, tender_id=bid.lot.tender_id)
        if member is None:
            raise ValidationError("您不是该项目的评标委员会成员（或已回避），不能评分。")
        return member

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        bid = data["bid"]
        return ev.score_record(member=self._member(request, bid), bid=bid, part=data["part"], points=data["points"],
                               acting_user=request.user)

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        if data.get("points") == obj.points:
            return obj
        return ev.score_record(member=obj.member, bid=obj.bid, part=obj.part, points=data["points"],
                               acting_user=request.user)


class WorkflowRecordAdmin(WorkflowAdminMixin, ServiceEntryAdmin):
    """Records registered through a service and then moved only by their workflow steps (buttons on the record)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # steps, not edits


@admin.register(m.Objection)
class ObjectionAdmin(WorkflowRecordAdmin):
    """异议 received by the tenderer (``objection_receive``: decision ≤2 days, reply ≤3 days, tender paused); the
    steps 受理 / 不予受理 / 答复 of ``procurement.workflow.OBJECTION``."""

    policy = perms.TenderChildPolicy()
    workflow = OBJECTION
    list_display = ["tender", "objector_name", "stage", "status", "received_on", "reply_due_on", "replied_on"]
    list_select_related = ["tender"]
    add_fields = ["tender", "stage", "objector_name", "facts", "received_on"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "tender" in fields:
            fields["tender"].queryset = _scoped_tenders(request).exclude(status=m.TenderStatus.DRAFT)

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return rm.objection_receive(tender=data["tender"], stage=data["stage"], objector_name=data["objector_name"],
                                    facts=data["facts"], received_on=data["received_on"], acting_user=request.user)


@admin.register(m.Complaint)
class ComplaintAdmin(WorkflowRecordAdmin):
    """投诉 registered by the supervisor (``complaint_file``: ≤10 days of knowing, review due in 3 working days); the
    steps 受理 / 不予受理 / 作出处理决定 of ``procurement.workflow.COMPLAINT``."""

    policy = perms.SupervisionPolicy()
    workflow = COMPLAINT
    form = forms.PartyForm
    list_display = ["tender", "complainant", "status", "filed_on", "review_due_on"]
    list_select_related = ["tender", "complainant"]
    add_fields = ["tender", "complainant_uscc", "complainant_name", "matter", "content", "knew_on", "filed_on",
                  "prior_objection"]

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        with transaction.atomic():  # the enterprise is created only if the complaint is accepted for filing
            complainant = ts.bidder_get_or_create(uscc=data["complainant_uscc"], name=data["complainant_name"])
            return rm.complaint_file(tender=data["tender"], complainant=complainant, matter=data["matter"],
                                     content=data["content"], knew_on=data["knew_on"], filed_on=data["filed_on"],
                                     prior_objection=data.get("prior_objection"), acting_user=request.user)


@admin.register(m.Contract)
class ContractAdmin(RelatedLinksMixin, ServiceEntryAdmin):
    """合同 of an awarded lot (``contract_sign``: winning price, IP clause, BDS days; bonds fall due); the entry page
    of the tender step ``sign_contract``."""

    policy = perms.LotChildPolicy()
    list_display = ["contract_no", "lot", "supplier", "amount", "signed_on"]
    list_select_related = ["lot__tender", "supplier"]
    add_fields = ["lot", "contract_no", "amount", "signed_on", "performance_security_posted_on", "has_ip_clause"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "lot" in fields:
            fields["lot"].queryset = perms.TenderChildPolicy().scope(request.user, m.Lot.objects.filter(
                status=m.LotStatus.AWARDED)).select_related("tender")

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return aw.contract_sign(lot=data["lot"], contract_no=data["contract_no"], amount=data["amount"],
                                signed_on=data["signed_on"],
                                performance_security_posted_on=data.get("performance_security_posted_on"),
                                has_ip_clause=data.get("has_ip_clause", False), acting_user=request.user)


@admin.register(m.RuleParameter)
class RuleParameterAdmin(ServiceEntryAdmin):
    """规则参数 with effective dates and jurisdiction (``rule_parameter_set`` / ``rule_parameter_update``)."""

    policy = perms.RuleParameterPolicy()
    list_display = ["code", "label", "value", "jurisdiction", "valid_from", "valid_to", "needs_legal_confirmation",
                    "source_clause"]
    list_filter = ["code", "needs_legal_confirmation"]
    list_select_related = ["jurisdiction"]
    add_fields = ["code", "jurisdiction", "value", "valid_from", "valid_to", "source_clause",
                  "needs_legal_confirmation", "note"]
    change_fields = list(pm.EDITABLE)

    @admin.display(description="名称")
    def label(self, obj: m.RuleParameter) -> str:
        p = REGISTRY.get(obj.code)
        return f"{p.label}（{p.unit}）" if p else obj.code

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "code":
            from django import forms as dj_forms

            return dj_forms.ChoiceField(label="参数", choices=[(c, f"{c} {p.label}（{p.unit}）")
                                                               for c, p in REGISTRY.items()])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return pm.rule_parameter_set(acting_user=request.user, **data)

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        changes = {f: data[f] for f in self.change_fields if f in data and data[f] != getattr(obj, f)}
        return pm.rule_parameter_update(parameter=obj, acting_user=request.user, **changes) if changes else obj


def _enterprise(uscc: str) -> Any:
    from portal.models import Enterprise

    found = Enterprise.objects.filter(uscc=uscc.strip().upper()).first()
    if found is None:
        raise ValidationError("未找到该统一社会信用代码的企业（当事人须为已登记的投标人或企业）。")
    return found


@admin.register(m.PenaltyDecision)
class PenaltyDecisionAdmin(ServiceEntryAdmin):
    """行政处罚决定 (supervisors): add → ``penalty_decide`` (full decision text); change → ``penalty_served`` (15-day
    payment period) or ``penalty_credit_register`` (7 working days)."""

    policy = perms.SupervisionPolicy()
    form = forms.PenaltyForm
    list_display = ["decision_no", "party", "fine_amount", "decided_on", "pay_by_on", "credit_register_due_on",
                    "credit_registered_on"]
    list_select_related = ["party"]
    add_fields = ["decision_no", "party_uscc", "tender", "issuing_authority", "act_description", "legal_basis",
                  "fine_amount", "decided_on", "document_text"]
    change_fields = ["step", "step_on", "late_reason"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "tender" in fields:
            fields["tender"].queryset = _scoped_tenders(request)

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return rm.penalty_decide(decision_no=data["decision_no"], party=_enterprise(data["party_uscc"]),
                                 issuing_authority=data["issuing_authority"], act_description=data["act_description"],
                                 legal_basis=data["legal_basis"], decided_on=data["decided_on"],
                                 document_text=data["document_text"], fine_amount=data["fine_amount"],
                                 tender=data.get("tender"), acting_user=request.user)

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        if data["step"] == "served":
            return rm.penalty_served(penalty=obj, received_on=data["step_on"], acting_user=request.user)
        return rm.penalty_credit_register(penalty=obj, on=data["step_on"], late_reason=data.get("late_reason") or "",
                                          acting_user=request.user)


@admin.register(m.BadConductRecord)
class BadConductRecordAdmin(ServiceEntryAdmin):
    """不良行为记录 (supervisors): add → ``bad_conduct_register`` (decision document required; valid 1 year)."""

    policy = perms.SupervisionPolicy()
    form = forms.BadConductForm
    list_display = ["subject", "ground", "decision_document_no", "registered_on", "expires_on"]
    list_select_related = ["subject"]
    add_fields = ["subject_uscc", "ground", "decision_document_no", "description", "registered_on", "tender",
                  "penalty"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # records are not edited

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "tender" in fields:
            fields["tender"].queryset = _scoped_tenders(request)

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return rm.bad_conduct_register(subject=_enterprise(data["subject_uscc"]), ground=data["ground"],
                                       decision_document_no=data["decision_document_no"],
                                       description=data["description"], registered_on=data["registered_on"],
                                       tender=data.get("tender"), penalty=data.get("penalty"),
                                       acting_user=request.user)
