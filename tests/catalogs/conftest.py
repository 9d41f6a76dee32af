"""Fixtures for the catalogs tests: a county with its authority, a tech operator, and an entry factory."""

from __future__ import annotations

import pytest

from catalogs.models import EntryStatus, OpenType, ShareType
from catalogs.services import entry_create, entry_transition
from portal.models import OrgKind, OrgLevel
from portal.roles import Role

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
        if fields["share_type"] == ShareType.NOT_SHARED:  # 可用不可见 (QZ §五(四)): a verification interface
            fields.setdefault("interfaces", [{"name": "核查接口", "kind": "verify", "endpoint": "https://api.example/v",
                                              "spec": "仅返回是/否", "call_instructions": "经同意后调用"}])
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
