"""Fixtures of the subsidies tests: responsible units, a county, applicants, reviewers, calls with pools."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import Enterprise, EnterpriseMember, OrgKind, OrgLevel
from portal.roles import Role
from portal.uscc import make_uscc
from subsidies.models import BudgetPool, Call, PoolLevel, Rule
from subsidies.services import rules_sync

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def units(make_unit, city):
    from portal.models import Organization

    def unit(code, name):
        return Organization.objects.filter(code=code).first() or make_unit(code, name)

    out = {code: unit(code, name) for code, name in [
        ("QZ-DATA", "泉州市数据管理局"), ("QZ-GXJ", "泉州市工业和信息化局"), ("QZ-SWJ", "泉州市商务局"),
        ("QZ-CZJ", "泉州市财政局"), ("QZ-KJJ", "泉州市科学技术局")]}
    out["C-350582"] = make_unit("C-350582", "晋江市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                                region="350582")
    out["C-350503"] = make_unit("C-350503", "丰泽区人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                                region="350503")
    out["JJ-DATA"] = make_unit("JJ-DATA", "晋江市数据管理局", parent=out["C-350582"], kind=OrgKind.COUNTY_AUTHORITY,
                               level=OrgLevel.COUNTY, region="350582")
    rules_sync()  # binds each rule to its responsible unit now that the units exist
    return out


_seq = iter(range(1, 10_000))


@pytest.fixture
def make_applicant(make_user, units):
    def make(username: str, county: str = "C-350582", name: str | None = None):
        n = next(_seq)
        enterprise = Enterprise.objects.create(uscc=make_uscc(f"91350582MA{n:06d}X"), name=name or f"企业{username}",
                                               region=units[county], bank_name="工商银行晋江支行",
                                               bank_account=f"1408{n:012d}")
        user = make_user(username)
        EnterpriseMember.objects.create(user=user, enterprise=enterprise, is_manager=True)
        return user, enterprise
    return make


@pytest.fixture
def applicant(make_applicant):
    return make_applicant("app_a")


@pytest.fixture
def other_applicant(make_applicant):
    return make_applicant("app_b", county="C-350503")


@pytest.fixture
def reviewer(make_user, units):
    """Program officer of 市数据管理局, responsible for the DE-01…DE-09 rules."""
    return make_user("po_data", Role.PROGRAM_OFFICER, units["QZ-DATA"])


@pytest.fixture
def reviewer_gxj(make_user, units):
    return make_user("po_gxj", Role.PROGRAM_OFFICER, units["QZ-GXJ"])


@pytest.fixture
def finance(make_user, units):
    return make_user("fin", Role.FINANCE_OFFICER, units["QZ-CZJ"])


@pytest.fixture
def make_call(units):
    def make(codes: list[str], *, city: str = "1000000", counties: dict[str, str] | None = None,
             year: int | None = None, code: str | None = None, evidence: list | None = None, publicity: int = 5):
        today = timezone.localdate()
        call = Call.objects.create(
            code=code or f"T-{next(_seq)}", name=f"测试批次 {'/'.join(codes)}", year=year or today.year,
            opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30),
            evidence_requirements=evidence if evidence is not None else [
                {"kind": "invoice", "label": "发票", "required": True}],
            publicity_workdays=publicity, responsible_unit=units["QZ-DATA"])
        call.rules.set(Rule.objects.filter(code__in=codes))
        BudgetPool.objects.create(call=call, level=PoolLevel.CITY, amount=Decimal(city),
                                  budget_unit=units["QZ-DATA"], budget_doc_number="泉财指〔2026〕1号",
                                  budget_summary="数字经济奖补", parent_budget_doc_number="闽财指〔2026〕9号")
        for county, amount in (counties if counties is not None else {"C-350582": "1000000",
                                                                        "C-350503": "1000000"}).items():
            BudgetPool.objects.create(call=call, level=PoolLevel.COUNTY, county=units[county], amount=Decimal(amount),
                                      budget_unit=units[county], budget_doc_number="晋财指〔2026〕3号",
                                      budget_summary="县级配套")
        return call
    return make


@pytest.fixture
def pdf():
    def make(name: str = "发票.pdf", content: bytes = PDF):
        return SimpleUploadedFile(name, content, content_type="application/pdf")
    return make


@pytest.fixture
def submitted(make_call, applicant, pdf):
    """A submitted DE-09 application (fee 800,000 → ceiling 240,000) and its call."""
    from subsidies.services import application_create, application_submit, evidence_add

    user, enterprise = applicant
    call = make_call(["DE-09"])
    app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                             facts={"compute_service_invoiced": "800000"}, acting_user=user)
    evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
    application_submit(application=app, acting_user=user)
    app.refresh_from_db()
    return app


def advance_to_review(app, reviewer):
    from subsidies.services import application_accept, application_review_start

    application_accept(application=app, acting_user=reviewer)
    application_review_start(application=app, acting_user=reviewer)
    app.refresh_from_db()
    return app


User = get_user_model()


@pytest.fixture
def city_admin(make_user, units):
    """A city authority member of 市数据管理局 (built on this module's units)."""
    return make_user("city_admin", Role.CITY_AUTHORITY, units["QZ-DATA"])
