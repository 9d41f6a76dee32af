"""Matching (免申即享) over the seeded demo: exactly the hand-checked candidates, idempotent re-runs, changed facts,
pushed candidates going stale, the candidates API scope and the admin action's permission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Enterprise
from subsidies.models import Call, Rule
from subsidies.models.matching import CandidateStatus, EnterpriseFact, MatchCandidate
from subsidies.services.candidates import candidate_push
from subsidies.services.matching import CHANGED_AFTER_PUSH, matching_run

pytestmark = pytest.mark.django_db

# The hand check (subsidies/demo.py rows; calls open today, call year = this year, facts of last year):
#   工信局「企业上云及算力租用服务费用」: 智造 260000/600000, 丰泽 40000/1000000, 云帆 200000/300000, 恒达 500000/—
#   数据局「DCMM贯标评估结果名单」: 智造 4/是, 云帆 3/是, 外资数据 5/是, 南安石材 3/—
# DEMO-DE-DATA (DE-01, DE-03, DE-05, DE-09; processed first):
#   DE-09 智造: 600000×30% = 180000, annual cap 300000 − 180000 already approved under DEMO-DE09-POOL → 120000
#   DE-09 云帆: 300000×30% = 90000
#   DE-09 丰泽: absent — its own DE-09 application under this call is in publicity (live application)
#   DE-03 云帆: level 3 → 50000;  DE-03 外资数据: level 5 → 200000
#   DE-03 智造: absent — its DE-03 application here was disbursed (level 4, 100000: 就高不重复 would give 0 as well)
#   DE-03 南安石材: absent — 是否首次通过 not reported (unknown fact, skipped)
# DEMO-PE (PE-05, PE-09, PE-11):
#   PE-09 云帆: 200000×30% = 60000;  PE-09 恒达: 500000×30% = 150000 → annual cap 100000
#   PE-09 智造: absent (its PE-09 application here is publicized);  丰泽: absent (fee 40000 ≤ 50000 threshold)
# DEMO-DE09-POOL (DE-09):
#   丰泽: 1000000×30% = 300000, annual cap 300000 − 126000 approved under DEMO-DE-DATA → 174000
#   智造: absent (live application here);  云帆: absent (already proposed for DE-09 this year under DEMO-DE-DATA)
EXPECTED = {
    ("DEMO-DE-DATA", "DE-09", "福建晋江智造科技有限公司"): Decimal("120000.00"),
    ("DEMO-DE-DATA", "DE-09", "泉州云帆软件有限公司"): Decimal("90000.00"),
    ("DEMO-DE-DATA", "DE-03", "泉州云帆软件有限公司"): Decimal("50000.00"),
    ("DEMO-DE-DATA", "DE-03", "泉州外资数据服务有限公司"): Decimal("200000.00"),
    ("DEMO-PE", "PE-09", "泉州云帆软件有限公司"): Decimal("60000.00"),
    ("DEMO-PE", "PE-09", "晋江恒达鞋业有限公司"): Decimal("100000.00"),
    ("DEMO-DE09-POOL", "DE-09", "泉州丰泽跨境电商有限公司"): Decimal("174000.00"),
}


def _found() -> dict[tuple[str, str, str], Decimal]:
    return {(c.call.code, c.rule.code, c.enterprise.name): c.amount
            for c in MatchCandidate.objects.exclude(status=CandidateStatus.STALE).select_related(
                "call", "rule", "enterprise")}


def _history_rows() -> int:
    return MatchCandidate.history.count()


def test_demo_matching_proposes_exactly_the_hand_check(demo):
    assert _found() == EXPECTED  # the demo seed ran the match once
    cand = MatchCandidate.objects.get(call__code="DEMO-DE-DATA", rule__code="DE-09",
                                      enterprise__name="福建晋江智造科技有限公司")
    assert cand.status == CandidateStatus.PROPOSED and cand.facts == {"compute_service_invoiced": "600000"}
    (source,) = cand.sources
    assert source["entry"].endswith("企业上云及算力租用服务费用") and source["unit"] == "泉州市工业和信息化局"
    assert source["version"] == 1 and source["submission"] and source["submitted_on"]
    assert source["period"] == timezone.localdate().year - 1
    assert any("annual cap" in step["step"] for step in cand.calculation["trace"])
    # the unknown USCC row and the empty value created nothing
    assert not EnterpriseFact.objects.filter(enterprise__name="晋江恒达鞋业有限公司",
                                             fact="compute_service_invoiced").exists()
    assert not EnterpriseFact.objects.filter(enterprise__name="南安石材数字科技有限公司",
                                             fact="first_pass_at_level").exists()


def test_rerun_changes_nothing(demo):
    before = {c.pk: c.updated_at for c in MatchCandidate.objects.all()}
    history = _history_rows()
    summary = matching_run()
    assert summary.proposed == summary.updated == summary.expired == 0
    assert summary.unchanged == len(EXPECTED) and summary.harvested == 0
    assert {c.pk: c.updated_at for c in MatchCandidate.objects.all()} == before
    assert _history_rows() == history


def _resubmit_cloud(rows: list[list[str]]) -> None:
    from catalogs.models import CollectionItem
    from catalogs.services import collection_submit

    item = CollectionItem.objects.get(code="QZ-GXJ-MSJX-01")
    task = item.tasks.get()
    ent = {e.name: e.uscc for e in Enterprise.objects.all()}
    collection_submit(task=task, acting_user=demo_admin(), columns=item.fields,
                      rows=[[ent[name], name, *values] for name, *values in rows])


def demo_admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_changed_facts_update_a_proposal_and_expire_what_no_longer_qualifies(demo):
    # 云帆's cloud fee is corrected to 100000 (→ 30000), 恒达's to 50000 (not above the 50000 threshold)
    _resubmit_cloud([["泉州云帆软件有限公司", "100000", "300000"], ["晋江恒达鞋业有限公司", "50000", ""]])
    summary = matching_run()
    # 云帆's DE-09 proposal is updated too: same amount, but its fact now comes from the new submission
    assert summary.harvested == 3 and summary.updated == 2 and summary.expired == 1 and summary.proposed == 0
    de09 = MatchCandidate.objects.get(call__code="DEMO-DE-DATA", rule__code="DE-09",
                                      enterprise__name="泉州云帆软件有限公司")
    assert de09.amount == Decimal("90000.00") and de09.sources[0]["submission"] == EnterpriseFact.objects.filter(
        enterprise=de09.enterprise, fact="compute_service_invoiced").latest("pk").submission_id
    found = _found()
    assert found[("DEMO-PE", "PE-09", "泉州云帆软件有限公司")] == Decimal("30000.00")
    assert ("DEMO-PE", "PE-09", "晋江恒达鞋业有限公司") not in found
    stale = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="晋江恒达鞋业有限公司")
    assert stale.status == CandidateStatus.STALE and "年度服务费须超过" in stale.reason
    assert matching_run().unchanged == len(EXPECTED) - 1  # and again: nothing more


def test_pushed_candidate_whose_facts_change_goes_stale_and_is_proposed_again(demo):
    officer = demo["users"]["program_officer"]  # 市工信局, responsible for PE-09
    cand = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="泉州云帆软件有限公司")
    candidate_push(candidate=cand, acting_user=officer, note="请确认")
    _resubmit_cloud([["泉州云帆软件有限公司", "250000", "300000"]])
    summary = matching_run()
    assert summary.expired == 1 and summary.proposed == 1
    cand.refresh_from_db()
    assert cand.status == CandidateStatus.STALE and cand.reason == CHANGED_AFTER_PUSH
    fresh = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="泉州云帆软件有限公司",
                                       status=CandidateStatus.PROPOSED)
    assert fresh.amount == Decimal("75000.00") and fresh.pk != cand.pk


def test_decided_candidates_are_never_touched(demo):
    from subsidies.services.candidates import candidate_dismiss

    officer = demo["users"]["program_officer"]
    cand = MatchCandidate.objects.get(rule__code="PE-09", enterprise__name="晋江恒达鞋业有限公司")
    candidate_dismiss(candidate=cand, acting_user=officer, reason="该企业已列入失信名单")
    _resubmit_cloud([["晋江恒达鞋业有限公司", "900000", ""]])
    matching_run()
    cand.refresh_from_db()
    assert cand.status == CandidateStatus.DISMISSED and cand.amount == Decimal("100000.00")
    assert MatchCandidate.objects.filter(rule__code="PE-09", enterprise=cand.enterprise).count() == 1


def test_earlier_award_excludes_under_another_call_highest_not_repeated(demo):
    """智造 was awarded DE-03 at level 4 (100000) under DEMO-DE-DATA. Under another open call, level 4 again gives
    0 (就高不重复 / difference): not proposed; its level-5 result would be the difference 100000."""
    today = timezone.localdate()
    call = Call.objects.create(code="T-DE03", name="DCMM 补充批次", year=today.year,
                               opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9))
    call.rules.set(Rule.objects.filter(code="DE-03"))
    summary = matching_run(call=call)
    found = {c.enterprise.name: c.amount for c in call.candidates.select_related("enterprise")}
    assert "福建晋江智造科技有限公司" not in found and summary.excluded >= 1
    # 云帆 and 外资数据 were proposed for DE-03 this year under DEMO-DE-DATA: not proposed twice
    assert found == {}


def test_candidates_api_is_scoped(demo, client):
    from tests.demo_db import DEMO_PASSWORD

    users = demo["users"]
    cand = MatchCandidate.objects.get(rule__code="DE-09", call__code="DEMO-DE-DATA",
                                      enterprise__name="福建晋江智造科技有限公司")
    url = "/api/v1/subsidies/candidates/"
    # the enterprise sees nothing before the push
    client.login(username="applicant", password=DEMO_PASSWORD)
    assert client.get(url).json()["count"] == 0
    candidate_push(candidate=cand, acting_user=users["city_authority"], note="")
    body = client.get(url).json()
    assert [r["id"] for r in body["results"]] == [cand.pk] and body["results"][0]["amount"] == "120000.00"
    assert body["results"][0]["sources"][0]["fact"] == "compute_service_invoiced"
    # another enterprise: nothing, and not the object either
    client.logout()
    client.login(username="applicant_b", password=DEMO_PASSWORD)
    assert client.get(url).json()["count"] == 0
    assert client.get(f"{url}{cand.pk}/").status_code in (403, 404)
    # staff of the responsible unit: filters, constant query count
    client.logout()
    client.login(username="city_authority", password=DEMO_PASSWORD)
    rows = client.get(url, {"rule": "DE-09"}).json()
    assert {r["rule_code"] for r in rows["results"]} == {"DE-09"} and rows["count"] == 3
    assert client.get(url, {"uscc": cand.enterprise.uscc}).json()["count"] == 1
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"page_size": 2})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_admin_action_runs_matching_only_for_permitted_users(demo, client):
    from tests.demo_db import DEMO_PASSWORD

    call = Call.objects.get(code="DEMO-PE")
    data = {"action": "run_matching", "_selected_action": [call.pk]}
    client.login(username="finance_officer", password=DEMO_PASSWORD)
    response = client.post("/admin/subsidies/call/", data, follow=True)
    text = response.content.decode()
    assert "只有责任单位的经办人、分管领导或市数据管理机构可以运行匹配" in text
    client.logout()
    client.login(username="program_officer", password=DEMO_PASSWORD)
    response = client.post("/admin/subsidies/call/", data, follow=True)
    assert "匹配完成：1 个批次" in response.content.decode() and "未变化 2 个" in response.content.decode()
