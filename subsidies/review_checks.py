"""交叉核查 at review: what other modules know about an application's enterprise and project, shown to the reviewer on
the application's record page and enforced when the amount is approved (``subsidies.services.money``).

* 不良行为记录 in force on the review date (procurement, through the kernel event ``portal.enterprise.integrity`` so
  this app does not import procurement): the records' text — 《福建省信息化工程项目招标投标若干规则（试行）》第三十九条
  (三) — cancels 各类评优评先资格 for the year a record is in force, so a competitive selection (竞争性评选) is refused;
  other rules are not 评优评先: the reviewer sees the record (第三十九条(二) 重点监管) and must state in the approval's
  note how it was weighed.
* The same project (``Application.key``, normalised) with a live award under another rule: the texts' 就高不重复 /
  从高不重复 (一(四) competitions per project, 七(一) animation per work, “一证一报，不得重复申请”) work inside one
  rule and the calculator applies them from the award history; across rules the text has no 不重复支持 clause, so
  it is flagged and the reviewer states in the note whether it is double support.

Applies to every application, 免申即享 or not. docs/adr/0306-subsidies-push-and-confirm.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portal.hooks import announce
from subsidies.models import Application, Award
from subsidies.rules.facts import normalize_key
from subsidies.selectors import LIVE_AWARDS

INTEGRITY_EVENT = "portal.enterprise.integrity"


@dataclass(frozen=True)
class Finding:
    """One cross-check result: ``blocking`` refuses approval; otherwise the approval needs a note."""

    check: str  # bad_conduct | double_funding
    label: str
    text: str
    basis: str
    blocking: bool


def _bad_conduct(app: Application, on: dt.date) -> list[Finding]:
    competitive = bool(app.rule.competitive_limit)
    found = []
    for answers in announce(INTEGRITY_EVENT, enterprise=app.enterprise, on=on):
        for row in answers or []:
            consequence = ("竞争性评选属评优评先，记录有效期内不得核定" if competitive
                           else "非评优评先类奖补，核定时须在说明中写明对该记录的处理意见")
            found.append(Finding("bad_conduct", str(row["label"]), f"{row['text']}；{consequence}。",
                                 f"{row['basis']}（第三十九条（三）取消各类评优评先资格）", competitive))
    return found


def _double_funding(app: Application) -> list[Finding]:
    key = normalize_key(app.key)
    if not key:
        return []
    awards = (Award.objects.filter(enterprise_id=app.enterprise_id, status__in=LIVE_AWARDS)
              .exclude(rule_id=app.rule_id).exclude(application_id=app.pk)
              .select_related("rule", "rule__document", "application").order_by("pk"))
    found = []
    for award in awards:
        if normalize_key(award.key) != key:
            continue
        found.append(Finding(
            "double_funding", "同一项目多项政策奖补",
            (f"同一项目（标识“{app.key}”）已于 {award.approved_on} 按 {award.rule.code} {award.rule.title} 核定 "
             f"{award.amount} 元（申报 {award.application.number}）；核定时须在说明中写明是否属重复支持"),
            (f"{app.rule.document.doc_number}：从高（就高）不重复只在条款内规定（赛事获奖按项目、动画播出按作品），"
             "跨条款未设不重复支持条款，由审核人判断"), False))
    return found


def review_findings(app: Application, *, on: dt.date) -> list[Finding]:
    """The 交叉核查 of ``app`` on ``on``: bad-conduct records in force, the same project funded under another rule."""
    return [*_bad_conduct(app, on), *_double_funding(app)]


def findings_refusal(findings: list[Finding], *, note: str) -> str:
    """Why the approval is refused (empty: it may go ahead): a blocking finding, or a flag without a note."""
    blocking = [f for f in findings if f.blocking]
    if blocking:
        return "交叉核查不通过，不能核定：" + "；".join(f"{f.label}：{f.text}（依据：{f.basis}）" for f in blocking)
    if findings and not note.strip():
        return ("交叉核查有提示（" + "、".join(dict.fromkeys(f.label for f in findings)) +
                "），请在说明中写明处理意见后再核定。")
    return ""


def findings_as_rows(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"label": f.label, "text": f.text, "basis": f.basis, "blocking": f.blocking} for f in findings]
