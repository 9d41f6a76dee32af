"""Demo data of the kernel (units, users, applicants) and the driver that runs every app's ``demo.seed``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from portal.history import acting_as
from portal.models import ApplicantKind, Enterprise, EnterpriseMember, Organization, OrgKind, OrgLevel
from portal.roles import DOMAIN_APPS, Role, ensure_roles
from portal.services import membership_grant
from portal.uscc import make_uscc

PASSWORD_FILE = Path(settings.BASE_DIR) / "var" / "demo-password.txt"

CITY_UNITS = [  # code, name, kind
    ("QZ-DATA", "泉州市数据管理局（数字泉州建设办公室）", OrgKind.DATA_AUTHORITY),
    ("QZ-TECH", "泉州市大数据服务中心（技术服务单位）", OrgKind.TECH_SERVICE_UNIT),
    ("QZ-GXJ", "泉州市工业和信息化局", OrgKind.DEPARTMENT),
    ("QZ-SWJ", "泉州市商务局", OrgKind.DEPARTMENT),
    ("QZ-CZJ", "泉州市财政局", OrgKind.DEPARTMENT),
    ("QZ-KJJ", "泉州市科学技术局", OrgKind.DEPARTMENT),
    ("QZ-FGW", "泉州市发展和改革委员会", OrgKind.DEPARTMENT),
    ("QZ-GAJ", "泉州市公安局", OrgKind.SPECIAL_AGENCY),
    ("QZ-SCJGJ", "泉州市市场监督管理局", OrgKind.DEPARTMENT),
    ("QZ-RSJ", "泉州市人力资源和社会保障局", OrgKind.DEPARTMENT),
    ("QZ-ZRZYJ", "泉州市自然资源和规划局", OrgKind.DEPARTMENT),
    ("QZ-SJJ", "泉州市审计局", OrgKind.DEPARTMENT),
    ("QZ-TJJ", "泉州市统计局", OrgKind.DEPARTMENT),
]
# GB/T 2260 codes; the two zones have no code of their own and carry the city's.
COUNTIES = [
    ("350502", "鲤城区", OrgKind.COUNTY_GOVERNMENT), ("350503", "丰泽区", OrgKind.COUNTY_GOVERNMENT),
    ("350504", "洛江区", OrgKind.COUNTY_GOVERNMENT), ("350505", "泉港区", OrgKind.COUNTY_GOVERNMENT),
    ("350581", "石狮市", OrgKind.COUNTY_GOVERNMENT), ("350582", "晋江市", OrgKind.COUNTY_GOVERNMENT),
    ("350583", "南安市", OrgKind.COUNTY_GOVERNMENT), ("350521", "惠安县", OrgKind.COUNTY_GOVERNMENT),
    ("350524", "安溪县", OrgKind.COUNTY_GOVERNMENT), ("350525", "永春县", OrgKind.COUNTY_GOVERNMENT),
    ("350526", "德化县", OrgKind.COUNTY_GOVERNMENT),
    ("QZKFQ", "泉州经济技术开发区", OrgKind.ZONE_COMMITTEE), ("QZTSQ", "泉州台商投资区", OrgKind.ZONE_COMMITTEE),
]
# Jinjiang member units of 晋政办〔2023〕13号 annex 1; codes match `dept_code` in jinjiang_collection.csv.
JINJIANG_UNITS = [
    ("finance", "晋江市财政局", OrgKind.DEPARTMENT), ("industry_it", "晋江市工业和信息化局", OrgKind.DEPARTMENT),
    ("tax", "国家税务总局晋江市税务局", OrgKind.DEPARTMENT),
    ("market_regulation", "晋江市市场监督管理局", OrgKind.DEPARTMENT),
    ("natural_resources", "晋江市自然资源局", OrgKind.DEPARTMENT),
    ("housing_construction", "晋江市住房和城乡建设局", OrgKind.DEPARTMENT),
    ("development_reform", "晋江市发展和改革局", OrgKind.DEPARTMENT),
    ("housing_fund", "泉州市住房公积金中心晋江分中心", OrgKind.PUBLIC_INSTITUTION),
    ("statistics", "晋江市统计局", OrgKind.DEPARTMENT), ("financial_affairs", "晋江市金融工作局", OrgKind.DEPARTMENT),
    ("public_security", "晋江市公安局", OrgKind.SPECIAL_AGENCY), ("science_tech", "晋江市科学技术局", OrgKind.DEPARTMENT),
    ("commerce", "晋江市商务局", OrgKind.DEPARTMENT), ("power_supply", "国网晋江市供电公司", OrgKind.PUBLIC_ENTERPRISE),
    ("hr_social_security", "晋江市人力资源和社会保障局", OrgKind.DEPARTMENT),
    ("towns_streets", "晋江市各镇（街道）", OrgKind.TOWN_STREET),
    ("econ_dev_zone", "晋江经济开发区管委会", OrgKind.ZONE_COMMITTEE),
    ("zhixin", "晋江市智信大数据科技有限公司（代业主单位）", OrgKind.PUBLIC_ENTERPRISE),
    ("leading_group_office", "晋江市产业信息综合管理服务平台建设领导小组办公室", OrgKind.LEADING_GROUP_OFFICE),
]

# username -> (role, unit code, Chinese description)
DEMO_USERS: dict[str, tuple[str, str, str]] = {
    "city_authority": (Role.CITY_AUTHORITY, "QZ-DATA", "市数据管理局：审核目录、决定共享、看全部"),
    "county_authority": (Role.COUNTY_AUTHORITY, "JJ-DATA", "晋江市数据管理局：只看晋江"),
    "unit_admin": (Role.UNIT_DATA_ADMIN, "QZ-GXJ", "市工信局数据管理员：编目、申请共享"),
    "unit_admin_b": (Role.UNIT_DATA_ADMIN, "QZ-SCJGJ", "市市场监管局数据管理员（用于对照：互相不可见）"),
    "jj_finance_admin": (Role.UNIT_DATA_ADMIN, "JJ-finance", "晋江市财政局数据管理员：报送采集任务"),
    "unit_leader": (Role.UNIT_LEADER, "QZ-GXJ", "市工信局分管领导"),
    "tech_operator": (Role.TECH_OPERATOR, "QZ-TECH", "技术服务单位：评估、配置、纠错分派"),
    "program_officer": (Role.PROGRAM_OFFICER, "QZ-GXJ", "政策经办人：受理审核奖补申报"),
    "finance_officer": (Role.FINANCE_OFFICER, "QZ-CZJ", "财政人员：拨付、导出"),
    "procurement_officer": (Role.PROCUREMENT_OFFICER, "QZ-DATA", "采购经办人：项目与招标"),
    "procurement_supervisor": (Role.PROCUREMENT_SUPERVISOR, "QZ-CZJ", "采购监管：看全部项目、处理投诉"),
    "auditor": (Role.AUDITOR, "QZ-SJJ", "只读审计"),
}
# The people behind the demo accounts (shown in the staff header with their unit).
DEMO_PERSONS = {
    "admin": "系统管理员", "city_authority": "陈志明", "county_authority": "许雅婷", "unit_admin": "林晓峰",
    "unit_admin_b": "黄丽娟", "jj_finance_admin": "施文斌", "unit_leader": "王建国", "tech_operator": "蔡俊杰",
    "program_officer": "郑美玲", "finance_officer": "吴秀珍", "procurement_officer": "李国栋",
    "procurement_supervisor": "张慧敏", "auditor": "刘振华",
}
DEMO_APPLICANTS = [  # username, USCC body (17), name, kind, county code, domestic-controlled, small/micro
    ("applicant", "91350582MA2XK0A1" + "0", "福建晋江智造科技有限公司", ApplicantKind.ENTERPRISE, "350582", True, True),
    ("applicant_b", "91350503MA34HQ2W" + "1", "泉州丰泽跨境电商有限公司", ApplicantKind.ENTERPRISE, "350503", True, True),
    ("applicant_univ", "12350000488000" + "123", "泉州信息工程学院", ApplicantKind.UNIVERSITY, "350503", True, False),
    ("applicant_foreign", "91350500MA2Y7TT8" + "2", "泉州外资数据服务有限公司", ApplicantKind.ENTERPRISE, "350502", False, False),
]


def demo_password(reset: bool) -> str:
    """PORTAL_DEMO_PASSWORD, or the password generated at first seeding (kept in var/, never committed)."""
    env = os.environ.get("PORTAL_DEMO_PASSWORD")
    if env:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ImproperlyConfigured, ValidationError

        try:
            validate_password(env)  # demo staff accounts share it: the staff rules apply (ADR 0014)
        except ValidationError as exc:
            raise ImproperlyConfigured("PORTAL_DEMO_PASSWORD 不符合工作人员密码规则：" + " ".join(exc.messages)) from None
        return env
    if PASSWORD_FILE.exists() and not reset:
        return PASSWORD_FILE.read_text().strip()
    password = "Qz-" + secrets.token_urlsafe(9)  # 15 characters, upper + lower + symbol: passes the staff rules
    PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
    PASSWORD_FILE.write_text(password)
    PASSWORD_FILE.chmod(0o600)
    return password


def stored_password() -> str:
    return os.environ.get("PORTAL_DEMO_PASSWORD") or (
        PASSWORD_FILE.read_text().strip() if PASSWORD_FILE.exists() else "（未知：运行 seed_demo --reset 重新生成）")


def _org(code: str, name: str, kind: str, level: str, region: str, parent: Organization | None,
         order: int = 0) -> Organization:
    org, created = Organization.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "level": level, "region_code": region, "parent": parent,
                             "sort_order": order})
    if not created and (org.name, org.parent_id) != (name, parent.pk if parent else None):
        org.name, org.parent = name, parent
        org.save()
    return org


def seed_organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    city = orgs["QZ"] = _org("QZ", "泉州市人民政府", OrgKind.CITY_GOVERNMENT, OrgLevel.CITY, "350500", None)
    for i, (code, name, kind) in enumerate(CITY_UNITS):
        orgs[code] = _org(code, name, kind, OrgLevel.CITY, "350500", city, i)
    for i, (region, name, kind) in enumerate(COUNTIES):
        code = f"C-{region}"
        real_region = region if region.isdigit() else "350500"
        county = orgs[code] = _org(code, f"{name}人民政府" if kind == OrgKind.COUNTY_GOVERNMENT else f"{name}管委会",
                                   kind, OrgLevel.COUNTY, real_region, city, i)
        orgs[f"{code}-DATA"] = _org(f"{code}-DATA", f"{name}数据管理机构", OrgKind.COUNTY_AUTHORITY,
                                    OrgLevel.COUNTY, real_region, county)
    jinjiang = orgs["C-350582"]
    orgs["JJ-DATA"] = orgs["C-350582-DATA"]
    for i, (code, name, kind) in enumerate(JINJIANG_UNITS):
        level = OrgLevel.TOWN if kind == OrgKind.TOWN_STREET else OrgLevel.COUNTY
        orgs[f"JJ-{code}"] = _org(f"JJ-{code}", name, kind, level, "350582", jinjiang, i)
    return orgs


def demo_account(username: str, password: str, *, reset: bool = False, staff: bool = False, **extra: Any) -> Any:
    """A demo login (every app's demo uses this): the demo password when created, reset or still without one (an
    empty password counts as none); staff accounts may enter the admin."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": staff, **extra})
    needs_password = created or reset or not user.password or not user.has_usable_password()
    if needs_password or user.is_staff != staff:
        if needs_password:
            user.set_password(password)
        user.is_staff = staff
        user.save()
    return user


def seed_users(orgs: dict[str, Organization], password: str, reset: bool) -> dict[str, Any]:
    users: dict[str, Any] = {}

    def account(username: str, **extra: Any) -> Any:
        return demo_account(username, password, reset=reset, **extra)

    users["admin"] = account("admin", is_superuser=True, staff=True, email="admin@portal.local",
                             first_name=DEMO_PERSONS["admin"])
    for username, (role, unit, _desc) in DEMO_USERS.items():
        user = account(username, staff=True, email=f"{username}@portal.local",
                       first_name=DEMO_PERSONS.get(username, ""))
        membership_grant(user=user, organization=orgs[unit], role=role, acting_user=users["admin"])
        users[username] = user
    for username, body, name, kind, county, domestic, small in DEMO_APPLICANTS:
        user = account(username, email=f"{username}@example.cn")
        enterprise, _ = Enterprise.objects.get_or_create(
            uscc=make_uscc(body), defaults={
                "name": name, "kind": kind, "region": orgs[f"C-{county}"], "is_domestic_controlled": domestic,
                "is_small_micro": small, "contact_name": "张经办", "contact_phone": "0595-22000000",
                "bank_name": "中国工商银行晋江支行", "bank_account": "1408" + body[-12:].replace("A", "0")})
        EnterpriseMember.objects.get_or_create(user=user, enterprise=enterprise, defaults={"is_manager": True})
        membership_group = Role.APPLICANT.label
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=membership_group)[0])
        users[username] = user
    return users


def seed_all(*, reset: bool = False, log: Callable[[str], Any] = print) -> dict[str, Any]:
    """Kernel demo data, then each domain app's ``demo.seed(ctx)``; safe to run again."""
    ensure_roles()
    password = demo_password(reset)
    with transaction.atomic():
        orgs = seed_organizations()
        users = seed_users(orgs, password, reset)
    ctx: dict[str, Any] = {"orgs": orgs, "users": users, "password": password, "reset": reset,
                           "enterprises": {e.uscc: e for e in Enterprise.objects.all()}}
    for app in DOMAIN_APPS:
        try:
            module = import_module(f"{app}.demo")
        except ModuleNotFoundError:
            continue
        log(f"· {app} 演示数据……")
        with acting_as(users["admin"]), transaction.atomic():
            module.seed(ctx)
    return ctx


def print_accounts(password: str, write: Callable[[str], Any]) -> None:
    write("")
    write(f"演示账户（密码均为：{password}）")
    write(f"  {'admin':<24} 超级管理员")
    for username, (_role, _unit, desc) in DEMO_USERS.items():
        write(f"  {username:<24} {desc}")
    for username, _b, name, *_ in DEMO_APPLICANTS:
        write(f"  {username:<24} 申报主体：{name}")
    write("管理后台： http://127.0.0.1:8000/admin/    门户网站： http://127.0.0.1:8000/")
