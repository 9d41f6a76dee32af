"""Forms of the applicant site for subsidies: the facts form generated from a rule's facts (试算 and applications),
evidence upload, correction reply and withdrawal.

The facts form does no arithmetic of its own: it shapes the inputs (money and counts are kept as typed) and asks the
calculator, so a fact refused by the calculator is refused on the page with the calculator's message next to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from subsidies.calculator import calculate
from subsidies.rules import CalculationError, get_rule_def, rule_facts_schema
from subsidies.rules.facts import parse_facts

YES_NO = [("true", "是"), ("false", "否")]

# Evidence: allowed kinds of file and the size limit (the subsidies services check again; this gives the message
# next to the field before anything is stored).
EVIDENCE_EXTENSIONS = {".pdf": "PDF", ".jpg": "JPEG 图片", ".jpeg": "JPEG 图片", ".png": "PNG 图片",
                       ".xlsx": "Excel 表格", ".docx": "Word 文档"}
EVIDENCE_MAX_BYTES = getattr(settings, "SUBSIDIES_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
MAGIC = {".pdf": [b"%PDF"], ".png": [b"\x89PNG"], ".jpg": [b"\xff\xd8\xff"], ".jpeg": [b"\xff\xd8\xff"],
         ".xlsx": [b"PK\x03\x04"], ".docx": [b"PK\x03\x04"]}


def _field_for(fact: dict[str, Any], *, partial: bool = False) -> forms.Field:
    kind, label = fact["type"], fact["label"]
    required = fact.get("required", True) and not partial
    help_text = fact.get("help") or ""
    common: dict[str, Any] = {"label": label, "required": required, "help_text": help_text,
                              "error_messages": {"required": f"请填写：{label}。"}}
    if kind in ("money", "decimal"):
        return forms.CharField(max_length=24, widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "单位：元" if kind == "money" else ""}),
            **common)
    if kind == "int":
        attrs = {"inputmode": "numeric", "autocomplete": "off"}
        return forms.CharField(max_length=12, widget=forms.TextInput(attrs=attrs), **common)
    if kind == "bool":
        common["error_messages"] = {"required": f"请选择：{label}。"}
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if kind == "choice":
        choices = [(c["value"], c["label"]) for c in fact.get("choices", [])]
        common["error_messages"] = {"required": f"请选择：{label}。", "invalid_choice": "请选择列表中的一项。"}
        return forms.ChoiceField(choices=[("", "请选择")] + choices, **common)
    if kind == "multi_choice":
        choices = [(c["value"], c["label"]) for c in fact.get("choices", [])]
        common["error_messages"] = {"required": f"请至少选择一项：{label}。", "invalid_choice": "请选择列表中的选项。"}
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.CharField(max_length=100, **common)


def facts_initial(schema: list[dict[str, Any]], facts: dict[str, Any] | None) -> dict[str, Any]:
    """Stored facts → form initial values (booleans as the radio values)."""
    out: dict[str, Any] = {}
    for fact in schema:
        if facts and fact["name"] in facts:
            value = facts[fact["name"]]
            out[fact["name"]] = ("true" if value else "false") if fact["type"] == "bool" else value
    return out


def facts_data(schema: list[dict[str, Any]], facts: dict[str, Any] | None) -> dict[str, Any]:
    """Stored facts → bound form data (to check a stored draft with the full form, e.g. before submitting)."""
    out = facts_initial(schema, facts)
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in out.items()}


class FactsForm(forms.Form):
    """The facts of one rule; ``clean`` runs the calculator and keeps its result in ``self.result``.

    ``partial=True`` (saving a draft): every fact is optional; what is filled in is checked (type, sign, choices) by
    the calculator's own fact parser, and the calculator only runs once every required fact is there.
    """

    def __init__(self, *args: Any, rule_code: str, with_date: bool = False, history: Any = None,
                 partial: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule_code = rule_code
        self.schema = rule_facts_schema(rule_code)
        self.history = history
        self.partial = partial
        self.result: dict[str, Any] | None = None
        self.facts: dict[str, Any] = {}
        self.missing: list[str] = []
        for fact in self.schema:
            self.fields[fact["name"]] = _field_for(fact, partial=partial)
        if with_date:
            self.fields["on"] = forms.DateField(
                label="按哪一天的政策计算", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                help_text="默认今天；用于查看某一日期施行的政策（例如申报截止日）。",
                error_messages={"invalid": "请输入有效日期，格式为 年-月-日。"})

    def facts_from(self, data: dict[str, Any]) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        for fact in self.schema:
            value = data.get(fact["name"])
            if value in (None, "", []):
                continue
            if fact["type"] == "bool":
                facts[fact["name"]] = value == "true"
            elif isinstance(value, str):
                facts[fact["name"]] = value.strip().replace(",", "").replace("，", "")
            else:
                facts[fact["name"]] = value
        return facts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.facts = self.facts_from(data)
        if self.partial:
            try:
                parse_facts(get_rule_def(self.rule_code).facts, self.facts, partial=True)
            except CalculationError as exc:
                self._place(exc)
                return data
            self.missing = [f["label"] for f in self.schema
                            if f.get("required", True) and f["name"] not in self.facts]
            if self.missing:
                return data
        on: dt.date | None = data.get("on") or None
        try:
            self.result = calculate(self.rule_code, self.facts, history=self.history, on=on or timezone.localdate())
        except CalculationError as exc:
            self._place(exc)
        return data

    def _place(self, exc: CalculationError) -> None:
        """The calculator's messages next to the facts they name, otherwise above the form."""
        placed = False
        for name, message in exc.errors.items():
            if name in self.fields:
                self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, str(exc))


class EvidenceForm(forms.Form):
    kind = forms.CharField(label="材料名称", max_length=100, help_text="例如：算力服务发票、合同、验收报告",
                           error_messages={"required": "请填写材料名称。"})
    file = forms.FileField(label="文件", help_text=(
        f"支持 {'、'.join(sorted(set(EVIDENCE_EXTENSIONS.values())))}，单个文件不超过 "
        f"{EVIDENCE_MAX_BYTES // (1024 * 1024)} MB。"),
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的，请重新选择。"})

    def __init__(self, *args: Any, kind_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind_choices:
            self.fields["kind"] = forms.ChoiceField(label="材料类型", choices=[("", "请选择")] + kind_choices,
                                                    error_messages={"required": "请选择材料类型。"})

    def clean_file(self) -> Any:
        return self.clean_file_of(self.cleaned_data["file"])

    @staticmethod
    def clean_file_of(upload: Any) -> Any:
        """The upload when its type, size and content are acceptable, else a message next to the field."""
        ext = Path(upload.name).suffix.lower()
        if ext not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(
                f"不支持“{ext or '无扩展名'}”类型的文件；请上传 {'、'.join(sorted(EVIDENCE_EXTENSIONS))} 文件。")
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                f"文件大小 {upload.size / 1024 / 1024:.1f} MB，超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB 的上限。")
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(sig) for sig in MAGIC[ext]):
            raise forms.ValidationError(f"文件内容与扩展名“{ext}”不符，请上传真实的 {EVIDENCE_EXTENSIONS[ext]}。")
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写原因。"})


class ResubmitForm(forms.Form):
    note = forms.CharField(label="补正说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="简要说明补充或更正了哪些内容（选填）。")


class CandidateConfirmForm(FactsForm):
    """确认 a 免申即享 push: the facts the administration holds, pre-filled and editable (a changed value is a
    correction and needs ``evidence``), the project identifier where the rule counts per project and the data hold
    none. Only the candidate's facts are offered; nothing is computed here (the application is computed when it is
    submitted, by the calculator, as every application)."""

    def __init__(self, *args: Any, candidate: Any, **kwargs: Any) -> None:
        self.candidate = candidate
        schema = rule_facts_schema(candidate.rule.code)
        kwargs.setdefault("initial", facts_initial(schema, candidate.facts))
        super().__init__(*args, rule_code=candidate.rule.code, partial=True, **kwargs)
        needs_key = get_rule_def(candidate.rule.code).keyed and not str(candidate.facts.get("key") or "").strip()
        for name in list(self.fields):
            if name not in candidate.facts and not (name == "key" and needs_key):
                del self.fields[name]
        if needs_key and "key" in self.fields:
            self.fields["key"].required = True
            self.fields["key"].error_messages["required"] = "请填写项目/作品标识。"
        self.fields["evidence"] = forms.FileField(
            label="更正依据", required=False,
            help_text=("仅在您修改了上列数据时需要：请上传能证明更正后数值的材料（如审计报告、发票、证书），"
                       f"支持 {'、'.join(sorted(set(EVIDENCE_EXTENSIONS.values())))}，不超过 "
                       f"{EVIDENCE_MAX_BYTES // (1024 * 1024)} MB。"),
            error_messages={"empty": "文件是空的，请重新选择。"})

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        return EvidenceForm.clean_file_of(upload)

    def clean(self) -> dict[str, Any]:
        data = forms.Form.clean(self) or {}
        if self.errors:
            return data
        self.facts = self.facts_from(data)
        return data

    @property
    def key(self) -> str:
        return str(self.facts.get("key") or "") if "key" not in self.candidate.facts else ""

    @property
    def corrections(self) -> dict[str, Any]:
        return {k: v for k, v in self.facts.items() if k in self.candidate.facts}


class DeclineForm(forms.Form):
    reason = forms.CharField(label="放弃原因（选填）", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="例如：本年度不再申报、数据有误但不愿更正等；仅用于改进推送。")
