"""REST API write paths (bids, opening, scores, evaluation, award, contract) through the services, with denials;
constant query counts of the awards and contracts lists with real rows (10 vs 100)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import AuditLog, Enterprise
from procurement.models import Bid, BidStatus, Contract, Lot, LotStatus, Score, Tender, TenderStatus
from tests.procurement.conftest import EXAMPLE_BIDS, at, uscc

API = "/api/v1/procurement"
pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client
    return login


def _bid_payload(lot, n, name, price, day=1):
    return {"lot": lot.pk, "bidder_uscc": uscc(n), "bidder_name": name, "submitted_at": at(2025, 4, day).isoformat(),
            "price_figures": price, "bond": {"amount": "10000.00", "received_at": at(2025, 4, day).isoformat(),
                                             "payer_account_no": "1408"}}


def test_record_bids_and_open_through_api(make_tender, people, auth):
    tender = make_tender()
    lot = tender.lots.get()
    client = auth(people["officer"])
    for n, (name, price) in enumerate(EXAMPLE_BIDS, start=1):
        response = client.post(f"{API}/bids/", _bid_payload(lot, n, name, price), format="json")
        assert response.status_code == 201, response.content
    assert response.json()["bidder_uscc"] == uscc(5) and response.json()["price_figures"] == "1050000.00"
    assert Bid.objects.filter(lot=lot).count() == 5 and AuditLog.objects.filter(action="procurement.bid.record").count() == 5
    late = client.post(f"{API}/bids/", _bid_payload(lot, 9, "迟到", "800000", day=11), format="json")
    assert late.status_code == 400 and "投标截止时间后送达" in late.content.decode()
    assert not Enterprise.objects.filter(uscc=uscc(9)).exists()  # nothing half-written
    early = client.post(f"{API}/tenders/{tender.pk}/open/", {"opened_at": at(2025, 4, 9).isoformat()}, format="json")
    assert early.status_code == 400 and "不得早于投标截止时间" in early.content.decode()
    response = client.post(f"{API}/tenders/{tender.pk}/open/", {"opened_at": at(2025, 4, 10, 9, 30).isoformat()},
                           format="json")
    assert response.status_code == 200 and response.json()["status"] == TenderStatus.OPENED


def test_bid_and_open_denied_to_other_units_and_roles(make_tender, people, auth, make_user, units):
    tender = make_tender()
    lot = tender.lots.get()
    other = auth(people["officer_b"])
    response = other.post(f"{API}/bids/", _bid_payload(lot, 1, "甲", "900000"), format="json")
    assert response.status_code == 400 and "无权访问" in response.content.decode()
    assert other.post(f"{API}/tenders/{tender.pk}/open/", {"opened_at": at(2025, 4, 10).isoformat()},
                      format="json").status_code == 404
    leader = auth(people["leader"])  # sees the unit's tenders but is not its procurement officer
    assert leader.post(f"{API}/bids/", _bid_payload(lot, 1, "甲", "900000"), format="json").status_code == 403
    assert leader.post(f"{API}/tenders/{tender.pk}/open/", {"opened_at": at(2025, 4, 10).isoformat()},
                       format="json").status_code == 403
    supervisor = auth(people["supervisor"])
    assert supervisor.post(f"{API}/bids/", _bid_payload(lot, 1, "甲", "900000"), format="json").status_code == 403
    assert not Bid.objects.exists()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.ISSUED


def test_scores_by_evaluators_only(opened_tender, evaluators, people, auth, make_user):
    bid = Bid.objects.filter(lot__tender=opened_tender).order_by("pk").first()
    member = evaluators[0]
    client = auth(member.user)
    url = f"{API}/tenders/{opened_tender.pk}/scores/"
    response = client.post(url, {"bid": bid.pk, "part": "tech", "points": "48.50"}, format="json")
    assert response.status_code == 201, response.content
    assert Score.objects.get(member=member, bid=bid, part="tech").points == D("48.50")
    assert client.post(url, {"bid": bid.pk, "part": "tech", "points": "60"}, format="json").status_code == 400
    # the procuring officer may see the tender but is not on the committee
    assert auth(people["officer"]).post(url, {"bid": bid.pk, "part": "tech", "points": "40"},
                                        format="json").status_code == 403
    # an account not on the committee does not even see the tender
    assert auth(make_user("stranger")).post(url, {"bid": bid.pk, "part": "tech", "points": "40"},
                                            format="json").status_code == 404
    assert Score.objects.count() == 1


def test_evaluate_award_and_contract_through_api(evaluated_tender, people, auth):
    from procurement.services import award as aw

    officer = people["officer"]
    aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=officer)
    client = auth(officer)
    url = f"{API}/tenders/{evaluated_tender.pk}/award/"
    assert auth(people["officer_b"]).post(url, {"on": "2025-04-21"}, format="json").status_code == 404
    assert auth(people["supervisor"]).post(url, {"on": "2025-04-21"}, format="json").status_code == 403
    late = auth(officer).post(url, {"on": "2025-04-30"}, format="json")
    assert late.status_code == 400 and "15日内" in late.content.decode()
    client = auth(officer)
    response = client.post(url, {"on": "2025-04-21"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == TenderStatus.AWARD_DETERMINED
    lot = evaluated_tender.lots.get()
    aw.award_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2),
                       acting_user=officer)
    payload = {"lot": lot.pk, "contract_no": "HT-API-1", "amount": "900000.00", "signed_on": "2025-05-12"}
    wrong = auth(officer).post(f"{API}/contracts/", payload, format="json")
    assert wrong.status_code == 400 and "合同金额应与中标价一致" in wrong.content.decode()
    assert auth(people["officer_b"]).post(f"{API}/contracts/", dict(payload, amount="950000.00"),
                                          format="json").status_code == 400
    assert not Contract.objects.exists()
    response = auth(officer).post(f"{API}/contracts/", dict(payload, amount="950000.00"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "950000.00" and Lot.objects.get(pk=lot.pk).status == LotStatus.CONTRACTED


def test_evaluate_action_runs_lot_evaluate(opened_tender, evaluators, people, auth):
    from procurement.services import evaluation as ev

    lot = opened_tender.lots.get()
    client = auth(people["officer"])
    response = client.post(f"{API}/tenders/{opened_tender.pk}/evaluate/", format="json")
    assert response.status_code == 400 and "资格审查或符合性审查尚未完成" in response.content.decode()
    for bid in lot.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
        ev.bid_correct_price(bid=bid, acting_user=people["officer"])
    response = client.post(f"{API}/tenders/{opened_tender.pk}/evaluate/", format="json")
    assert response.status_code == 400 and "位评委打分" in response.content.decode()  # scores still missing


def _awarded_rows(project, officer_unit, start, stop):
    """Bulk rows for the list budgets: tenders with one awarded lot and a signed contract each."""
    tenders = Tender.objects.bulk_create([
        Tender(tender_no=f"ZB-B{i:04d}", title="批量", project=project, tenderer=officer_unit,
               bid_deadline=at(2025, 4, 10), status=TenderStatus.CONTRACTED, award_determined_on=date(2025, 4, 21))
        for i in range(start, stop)])
    lots = Lot.objects.bulk_create([Lot(tender=t, subject="包", control_price=D("1000000"),
                                        status=LotStatus.CONTRACTED) for t in tenders])
    firms = Enterprise.objects.bulk_create([Enterprise(uscc=uscc(10000 + i), name=f"供应商{i}")
                                            for i in range(start, stop)])
    bids = Bid.objects.bulk_create([Bid(lot=lot, bidder=firm, submitted_at=at(2025, 4, 1),
                                        price_figures=D("950000.10"), evaluated_price=D("950000.10"),
                                        status=BidStatus.AWARDED, rank=1) for lot, firm in zip(lots, firms, strict=True)])
    for lot, bid in zip(lots, bids, strict=True):
        lot.awarded_bid = bid
    Lot.objects.bulk_update(lots, ["awarded_bid"])
    Contract.objects.bulk_create([Contract(lot=lot, bid=bid, supplier=bid.bidder, contract_no=f"HT-B{lot.pk}",
                                           amount=bid.evaluated_price, signed_on=date(2025, 5, 12) + timedelta(0))
                                  for lot, bid in zip(lots, bids, strict=True)])


@pytest.mark.parametrize("path", ["awards", "contracts"])
def test_awards_and_contracts_constant_queries_with_rows(approved_project, units, people, auth, path):
    client = auth(people["officer"])
    _awarded_rows(approved_project, units["gxj"], 0, 10)
    client.get(f"{API}/{path}/")  # warm-up: the user's scope facts are cached after the first request
    with CaptureQueriesContext(connection) as small:
        response = client.get(f"{API}/{path}/?page_size=100")
    assert response.json()["count"] == 10
    _awarded_rows(approved_project, units["gxj"], 10, 100)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"{API}/{path}/?page_size=100")
    assert response.json()["count"] == 100 and len(response.json()["results"]) == 100
    assert len(large) == len(small) <= 6, (path, len(small), len(large))
    first = response.json()["results"][0]
    assert first["amount"] == "950000.10"
    # another unit's officer sees none of them
    assert auth(people["officer_b"]).get(f"{API}/{path}/").json()["count"] == 0
