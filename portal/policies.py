"""Permission policies for the kernel's own models (organizations, memberships, enterprises)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from portal.permissions import ALLOW, AnyUser, Decision, Policy, deny, granted_ids, user_scope
from portal.roles import Role


def can_change_organization(user: AnyUser, org: Any) -> Decision:
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    if org.pk in scope.units_with(Role.UNIT_DATA_ADMIN):
        return ALLOW
    if scope.county_paths and any(org.path.startswith(p) for p in scope.county_paths):
        return ALLOW
    return deny("只能维护本单位（或本县区）的单位信息。")


class OrganizationPolicy(Policy):
    """City-wide roles see every unit; a county authority its county; a unit its own units plus explicit grants."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if scope.is_city_wide or scope.has_role(Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER,
                                                Role.PROCUREMENT_SUPERVISOR, Role.TECH_OPERATOR):
            return qs
        if not scope.is_staff_member:
            return qs.none()
        from portal.models import Organization

        return qs.filter(Q(pk__in=scope.unit_ids) | scope.county_q("path")
                         | Q(pk__in=granted_ids(user, Organization, "view_organization")))

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY) else deny("只有市数据管理机构可以新增单位。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_change_organization(user, obj)


class MembershipPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if scope.is_city_wide:
            return qs
        return qs.filter(Q(organization_id__in=scope.unit_ids) | scope.county_q("organization__path"))

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY) else deny("只有市数据管理机构可以分配角色。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return self.can_add(user)


class EnterprisePolicy(Policy):
    """Staff who handle applicants see every applicant; an applicant user sees only its own organisation(s)."""

    STAFF_ROLES = (Role.CITY_AUTHORITY, Role.COUNTY_AUTHORITY, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER,
                   Role.PROCUREMENT_OFFICER, Role.PROCUREMENT_SUPERVISOR, Role.AUDITOR, Role.TECH_OPERATOR)

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if scope.is_superuser or scope.has_role(*self.STAFF_ROLES):
            return qs
        return qs.filter(pk__in=scope.enterprise_ids)

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY, Role.PROGRAM_OFFICER) else deny(
            "申报主体请通过门户网站注册。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        scope = user_scope(user)
        if scope.has_role(Role.CITY_AUTHORITY, Role.PROGRAM_OFFICER) or obj.pk in scope.enterprise_ids:
            return ALLOW
        return deny("只能修改本主体的信息。")


def can_maintain_holidays(user: AnyUser) -> Decision:
    return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY) else deny("只有市数据管理机构可以维护节假日。")


class HolidayOverridePolicy(Policy):
    """City-wide roles and the technical unit read the calendar corrections; the city data authority keeps them."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        return qs if scope.is_city_wide or scope.has_role(Role.TECH_OPERATOR) else qs.none()

    def can_add(self, user: AnyUser) -> Decision:
        return can_maintain_holidays(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_maintain_holidays(user)


class AuditLogPolicy(Policy):
    """City-wide roles read the whole audit log; everyone else the rows they wrote."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if user_scope(user).is_city_wide else qs.filter(actor=user)


def user_list_scope(user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
    """User accounts: city-wide roles see all; anyone else only their own account."""
    return qs if getattr(user, "is_superuser", False) or user_scope(user).is_city_wide else qs.filter(pk=user.pk)


class AccessLogPolicy(Policy):
    """Reads of governed data (QZ §八(四)): city-wide roles and the technical service unit (which keeps the log) see
    every row; a unit's staff the reads of data their unit produces; a county authority those of its county's units.
    Nobody adds, changes or deletes rows here (the admin is read-only, the model append-only)."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if scope.is_city_wide or scope.has_role(Role.TECH_OPERATOR):
            return qs
        if not scope.is_staff_member:
            return qs.none()
        unit_ids = set(scope.unit_ids)
        if scope.county_paths:
            from portal.models import Organization

            unit_ids |= set(Organization.objects.filter(scope.county_q("path")).values_list("pk", flat=True))
        q = Q(pk__in=[])
        for unit_id in sorted(unit_ids):
            q |= Q(producer_unit_keys__contains=f"|{unit_id}|")
        return qs.filter(q)
