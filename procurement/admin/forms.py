"""Admin forms whose extra (non-model) fields feed the services: data resources, the first lot, bidder and bond."""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets

from procurement import models as m


class ProjectForm(forms.ModelForm):
    data_resources_text = forms.CharField(label="数据资源（每行一项）", required=False, widget=forms.Textarea,
                                          help_text="可研阶段须列明项目的数据资源；验收前须全部在目录中登记。")

    class Meta:
        model = m.ItProject
        fields = ["code", "name", "construction_unit", "annual_plan", "declared_on", "total_investment"]  # the admin sets the full list


class TenderForm(forms.ModelForm):
    lot_subject = forms.CharField(label="合同包1 采购标的", max_length=200)
    lot_control_price = forms.DecimalField(label="合同包1 最高投标限价（元）", max_digits=18, decimal_places=2)
    lot_bid_bond_amount = forms.DecimalField(label="合同包1 投标保证金（元）", max_digits=18, decimal_places=2,
                                             required=False)

    class Meta:
        model = m.Tender
        fields = ["project", "tender_no", "title", "bid_deadline"]  # the admin sets the full list


class BidForm(forms.ModelForm):
    bidder_uscc = forms.CharField(label="投标人统一社会信用代码", max_length=18)
    bidder_name = forms.CharField(label="投标人名称", max_length=200)
    bond_amount = forms.DecimalField(label="投标保证金金额（元）", max_digits=18, decimal_places=2, required=False)
    bond_received_at = forms.SplitDateTimeField(label="保证金到账时间", required=False,
                                                widget=widgets.AdminSplitDateTime)
    bond_is_from_basic_account = forms.BooleanField(label="保证金从基本存款账户转出", required=False, initial=True)
    bond_payer_account_no = forms.CharField(label="保证金付款账号", max_length=40, required=False)

    class Meta:
        model = m.Bid
        fields = ["lot", "submitted_at", "price_figures", "price_words", "summary_total", "tech_file_text"]  # the admin sets the full list


class CommitteeMemberForm(forms.ModelForm):
    evaluator_username = forms.CharField(label="评委门户账户（用户名）", max_length=150, required=False,
                                         help_text="填写后该评委可在后台录入本人评分；开标后才可见本项目。")

    class Meta:
        model = m.CommitteeMember
        fields = ["tender", "name", "kind", "is_chair", "drawn_at"]  # the admin sets the full list


class PartyForm(forms.ModelForm):
    """Complaints: the complainant by 统一社会信用代码."""

    complainant_uscc = forms.CharField(label="投诉人统一社会信用代码", max_length=18)
    complainant_name = forms.CharField(label="投诉人名称", max_length=200)

    class Meta:
        model = m.Complaint
        fields = ["tender", "matter", "content", "knew_on", "filed_on", "prior_objection"]  # the admin sets the full list


def _today():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localdate()


class PenaltyForm(forms.ModelForm):
    """Penalty decisions: the party by 统一社会信用代码 (add → ``penalty_decide``); later service and credit
    registration (change → ``penalty_served`` / ``penalty_credit_register``)."""

    party_uscc = forms.CharField(label="当事人统一社会信用代码", max_length=18)
    step = forms.ChoiceField(label="办理事项", choices=[("served", "登记送达（起算15日缴款期）"),
                                                     ("credit_register", "信用登记")])
    step_on = forms.DateField(label="办理日期", initial=_today, widget=widgets.AdminDateWidget)
    late_reason = forms.CharField(label="逾期说明", required=False, help_text="超过7个工作日信用登记时必填。")

    class Meta:
        model = m.PenaltyDecision
        fields = ["decision_no", "tender", "issuing_authority", "act_description", "legal_basis", "fine_amount",
                  "decided_on", "document_text"]  # the admin sets the full list


class BadConductForm(forms.ModelForm):
    subject_uscc = forms.CharField(label="记录对象统一社会信用代码", max_length=18)

    class Meta:
        model = m.BadConductRecord
        fields = ["ground", "decision_document_no", "description", "registered_on", "tender", "penalty"]
