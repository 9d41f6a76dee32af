from portal.models.access import AccessAction, AccessChannel, AccessLog
from portal.models.append_only import AppendOnlyModel, AppendOnlyQuerySet, FrozenFieldsModel, FrozenFieldsQuerySet
from portal.models.audit import AuditLog
from portal.models.base import GovernedModel, GovernedQuerySet
from portal.models.enterprises import ApplicantKind, Enterprise, EnterpriseMember
from portal.models.misc import (
    ApiToken,
    HolidayNotice,
    HolidayOverride,
    LoginFailure,
    LoginThrottle,
    Notification,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from portal.models.organizations import Membership, Organization, OrgKind, OrgLevel

__all__ = [
    "AccessAction", "AccessChannel", "AccessLog", "AppendOnlyModel", "AppendOnlyQuerySet", "FrozenFieldsModel", "FrozenFieldsQuerySet", "ApiToken", "ApplicantKind", "AuditLog", "Enterprise", "EnterpriseMember", "GovernedModel", "GovernedQuerySet",
    "HolidayNotice", "HolidayOverride", "LoginFailure", "LoginThrottle", "Membership", "Notification", "OrgKind", "OrgLevel", "Organization",
    "OrganizationGroupObjectPermission", "OrganizationUserObjectPermission",
]
