"""OCDS 1.1 export of the bidding records: one contracting process (ocid) per tender, with planning, tender,
award and contract releases, parties with roles, bids (bid-statistics extension) and evaluation scores through the
local ``qz_evaluation`` extension (``procurement/ocds/extension/``). Validated against the official 1.1.5 schemas
copied in ``procurement/ocds/schema/``. Amounts and scores are Decimals written as exact JSON numbers
(``procurement.ocds.encoding``). With nothing published there is no valid package (OCDS requires at least one
release): the view answers 204 No Content (ADR 0405).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from procurement.models import (
    Bid,
    BidStatus,
    EvaluationMethod,
    Lot,
    ProcurementMethod,
    RandomDraw,
    Tender,
    TenderStatus,
)
from procurement.ocds.encoding import dumps_exact, loads_exact
from procurement.scoring import effective_q

OCID_PREFIX = "ocds-qz0sjj"  # placeholder prefix until the city registers one with the OCDS Data Support Team
PUBLISHER = {"name": "泉州市数据管理局", "uid": "QZ-DATA"}
BIDS_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
LOCAL_EXTENSION = "https://portal.quanzhou.gov.cn/ocds/qz_evaluation/extension.json"
ORG_SCHEME_USCC = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015)
ORG_SCHEME_UNIT = "X-QZ-UNIT"  # local unit codes of the portal
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

NOT_PUBLISHED = (TenderStatus.DRAFT,)
SCORES_PUBLIC = (TenderStatus.CANDIDATES_PUBLICIZED, TenderStatus.AWARD_DETERMINED, TenderStatus.AWARD_PUBLICIZED,
                 TenderStatus.CONTRACTED, TenderStatus.CLOSED)
BIDS_PUBLIC = SCORES_PUBLIC + (TenderStatus.OPENED, TenderStatus.EVALUATING, TenderStatus.REPORT_SUBMITTED,
                               TenderStatus.FAILED)
TENDER_STATUS = {TenderStatus.ISSUED: "active", TenderStatus.FAILED: "unsuccessful", TenderStatus.TERMINATED:
                 "cancelled", TenderStatus.CONTRACTED: "complete", TenderStatus.CLOSED: "complete"}
BID_STATUS = {BidStatus.WITHDRAWN: "withdrawn", BidStatus.REJECTED: "disqualified"}


def published_tenders() -> QuerySet[Tender]:
    """Tenders in the public package, with everything the builder reads prefetched (constant query count)."""
    bids = Bid.objects.select_related("bidder")
    lots = Lot.objects.select_related("awarded_bid__bidder", "contract").prefetch_related(
        Prefetch("bids", queryset=bids))
    return (Tender.objects.exclude(status__in=NOT_PUBLISHED).filter(retired_at__isnull=True)
            .select_related("tenderer", "project")
            .prefetch_related(Prefetch("lots", queryset=lots), "amendments",
                              Prefetch("draws", queryset=RandomDraw.objects.filter(is_void=False)))
            .order_by("pk"))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "hour"):
        return timezone.localtime(value).isoformat()
    return f"{value.isoformat()}T00:00:00+08:00"


def _amount(value: Decimal | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": value, "currency": "CNY"}


def _unit_party(org: Any, roles: list[str]) -> dict[str, Any]:
    pid = f"{ORG_SCHEME_UNIT}-{org.code}"
    return {"id": pid, "name": org.name, "identifier": {"scheme": ORG_SCHEME_UNIT, "id": org.code,
                                                       "legalName": org.name}, "roles": roles}


def _enterprise_party(enterprise: Any, roles: list[str]) -> dict[str, Any]:
    pid = f"{ORG_SCHEME_USCC}-{enterprise.uscc}"
    return {"id": pid, "name": enterprise.name, "roles": roles,
            "identifier": {"scheme": ORG_SCHEME_USCC, "id": enterprise.uscc, "legalName": enterprise.name}}


def _ref(party: dict[str, Any]) -> dict[str, str]:
    return {"id": party["id"], "name": party["name"]}


def _parties(tender: Tender, lots: list[Lot]) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    buyer = _unit_party(tender.tenderer, ["buyer", "procuringEntity"])
    bidders: dict[int, dict[str, Any]] = {}
    show_bids = tender.status in BIDS_PUBLIC
    for lot in lots:
        for bid in lot.bids.all():
            if not show_bids:
                continue
            party = bidders.setdefault(bid.bidder_id, _enterprise_party(bid.bidder, ["tenderer"]))
            if lot.awarded_bid_id == bid.pk and "supplier" not in party["roles"]:
                party["roles"].append("supplier")
    return [buyer, *bidders.values()], bidders


def _bids(tender: Tender, lots: list[Lot], bidders: dict[int, dict[str, Any]]) -> dict[str, Any]:
    details = []
    scores_public = tender.status in SCORES_PUBLIC
    for lot in lots:
        for bid in lot.bids.all():
            detail: dict[str, Any] = {
                "id": f"{tender.tender_no}-bid-{bid.pk}", "date": _iso(bid.submitted_at),
                "status": BID_STATUS.get(bid.status, "valid"), "tenderers": [_ref(bidders[bid.bidder_id])],
                "value": _amount(bid.price_figures), "relatedLots": [str(lot.lot_no)]}
            if scores_public:
                detail["evaluation"] = {  # local extension qz_evaluation
                    "evaluatedPrice": _amount(bid.evaluated_price),
                    "technicalScore": _num(bid.tech_score), "commercialScore": _num(bid.commercial_score),
                    "priceScore": _num(bid.price_score), "totalScore": _num(bid.total_score),
                    "priceAfterDeduction": _amount(bid.price_after_deduction), "rank": bid.rank,
                    "abnormallyLow": bid.is_abnormally_low,
                    "rejection": ({"code": bid.rejection_code, "reason": bid.rejection_reason}
                                  if bid.rejection_code else None)}
            details.append(detail)
    valid = sum(1 for d in details if d["status"] == "valid")
    return {"statistics": [{"id": "requested", "measure": "requests", "value": len(details)},
                           {"id": "valid", "measure": "valid", "value": valid}], "details": details}


def _num(value: Decimal | None) -> Decimal | None:
    return value


def _evaluation_criteria(tender: Tender, lots: list[Lot]) -> dict[str, Any]:
    criteria: dict[str, Any] = {"method": tender.evaluation_method, "candidateCount": tender.candidate_count}
    if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE:
        q_below, q_above = effective_q(tender.price_option, tender.q_below, tender.q_above)  # option 1: 0.5 / 1
        criteria.update({
            "weights": {"technical": tender.tech_weight, "commercial": tender.commercial_weight,
                        "price": tender.price_weight},
            "priceOption": tender.price_option,
            "benchmarkRangePercent": [tender.range_low_pct, tender.range_high_pct],
            "q": {"belowBenchmark": q_below, "aboveBenchmark": q_above},
            "randomDraws": [{"parameter": d.param, "value": d.value, "date": _iso(d.drawn_at)}
                            for d in tender.draws.all() if d.param in ("C", "K")],
            "benchmarkPrices": [{"lot": str(lot.lot_no), "benchmark": _amount(lot.benchmark_price)}
                                for lot in lots if lot.benchmark_price is not None]})
    return criteria


def tender_releases(tender: Tender) -> list[dict[str, Any]]:
    """The releases of one tender's contracting process."""
    ocid = f"{OCID_PREFIX}-{tender.tender_no}"
    lots = list(tender.lots.all())
    parties, bidders = _parties(tender, lots)
    buyer = _ref(parties[0])
    base = {"ocid": ocid, "initiationType": "tender", "language": "zh", "parties": parties, "buyer": buyer}
    planning = {"budget": {"description": tender.project.name, "amount": _amount(tender.project.budget_estimate
                                                                                   or tender.project.total_investment),
                           "project": tender.project.name, "projectID": tender.project.code}}
    releases = [dict(base, id=f"{tender.tender_no}-planning", date=_iso(tender.created_at), tag=["planning"],
                     planning=planning)]
    tender_block: dict[str, Any] = {
        "id": tender.tender_no, "title": tender.title, "status": TENDER_STATUS.get(tender.status, "active"),
        "procuringEntity": buyer,
        "value": _amount(sum((lot.control_price for lot in lots), Decimal(0))),
        "procurementMethod": "open" if tender.procurement_method == ProcurementMethod.OPEN else "selective",
        "procurementMethodDetails": tender.get_procurement_method_display(),
        "awardCriteria": "ratedCriteria" if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE
        else "lowestCost",
        "awardCriteriaDetails": tender.get_evaluation_method_display(),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _iso(tender.issued_at), "endDate": _iso(tender.bid_deadline)},
        "items": [{"id": str(lot.lot_no), "description": lot.subject, "quantity": 1,
                   "relatedLot": str(lot.lot_no)} for lot in lots],
        "lots": [{"id": str(lot.lot_no), "title": lot.subject, "value": _amount(lot.control_price),
                  "status": "unsuccessful" if lot.status == "failed" else "active"} for lot in lots],
        "amendments": [{"id": str(a.pk), "date": _iso(a.published_at), "rationale": a.summary}
                       for a in tender.amendments.all()],
        "evaluationCriteria": _evaluation_criteria(tender, lots),
    }
    if tender.status in BIDS_PUBLIC:
        tender_block["numberOfTenderers"] = len(bidders)
        tender_block["tenderers"] = [_ref(p) for p in bidders.values()]
    tender_release = dict(base, id=f"{tender.tender_no}-tender", date=_iso(tender.issued_at or tender.created_at),
                          tag=["tender"], tender=tender_block)
    if tender.status in BIDS_PUBLIC:
        tender_release["bids"] = _bids(tender, lots, bidders)
    releases.append(tender_release)
    awards = [lot for lot in lots if lot.awarded_bid_id and tender.award_determined_on]
    if awards:
        releases.append(dict(base, id=f"{tender.tender_no}-award", date=_iso(tender.award_determined_on),
                             tag=["award"], awards=[{
                                 "id": f"{tender.tender_no}-award-{lot.lot_no}", "title": lot.subject,
                                 "status": "active", "date": _iso(tender.award_determined_on),
                                 "value": _amount(lot.awarded_bid.evaluated_price),
                                 "suppliers": [_ref(bidders[lot.awarded_bid.bidder_id])],
                                 "relatedLots": [str(lot.lot_no)]} for lot in awards]))
    contracts = [lot.contract for lot in lots if hasattr(lot, "contract")]
    if contracts:
        releases.append(dict(base, id=f"{tender.tender_no}-contract", date=_iso(max(c.signed_on for c in contracts)),
                             tag=["contract"], contracts=[{
                                 "id": c.contract_no, "awardID": f"{tender.tender_no}-award-{c.lot.lot_no}",
                                 "title": c.lot.subject, "status": "active", "value": _amount(c.amount),
                                 "dateSigned": _iso(c.signed_on)} for c in contracts]))
    return releases


def release_package(tenders: Any, *, uri: str) -> dict[str, Any]:
    """An OCDS 1.1 release package of the given tenders (use ``published_tenders()``)."""
    releases = [release for tender in tenders for release in tender_releases(tender)]
    return {"uri": uri, "version": "1.1", "publishedDate": timezone.localtime().isoformat(),
            "publisher": PUBLISHER, "license": "https://creativecommons.org/licenses/by/4.0/",
            "publicationPolicy": "https://portal.quanzhou.gov.cn/docs/procurement.md",
            "extensions": [BIDS_EXTENSION, LOCAL_EXTENSION], "releases": releases}


@cache
def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    return package, release


def validation_errors(package: dict[str, Any]) -> list[str]:
    """Every schema error of ``package`` against the official OCDS 1.1.5 release-package schema (draft-04)."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package_schema, release_schema = _schemas()
    registry = Registry().with_resource(release_schema["id"],
                                        Resource.from_contents(release_schema, default_specification=DRAFT4))
    validator = Draft4Validator(package_schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
    data = loads_exact(dumps_exact(package))
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
