"""Fixtures of the applicant-site tests: applicant organisations and their users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.models import ApplicantKind, Enterprise, EnterpriseMember
from portal.uscc import make_uscc

PASSWORD = "Pw-for-tests-123"


@pytest.fixture
def make_applicant(db):
    """An applicant organisation with one manager user (made like the kernel's registration does)."""
    from django.contrib.auth.models import Group

    from portal.roles import Role

    counter = {"n": 0}

    def make(username: str, *, kind: str = ApplicantKind.ENTERPRISE, name: str | None = None,
             is_manager: bool = True, enterprise: Enterprise | None = None, region=None):
        counter["n"] += 1
        user = get_user_model().objects.create_user(username=username, password=PASSWORD,
                                                    email=f"{username}@example.cn")
        user.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.label)[0])
        if enterprise is None:
            body = f"91350582MA2T{counter['n']:04d}" + "0"
            enterprise = Enterprise.objects.create(uscc=make_uscc(body[:17]), name=name or f"{username}有限公司",
                                                   kind=kind, region=region)
        EnterpriseMember.objects.create(user=user, enterprise=enterprise, is_manager=is_manager)
        return user
    return make


@pytest.fixture
def applicant(make_applicant, county):
    return make_applicant("acme", region=county)


@pytest.fixture
def other_applicant(make_applicant, county):
    return make_applicant("rival", region=county)


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


# ---------------------------------------------------------------------------------------------- subsidies
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def county(make_unit):
    from portal.models import OrgKind, OrgLevel

    return make_unit("C-350582", "晋江市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                     region="350582")


@pytest.fixture
def program_officer(make_user, make_unit):
    from portal.roles import Role

    return make_user("officer", Role.PROGRAM_OFFICER, make_unit("QZ-DATA", "市数据管理局"))


@pytest.fixture
def de09_call(db, county, program_officer):
    """An open call for DE-09 (算力资源租用补助) with a required invoice, and city + Jinjiang budget pools."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from subsidies.models import BudgetPool, Call, PoolLevel, Rule

    rule = Rule.objects.get(code="DE-09")
    rule.responsible_unit = program_officer.memberships.get().organization
    rule.save()
    today = timezone.localdate()
    call = Call.objects.create(code="T-DE09", name="2026年算力券申报", year=today.year,
                               opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30),
                               evidence_requirements=[{"kind": "invoice", "label": "算力服务发票", "required": True}])
    call.rules.add(rule)
    BudgetPool.objects.create(call=call, level=PoolLevel.CITY, amount=Decimal("5000000"))
    BudgetPool.objects.create(call=call, level=PoolLevel.COUNTY, county=county, amount=Decimal("5000000"))
    return call


@pytest.fixture
def make_application(de09_call):
    """A DE-09 application of ``user``'s organisation, through the real services (optionally submitted)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.models import Enterprise
    from subsidies.services import application_create, application_submit, evidence_add

    def make(user, *, invoiced="800000", submit=True):
        enterprise = Enterprise.objects.get(members__user=user)
        app = application_create(call=de09_call, enterprise=enterprise, rule_code="DE-09",
                                 facts={"compute_service_invoiced": invoiced}, acting_user=user)
        evidence_add(application=app, uploaded_file=SimpleUploadedFile("发票.pdf", PDF_BYTES, "application/pdf"),
                     kind="invoice", acting_user=user)
        if submit:
            app = application_submit(application=app, acting_user=user)
        return app
    return make


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
