"""Matching's set-based writes keep the history simple-history would keep row by row (issue 16): every new candidate
has one 创建 (+) row with its values and the acting user, an updated proposal one 修改 (~) row; nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from subsidies.models.matching import CandidateStatus, MatchCandidate
from subsidies.services.candidates import candidate_push
from subsidies.services.matching import matching_run
from tests.subsidies.test_matching import _resubmit_cloud

pytestmark = pytest.mark.django_db
FIELDS = ("call_id", "rule_id", "enterprise_id", "period", "facts", "sources", "amount", "calculation", "fingerprint",
          "status", "matched_at", "created_at", "updated_at", "corrections", "reason", "application_id")


def _values(obj) -> dict:
    return {name: getattr(obj, name) for name in FIELDS}


def test_new_and_updated_candidates_write_exactly_their_history_rows(demo):
    officer = demo["users"]["program_officer"]  # 市工信局, responsible for PE-09
    for cand in MatchCandidate.objects.all():  # the seed's run: one + row each, with the values written
        (created,) = cand.history.filter(history_type="+")
        assert _values(created) == _values(cand) or cand.history.count() > 1
    pushed = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="泉州云帆软件有限公司")
    candidate_push(candidate=pushed, acting_user=officer, note="请确认")
    # 云帆's DE-09 proposal changes source (updated in place); its pushed PE-09 goes stale and is proposed again
    _resubmit_cloud([["泉州云帆软件有限公司", "250000", "300000"]])
    before = MatchCandidate.history.count()
    summary = matching_run(acting_user=officer)
    assert (summary.proposed, summary.updated, summary.expired) == (1, 1, 1)
    fresh = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="泉州云帆软件有限公司",
                                       status=CandidateStatus.PROPOSED)
    assert fresh.amount == Decimal("75000.00")
    (row,) = fresh.history.all()
    assert row.history_type == "+" and row.history_user_id == officer.pk and _values(row) == _values(fresh)
    updated = MatchCandidate.objects.get(call__code="DEMO-DE-DATA", rule__code="DE-09",
                                         enterprise__name="泉州云帆软件有限公司")
    latest = updated.history.latest("history_id")
    assert latest.history_type == "~" and latest.history_user_id == officer.pk and latest.fingerprint == \
        updated.fingerprint
    pushed.refresh_from_db()
    assert pushed.status == CandidateStatus.STALE and pushed.history.latest("history_id").status == "stale"
    assert MatchCandidate.history.count() == before + 3  # one row per candidate written, no more
