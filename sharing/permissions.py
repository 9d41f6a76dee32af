"""Who may see and do what in 数据共享与开放 (catalog_sharing.md §5.5).

Visibility: the applying unit sees its applications; a producer sees applications for its data (not drafts, not
special-agency requests); the technical service unit sees what reached one of its steps; the city authority sees all; a
county authority sees its county; an applicant organisation only its own open-data applications. Special-agency
requests (QZ §五(九)) are visible only to the requesting unit and the city authority.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django.db.models import Q, QuerySet

from portal.files import PrivateFile
from portal.permissions import (
    ALLOW,
    NOT_LOGGED_IN,
    AnyUser,
    Decision,
    Policy,
    UserScope,
    deny,
    units_for,
    user_scope,
)
from portal.roles import Role
from sharing.states import Actor, Status

# ------------------------------------------------------------------------------------------------- model permissions
_VIEW_ALL = ["sharing.view_shareapplication", "sharing.view_authorization", "sharing.view_datauserecord",
             "sharing.view_workflowstep", "sharing.view_produceropinion", "sharing.view_authorizationevent",
             "sharing.view_webhooksubscription", "sharing.view_opendataapplication",
             "sharing.view_opendatagrant", "sharing.view_catalogimpact", "sharing.view_opendataconsent",
             "sharing.view_opendataagreement"]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_AUTHORITY: [*_VIEW_ALL, "sharing.change_shareapplication", "sharing.change_authorization",
                          "sharing.change_opendataapplication", "sharing.view_webhookdelivery"],
    Role.COUNTY_AUTHORITY: [*_VIEW_ALL, "sharing.change_shareapplication"],
    Role.UNIT_DATA_ADMIN: [*_VIEW_ALL, "sharing.add_shareapplication", "sharing.change_shareapplication",
                           "sharing.add_webhooksubscription", "sharing.change_webhooksubscription"],
    Role.UNIT_LEADER: ["sharing.view_shareapplication", "sharing.view_authorization", "sharing.view_datauserecord"],
    Role.TECH_OPERATOR: [*_VIEW_ALL, "sharing.change_shareapplication", "sharing.change_opendataapplication",
                         "sharing.add_webhooksubscription", "sharing.change_webhooksubscription",
                         "sharing.view_webhookdelivery"],
    Role.AUDITOR: [*_VIEW_ALL, "sharing.view_webhookdelivery"],
}


# ------------------------------------------------------------------------------------------------- helpers
def _county_governs(user: AnyUser, unit: Any) -> bool:
    scope = user_scope(user)
    return bool(unit is not None and scope.county_paths and any(unit.path.startswith(p) for p in scope.county_paths))


def is_applicant_admin(user: AnyUser, application: Any) -> bool:
    return user_scope(user).is_superuser or application.applicant_unit_id in units_for(user, Role.UNIT_DATA_ADMIN)


def producer_unit_ids(application: Any) -> set[int]:
    return {e.source_unit_id for e in application.entries.all()}


def can_create_share_application(user: AnyUser, unit: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or unit.pk in units_for(user, Role.UNIT_DATA_ADMIN):
        return ALLOW
    return deny("只有申请单位的数据管理员可以提出数据共享申请。")


def can_edit_share_application(user: AnyUser, application: Any) -> Decision:
    if application.status != Status.DRAFT:
        return deny("申请已提交，不能再修改；如需调整请撤回后重新申请。")
    if not is_applicant_admin(user, application):
        return deny("只有申请单位的数据管理员可以修改本申请。")
    return ALLOW


Predicate = Callable[[AnyUser, Any], Decision]


def _acts_as(actor: str) -> Callable[[Predicate], Predicate]:
    """Marks a workflow actor predicate with the ``Actor`` it stands for (step rows, the admin's “办理方”)."""
    def mark(fn: Predicate) -> Predicate:
        fn.actor = actor  # type: ignore[attr-defined]
        fn.actor_label = Actor(actor).label  # type: ignore[attr-defined]
        return fn
    return mark


@_acts_as(Actor.APPLICANT)
def can_act_for_applicant(user: AnyUser, application: Any) -> Decision:
    """Submit, withdraw: the applicant unit's data admin."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_applicant_admin(user, application):
        return ALLOW
    return deny("只有申请单位的数据管理员可以办理该环节。")


@_acts_as(Actor.TECH)
def can_act_as_tech_unit(user: AnyUser, application: Any) -> Decision:
    """Assessment, interface opening, model building, agreements and push tasks: the technical service unit."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).has_role(Role.TECH_OPERATOR):
        return ALLOW
    return deny("该环节由技术服务单位办理，您无权执行。")


@_acts_as(Actor.CITY_AUTHORITY)
def can_act_as_city_authority(user: AnyUser, application: Any) -> Decision:
    """Coordination, joint review, confirmation, negotiation: the city data authority."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).has_role(Role.CITY_AUTHORITY):
        return ALLOW
    return deny("该环节由市数据管理机构办理，您无权执行。")


@_acts_as(Actor.COUNTY_AUTHORITY)
def can_act_as_county_authority(user: AnyUser, application: Any) -> Decision:
    """County review and forwarding (QZ-A2 §4): the data authority of the applicant unit's county."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or (scope.has_role(Role.COUNTY_AUTHORITY)
                              and _county_governs(user, application.applicant_unit)):
        return ALLOW
    return deny("该环节由申请单位所在县（市、区）数据管理机构办理，您无权执行。")


def _reviewing_actor(application: Any) -> str:
    """Who holds the authority's steps of ``application``: the county's data authority on the county route (QZ-A2 §4,
    “由本区域数据管理机构审核”), the city's otherwise."""
    from sharing.models import Route

    return Actor.COUNTY_AUTHORITY if getattr(application, "route", "") == Route.COUNTY_LOCAL else Actor.CITY_AUTHORITY


def can_act_as_reviewing_authority(user: AnyUser, application: Any) -> Decision:
    """Joint review, confirmation, adjustment, stop, negotiation: the city data authority; on the county route
    (county-local data, QZ-A2 §4) the data authority of the applicant unit's county instead. Annex 2 §4 changes who
    reviews, not what is reviewed: the steps are the city's (docs/adr/0206-sharing-county-route-and-open-data-checks.md)."""
    if _reviewing_actor(application) == Actor.COUNTY_AUTHORITY:
        return can_act_as_county_authority(user, application)
    return can_act_as_city_authority(user, application)


can_act_as_reviewing_authority.actor = Actor.CITY_AUTHORITY  # type: ignore[attr-defined]
can_act_as_reviewing_authority.actor_for = _reviewing_actor  # type: ignore[attr-defined]
can_act_as_reviewing_authority.actor_label = "市数据管理机构（县级审核路线：本县（市、区）数据管理机构）"  # type: ignore[attr-defined]


def can_run_schedule(user: AnyUser, obj: Any) -> Decision:
    """Expiry at the end of the period: only the daily job (no person) runs it."""
    if user is None:
        return ALLOW
    return deny("到期由系统每日自动处理，不能手工执行。")


def can_apply_catalog_change(user: AnyUser, obj: Any) -> Decision:
    """Suspension because the catalog entry changed (docs/adr/0205): run by the system when the entry is published
    or retired, never by hand."""
    if user is None:
        return ALLOW
    return deny("因目录变更暂停由系统在目录发布或停用时自动执行，不能手工执行。")


def assessment_units_q(user: AnyUser) -> Q | None:
    """Units in the assessment of ``user``: ``None`` = every unit (city-wide); else the county authority's county, or
    the user's own units."""
    scope = user_scope(user)
    if scope.is_city_wide:
        return None
    if scope.has_role(Role.COUNTY_AUTHORITY):
        return scope.county_q("path")
    return Q(pk__in=scope.unit_ids)


def member_unit_ids(user: AnyUser) -> frozenset[int]:
    """Units ``user`` is a member of (any role)."""
    return user_scope(user).unit_ids


def applicant_unit_ids(user: AnyUser) -> frozenset[int] | None:
    """Units ``user`` may file share applications for (``None``: every unit, for a superuser)."""
    return None if user_scope(user).is_superuser else units_for(user, Role.UNIT_DATA_ADMIN)


def can_view_assessment(user: AnyUser) -> Decision:
    """The monthly assessment (admin page and API): data authorities and auditors."""
    if user_scope(user).has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.COUNTY_AUTHORITY):
        return ALLOW
    return deny("只有数据管理机构和审计人员可以查看考核评估。")


def can_resubmit_share_application(user: AnyUser, application: Any) -> Decision:
    """A new draft after negotiation: the applicant unit's data admin."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_applicant_admin(user, application):
        return ALLOW
    return deny("只有申请单位的数据管理员可以重新申请。")


def can_give_producer_opinion(user: AnyUser, application: Any, producer_unit: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if application.status != Status.JOINT_REVIEW:
        return deny("只有处于会商环节的申请才能填写生产单位意见。")
    if producer_unit.pk not in producer_unit_ids(application):
        return deny("该单位不是本申请所涉数据的生产单位。")
    if scope.is_superuser or producer_unit.pk in units_for(user, Role.UNIT_DATA_ADMIN):
        return ALLOW
    return deny("只有数据生产单位的数据管理员可以填写会商意见。")


def can_manage_authorization(user: AnyUser, authorization: Any) -> Decision:
    """Suspend / resume / terminate / renew: the city authority; a county authority for county-decided grants."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    from sharing.models import Route

    if (scope.has_role(Role.COUNTY_AUTHORITY) and authorization.application.route == Route.COUNTY_LOCAL
            and _county_governs(user, authorization.consumer_unit)):
        return ALLOW
    return deny("只有数据管理机构可以暂停、恢复、终止或续期授权。")


def can_record_usage(user: AnyUser, authorization: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or authorization.consumer_unit_id in units_for(user, Role.UNIT_DATA_ADMIN, Role.UNIT_LEADER):
        return ALLOW
    return deny("只有被授权单位可以登记该授权的数据使用记录。")


def can_subscribe_webhook(user: AnyUser, authorization: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.TECH_OPERATOR, Role.CITY_AUTHORITY):
        return ALLOW
    units = units_for(user, Role.UNIT_DATA_ADMIN)
    if authorization.consumer_unit_id in units or any(e.source_unit_id in units for e in authorization.entries.all()):
        return ALLOW
    return deny("只有被授权单位、数据生产单位或技术服务单位可以订阅该授权的状态通知。")


# ------------------------------------------------------------------------------------------------- open data
def is_enterprise_member(user: AnyUser, enterprise: Any) -> bool:
    return enterprise.pk in user_scope(user).enterprise_ids


@_acts_as(Actor.APPLICANT)
def can_act_for_open_applicant(user: AnyUser, application: Any) -> Decision:
    """Submit, withdraw an open-data application: a member of the applicant organisation."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_enterprise_member(user, application.enterprise):
        return ALLOW
    return deny("只有申请主体本身可以办理该环节。")


def open_pending_provider_ids(application: Any) -> set[int]:
    """Provider units (source units of the requested entries) that have not yet consented or refused."""
    given = {c.producer_unit_id for c in application.consents.all()}
    return {e.source_unit_id for e in application.entries.all()} - given


def open_provider_ids_answered_by(user: AnyUser, application: Any) -> set[int]:
    """The pending provider units ``user`` answers for (a superuser: one at a time)."""
    pending = open_pending_provider_ids(application)
    if user_scope(user).is_superuser:
        return {min(pending)} if pending else set()
    return pending & set(units_for(user, Role.UNIT_DATA_ADMIN))


@_acts_as(Actor.PRODUCER)
def can_act_as_open_provider(user: AnyUser, application: Any) -> Decision:
    """Consent or refuse to open the data (FJ-OPEN art.10 “经数据提供单位同意”): the data admin of a provider unit of
    the requested entries that has not given its opinion yet."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    pending = open_pending_provider_ids(application)
    if pending and (user_scope(user).is_superuser or pending & units_for(user, Role.UNIT_DATA_ADMIN)):
        return ALLOW
    return deny("该环节由所申请目录的数据提供单位的数据管理员办理（每个单位一次）；您无权执行或本单位已提交意见。")


def can_download_open_file(user: AnyUser, application: Any) -> Decision:
    """资格证明材料: the applicant organisation and the staff who may see the application."""
    if OpenDataApplicationPolicy().can_view(user, application):
        return ALLOW
    return deny("您无权查看该申请及其附件。")


def can_download_open_agreement(user: AnyUser, agreement: Any) -> Decision:
    return can_download_open_file(user, agreement.application)


def can_manage_open_grant(user: AnyUser, grant: Any) -> Decision:
    """Suspend / resume / terminate an open-data grant: the city data authority only."""
    if not user or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    return deny("只有市数据管理机构可以暂停、恢复或终止授权开放许可。")


# ------------------------------------------------------------------------------------------------- policies
def _audience_ids(model: Any, column: str, s: UserScope, **unit_sees: bool) -> QuerySet[Any]:
    """Record ids (``column``) of the audience rows (docs/adr/0015) a user's scope reaches: those of the user's units
    (``unit_sees=True``: those the unit's staff see), and, for a county authority, those of the units in its counties
    that the county sees (``county_sees``). Both arms are lists of unit ids, so the two (partial) indexes serve them
    in one bitmap OR; a subquery for the county's units inside the OR would scan every audience row."""
    q = Q(unit_id__in=s.unit_ids, **unit_sees)
    if s.county_paths:
        q |= Q(county_sees=True, unit_id__in=s.county_unit_ids)
    return model.objects.filter(q).values(column)


class ShareApplicationPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from sharing.models import RequestKind, ShareApplicationAudience, WorkflowStep

        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
            return qs
        # One semi-join over the audience rows (docs/adr/0015): the applicant unit's staff see every state, the
        # producer units' and the applicant unit's county authority what is submitted and not a special agency's.
        not_special = ~Q(kind=RequestKind.SPECIAL_AGENCY)
        submitted = ~Q(status=Status.DRAFT)
        q = Q(pk__in=[])
        if s.unit_ids or s.county_paths:
            seen = _audience_ids(ShareApplicationAudience, "application_id", s, unit_sees=True)
            q = Q(pk__in=seen)
        if s.has_role(Role.AUDITOR):
            q |= not_special & submitted
        if s.has_role(Role.TECH_OPERATOR):
            tech = WorkflowStep.objects.filter(share_application__isnull=False, actor=Actor.TECH)
            q |= Q(pk__in=tech.values("share_application_id")) & not_special
        return qs.filter(q)

    def visible_ids(self, user: AnyUser) -> QuerySet[Any] | None:
        """The ids of the applications ``user`` sees as one semi-join over the audience rows, for scoping rows of an
        application (workflow steps) by ``share_application_id IN (…)``; None when the scope is more than the
        audience rows (no staff member, superuser, city authority, auditor, technical service unit: use ``scope``)."""
        from sharing.models import ShareApplicationAudience

        s = user_scope(user)
        if (not user.is_authenticated or not s.is_staff_member or not (s.unit_ids or s.county_paths)
                or s.has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.TECH_OPERATOR)):
            return None
        return _audience_ids(ShareApplicationAudience, "application_id", s, unit_sees=True)

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.UNIT_DATA_ADMIN) else deny(
            "只有单位数据管理员可以提出数据共享申请。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        if not self.can_view(user, obj):
            return deny("您无权查看该申请。")
        return can_edit_share_application(user, obj)


def can_download_application_file(user: AnyUser, application: Any) -> Decision:
    """需求说明、技术方案: whoever may see the application."""
    if ShareApplicationPolicy().can_view(user, application):
        return ALLOW
    return deny("您无权查看该申请及其附件。")


def _attachment(field: str, label: str) -> PrivateFile:
    """Sent as “<label>-<application number><extension>”."""
    return PrivateFile("sharing.ShareApplication", field, can_download_application_file,
                       download_name=lambda app: f"{label}-{app.number}{PurePath(getattr(app, field).name).suffix}")


DOWNLOADS = [
    _attachment("requirements_doc", "需求说明"), _attachment("technical_plan", "技术方案"),
    PrivateFile("sharing.OpenDataApplication", "eligibility_evidence", can_download_open_file,
                download_name=lambda app: f"资格证明材料-{app.number}{PurePath(app.eligibility_evidence.name).suffix}"),
    PrivateFile("sharing.OpenDataAgreement", "file", can_download_open_agreement,
                download_name=lambda a: f"数据使用和安全保障协议-{a.number}{PurePath(a.file.name).suffix}"),
]

# The producer units of each record (the source units of the catalog entries concerned), for the access log of reads
# (QZ §八(四); portal/access_log.py).
ACCESS_UNITS = {
    "sharing.ShareApplication": "entries__source_unit",
    "sharing.ProducerOpinion": "producer_unit",
    "sharing.Authorization": "entries__source_unit",
    "sharing.DataUseRecord": "authorization__entries__source_unit",
    "sharing.OpenDataApplication": "entries__source_unit",
    "sharing.OpenDataGrant": "entries__source_unit",
}


class AuthorizationPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
            return qs
        ids = self.visible_ids(user)
        if ids is None:
            return qs.filter(Q(pk__in=self.audience_ids(s)) | Q(is_special=False))
        return qs.filter(pk__in=ids)

    @staticmethod
    def audience_ids(s: UserScope) -> QuerySet[Any]:
        """Ids of the authorizations seen through the audience rows (docs/adr/0015): the consumer unit's staff, the
        producer units' and the consumer unit's county authority (special agencies' grants: the consumer only)."""
        from sharing.models import AuthorizationAudience

        return _audience_ids(AuthorizationAudience, "authorization_id", s)

    def visible_ids(self, user: AnyUser) -> QuerySet[Any] | None:
        """The ids of the authorizations ``user`` sees as one semi-join over the audience rows, for scoping rows of
        an authorization (usage records) by ``authorization_id IN (…)``; None when the user sees more than the
        audience rows say (superuser, city authority, auditor, technical service unit: use ``scope``)."""
        s = user_scope(user)
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.TECH_OPERATOR):
            return None
        return self.audience_ids(s)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("授权记录只能通过暂停、恢复、终止、续期操作变更。")


class DataUseRecordPolicy(Policy):
    """Usage records follow their authorization's visibility; never changed or deleted."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from sharing.models import Authorization

        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
            return qs
        policy = AuthorizationPolicy()
        visible = policy.visible_ids(user)
        if visible is None:
            visible = policy.scope(user, Authorization.objects.all()).values("pk")
        return qs.filter(authorization_id__in=visible)

    def own_units(self, user: AnyUser, qs: QuerySet[Any], unit_ids: Any) -> QuerySet[Any]:
        """The records of the user's own units among ``unit_ids`` (the 本单位 list). A usage record's unit is its
        authorization's consumer unit (``usage_records_push``), whose staff always see that authorization, so these
        rows are in ``scope`` by construction: filtering on the unit alone lets PostgreSQL read them from the
        (unit, acquired_at) index in order, where the scope's semi-join AND the unit misestimated 26× and sorted
        every record of the unit (ADR 0015)."""
        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        return qs.filter(unit_id__in=set(unit_ids) & set(s.unit_ids))

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.UNIT_DATA_ADMIN, Role.UNIT_LEADER) else deny(
            "只有单位数据管理员可以登记数据使用记录。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("数据使用记录只可追加，不可修改。")

    def can_delete(self, user: AnyUser, obj: Any) -> Decision:
        return deny("数据使用记录须保存不少于3年，不可删除。")


class CatalogImpactPolicy(Policy):
    """What a catalog change did to a grant: seen by whoever sees the grant, and by the entry's producer unit (special
    agencies' authorizations aside); never changed or deleted."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from sharing.models import Authorization, OpenDataGrant

        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
            return qs
        auths = AuthorizationPolicy().visible_ids(user)
        if auths is None:
            auths = AuthorizationPolicy().scope(user, Authorization.objects.all()).values("pk")
        grants = OpenDataGrantPolicy().scope(user, OpenDataGrant.objects.all()).values("pk")
        own_entry = Q(entry__source_unit_id__in=s.unit_ids) & ~Q(authorization__is_special=True)
        return qs.filter(Q(authorization_id__in=auths) | Q(open_grant_id__in=grants) | own_entry)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("目录变更影响记录只可追加，不可修改。")

    def can_delete(self, user: AnyUser, obj: Any) -> Decision:
        return deny("目录变更影响记录只可追加，不可删除。")


class WorkflowStepPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from sharing.models import OpenDataApplication, ShareApplication

        share = ShareApplicationPolicy().visible_ids(user)
        if share is None:
            share = ShareApplicationPolicy().scope(user, ShareApplication.objects.all()).values("pk")
        open_ = OpenDataApplicationPolicy().scope(user, OpenDataApplication.objects.all()).values("pk")
        return qs.filter(Q(share_application_id__in=share) | Q(open_application_id__in=open_))


class OpenDataApplicationPolicy(Policy):
    STAFF = (Role.CITY_AUTHORITY, Role.TECH_OPERATOR, Role.AUDITOR)

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        s = user_scope(user)
        if not user.is_authenticated:
            return qs.none()
        if s.is_superuser or s.has_role(*self.STAFF):
            return qs if s.is_superuser else qs.filter(Q(enterprise_id__in=s.enterprise_ids)
                                                       | ~Q(status="draft"))
        q = Q(enterprise_id__in=s.enterprise_ids)
        if s.unit_ids and s.is_staff_member:  # a provider unit sees submitted applications for its data
            from sharing.models import OpenDataApplicationAudience

            providers = OpenDataApplicationAudience.objects.filter(unit_id__in=s.unit_ids).values("application_id")
            q |= Q(pk__in=providers) & ~Q(status="draft")
        return qs.filter(q)

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).enterprise_ids else deny("只有已注册的申请主体可以提出授权开放申请。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("授权开放申请只能通过办理操作变更。")


class OpenDataGrantPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        s = user_scope(user)
        if not user.is_authenticated:
            return qs.none()
        if s.is_superuser or s.has_role(*OpenDataApplicationPolicy.STAFF):
            return qs
        return qs.filter(enterprise_id__in=s.enterprise_ids)


class WebhookSubscriptionPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        s = user_scope(user)
        if not user.is_authenticated or not s.is_staff_member:
            return qs.none()
        if s.is_superuser or s.has_role(Role.CITY_AUTHORITY, Role.AUDITOR):
            return qs
        return qs.filter(owner=user)

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.UNIT_DATA_ADMIN, Role.TECH_OPERATOR, Role.CITY_AUTHORITY) \
            else deny("您无权订阅授权状态通知。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return ALLOW if obj.owner_id == user.pk or user_scope(user).is_superuser else deny("只能管理自己的订阅。")


class WebhookDeliveryPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from sharing.models import WebhookSubscription

        subs = WebhookSubscriptionPolicy().scope(user, WebhookSubscription.objects.all()).values("pk")
        return qs.filter(subscription_id__in=subs)
