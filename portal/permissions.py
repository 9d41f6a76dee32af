"""Permission conventions shared by every app.

* ``can_<action>(user, obj) -> Decision`` functions live in each app's ``permissions.py``; a ``Decision`` is truthy
  when allowed and carries the Chinese reason shown to the user when not.
* A ``Policy`` groups them per model: ``scope(user, qs)`` (rows the user may see), ``can_view``, ``can_add``,
  ``can_change``, ``can_delete`` (governed records: never), ``can_perform`` (workflow actions over the API). The
  admin mixin and the DRF permission class both call it, so admin, API and services answer the same way.
* Scope facts about a user (units, counties, roles) are computed once per request and cached on the user object.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Model, Q, QuerySet

from portal.roles import CITY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    AnyUser = User | AnonymousUser
else:
    AnyUser = Any


class Decision(NamedTuple):
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True, "")


def deny(reason: str) -> Decision:
    return Decision(False, reason)


NOT_LOGGED_IN = deny("请先登录。")
NO_DELETE = deny("受管记录不可删除；请使用“停用”或相应的撤回、终止操作。")


@dataclass(frozen=True)
class UserScope:
    """What a user is, for scoping: memberships by role, counties they govern, applicant organisations."""

    is_superuser: bool
    roles: frozenset[str]
    unit_ids: frozenset[int]  # units the user is a member of (any role)
    units_by_role: dict[str, frozenset[int]]
    county_paths: tuple[str, ...]  # paths of counties where the user is county authority
    enterprise_ids: frozenset[int]

    @property
    def is_city_wide(self) -> bool:
        return self.is_superuser or bool(self.roles & CITY_WIDE_ROLES)

    @property
    def is_staff_member(self) -> bool:
        return self.is_superuser or bool(self.roles - {Role.APPLICANT})

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))

    def units_with(self, *roles: str) -> frozenset[int]:
        out: set[int] = set()
        for role in roles:
            out |= self.units_by_role.get(role, frozenset())
        return frozenset(out)

    def county_q(self, path_field: str) -> Q:
        """``Q`` matching rows whose organisation path lies in one of the user's counties."""
        q = Q(pk__in=[])
        for path in self.county_paths:
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    @cached_property
    def county_unit_ids(self) -> frozenset[int]:
        """Ids of the units in the user's counties (the county itself included): one query, once per request (the
        scope is cached on the user object)."""
        if not self.county_paths:
            return frozenset()
        from portal.models import Organization

        return frozenset(Organization.objects.filter(self.county_q("path")).values_list("pk", flat=True))

    def county_units_q(self, unit_field: str) -> Q:
        """``Q`` matching rows whose unit (the foreign key ``unit_field``) lies in one of the user's counties, as
        ``unit_field IN (SELECT id FROM organization WHERE path LIKE …)``: the same rows as ``county_q`` over
        ``<unit_field>__path`` without a join inside an OR, so the rest of the scope can still use its indexes
        (docs/adr/0015-scopes-served-by-indexes.md)."""
        if not self.county_paths:
            return Q(pk__in=[])
        from portal.models import Organization

        return Q(**{f"{unit_field}__in": Organization.objects.filter(self.county_q("path")).values("pk")})


EMPTY_SCOPE = UserScope(False, frozenset(), frozenset(), {}, (), frozenset())


def county_root_path(path: str) -> str:
    """The path of the county-level root above a unit (``/city/county/``); the unit's own path if shallower."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else path


def user_scope(user: AnyUser) -> UserScope:
    """The user's scope facts, computed with two queries and cached on the user object."""
    if user is None or not user.is_authenticated:
        return EMPTY_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    from portal.models import EnterpriseMember, Membership

    by_role: dict[str, set[int]] = {}
    county_paths: list[str] = []
    for role, org_id, path in Membership.objects.filter(
        user=user, retired_at__isnull=True, organization__retired_at__isnull=True
    ).values_list("role", "organization_id", "organization__path"):
        by_role.setdefault(role, set()).add(org_id)
        if role == Role.COUNTY_AUTHORITY:
            county_paths.append(county_root_path(path))
    enterprise_ids = frozenset(
        EnterpriseMember.objects.filter(user=user, retired_at__isnull=True).values_list("enterprise_id", flat=True)
    )
    roles = set(by_role)
    if enterprise_ids:
        roles.add(Role.APPLICANT)
    scope = UserScope(
        is_superuser=bool(getattr(user, "is_superuser", False)),
        roles=frozenset(roles),
        unit_ids=frozenset(i for ids in by_role.values() for i in ids),
        units_by_role={r: frozenset(ids) for r, ids in by_role.items()},
        county_paths=tuple(county_paths),
        enterprise_ids=enterprise_ids,
    )
    user._portal_scope = scope  # type: ignore[union-attr,attr-defined]
    return scope


def granted_ids(user: AnyUser, model: type[Model], codename: str) -> QuerySet[Any]:
    """Ids of ``model`` rows explicitly granted to the user (or the user's groups) with guardian direct-FK tables."""
    from guardian.shortcuts import get_objects_for_user

    perm = f"{model._meta.app_label}.{codename}"
    return get_objects_for_user(user, perm, klass=model._default_manager.all(), accept_global_perms=False,
                                with_superuser=False).values("pk")


class Policy:
    """Object-level rules for one model; subclass per model in the app's ``permissions.py``."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.none()

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        if not user.is_authenticated:
            return NOT_LOGGED_IN
        if self.scope(user, type(obj)._default_manager.filter(pk=obj.pk)).exists():
            return ALLOW
        return deny("您无权查看该记录。")

    def can_add(self, user: AnyUser) -> Decision:
        return deny("您无权新增此类记录。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("您无权修改该记录。")

    def can_delete(self, user: AnyUser, obj: Any) -> Decision:
        return NO_DELETE

    def can_perform(self, user: AnyUser, obj: Any, action: str) -> Decision | None:
        """Who may take the API action ``action`` (the viewset action's name) on ``obj``. The API asks before the
        request body is read, so a caller without the right is refused (403) whatever the body holds. None: no rule
        of its own; the service decides once the body is validated."""
        return None


def require(decision: Decision) -> None:
    """Raise ``PermissionDenied`` with the decision's reason when it is a refusal (used by services)."""
    from django.core.exceptions import PermissionDenied

    if not decision:
        raise PermissionDenied(decision.reason)


def units_for(user: AnyUser, *roles: str) -> frozenset[int]:
    """Ids of the units ``user`` may act for in ``roles`` (its memberships in those roles); the one answer to "for
    which units may this person act", used by every app's ``permissions.py``."""
    return user_scope(user).units_with(*roles)


# Who may open the 企业画像 (docs/adr/0010-enterprise-profile.md): staff whose work concerns applicant organisations —
# the data authorities (city, county), the subsidy officers (program, finance), procurement staff (officer,
# supervisor) and the auditor. Not: applicants (not even for their own organisation: the site shows them their
# records), unit data administrators and leaders (their work is their unit's catalogue and data), technical operators.
PROFILE_ROLES = (Role.CITY_AUTHORITY, Role.COUNTY_AUTHORITY, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER,
                 Role.PROCUREMENT_OFFICER, Role.PROCUREMENT_SUPERVISOR, Role.AUDITOR)


def can_view_enterprise_profile(user: AnyUser, enterprise: Any = None) -> Decision:
    """企业画像 of ``enterprise`` (any enterprise when None): staff with a need to know (``PROFILE_ROLES``); each
    section of the profile is then scoped by the viewer's own permissions."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.roles & set(PROFILE_ROLES):
        return ALLOW
    return deny("企业画像仅向有业务需要的工作人员开放（数据管理机构、政策业务经办人、财政人员、采购经办与监管人员、审计人员）。")
