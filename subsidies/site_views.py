"""Applicant-site pages of the subsidies app: policies in force by family, the 试算 form, open calls, applications
(facts, evidence, submit, 补正, withdraw), the decision and its printable page; evidence links go to the kernel download (``portal.files``).

Views are thin: reads go through ``subsidies.selectors``, writes through ``subsidies.services``; both check permissions.
Every object an applicant opens by id is fetched through a ``*_get_for_user`` selector, so changing the id in the URL
gives 404 for anything that is not the user's organisation's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.files import download_url
from portal.views import add_service_errors, current_enterprise, no_enterprise
from subsidies import permissions, selectors, services
from subsidies.rules import FAMILY_LABELS
from subsidies.services.candidates import candidate_confirm, candidate_decline, pitch
from subsidies.site_forms import (
    CandidateConfirmForm,
    DeclineForm,
    EvidenceForm,
    FactsForm,
    ReasonForm,
    ResubmitForm,
    facts_data,
    facts_initial,
)
from subsidies.trace import trace_rows
from subsidies.workflow import WITHDRAWABLE

NOT_FOUND = "申报不存在或您无权查看。"

STATUS_HELP = {
    "draft": "申报尚未提交。请填写申报内容、上传材料，确认无误后点击“提交申报”。截止日前可随时修改。",
    "submitted": "已提交，等待经办部门受理。",
    "returned": "经办部门要求补正。请按补正要求修改内容或补充材料后“提交补正”；补正期间审核计时暂停，提交后恢复。",
    "accepted": "已受理，等待审核。",
    "under_review": "正在审核（含专家评审、财政复核等环节）。",
    "approved": "已核定奖补金额，即将公示。",
    "rejected": "经审核不予支持，理由见审核意见。",
    "publicity": "核定结果公示中；公示期满无异议后拨付资金。",
    "publicized": "公示期满，等待财政拨付。",
    "disbursed": "奖补资金已拨付，请注意查收。",
    "withdrawn": "您已撤回本申报。",
    "cancelled": "本申报已被撤销，原因见审核意见。",
}
OK_STATES = frozenset({"approved", "publicity", "publicized", "disbursed"})
BAD_STATES = frozenset({"rejected", "withdrawn", "cancelled"})


def status_tone(status: str) -> str:
    return "ok" if status in OK_STATES else "bad" if status in BAD_STATES else "warn" if status == "returned" else ""


def _open_calls_by_rule(on: Any) -> dict[str, list[Any]]:
    """Open calls keyed by rule code (a family-wide call counts for each rule of its family)."""
    calls = list(selectors.call_list_open(on=on))
    family_codes = selectors.rule_codes_by_family()
    out: dict[str, list[Any]] = {}
    for call in calls:
        codes = [r.code for r in call.rules.all()] or family_codes.get(call.family, [])
        for code in codes:
            out.setdefault(code, []).append(call)
    return out


# ------------------------------------------------------------------------------------------------ public pages
def policy_list(request: HttpRequest) -> HttpResponse:
    """Policies in force today, grouped by family, with clause, department, window and open calls."""
    today = timezone.localdate()
    families = selectors.rules_by_family(today)
    calls = _open_calls_by_rule(today)
    for family in families:
        family["items"] = [{"rule": r, "calls": calls.get(r.code, [])} for r in family["rules"]]
    return render(request, "site/policy_list.html", {"families": families, "today": today})


def rule_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One clause with the 试算 form generated from its facts; POST runs the same calculator as the API."""
    rule = selectors.rule_get(code)
    if rule is None:
        raise Http404("没有这项政策条款。")
    today = timezone.localdate()
    form = FactsForm(request.POST or None, rule_code=rule.code, with_date=True)
    result = form.result if request.method == "POST" and form.is_valid() else None
    return render(request, "site/rule_detail.html", {
        "rule": rule, "family_label": FAMILY_LABELS.get(rule.family, ""), "form": form, "result": result,
        "trace": trace_rows(result), "calls": _open_calls_by_rule(today).get(rule.code, []),
        "in_force": rule.is_in_force(today)}, status=400 if form.errors else 200)


# ------------------------------------------------------------------------------------------------ applications
def _application_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.application_get_for_user(request.user, pk)
    except (ObjectDoesNotExist, PermissionDenied, ValueError) as exc:
        raise Http404(NOT_FOUND) from exc


def _messages_of(exc: Exception) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def _has_award(application: Any) -> bool:
    try:
        return application.award is not None
    except ObjectDoesNotExist:
        return False


def fact_rows(application: Any) -> list[dict[str, str]]:
    """The stored facts with their Chinese labels and readable values."""
    rows = []
    facts = application.facts or {}
    for fact in application.rule.facts_schema():
        if fact["name"] not in facts:
            continue
        value = facts[fact["name"]]
        labels = {c["value"]: c["label"] for c in fact.get("choices", [])}
        if fact["type"] == "bool":
            shown = "是" if value in (True, "true") else "否"
        elif fact["type"] == "multi_choice":
            shown = "、".join(labels.get(v, str(v)) for v in value or [])
        elif fact["type"] == "choice":
            shown = labels.get(value, str(value))
        elif fact["type"] == "money":
            shown = f"{value} 元"
        else:
            shown = str(value)
        rows.append({"label": fact["label"], "value": shown})
    return rows


def timeline_rows(application: Any) -> list[dict[str, Any]]:
    """Each step of ``selectors.application_timeline`` (done / current / pending, due date in working days)."""
    return [{"label": item.get("label", ""), "at": item.get("done_at"), "note": item.get("note") or "",
             "due_on": item.get("due_on"), "is_late": bool(item.get("is_overdue")),
             "css": item.get("status") or "pending"}
            for item in selectors.application_timeline(application)]


def _detail_context(request: HttpRequest, application: Any, **extra: Any) -> dict[str, Any]:
    kind_labels = application.call.kind_labels()
    evidence = list(application.evidence.filter(retired_at__isnull=True))
    for item in evidence:
        item.download_url = download_url(item, "file")
    have = {e.kind for e in evidence}
    ctx: dict[str, Any] = {
        "app": application,
        "status_help": STATUS_HELP.get(application.status, ""),
        "tone": status_tone(application.status),
        "timeline": timeline_rows(application),
        "evidence": evidence,
        "required_missing": [] if application.origin == "proactive" else [
            kind_labels.get(k, k) for k in application.call.required_kinds() if k not in have],
        "fact_rows": fact_rows(application),
        "can_edit": bool(permissions.can_edit_application(request.user, application)),
        "can_withdraw": application.status in WITHDRAWABLE,
        "evidence_form": EvidenceForm(kind_choices=list(kind_labels.items()) or None),
        "resubmit_form": ResubmitForm(),
        "withdraw_form": ReasonForm(),
        "award": application.award if _has_award(application) else None,
    }
    ctx.update(extra)
    return ctx


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    """The applications of the user's organisation(s), newest first, with what each is waiting for."""
    if current_enterprise(request) is None:
        return no_enterprise(request)
    items = list(selectors.application_list(user=request.user))
    for item in items:
        item.tone = status_tone(item.status)
    candidates = list(selectors.pushed_candidate_list(user=request.user))
    for candidate in candidates:
        candidate.pitch = pitch(candidate)
    return render(request, "site/application_list.html", {"items": items, "candidates": candidates})


@login_required
def application_start(request: HttpRequest, call_id: int) -> HttpResponse:
    """Start an application from an open call: pick the clause, enter the facts (checked by the calculator)."""
    enterprise = current_enterprise(request)
    if enterprise is None:
        return no_enterprise(request)
    call = selectors.call_list_open(on=timezone.localdate()).filter(pk=call_id).first()
    if call is None:
        raise Http404("该申报批次不存在或不在申报期内。")
    rules = list(selectors.call_rules(call))
    code = (request.POST.get("rule") or request.GET.get("rule") or (rules[0].code if len(rules) == 1 else "")).upper()
    rule = next((r for r in rules if r.code == code), None)
    if rule is None:
        return render(request, "site/application_pick_rule.html", {"call": call, "rules": rules})
    history = selectors.award_history(enterprise_id=enterprise.pk, rule_id=rule.pk)
    form = FactsForm(request.POST or None, rule_code=rule.code, history=history, partial=True)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(call=call, enterprise=enterprise, rule_code=rule.code,
                                                      facts=form.facts, acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "申报草稿已保存。请上传申报材料，确认无误后提交。" + _missing_note(form))
            return redirect("subsidies_site:application_detail", pk=application.pk)
    return render(request, "site/application_form.html", {
        "call": call, "rule": rule, "form": form, "enterprise": enterprise, "result": form.result,
        "trace": trace_rows(form.result)}, status=400 if form.errors else 200)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    return render(request, "site/application_detail.html", _detail_context(request, application))


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the facts of a draft or of an application returned for correction (补正)."""
    application = _application_or_404(request, pk)
    decision = permissions.can_edit_application(request.user, application)
    if not decision:
        messages.error(request, decision.reason or "当前状态不能修改申报内容。")
        return redirect("subsidies_site:application_detail", pk=pk)
    rule_code = application.rule.code
    history = selectors.award_history(enterprise_id=application.enterprise_id, rule_id=application.rule_id,
                                     exclude_application_id=application.pk)
    form = FactsForm(request.POST or None, rule_code=rule_code, history=history, partial=True,
                     initial=facts_initial(application.rule.facts_schema(), application.facts))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(application=application, facts=form.facts, acting_user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "申报内容已保存。" + _missing_note(form))
            return redirect("subsidies_site:application_detail", pk=pk)
    return render(request, "site/application_form.html", {
        "call": application.call, "rule": application.rule, "form": form, "app": application,
        "enterprise": application.enterprise, "result": form.result, "trace": trace_rows(form.result)},
        status=400 if form.errors else 200)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    kind_labels = application.call.kind_labels()
    form = EvidenceForm(request.POST, request.FILES, kind_choices=list(kind_labels.items()) or None)
    if form.is_valid():
        try:
            services.evidence_add(application=application, uploaded_file=form.cleaned_data["file"],
                                  kind=form.cleaned_data["kind"], acting_user=request.user)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                exc = ValidationError({"file": exc.messages})
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已上传：{form.cleaned_data['file'].name}")
            return redirect("subsidies_site:application_detail", pk=pk)
    return render(request, "site/application_detail.html",
                  _detail_context(request, application, evidence_form=form), status=400)


def _missing_note(form: FactsForm) -> str:
    return f"尚未填写：{'、'.join(form.missing)}，提交前须补全。" if form.missing else ""


def _incomplete_facts_page(request: HttpRequest, application: Any) -> HttpResponse | None:
    """Before submit / 提交补正: the stored facts through the full form (every required fact, the calculator).

    When something is missing or refused, the facts form is shown with each message next to its field (it saves to
    the edit page) and nothing is submitted; ``None`` when the facts are complete.
    """
    schema = application.rule.facts_schema()
    history = selectors.award_history(enterprise_id=application.enterprise_id, rule_id=application.rule_id,
                                     exclude_application_id=application.pk)
    form = FactsForm(facts_data(schema, application.facts), rule_code=application.rule.code, history=history)
    if form.is_valid():
        return None
    form.add_error(None, "申报内容不完整或有误，尚未提交。请按提示补全后保存，再提交。")
    return render(request, "site/application_form.html", {
        "call": application.call, "rule": application.rule, "form": form, "app": application,
        "enterprise": application.enterprise, "result": None, "trace": []}, status=400)


def _transition(request: HttpRequest, pk: int, action: str, form_class: Any = None) -> HttpResponse:
    application = _application_or_404(request, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return render(request, "site/application_detail.html",
                      _detail_context(request, application, **{f"{action}_form": form}), status=400)
    if action in ("submit", "resubmit") and permissions.can_edit_application(request.user, application):
        page = _incomplete_facts_page(request, application)
        if page is not None:
            return page
    try:
        if action == "submit":
            services.application_submit(application=application, acting_user=request.user)
            text = "申报已提交，请留意审核进度和通知。"
        elif action == "resubmit":
            services.application_resubmit(application=application, acting_user=request.user,
                                          note=form.cleaned_data["note"])
            text = "补正已提交，审核计时已恢复。"
        else:
            services.application_withdraw(application=application, acting_user=request.user,
                                          reason=form.cleaned_data["reason"])
            text = "申报已撤回。"
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, text)
    return redirect("subsidies_site:application_detail", pk=pk)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "submit")


@login_required
@require_POST
def application_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "resubmit", ResubmitForm)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "withdraw", ReasonForm)


def decision_trace(application: Any, award: Any) -> list[dict[str, str]]:
    """The calculation of the ceiling, as on the decision: its funding step is shown for the approved amount (the
    ceiling's own split would contradict the notice's table whenever less than the ceiling was approved)."""
    rows = trace_rows(application.calculation)
    if award is not None:
        for row in rows:
            if row["step"].startswith("funding"):
                row["caption"] = "资金分担（按核定金额）"
                row["value"] = (f"核定 {award.amount} 元：市级承担 {award.city_amount} 元，"
                                f"县级承担 {award.county_amount} 元")
    return rows


@login_required
def application_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision and the award breakdown, laid out for printing; an amount below the ceiling states by how much
    and why (the reviewer's reason, required by ``application_approve``)."""
    application = _application_or_404(request, pk)
    award = application.award if _has_award(application) else None
    ceiling = application.ceiling
    reduction = ceiling - award.amount if award is not None and ceiling is not None and award.amount < ceiling else None
    return render(request, "site/application_decision.html", {
        "app": application, "award": award, "today": timezone.localdate(), "reduction": reduction,
        "trace": decision_trace(application, award)})



# ------------------------------------------------------------------------------------------------ 政策精准推送
CANDIDATE_NOT_FOUND = "该推送不存在、已处理或您无权查看。"


def _candidate_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.pushed_candidate_get(request.user, pk)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404(CANDIDATE_NOT_FOUND) from exc


def _candidate_page(request: HttpRequest, candidate: Any, *, confirm_form: Any = None, decline_form: Any = None,
                    status: int = 200) -> HttpResponse:
    labels = {f["name"]: f["label"] for f in candidate.rule.facts_schema()}
    return render(request, "site/candidate_detail.html", {
        "candidate": candidate, "pitch": pitch(candidate), "trace": trace_rows(candidate.calculation),
        "sources": selectors.candidate_source_rows(candidate),
        "fact_rows": [{"label": labels.get(k, k), "value": v} for k, v in (candidate.facts or {}).items()],
        "confirm_form": confirm_form or CandidateConfirmForm(candidate=candidate),
        "decline_form": decline_form or DeclineForm()}, status=status)


@login_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One push to the user's enterprise: 「您可能符合…预计…元」, the calculation, the data sources, confirm / decline."""
    return _candidate_page(request, _candidate_or_404(request, pk))


@login_required
@require_POST
def candidate_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """确认: the pre-filled application is created and submitted (``candidate_confirm``); corrected facts need a file."""
    candidate = _candidate_or_404(request, pk)
    form = CandidateConfirmForm(request.POST, request.FILES, candidate=candidate)
    if form.is_valid():
        try:
            done = candidate_confirm(candidate=candidate, acting_user=request.user, corrections=form.corrections,
                                     evidence=form.cleaned_data.get("evidence"), key=form.key)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the upload is "file" in the evidence service, "evidence" here
                exc = ValidationError({"evidence" if k == "file" else k: v for k, v in exc.message_dict.items()})
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已确认，系统已按推送数据生成并提交免申即享申报 {done.application.number}，"
                                      "请留意审核进度。")
            return redirect("subsidies_site:application_detail", pk=done.application_id)
    return _candidate_page(request, candidate, confirm_form=form, status=400)


@login_required
@require_POST
def candidate_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    """放弃: recorded with the optional reason, who and when."""
    candidate = _candidate_or_404(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            candidate_decline(candidate=candidate, acting_user=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, "已放弃该项推送，已记录。")
            return redirect("subsidies_site:my_applications")
    return _candidate_page(request, candidate, decline_form=form, status=400)
