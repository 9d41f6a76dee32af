"""Issue 12 on the procurement admin over the seeded demo: the evaluator × bid score grid (totals and ranks as the
evaluation stored them, scoped), related records linked both ways, the OCDS link, lists that fit."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.demo import MARK
from procurement.models import Bid, BidStatus, Contract, Score, Tender
from procurement.selectors import score_grid
from tests.portal.test_chinese_staff_pages import login, page, shows

pytestmark = pytest.mark.django_db


def _tender() -> Tender:
    return Tender.objects.get(tender_no=MARK)


def _grid_url(tender: Tender) -> str:
    return reverse("admin:procurement_tender_score_grid", args=[tender.pk])


def _rows(raw: str) -> dict[int, tuple[str, str]]:
    """bid pk → (total, rank) as the grid shows them."""
    found = re.findall(r'<tr data-bid="(\d+)">.*?<td class="num result" data-total>([^<]*)</td>\s*'
                       r'<td class="rank result" data-rank>([^<]*)</td>', raw, flags=re.S)
    return {int(pk): (total.strip(), rank.strip()) for pk, total, rank in found}


@pytest.mark.parametrize("username", ["procurement_officer", "procurement_supervisor", "city_authority"])
def test_grid_totals_and_ranks_are_the_stored_evaluation(client, demo, username):
    tender = _tender()
    login(client, username)
    raw, text = page(client, _grid_url(tender))
    assert "评分汇总表" in text and "评标专家1" in text
    shown = _rows(raw)
    bids = Bid.objects.filter(lot__tender=tender).exclude(status=BidStatus.WITHDRAWN)
    assert set(shown) == {b.pk for b in bids}
    for bid in bids:
        total = "—" if bid.total_score is None else str(bid.total_score)
        rank = "—" if bid.rank is None else str(bid.rank)
        assert shown[bid.pk] == (total, rank), bid
    assert any(b.rank == 1 for b in bids)


def test_grid_cells_are_each_evaluators_points_and_rows_follow_the_rank(demo):
    tender = _tender()
    (grid,) = score_grid(tender=tender)
    assert [m.name for m in grid.members] == [f"评标专家{i}" for i in range(1, 6)]
    ranks = [row.bid.rank for row in grid.rows if row.bid.rank is not None]
    assert ranks == sorted(ranks) and grid.rows[0].bid.rank == 1
    for row in grid.rows:
        for member, points in row.cells:
            stored = [s.points for s in Score.objects.filter(bid=row.bid, member=member)]
            assert points == (sum(stored) if stored else None)


@pytest.mark.parametrize("tender_no", [MARK, "QZ-ZB-2025-002", "QZ-ZB-2025-003"])
def test_grid_is_a_constant_number_of_queries(demo, tender_no):
    tender = Tender.objects.get(tender_no=tender_no)  # 5 evaluators × 5 bids, no committee × 3 bids, 2 bids
    with CaptureQueriesContext(connection) as ctx:
        grids = score_grid(tender=tender)
    assert len(ctx.captured_queries) == 4 and grids


def test_grid_marks_recused_seats(client, demo):
    tender = _tender()
    member = tender.committee.order_by("pk").last()
    type(member).objects.filter(pk=member.pk).update(is_recused=True, recusal_reason="与投标人有利害关系")
    login(client, "procurement_officer")
    raw, text = page(client, _grid_url(tender))
    assert shows(text, f"{member.name}（已回避）") and 'class="recused"' in raw


@pytest.mark.parametrize(("username", "statuses"), [
    ("unit_admin_b", {403, 404}),  # another unit: no procurement admin at all, or the tender is not in its scope
    ("county_authority", {404}),  # 晋江: the city's tender is outside the county
    ("evaluator1", {403}),  # sits on the committee: sees the tender and its own scores, not the others'
])
def test_grid_refuses_users_outside_the_tender(client, demo, username, statuses):
    login(client, username)
    assert client.get(_grid_url(_tender())).status_code in statuses


def test_tender_page_links_its_records_and_back(client, demo):
    tender = _tender()
    login(client, "procurement_officer")
    raw, text = page(client, reverse("admin:procurement_tender_change", args=[tender.pk]))
    assert "相关记录" in text
    for label in ("合同包", "投标", "评委打分", "评分汇总表", "风险预警", "合同", "OCDS 发布"):
        assert f"{label}：" in text, label
    assert _grid_url(tender) in raw and f'<li><a href="{_grid_url(tender)}">评分汇总表</a></li>' in raw
    assert f"/api/v1/procurement/ocds/release-package/?tender_no={MARK}" in raw
    assert f"?lot__tender__id__exact={tender.pk}" in raw
    assert reverse("admin:procurement_itproject_change", args=[tender.project_id]) in raw
    # the filtered lists answer (Django refuses unknown lookups with ?e=1)
    bids = client.get(reverse("admin:procurement_bid_changelist") + f"?lot__tender__id__exact={tender.pk}")
    assert bids.status_code == 200 and bids.context["cl"].result_count == Bid.objects.filter(lot__tender=tender).count()
    for name, lookup in (("score", "bid__lot__tender__id__exact"), ("redflag", "tender__id__exact"),
                         ("contract", "lot__tender__id__exact"), ("lot", "tender__id__exact"),
                         ("committeemember", "tender__id__exact")):
        response = client.get(reverse(f"admin:procurement_{name}_changelist") + f"?{lookup}={tender.pk}")
        assert response.status_code == 200, name


def test_bid_score_red_flag_contract_and_project_link_back(client, demo):
    tender = _tender()
    login(client, "procurement_supervisor")
    tender_url = reverse("admin:procurement_tender_change", args=[tender.pk])
    bid = Bid.objects.filter(lot__tender=tender, rank=1).get()
    raw, _ = page(client, reverse("admin:procurement_bid_change", args=[bid.pk]))
    assert tender_url in raw and reverse("admin:procurement_lot_change", args=[bid.lot_id]) in raw
    assert f"?bid__id__exact={bid.pk}" in raw
    score = Score.objects.filter(bid=bid).first()
    raw, _ = page(client, reverse("admin:procurement_score_change", args=[score.pk]))
    assert reverse("admin:procurement_bid_change", args=[bid.pk]) in raw and _grid_url(tender) in raw
    flag = tender.red_flags.first()
    raw, _ = page(client, reverse("admin:procurement_redflag_change", args=[flag.pk]))
    assert tender_url in raw
    contract = Contract.objects.get(lot__tender=tender)
    raw, _ = page(client, reverse("admin:procurement_contract_change", args=[contract.pk]))
    assert tender_url in raw and reverse("admin:procurement_bid_change", args=[contract.bid_id]) in raw
    raw, _ = page(client, reverse("admin:procurement_lot_change", args=[bid.lot_id]))
    assert tender_url in raw and reverse("admin:procurement_contract_change", args=[contract.pk]) in raw
    raw, _ = page(client, reverse("admin:procurement_itproject_change", args=[tender.project_id]))
    assert f"?project__id__exact={tender.project_id}" in raw
    tenders = client.get(reverse("admin:procurement_tender_changelist") + f"?project__id__exact={tender.project_id}")
    assert tenders.status_code == 200 and tenders.context["cl"].result_count == 1


def test_tender_list_links_the_ocds_package_and_shows_state_badges(client, demo):
    login(client, "procurement_officer")
    raw, text = page(client, reverse("admin:procurement_tender_changelist"))
    assert 'href="/api/v1/procurement/ocds/release-package/"' in raw and "OCDS 数据包" in text
    assert "badge-state" in raw
    raw, _ = page(client, reverse("admin:procurement_itproject_changelist"))
    assert "badge-state" in raw
    raw, _ = page(client, reverse("admin:procurement_bid_changelist"))
    assert "badge-state" in raw


def test_ocds_link_of_a_tender_answers(client, demo):
    response = client.get(f"/api/v1/procurement/ocds/release-package/?tender_no={MARK}")
    assert response.status_code == 200
    assert response.json()["releases"] and MARK in response.content.decode()

