"""Forms of the applicant site for 授权开放 (open-data authorization) applications."""

from __future__ import annotations

from typing import Any

from django import forms

from catalogs.models import OpenType
from catalogs.selectors import entry_list_open
from portal.models import ApplicantKind, Enterprise
from sharing.services.open_data import ELIGIBLE_KINDS

NON_COMMERCIAL_ONLY = frozenset({ApplicantKind.UNIVERSITY, ApplicantKind.RESEARCH_INSTITUTE})
YES_NO = [("false", "否，用于科研、教学、公益等非商业用途"), ("true", "是，用于商业用途")]


def authorized_entries() -> Any:
    return entry_list_open().filter(open_type=OpenType.AUTHORIZED).order_by("code")


class EntryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.source_unit.name}，{obj.code}）"


class OpenApplicationForm(forms.Form):
    entries = EntryChoiceField(label="申请的数据资源", queryset=authorized_entries(),
                               widget=forms.CheckboxSelectMultiple,
                               help_text="只能申请“授权开放”的目录；普遍开放的数据无需申请。",
                               error_messages={"required": "请至少选择一个授权开放的数据资源。",
                                               "invalid_choice": "所选数据资源不存在或不是授权开放目录。",
                                               "invalid_pk_value": "所选数据资源无效。"})
    purpose = forms.CharField(label="使用目的", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="说明为什么需要这些数据，例如：开展区域产业分析研究。")
    scenario = forms.CharField(label="应用场景", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="说明数据在哪个系统、哪项业务中如何使用。")
    requested_until_on = forms.DateField(
        label="申请使用截止日", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="依申请开放须明确使用时限（《福建省公共数据资源开放开发管理办法（试行）》第十条）；授权期限不会超过此日。",
        error_messages={"required": "请填写申请使用截止日。", "invalid": "请输入有效的日期，如 2027-06-30。"})
    is_commercial = forms.TypedChoiceField(label="是否用于商业用途", choices=YES_NO, widget=forms.RadioSelect,
                                           coerce=lambda v: v == "true", empty_value=None,
                                           help_text="高等院校、科研院所只能申请非商业用途。",
                                           error_messages={"required": "请选择是否用于商业用途。"})

    declares_eligibility = forms.BooleanField(
        label="申请资格声明", required=True, initial=False,
        error_messages={"required": "请勾选申请资格声明：授权开放数据仅限内资控股法人企业、高等院校或科研院所申请。"})

    def __init__(self, *args: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["entries"].queryset = authorized_entries()
        if enterprise.kind in NON_COMMERCIAL_ONLY:
            self.fields["is_commercial"].initial = "false"
        kind = ELIGIBLE_KINDS.get(enterprise.kind, "内资控股法人企业、高等院校或科研院所")
        self.fields["declares_eligibility"].help_text = (
            f"本主体声明属于{kind}，并将按要求提交证明材料（营业执照及股权结构证明，或法人证书）。数据管理机构核验通过前，"
            "本申请不具备授权资格；声明不实的，申请不予授权。")

    def clean_is_commercial(self) -> bool:
        value = self.cleaned_data["is_commercial"]
        if value and self.enterprise.kind in NON_COMMERCIAL_ONLY:
            raise forms.ValidationError(
                f"{self.enterprise.get_kind_display()}只能申请非商业用途的授权开放数据（用于科研、教学等公益性活动）。")
        return bool(value)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写撤回原因。"})
