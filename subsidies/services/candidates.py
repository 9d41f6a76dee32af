"""免申即享 candidates after matching: push, dismiss, confirm (the pre-filled application), decline, expire.

The effects of ``subsidies.workflow.MATCH_CANDIDATE``; the site form and the admin call these services. Confirming
creates the application marked 免申即享 through the ordinary ``application_create`` / ``application_submit`` and links
it to the candidate, all in one transaction: a refusal anywhere (closed call, bad file, incomplete facts) leaves the
candidate pushed and no application, no stored file (docs/adr/0306-subsidies-push-and-confirm.md).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from portal import files
from portal.workflow import Step
from subsidies.models import ApplicationOrigin
from subsidies.models.applications import CORRECTION_KIND
from subsidies.models.matching import MatchCandidate
from subsidies.rules import get_rule_def
from subsidies.selectors import candidate_source_rows
from subsidies.services.applications import application_create, application_submit, evidence_add
from subsidies.services.common import notify_applicant
from subsidies.workflow import MATCH_CANDIDATE

CORRECTION_NEEDS_EVIDENCE = "更正事实须上传更正依据（如审计报告、发票、证书等，PDF/JPG/PNG/XLSX/DOCX，不超过 10 MB）。"


def candidate_push(*, candidate: MatchCandidate, acting_user: Any, note: str = "") -> MatchCandidate:
    """Push a proposed candidate to its enterprise (a notice on the applicant site and an in-site message)."""
    return MATCH_CANDIDATE.apply("push", candidate, user=acting_user, note=note)


def candidate_dismiss(*, candidate: MatchCandidate, acting_user: Any, reason: str) -> MatchCandidate:
    """Decide not to push a proposed candidate, with the reason."""
    return MATCH_CANDIDATE.apply("dismiss", candidate, user=acting_user, reason=reason)


def candidate_decline(*, candidate: MatchCandidate, acting_user: Any, reason: str = "") -> MatchCandidate:
    """The enterprise declines a pushed candidate; recorded with its reason, who and when."""
    return MATCH_CANDIDATE.apply("decline", candidate, user=acting_user, reason=reason)


@files.atomic()
def candidate_confirm(*, candidate: MatchCandidate, acting_user: Any, corrections: dict[str, Any] | None = None,
                      evidence: Any = None, key: str = "", note: str = "") -> MatchCandidate:
    """The enterprise confirms a pushed candidate: a submitted application marked 免申即享 is created from the
    candidate's facts, overlaid with ``corrections`` ({fact: value}, only facts the candidate holds; any correction
    needs the ``evidence`` file, stored as 更正依据). ``key`` names the project where the rule counts per project and
    the data hold none. The application then follows the normal review; its ceiling is computed at submission."""
    return MATCH_CANDIDATE.apply("confirm", candidate, user=acting_user, note=note, corrections=corrections or {},
                                 evidence=evidence, key=key)


def pitch(candidate: MatchCandidate) -> str:
    """「您可能符合《…》第…条，预计可获 … 元」: the sentence of the push (site notice and message)."""
    rule = candidate.rule
    return (f"您可能符合《{rule.document.title}》第{rule.clause}条（{rule.title}），"
            f"预计可获 {candidate.amount} 元")


def _same(a: Any, b: Any) -> bool:
    """Two fact values compare equal as the calculator reads them (text case, 1,000 vs 1000, lists unordered)."""
    def norm(v: Any) -> Any:
        if isinstance(v, list | tuple):
            return sorted(norm(x) for x in v)
        return str(v).strip().replace(",", "").replace("，", "").casefold()
    return bool(norm(a) == norm(b))


def _clean_corrections(candidate: MatchCandidate, given: Any) -> dict[str, Any]:
    """The corrected facts that differ from the candidate's; facts the candidate does not hold are refused."""
    if not given:
        return {}
    if not isinstance(given, dict):
        raise ValidationError({"corrections": ["更正的事实应为“事实: 新值”的形式。"]})
    labels = {f.name: f.label for f in get_rule_def(candidate.rule.code).facts}
    unknown = [k for k in given if k not in candidate.facts]
    if unknown:
        raise ValidationError({"corrections": [
            f"只能更正推送中列出的事实，不能更正：{'、'.join(labels.get(k, k) for k in unknown)}。"]})
    out: dict[str, Any] = {}
    for name, value in given.items():
        value = value.strip() if isinstance(value, str) else value
        if value in (None, "", []) or _same(value, candidate.facts[name]):
            continue  # left as it was
        out[name] = value
    return out


def _sources_note(candidate: MatchCandidate, corrections: dict[str, str]) -> str:
    """The note of the 提交申报 step: where each fact came from, and what the enterprise corrected."""
    labels = {f.name: f.label for f in get_rule_def(candidate.rule.code).facts}
    parts = [f"免申即享：企业确认政策精准推送（预计 {candidate.amount} 元）"]
    sources = ["，".join(f"{label}：{value}" for label, value in row["items"]) for row in candidate_source_rows(candidate)]
    if sources:
        parts.append("数据来源：" + "；".join(sources))
    if corrections:
        parts.append("企业更正：" + "；".join(
            f"{labels.get(k, k)} 由 {candidate.facts.get(k)} 更正为 {v}" for k, v in corrections.items()))
    return "。".join(parts) + "。"


@MATCH_CANDIDATE.effect("push")
def _push(step: Step) -> None:
    candidate = step.obj
    candidate.pushed_at = step.now
    candidate.pushed_by = step.user
    notify_applicant(step, "政策精准推送（免申即享）", lambda: (
        f"{pitch(candidate)}。请登录“我的申报”查看测算过程和数据来源，确认后即生成申报，也可以放弃。"))


@MATCH_CANDIDATE.effect("dismiss")
def _dismiss(step: Step) -> None:
    step.obj.reason = step.inputs["reason"]


@MATCH_CANDIDATE.effect("confirm")
def _confirm(step: Step) -> None:
    candidate = step.obj
    corrections = _clean_corrections(candidate, step.inputs.get("corrections"))
    upload = step.inputs.get("evidence")
    if corrections and not upload:
        raise ValidationError({"evidence": [CORRECTION_NEEDS_EVIDENCE]})
    facts: dict[str, Any] = {**candidate.facts, **corrections}
    key = str(step.inputs.get("key") or "").strip()
    if get_rule_def(candidate.rule.code).keyed and not str(facts.get("key") or "").strip():
        if not key:
            raise ValidationError({"key": ["该政策按项目（作品、证书）计算，请填写项目/作品标识。"]})
        facts["key"] = key
    app = application_create(call=candidate.call, enterprise=candidate.enterprise, rule_code=candidate.rule.code,
                             facts=facts, acting_user=step.user, origin=ApplicationOrigin.PROACTIVE)
    if upload:
        evidence_add(application=app, uploaded_file=upload, kind=CORRECTION_KIND, acting_user=step.user)
        files.store(candidate.correction_evidence, upload, name=files.upload_name(upload, field="evidence"))
    app = application_submit(application=app, acting_user=step.user, note=_sources_note(candidate, corrections))
    candidate.application = app
    candidate.corrections = corrections
    candidate.responded_at = step.now
    candidate.responded_by = step.user
    step.audit_reason = f"生成免申即享申报 {app.number}" + ("（含更正事实）" if corrections else "")


@MATCH_CANDIDATE.effect("decline")
def _decline(step: Step) -> None:
    step.obj.responded_at = step.now
    step.obj.responded_by = step.user
    step.obj.reason = step.inputs.get("reason") or ""


@MATCH_CANDIDATE.effect("expire")
def _expire(step: Step) -> None:
    step.obj.reason = step.inputs["reason"]
