"""免申即享 candidates after matching: push, dismiss, confirm (the pre-filled application), decline, expire.

The effects of ``subsidies.workflow.MATCH_CANDIDATE``; the site form and the admin call these services."""

from __future__ import annotations

from typing import Any

from portal.workflow import Step
from subsidies.models.matching import MatchCandidate
from subsidies.workflow import MATCH_CANDIDATE


def candidate_push(*, candidate: MatchCandidate, acting_user: Any, note: str = "") -> MatchCandidate:
    """Push a proposed candidate to its enterprise (a notice on the applicant site)."""
    return MATCH_CANDIDATE.apply("push", candidate, user=acting_user, note=note)


def candidate_dismiss(*, candidate: MatchCandidate, acting_user: Any, reason: str) -> MatchCandidate:
    """Decide not to push a proposed candidate, with the reason."""
    return MATCH_CANDIDATE.apply("dismiss", candidate, user=acting_user, reason=reason)


def candidate_decline(*, candidate: MatchCandidate, acting_user: Any, reason: str = "") -> MatchCandidate:
    """The enterprise declines a pushed candidate; recorded with its reason."""
    return MATCH_CANDIDATE.apply("decline", candidate, user=acting_user, reason=reason)


@MATCH_CANDIDATE.effect("push")
def _push(step: Step) -> None:
    step.obj.pushed_at = step.now
    step.obj.pushed_by = step.user


@MATCH_CANDIDATE.effect("dismiss")
def _dismiss(step: Step) -> None:
    step.obj.reason = step.inputs["reason"]


@MATCH_CANDIDATE.effect("decline")
def _decline(step: Step) -> None:
    step.obj.responded_at = step.now
    step.obj.responded_by = step.user
    step.obj.reason = step.inputs.get("reason") or ""


@MATCH_CANDIDATE.effect("expire")
def _expire(step: Step) -> None:
    step.obj.reason = step.inputs["reason"]
