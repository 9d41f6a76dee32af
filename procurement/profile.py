"""招标采购 sections of the 企业画像 (``portal.profile``): bids, contracts, objections, complaints, penalties, bad-conduct
records and red flags naming the enterprise, each scoped by the procurement policies (the procuring unit its own
tenders, a county its county, supervisors, the city authority and the auditor everything)."""

from __future__ import annotations

from typing import Any

from portal.permissions import AnyUser
from portal.profile import SectionData, record_section, register_section
from procurement import models as m
from procurement import permissions as perms


def bids_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.Bid, field="bidder", policy=perms.BidPolicy(),
        select_related=("lot__tender",), order_by=("-submitted_at", "-pk"),
        columns=[("lot", "合同包", "lot"), ("submitted_at", "递交时间", "submitted_at"),
                 ("price_figures", "投标报价（元）", "price_figures"), ("status", "状态", "status"),
                 ("total_score", "总分", "total_score"), ("rank", "排名", "rank")])


def contracts_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.Contract, field="supplier", policy=perms.LotChildPolicy(),
        select_related=("lot__tender",), order_by=("-signed_on", "-pk"),
        columns=[("contract_no", "合同编号", "contract_no"), ("lot", "合同包", "lot"),
                 ("amount", "合同金额（元）", "amount"), ("signed_on", "签订日期", "signed_on")])


def objections_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.Objection, field="objector", policy=perms.TenderChildPolicy(),
        select_related=("tender",), order_by=("-received_on", "-pk"),
        columns=[("tender", "招标项目", "tender"), ("stage", "异议事项", "stage"),
                 ("received_on", "收到日期", "received_on"), ("status", "状态", "status")])


def complaints_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.Complaint, field="complainant", policy=perms.SupervisionPolicy(),
        select_related=("tender",), order_by=("-filed_on", "-pk"),
        columns=[("tender", "招标项目", "tender"), ("matter", "投诉事项", "matter"),
                 ("filed_on", "投诉日期", "filed_on"), ("status", "状态", "status"),
                 ("decided_on", "决定日期", "decided_on")])


def penalties_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.PenaltyDecision, field="party", policy=perms.SupervisionPolicy(),
        order_by=("-decided_on", "-pk"),
        columns=[("decision_no", "决定书文号", "decision_no"), ("issuing_authority", "作出决定的机关", "issuing_authority"),
                 ("fine_amount", "罚款金额（元）", "fine_amount"), ("decided_on", "决定日期", "decided_on"),
                 ("credit_registered_on", "信用登记日期", "credit_registered_on")])


def bad_conduct_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.BadConductRecord, field="subject", policy=perms.SupervisionPolicy(),
        order_by=("-registered_on", "-pk"),
        columns=[("ground", "情形", "ground"), ("decision_document_no", "认定文书文号", "decision_document_no"),
                 ("registered_on", "登记日期", "registered_on"), ("expires_on", "失效日期", "expires_on")])


def red_flags_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=m.RedFlag, field="bidder", policy=perms.RedFlagPolicy(),
        select_related=("tender",), order_by=("-last_found_at", "-pk"),
        columns=[("rule_code", "规则编号", "rule_code"), ("tender", "招标项目", "tender"), ("message", "说明", "message"),
                 ("is_current", "仍成立", "is_current"), ("disposition", "复核结论", "disposition")])


register_section("bids", "投标", bids_section, order=40)
register_section("contracts", "合同", contracts_section, order=41)
register_section("objections", "异议", objections_section, order=42)
register_section("complaints", "投诉", complaints_section, order=43)
register_section("penalties", "行政处罚", penalties_section, order=44)
register_section("bad_conduct", "不良行为记录", bad_conduct_section, order=45)
register_section("red_flags", "风险预警", red_flags_section, order=46)
