"""The procurement API lists read through the selectors with a constant number of queries: the same count for 5
and for 50 rows (projects, tenders, bids, awards, contracts, red flags)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Enterprise
from procurement.models import Bid, BidStatus, Contract, ItProject, Lot, LotStatus, ProjectDataResource, RedFlag, Tender
from tests.procurement.conftest import at, uscc

pytestmark = pytest.mark.django_db
API = "/api/v1/procurement"
LISTS = ["projects", "tenders", "bids", "awards", "contracts", "red-flags"]


def _rows(unit, start: int, stop: int) -> None:
    """Test set-up: ``stop - start`` projects, each with a tender, a lot, an awarded bid, a contract and a flag."""
    for n in range(start, stop):
        project = ItProject.objects.create(code=f"XM-Q-{n:03d}", name=f"项目{n}", construction_unit=unit,
                                           declared_on=date(2024, 6, 10), total_investment=D("1000000"))
        ProjectDataResource.objects.create(project=project, name=f"数据{n}")
        tender = Tender.objects.create(tender_no=f"ZB-Q-{n:03d}", title=f"招标{n}", project=project, tenderer=unit,
                                       bid_deadline=at(2025, 4, 10))
        lot = Lot.objects.create(tender=tender, subject="开发", control_price=D("1000000"), status=LotStatus.AWARDED)
        bidder = Enterprise.objects.create(uscc=uscc(500 + n), name=f"投标人{n}")
        bid = Bid.objects.create(lot=lot, bidder=bidder, submitted_at=at(2025, 4, 1), price_figures=D("900000"),
                                 evaluated_price=D("900000"), status=BidStatus.AWARDED)
        Lot.objects.filter(pk=lot.pk).update(awarded_bid=bid)
        Contract.objects.create(lot=lot, bid=bid, supplier=bidder, contract_no=f"HT-Q-{n:03d}", amount=D("900000"),
                                signed_on=date(2025, 5, 10))
        RedFlag.objects.create(rule_code="RF01", tender=tender, lot=lot, bid=bid, bidder=bidder, subject_key=str(n),
                               message="演示", first_found_at=at(2025, 4, 10), last_found_at=at(2025, 4, 10))


def _counts(api_client, user) -> dict[str, int]:
    api_client.force_authenticate(user)
    for name in LISTS:  # warm-up: the user's scope and each model's content type (access log) are cached once
        api_client.get(f"{API}/{name}/")
    counts = {}
    for name in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(f"{API}/{name}/")
        assert response.status_code == 200, (name, response.content)
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_list_query_counts_do_not_grow_with_rows(api_client, people, units, who):
    _rows(units["gxj"], 0, 5)
    small = _counts(api_client, people[who])
    _rows(units["gxj"], 5, 50)
    large = _counts(api_client, people[who])
    assert large == small
    assert all(count <= 12 for count in large.values()), large


def test_lists_filter_through_the_selectors_filtersets(api_client, people, units):
    _rows(units["gxj"], 0, 3)
    api_client.force_authenticate(people["officer"])
    tender = Tender.objects.order_by("pk").first()
    response = api_client.get(f"{API}/tenders/", {"project": tender.project_id})
    assert [row["id"] for row in response.json()["results"]] == [tender.pk]
    assert api_client.get(f"{API}/tenders/", {"status": "no-such-status"}).status_code == 400
    api_client.force_authenticate(people["officer_b"])  # another unit: nothing
    assert api_client.get(f"{API}/projects/").json()["count"] == 0
