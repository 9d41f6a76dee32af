"""Fixtures for the sharing tests: a small city with a tech unit, producers, a county (Jinjiang) and catalog entries."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogs.models import CatalogEntry, CatalogLevel, DataItem, EntryStatus, OpenType, ShareType
from portal.models import ApplicantKind, Enterprise, EnterpriseMember, OrgKind, OrgLevel
from portal.roles import Role
from portal.uscc import make_uscc
from sharing.models import InterfaceKind, ServiceMode
from sharing.services import share_application_create

START = dt.date(2026, 9, 30)  # the last working day before the 2026 National Day holiday (10-01 … 10-07)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock(monkeypatch):
    """Set the workflow's local date: ``clock.set(date)``."""
    state = SimpleNamespace(day=START)

    def set_(day):
        state.day = day
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: state.day)
    return SimpleNamespace(set=set_, state=state)


@pytest.fixture
def world(db, city, make_unit, make_user, unit_a, unit_b, user_a, user_b, city_authority):
    tech_unit = make_unit("QZ-TECH", "技术服务单位", kind=OrgKind.TECH_SERVICE_UNIT)
    jj = make_unit("C-350582", "晋江市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                   region="350582")
    jj_data = make_unit("JJ-DATA", "晋江市数据管理机构", parent=jj, kind=OrgKind.COUNTY_AUTHORITY,
                        level=OrgLevel.COUNTY, region="350582")
    jj_fin = make_unit("JJ-finance", "晋江市财政局", parent=jj, level=OrgLevel.COUNTY, region="350582")
    jj_tax = make_unit("JJ-tax", "晋江市税务局", parent=jj, level=OrgLevel.COUNTY, region="350582")
    ss = make_unit("C-350581", "石狮市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                   region="350581")
    ss_data = make_unit("SS-DATA", "石狮市数据管理机构", parent=ss, kind=OrgKind.COUNTY_AUTHORITY,
                        level=OrgLevel.COUNTY, region="350581")
    gaj = make_unit("QZ-GAJ", "泉州市公安局", kind=OrgKind.SPECIAL_AGENCY)
    w = SimpleNamespace(
        city=city, unit_a=unit_a, unit_b=unit_b, user_a=user_a, user_b=user_b, authority=city_authority,
        tech_unit=tech_unit, tech=make_user("tech", Role.TECH_OPERATOR, tech_unit),
        jj=jj, jj_data=jj_data, jj_fin=jj_fin, jj_tax=jj_tax,
        jj_auth=make_user("jj_auth", Role.COUNTY_AUTHORITY, jj_data),
        ss_auth=make_user("ss_auth", Role.COUNTY_AUTHORITY, ss_data),
        jj_fin_admin=make_user("jj_fin_admin", Role.UNIT_DATA_ADMIN, jj_fin),
        jj_tax_admin=make_user("jj_tax_admin", Role.UNIT_DATA_ADMIN, jj_tax),
        gaj=gaj, gaj_admin=make_user("gaj_admin", Role.UNIT_DATA_ADMIN, gaj),
        auditor=make_user("auditor", Role.AUDITOR, make_unit("QZ-SJJ", "审计局")),
    )
    w.entry = lambda *a, **k: make_entry(*a, **k)
    return w


def make_entry(code, source_unit, share_type=ShareType.UNCONDITIONAL, *, level=CatalogLevel.CITY,
               open_type=OpenType.CLOSED, status=EntryStatus.PUBLISHED, items=("名称", "代码", "联系电话")):
    entry = CatalogEntry.objects.create(code=code, title=f"目录{code}", source_unit=source_unit, level=level,
                                        share_type=share_type, open_type=open_type, status=status,
                                        legal_basis="《泉州市政务数据管理规定》")
    for i, name in enumerate(items):
        DataItem.objects.create(entry=entry, name=name, sort_order=i, is_personal_info=name == "联系电话")
    return entry


def docs():
    return {"requirements_doc": SimpleUploadedFile("需求.pdf", b"%PDF-1.4 req"),
            "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")}


def make_application(unit, user, entries, *, mode=ServiceMode.API, items=None, **extra):
    fields = {
        "business_matter": "企业开办一件事", "application_scenario": "窗口受理时核验企业登记信息",
        "information_system": "一窗受理系统", "purpose": "核验申请材料", "service_mode": mode,
        "requested_from_on": dt.date(2026, 9, 1), "requested_until_on": dt.date(2027, 9, 30),
        "interface_kind": InterfaceKind.DATA_QUERY if mode == ServiceMode.API else "",
    }
    if mode == ServiceMode.CROSS_VERIFICATION:
        fields.update(docs())
    if mode == ServiceMode.BULK_EXCHANGE:
        fields.update(bulk_justification="需要每日全量比对，接口调用量过大", system_mlps_level="第三级")
    fields.update(extra)
    if items is None:
        items = [e.items.order_by("sort_order").first() for e in entries]
    return share_application_create(applicant_unit=unit, entries=entries, data_items=items, acting_user=user,
                                    **fields)


@pytest.fixture
def enterprises(db, make_user):
    def make(username, body, kind=ApplicantKind.ENTERPRISE, domestic=True):
        user = make_user(username)
        ent = Enterprise.objects.create(uscc=make_uscc(body), name=f"主体{username}", kind=kind,
                                        is_domestic_controlled=domestic)
        EnterpriseMember.objects.create(user=user, enterprise=ent, is_manager=True)
        return ent, user
    return SimpleNamespace(
        domestic=make("ent_a", "91350582MA2XK0A10"), other=make("ent_b", "91350503MA34HQ2W1"),
        foreign=make("ent_f", "91350500MA2Y7TT82", domestic=False),
        univ=make("univ", "12350000488000123", kind=ApplicantKind.UNIVERSITY),
        assoc=make("assoc", "51350500MJ0000123", kind=ApplicantKind.ASSOCIATION),
    )


REQUESTED_UNTIL = dt.date(2027, 9, 30)


def open_verify(app, authority):
    """The authority verifies the declared eligibility with evidence (QZ §六(四))."""
    from sharing.services import open_application_act

    return open_application_act(application=app, action="verify_eligibility", acting_user=authority,
                                opinion="已核验营业执照、股权结构说明（内资控股）",
                                eligibility_evidence=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 licence"))


def open_consent_and_sign(app, providers, tech, *, number="QZKF-2026-001"):
    """Each provider consents, then the signed agreement is recorded and the grant issued (FJ-OPEN art.10)."""
    from django.utils import timezone

    from sharing.services import open_application_act

    for provider in providers:
        app = open_application_act(application=app, action="provider_consent", acting_user=provider,
                                   opinion="同意开放")
    return open_application_act(application=app, action="agreement_record", acting_user=tech,
                                agreement_number=number, signed_on=timezone.localdate(),
                                signatories="申请主体\n泉州市大数据管理局\n技术服务单位",
                                agreement_file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement"))
