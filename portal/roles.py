"""Roles are Django groups; each app declares the model permissions its roles need in ``ROLE_PERMISSIONS``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import models


class Role(models.TextChoices):
    CITY_AUTHORITY = "city_authority", "市数据管理机构"
    COUNTY_AUTHORITY = "county_authority", "县级数据管理机构"
    UNIT_DATA_ADMIN = "unit_data_admin", "单位数据管理员"
    UNIT_LEADER = "unit_leader", "单位分管领导"
    TECH_OPERATOR = "tech_operator", "技术服务单位运维人员"
    PROGRAM_OFFICER = "program_officer", "政策业务经办人"
    FINANCE_OFFICER = "finance_officer", "财政人员"
    PROCUREMENT_OFFICER = "procurement_officer", "采购经办人"
    PROCUREMENT_SUPERVISOR = "procurement_supervisor", "采购监管人员"
    AUDITOR = "auditor", "只读审计人员"
    APPLICANT = "applicant", "申报主体用户"


# Roles whose holders see every unit's records (read) in the city.
CITY_WIDE_ROLES = frozenset({Role.CITY_AUTHORITY, Role.AUDITOR})
STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}

# Kernel model permissions per role (apps add their own in <app>.permissions.ROLE_PERMISSIONS).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_AUTHORITY: ["portal.view_organization", "portal.change_organization", "portal.add_organization",
                          "portal.view_membership", "portal.add_membership", "portal.change_membership",
                          "portal.view_enterprise", "portal.view_holidayoverride", "portal.add_holidayoverride",
                          "portal.change_holidayoverride", "portal.view_holidaynotice", "portal.add_holidaynotice",
                          "portal.change_holidaynotice", "portal.view_auditlog", "portal.view_accesslog"],
    Role.COUNTY_AUTHORITY: ["portal.view_organization", "portal.change_organization", "portal.view_membership",
                            "portal.view_enterprise", "portal.view_auditlog", "portal.view_accesslog"],
    Role.UNIT_DATA_ADMIN: ["portal.view_organization", "portal.change_organization", "portal.view_membership",
                           "portal.view_accesslog"],
    Role.UNIT_LEADER: ["portal.view_organization", "portal.view_membership", "portal.view_accesslog"],
    Role.TECH_OPERATOR: ["portal.view_organization", "portal.view_holidayoverride", "portal.view_holidaynotice",
                         "portal.view_accesslog"],
    Role.PROGRAM_OFFICER: ["portal.view_organization", "portal.view_enterprise"],
    Role.FINANCE_OFFICER: ["portal.view_organization", "portal.view_enterprise"],
    Role.PROCUREMENT_OFFICER: ["portal.view_organization", "portal.view_enterprise"],
    Role.PROCUREMENT_SUPERVISOR: ["portal.view_organization", "portal.view_enterprise"],
    Role.AUDITOR: ["portal.view_organization", "portal.view_membership", "portal.view_enterprise",
                   "portal.view_auditlog", "portal.view_holidayoverride", "portal.view_holidaynotice",
                   "portal.view_accesslog"],
    Role.APPLICANT: [],
}

DOMAIN_APPS = ("catalogs", "sharing", "subsidies", "procurement")


def collected_permissions() -> dict[str, set[str]]:
    """Kernel and app permission lists merged per role."""
    merged: dict[str, set[str]] = {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for app in DOMAIN_APPS:
        try:
            module = import_module(f"{app}.permissions")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, set()).update(perms)
    return merged


def declared_permissions() -> Any:
    """The permissions some role is declared with, as a queryset (what the admin offers to give a group or user)."""
    from django.contrib.auth.models import Permission

    declared = set().union(*collected_permissions().values())
    candidates = Permission.objects.filter(codename__in={p.split(".", 1)[1] for p in declared})
    return Permission.objects.filter(pk__in=[p.pk for p in candidates.select_related("content_type")
                                             if f"{p.content_type.app_label}.{p.codename}" in declared])


def ensure_roles() -> None:
    """Create one group per role (named by its Chinese label) with exactly the declared model permissions."""
    from django.contrib.auth.models import Group, Permission

    all_perms = {f"{p.content_type.app_label}.{p.codename}": p
                 for p in Permission.objects.select_related("content_type")}
    for role, perms in collected_permissions().items():
        group, _ = Group.objects.get_or_create(name=Role(role).label)
        group.permissions.set([all_perms[p] for p in sorted(perms) if p in all_perms])


def ensure_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate fires once per app; rebuild the groups on the last one, when every app's permissions exist."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and sender is with_models[-1]:
        ensure_roles()


def role_group_name(role: str) -> str:
    return Role(role).label
