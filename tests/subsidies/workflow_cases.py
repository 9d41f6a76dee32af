"""Cases of the generated workflow tests (``tests/portal/test_workflows.py``) for ``subsidies.application``, over the
seeded demo (``subsidies.demo``): one application per source state, its reviewer (the responsible unit's program
officer or the city authority), the applicant organisation's user, the finance officer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from subsidies.models import Application
from subsidies.models import ApplicationStatus as S
from tests.workflow_cases import Case, provides

REVIEWERS = {"QZ-DATA": "city_authority", "QZ-GXJ": "program_officer"}  # the demo's reviewer per responsible unit


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _app(status: str) -> Application:
    """An application in ``status`` whose rule a demo reviewer handles (oldest first: the same one every time)."""
    return (Application.objects.filter(status=status, rule__responsible_unit__code__in=REVIEWERS)
            .select_related("rule__responsible_unit", "created_by").order_by("pk").first())


def _reviewer(app: Application) -> Any:
    return _user(REVIEWERS[app.rule.responsible_unit.code])


def _other_applicant(app: Application) -> Any:
    name = "applicant_foreign" if app.created_by.username != "applicant_foreign" else "applicant"
    return _user(name)


@provides("subsidies.application")
def application_case(transition: str, demo: Any) -> Case:
    if transition in ("submit", "resubmit", "withdraw"):  # the applicant organisation's own steps
        app = _app({"submit": S.DRAFT, "resubmit": S.RETURNED, "withdraw": S.SUBMITTED}[transition])
        inputs = {"note": "已按要求补正"} if transition == "resubmit" else {}
        if transition == "withdraw":
            inputs = {"reason": "项目调整，暂不申报。"}
        return Case(app, allowed=app.created_by, denied=_other_applicant(app), inputs=inputs)
    if transition == "disburse":
        app = _app(S.PUBLICIZED)
        return Case(app, allowed=_user("finance_officer"), denied=_user("program_officer"),
                    inputs={"payment_reference": "GK2026-000123", "paid_on": timezone.localdate(), "note": "已拨付"})
    if transition == "publicity_close":
        app = _app(S.PUBLICITY)
        Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
        app.refresh_from_db()
        return Case(app, allowed=_reviewer(app), denied=app.created_by)
    source, inputs = {
        "accept": (S.SUBMITTED, {"note": "材料齐全，予以受理"}),
        "return_for_correction": (S.SUBMITTED, {"reason": "请补充发票原件扫描件。"}),
        "review_start": (S.ACCEPTED, {"note": ""}),
        "approve": (S.UNDER_REVIEW, {"amount": "1000.00", "note": "部分费用不在支持范围，按核实金额核定。"}),
        "reject": (S.SUBMITTED, {"reason": "不符合申报条件。"}),
        "publicity_start": (S.APPROVED, {}),
        "cancel": (S.APPROVED, {"reason": "公示期间核实不符合条件，撤销核定。"}),
    }[transition]
    app = _app(source)
    return Case(app, allowed=_reviewer(app), denied=app.created_by, inputs=inputs)


@provides("subsidies.manual_award")
def manual_award_case(transition: str, demo: Any) -> Case:
    """一事一议 (``subsidies.demo._manual_awards``): entered by program_officer, approver unit_leader; finance pays."""
    from subsidies.models import ManualAward, ManualAwardStatus

    source = ManualAwardStatus.PENDING if transition in ("approve", "reject") else ManualAwardStatus.APPROVED
    award = ManualAward.objects.filter(status=source).order_by("pk").first()
    if transition == "disburse":
        return Case(award, allowed=_user("finance_officer"), denied=_user("program_officer"),
                    inputs={"payment_reference": "GK2026-YS0099", "paid_on": timezone.localdate(), "note": ""})
    inputs = {"approve": {"note": "同意。"}, "reject": {"reason": "决定文件与登记事项不符。"},
              "cancel": {"reason": "企业项目未落地，撤销奖补。"}}[transition]
    return Case(award, allowed=_user("unit_leader"), denied=_user("program_officer"), inputs=inputs)


def candidate_in(status: str) -> Any:
    """A 免申即享 candidate of ``applicant_b``'s enterprise under DE-09 in the DEMO-DE-DATA call (reviewed by the city
    authority), computed with the real calculator and brought to ``status`` through the workflow."""
    from subsidies.calculator import calculate
    from subsidies.models import Call, MatchCandidate, Rule
    from subsidies.models import CandidateStatus as C
    from subsidies.services.candidates import candidate_push

    call = Call.objects.get(code="DEMO-DE-DATA")
    enterprise = _user("applicant_b").enterprise_memberships.get().enterprise
    facts = {"compute_service_invoiced": "300000"}
    result = calculate("DE-09", facts, on=timezone.localdate())
    candidate = MatchCandidate.objects.create(
        call=call, rule=Rule.objects.get(code="DE-09"), enterprise=enterprise, period=call.year + 1, facts=facts,
        amount=result["amount"], calculation=result, fingerprint="test", matched_at=timezone.now())
    if status == C.PUSHED:
        return candidate_push(candidate=candidate, acting_user=_user("city_authority"))
    return candidate


@provides("subsidies.match_candidate")
def match_candidate_case(transition: str, demo: Any) -> Case:
    from subsidies.models import CandidateStatus as C

    if transition in ("confirm", "decline"):
        candidate = candidate_in(C.PUSHED)
        return Case(candidate, allowed=_user("applicant_b"), denied=_user("applicant"),
                    inputs={"note": ""} if transition == "confirm" else {"reason": "本年度不再申报。"})
    candidate = candidate_in(C.PROPOSED)
    if transition == "expire":
        return Case(candidate, allowed=None, denied=_user("city_authority"), inputs={"reason": "事实已变化。"})
    inputs = {"push": {"note": ""}, "dismiss": {"reason": "企业已迁出本市。"}}[transition]
    return Case(candidate, allowed=_user("city_authority"), denied=_user("applicant_b"), inputs=inputs)
