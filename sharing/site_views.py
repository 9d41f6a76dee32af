"""Applicant-site pages for 授权开放 (open-data authorization) applications: apply, follow, see the grant."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.views import add_service_errors, current_enterprise, no_enterprise
from sharing import selectors, services
from sharing.site_forms import NON_COMMERCIAL_ONLY, OpenApplicationForm, WithdrawForm, authorized_entries
from sharing.workflow import OPEN_APPLICATION, Actor, OpenStatus, step_actor

# What each status means for the applicant and what happens next.
STATUS_HELP = {
    OpenStatus.DRAFT: "申请尚未提交。检查内容后点击“提交申请”。",
    OpenStatus.VERIFYING: "数据管理机构正在核验您的申请资格，请按要求提供证明材料（营业执照及股权结构证明，或法人证书）。"
                          "核验通过前，本申请不具备授权资格。",
    OpenStatus.ASSESSING: "申请资格已核验。技术服务单位正在评估您的需求是否合理。",
    OpenStatus.CONFIRMING: "需求评估合理，等待数据管理机构确认授权。",
    OpenStatus.NEGOTIATING: "需求评估认为需要调整，数据管理机构将与您协商；协商后可能需要重新申请。",
    OpenStatus.CONSENTING: "数据管理机构已确认，正在征求数据提供单位同意。",
    OpenStatus.AGREEMENT_SIGNING: "数据提供单位已同意。请与数据管理机构、技术服务单位签署数据使用和安全保障协议；"
                                  "协议登记后签发授权许可。",
    OpenStatus.INELIGIBLE: "经核验，申请主体不符合授权开放的申请资格，原因见下方。",
    OpenStatus.PROVIDER_REFUSED: "数据提供单位不同意开放，理由见下方。",
    OpenStatus.GRANTED: "已授权。请按下方授权范围和限制条款使用数据。",
    OpenStatus.STOPPED: "数据管理机构决定停止授权，原因和政策依据见下方。",
    OpenStatus.CLOSED_FOR_RESUBMISSION: "协商后本申请已关闭，请按协商意见调整后重新申请。",
    OpenStatus.WITHDRAWN: "您已撤回本申请。",
}
STATUS_TONE = {OpenStatus.GRANTED: "ok", OpenStatus.STOPPED: "bad", OpenStatus.WITHDRAWN: "bad",
               OpenStatus.INELIGIBLE: "bad", OpenStatus.PROVIDER_REFUSED: "bad",
               OpenStatus.CLOSED_FOR_RESUBMISSION: "warn", OpenStatus.NEGOTIATING: "warn"}


def _get_or_404(request: HttpRequest, pk: int) -> Any:
    application = selectors.open_application_get_for_user(request.user, pk)
    if application is None:
        raise Http404("申请不存在或您无权查看。")
    return application


@login_required
def open_applications(request: HttpRequest) -> HttpResponse:
    """The user's organisations' 授权开放 applications and their status."""
    if current_enterprise(request) is None:
        return no_enterprise(request)
    items = selectors.open_application_list_for_user(request.user).select_related("enterprise")
    return render(request, "site/open_application_list.html", {
        "items": items, "STATUS_HELP": STATUS_HELP, "has_entries": authorized_entries().exists()})


@login_required
def open_application_create(request: HttpRequest) -> HttpResponse:
    """Fill in an application; 保存草稿 keeps it as a draft, 提交申请 creates and submits it in one step."""
    enterprise = current_enterprise(request)
    if enterprise is None:
        return no_enterprise(request)
    initial = {}
    if request.GET.get("entry", "").isdigit():
        initial["entries"] = [int(request.GET["entry"])]
    eligibility = services.open_applicant_eligibility(enterprise)
    if not eligibility:
        return render(request, "site/open_application_form.html",
                      {"form": None, "enterprise": enterprise, "refusal": eligibility.reason}, status=403)
    form = OpenApplicationForm(request.POST or None, enterprise=enterprise, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.open_application_create(
                enterprise=enterprise, entries=list(data["entries"]), purpose=data["purpose"],
                scenario=data["scenario"], is_commercial=data["is_commercial"], acting_user=request.user,
                requested_until_on=data["requested_until_on"], declares_eligibility=data["declares_eligibility"],
                submit="submit" in request.POST)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "您无权提交此申请。")
        else:
            messages.success(request, "申请已提交，请留意办理进度。" if "submit" in request.POST else "草稿已保存。")
            return redirect("sharing_site:open_application_detail", pk=application.pk)
    return render(request, "site/open_application_form.html", {
        "form": form, "enterprise": enterprise, "non_commercial_only": enterprise.kind in NON_COMMERCIAL_ONLY},
        status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, application: Any,
                    withdraw_form: WithdrawForm | None = None) -> dict[str, Any]:
    grant = selectors.open_grant_for_application(application)
    steps = list(application.steps.order_by("started_on", "pk")) if hasattr(application, "steps") else []
    limit = OPEN_APPLICATION.limits.get(application.status)
    return {"app": application, "entries": application.entries.select_related("source_unit"),
            "help": STATUS_HELP.get(application.status, ""), "tone": STATUS_TONE.get(application.status, ""),
            "step": limit, "step_days": limit.days_on(application.current_step_started_on or timezone.localdate())
            if limit else None,
            "step_actor": Actor(step_actor(OPEN_APPLICATION, application.status)).label if limit else "",
            "steps": steps, "today": timezone.localdate(), "grant": grant,
            "eligibility": services.open_grant_eligibility(application),
            "consents": list(application.consents.select_related("producer_unit").order_by("pk")),
            "agreement": selectors.open_agreement_for_application(application),
            "can_submit": bool(OPEN_APPLICATION.allows("submit", request.user, application)),
            "can_withdraw": bool(OPEN_APPLICATION.allows("withdraw", request.user, application)),
            "withdraw_form": withdraw_form or WithdrawForm()}


@login_required
def open_application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status explained, the current step's due date (working days), every step so far, and the grant."""
    return render(request, "site/open_application_detail.html", _detail_context(request, _get_or_404(request, pk)))


@login_required
@require_POST
def open_application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_or_404(request, pk)
    try:
        services.open_application_submit(application=application, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "申请已提交。")
    return redirect("sharing_site:open_application_detail", pk=pk)


@login_required
@require_POST
def open_application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.open_application_withdraw(application=application, acting_user=request.user,
                                               reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "申请已撤回。")
            return redirect("sharing_site:open_application_detail", pk=pk)
    return render(request, "site/open_application_detail.html", _detail_context(request, application, form), status=400)
