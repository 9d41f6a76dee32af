"""Procurement fixtures: units and users per role, an approved project, and a tender built through the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.models import OrgKind
from portal.roles import Role
from portal.uscc import make_uscc
from procurement.services import projects as ps
from procurement.services import tenders as ts

TZ = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def uscc(n: int) -> str:
    return make_uscc(f"91350500MA2{n:06d}")


@pytest.fixture
def units(make_unit):
    return {"data": make_unit("QZ-DATA", "市数据管理局", kind=OrgKind.DATA_AUTHORITY),
            "gxj": make_unit("QZ-GXJ", "市工信局"), "scj": make_unit("QZ-SCJGJ", "市市场监管局"),
            "czj": make_unit("QZ-CZJ", "市财政局")}


@pytest.fixture
def people(make_user, units):
    return {
        "authority": make_user("authority", Role.CITY_AUTHORITY, units["data"]),
        "officer": make_user("officer", Role.PROCUREMENT_OFFICER, units["gxj"]),
        "officer_b": make_user("officer_b", Role.PROCUREMENT_OFFICER, units["scj"]),
        "supervisor": make_user("supervisor", Role.PROCUREMENT_SUPERVISOR, units["czj"]),
        "leader": make_user("leader", Role.UNIT_LEADER, units["gxj"]),
    }


@pytest.fixture
def plan(people):
    return ps.annual_plan_open(year=2025, acting_user=people["authority"])


@pytest.fixture
def approved_project(people, units, plan):
    """A project declared in June 2024, reviewed, in the approved 2025 plan, FSR and PD approved."""
    officer, authority = people["officer"], people["authority"]
    project = ps.project_declare(code="XM-2025-001", name="工业互联网监测平台", construction_unit=units["gxj"],
                                 declared_on=date(2024, 6, 12), total_investment=D("3000000"), plan=plan,
                                 data_resources=["企业用能监测数据"], has_sharing_analysis=True, acting_user=officer)
    ps.project_joint_review_start(project=project, on=date(2024, 7, 1), acting_user=authority)
    ps.project_include_in_plan(project=project, on=date(2024, 7, 5), opinions="同意", acting_user=authority)
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 20), acting_user=authority)
    ps.annual_plan_approve(plan=plan, on=date(2024, 12, 1), acting_user=authority)
    project.refresh_from_db()
    ps.project_approve_fsr(project=project, approval_no="泉发改〔2025〕1号", on=date(2025, 1, 10),
                           acting_user=authority)
    ps.project_submit_pd(project=project, on=date(2025, 1, 13), acting_user=officer)
    ps.project_approve_pd(project=project, approval_no="泉数据〔2025〕2号", on=date(2025, 2, 7),
                          budget_estimate=D("3000000"), acting_user=authority)
    project.refresh_from_db()
    return project


@pytest.fixture
def make_tender(people, approved_project):
    def make(no="ZB-2025-001", *, method="comprehensive", option="option1", control="1000000", issued=None,
             deadline=None, **options):
        tender = ts.tender_create(project=approved_project, tender_no=no, title="监测平台建设",
                                  bid_deadline=deadline or at(2025, 4, 10), evaluation_method=method,
                                  price_option=option, lots=[{"subject": "平台软件开发", "control_price": control,
                                                              "bid_bond_amount": "10000"}],
                                  acting_user=people["officer"], **options)
        ts.tender_issue(tender=tender, issued_at=issued or at(2025, 3, 10), acting_user=people["officer"])
        tender.refresh_from_db()
        return tender
    return make


EXAMPLE_BIDS = [("甲", "900000"), ("乙", "950000"), ("丙", "880000"), ("丁", "700000"), ("戊", "1050000")]


@pytest.fixture
def add_bid(people):
    def add(tender, n, name, price, *, bond=True, submitted=None, **extra):
        lot = tender.lots.get()
        bond_data = {"amount": D("10000"), "received_at": at(2025, 4, 1), "payer_account_no": "1408"} if bond else None
        return ts.bid_record(lot=lot, bidder_uscc=uscc(n), bidder_name=name, submitted_at=submitted or at(2025, 4, 1),
                             price_figures=D(price), bond=bond_data, acting_user=people["officer"], **extra)
    return add
