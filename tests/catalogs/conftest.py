"""Fixtures for the catalogs tests: a county with its authority, a tech operator, and an entry factory."""

from __future__ import annotations

import pytest

from catalogs.models import EntryStatus, OpenType, ShareType
from catalogs.services import entry_create, entry_transition
from portal.models import OrgKind, OrgLevel
from portal.roles import Role


@pytest.fixture(autouse=True)
def _catalog_role_permissions(db):
    """Role groups built by post_migrate before this app's permissions existed lack them (portal migrates first);
    rebuild the groups once when that is the case (one query otherwise)."""
    from django.contrib.auth.models import Permission

    from portal.roles import ensure_roles

    if not Permission.objects.filter(group__name=Role.CITY_AUTHORITY.label,
                                     content_type__app_label="catalogs").exists():
        ensure_roles()


LONG_DESC = "本目录登记本单位依法履职过程中产生的业务数据，按月更新，供各单位共享使用，包含必要的字段说明。"


@pytest.fixture
def county(make_unit):
    return make_unit("C-350582", "晋江市人民政府", kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY,
                     region="350582")


@pytest.fixture
def county_unit(make_unit, county):
    return make_unit("JJ-finance", "晋江市财政局", parent=county, level=OrgLevel.COUNTY, region="350582")


@pytest.fixture
def county_authority(make_user, make_unit, county):
    unit = make_unit("JJ-DATA", "晋江市数据管理局", parent=county, kind=OrgKind.COUNTY_AUTHORITY,
                     level=OrgLevel.COUNTY, region="350582")
    return make_user("jj_auth", Role.COUNTY_AUTHORITY, unit)


@pytest.fixture
def county_admin(make_user, county_unit):
    return make_user("jj_fin_admin", Role.UNIT_DATA_ADMIN, county_unit)


@pytest.fixture
def tech_operator(make_user, make_unit):
    return make_user("tech", Role.TECH_OPERATOR, make_unit("QZ-TECH", "技术服务单位",
                                                           kind=OrgKind.TECH_SERVICE_UNIT))


@pytest.fixture
def applicant(make_user):
    from portal.models import Enterprise, EnterpriseMember

    user = make_user("appl")
    ent = Enterprise.objects.create(uscc="91350582MA2XK0A10X", name="某企业", kind="enterprise")
    EnterpriseMember.objects.create(user=user, enterprise=ent)
    return user


@pytest.fixture
def make_entry(db):
    counter = {"n": 0}

    def make(unit, user, *, status: str = EntryStatus.DRAFT, authority=None, items=None, **fields):
        counter["n"] += 1
        fields.setdefault("description", LONG_DESC)
        fields.setdefault("share_type", ShareType.UNCONDITIONAL)
        fields.setdefault("open_type", OpenType.CLOSED)
        code = fields.pop("code", f"T-{unit.code}-{counter['n']:04d}")
        title = fields.pop("title", f"测试资源{counter['n']}")
        entry = entry_create(source_unit=unit, code=code, title=title, acting_user=user,
                             items=items if items is not None else [
                                 {"name": "企业名称", "description": "企业登记名称"},
                                 {"name": "金额", "data_type": "decimal", "description": "金额（元）"}],
                             **fields)
        if status in (EntryStatus.SUBMITTED, EntryStatus.PUBLISHED):
            entry = entry_transition(entry=entry, action="submit", acting_user=user)
        if status == EntryStatus.PUBLISHED:
            entry = entry_transition(entry=entry, action="publish", acting_user=authority)
        return entry
    return make


@pytest.fixture
def audit_flushable(transactional_db):
    """Transactional tests end with a flush; on SQLite the kernel's append-only trigger refuses DELETE on the audit
    table (PostgreSQL flushes with TRUNCATE, which row triggers ignore). Clear this test database's audit rows with the
    trigger briefly dropped, then recreate it from the kernel migration's own SQL."""
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        sql = import_module("portal.migrations.0002_audit_append_only").SQLITE
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_delete")
            cursor.execute("DELETE FROM portal_auditlog")
            cursor.execute(sql[1])


@pytest.fixture(scope="session", autouse=True)
def _live_server_media_prefix():
    """live_server wraps the app in Django's _MediaFilesHandler, which fails on every request when MEDIA_URL is None
    (the portal never serves media directly); give that handler an unused prefix while these tests run."""
    from django.test import testcases

    testcases._MediaFilesHandler.get_base_url = lambda self: "/__media_not_served__/"
