"""The application workflow, declared once: transitions with source states, target, who acts, and the working-day
limit of the step that the target state opens (the due date is set with portal.workdays when the state is entered).
"""

from __future__ import annotations

from dataclasses import dataclass

from subsidies.models.applications import ApplicationStatus as S

APPLICANT, REVIEWER, FINANCE, SYSTEM = "applicant", "reviewer", "finance", "system"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    actor: str
    workdays: int | None  # limit (working days) of the step opened by ``target``; None: no new limit


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("submit", "提交申报", (S.DRAFT,), S.SUBMITTED, APPLICANT, 5),
    Transition("accept", "受理", (S.SUBMITTED,), S.ACCEPTED, REVIEWER, 20),
    Transition("return_for_correction", "退回补正", (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW), S.RETURNED,
               REVIEWER, 10),
    # resubmit returns to the state the application was returned from; the paused review clock resumes
    Transition("resubmit", "补正后重新提交", (S.RETURNED,), S.SUBMITTED, APPLICANT, None),
    Transition("review_start", "开始审核（含专家评审）", (S.ACCEPTED,), S.UNDER_REVIEW, REVIEWER, None),
    Transition("approve", "核定奖补金额", (S.UNDER_REVIEW,), S.APPROVED, REVIEWER, 3),
    Transition("reject", "不予支持", (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW), S.REJECTED, REVIEWER, None),
    Transition("publicity_start", "开始公示", (S.APPROVED,), S.PUBLICITY, REVIEWER, None),  # limit = call's days
    Transition("publicity_close", "公示期满", (S.PUBLICITY,), S.PUBLICIZED, REVIEWER, 15),
    Transition("disburse", "财政拨付", (S.PUBLICIZED,), S.DISBURSED, FINANCE, None),
    Transition("withdraw", "申报主体撤回",
               (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.PUBLICITY, S.PUBLICIZED),
               S.WITHDRAWN, APPLICANT, None),
    Transition("cancel", "撤销核定（如异议成立）", (S.APPROVED, S.PUBLICITY, S.PUBLICIZED), S.CANCELLED, REVIEWER, None),
]}

# States in which someone owes a next step by a due date (overdue flags apply).
CLOCK_RUNNING = frozenset({S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.PUBLICITY,
                           S.PUBLICIZED})
# States whose award reserves pool money.
RESERVING = frozenset({S.APPROVED, S.PUBLICITY, S.PUBLICIZED})
# Applications that count for duplicates (everything alive).
ALIVE = frozenset({S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.PUBLICITY, S.PUBLICIZED,
                   S.DISBURSED})
FINANCE_VISIBLE = frozenset({S.APPROVED, S.PUBLICITY, S.PUBLICIZED, S.DISBURSED, S.CANCELLED})

# The main path shown in the timeline: (action that completes the step, Chinese label)
TIMELINE = [("submit", "提交申报"), ("accept", "受理"), ("review_start", "审核"), ("approve", "核定"),
            ("publicity_start", "公示"), ("publicity_close", "公示期满"), ("disburse", "拨付")]


def transition(action: str) -> Transition:
    return TRANSITIONS[action]
