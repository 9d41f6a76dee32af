"""Who may see and do what in procurement: ``can_<action>(user, obj) -> Decision``, policies, role permissions.

* A procuring/constructing unit (its procurement officer, leader and data admin) sees its own projects and tenders.
* Supervisors (procurement supervisor, city authority, auditor, finance officer for projects) see everything;
  a county authority its county.
* An evaluator (a committee member linked to a portal account, not recused) sees only the tenders they are assigned
  to, and only after opening.
* An applicant (bidder) sees only its own bids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from portal.permissions import ALLOW, AnyUser, Decision, Policy, deny, units_for, user_scope
from portal.roles import Role

UNIT_ROLES = (Role.PROCUREMENT_OFFICER, Role.UNIT_LEADER, Role.UNIT_DATA_ADMIN)
ALL_SEEING = (Role.PROCUREMENT_SUPERVISOR, Role.CITY_AUTHORITY, Role.AUDITOR)


def _sees_all(user: AnyUser, *extra: str) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or scope.is_city_wide or scope.has_role(*ALL_SEEING, *extra)


def evaluator_tender_ids(user: AnyUser) -> QuerySet[Any]:
    """Tenders where the user sits (not recused) on the committee and bids have been opened."""
    from procurement.models import OPENED_STATUSES, CommitteeMember

    if not user.is_authenticated:
        return CommitteeMember.objects.none().values("tender_id")
    return CommitteeMember.objects.filter(user=user, is_recused=False, retired_at__isnull=True,
                                          tender__status__in=OPENED_STATUSES).values("tender_id")


def tender_q(user: AnyUser, prefix: str = "") -> Q | None:
    """Q over tenders (through ``prefix``) the user may see; None means everything."""
    if _sees_all(user):
        return None
    scope = user_scope(user)
    q = Q(**{f"{prefix}tenderer_id__in": scope.units_with(*UNIT_ROLES)})
    q |= scope.county_q(f"{prefix}tenderer__path")
    q |= Q(**{f"{prefix}pk__in": evaluator_tender_ids(user)})
    return q


def _scoped(qs: QuerySet[Any], q: Q | None) -> QuerySet[Any]:
    return qs if q is None else qs.filter(q)


# --------------------------------------------------------------------------------------------- can_*
# The actors of the workflows (``procurement.workflow``): ``unit`` = procurement officer of the owning/procuring unit
# (``units_for``), ``authority`` = city data authority (approving department), ``supervisor`` = procurement supervisor
# (oversight), ``evaluator`` = a committee member of the tender (not recused).
def is_unit_officer(user: AnyUser, unit_id: int | None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or unit_id in units_for(user, Role.PROCUREMENT_OFFICER)


def can_manage_project(user: AnyUser, project: Any) -> Decision:
    if is_unit_officer(user, project.construction_unit_id):
        return ALLOW
    return deny("只有项目建设单位的采购经办人可以办理该项目事项。")


def can_declare_project(user: AnyUser, unit: Any) -> Decision:
    if is_unit_officer(user, unit.pk):
        return ALLOW
    return deny("只能以本单位名义申报项目（需为本单位采购经办人）。")


def can_approve_project(user: AnyUser, project: Any = None) -> Decision:
    if user_scope(user).has_role(Role.CITY_AUTHORITY):
        return ALLOW
    return deny("只有市数据管理机构（审批部门）可以审核、批复、验收项目或编制年度计划。")


def can_manage_tender(user: AnyUser, tender: Any) -> Decision:
    if is_unit_officer(user, tender.tenderer_id):
        return ALLOW
    return deny("只有招标人（本单位采购经办人）可以办理该招标项目。")


def can_view_score_grid(user: AnyUser, tender: Any) -> Decision:
    """The evaluator × bid grid shows every evaluator's points: the tenderer's unit, its county and supervisors only
    (an evaluator sees their own scores in 评委打分, not the others')."""
    from procurement.models import Tender

    if _sees_all(user):
        return ALLOW
    scope = user_scope(user)
    if tender.tenderer_id in scope.units_with(*UNIT_ROLES):
        return ALLOW
    if Tender.objects.filter(pk=tender.pk).filter(scope.county_q("tenderer__path")).exists():
        return ALLOW
    return deny("只有招标人、所在县区主管部门和采购监管人员可以查看评分汇总表。")


def can_terminate_tender(user: AnyUser, tender: Any) -> Decision:
    """The tenderer ends its own tender; the supervisor may stop it (SM 17)."""
    if is_unit_officer(user, tender.tenderer_id) or user_scope(user).has_role(Role.PROCUREMENT_SUPERVISOR):
        return ALLOW
    return deny("只有招标人（本单位采购经办人）或采购监管人员可以终止招标。")


def _is_evaluator(user: AnyUser, tender: Any) -> bool:
    from procurement.models import CommitteeMember

    if not getattr(user, "is_authenticated", False):
        return False
    user_pk: Any = user.pk
    return CommitteeMember.objects.filter(tender=tender, user_id=user_pk, is_recused=False,
                                          retired_at__isnull=True).exists()


def can_score(user: AnyUser, tender: Any) -> Decision:
    from procurement.models import TenderStatus

    if tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATING):
        return deny("只有开标后、评标期间可以评分。")
    if not _is_evaluator(user, tender):
        return deny("您不是该项目的评标委员会成员（或已回避），不能评分。")
    return ALLOW


def can_record_score(user: AnyUser, member: Any) -> Decision:
    """An evaluator enters only their own points, while not recused, during evaluation."""
    if member.user_id is None or member.user_id != getattr(user, "pk", None):
        return deny("只能录入本人的评分。")
    if member.is_recused:
        return deny("已回避的评委不能评分。")
    return can_score(user, member.tender)


def can_evaluate(user: AnyUser, tender: Any) -> Decision:
    """Qualification, responsiveness, price correction, low-price explanations: the tenderer or an evaluator."""
    if is_unit_officer(user, tender.tenderer_id):
        return ALLOW
    return can_score(user, tender)


def can_handle_objection(user: AnyUser, objection: Any) -> Decision:
    if is_unit_officer(user, objection.tender.tenderer_id):
        return ALLOW
    return deny("异议由招标人处理：只有招标人（本单位采购经办人）可以受理、答复异议。")


def can_deem_objection_accepted(user: AnyUser, objection: Any) -> Decision:
    """The daily schedule (no user) or the tenderer records that the decision period lapsed (R 31)."""
    if user is None:
        return ALLOW
    return can_handle_objection(user, objection)


def can_supervise(user: AnyUser, obj: Any = None) -> Decision:
    if user_scope(user).has_role(Role.PROCUREMENT_SUPERVISOR):
        return ALLOW
    return deny("只有采购监管人员可以办理投诉、处罚、不良行为记录和风险预警复核。")


def can_rerun_red_flags(user: AnyUser, obj: Any) -> Decision:
    """Re-running the red-flag rules of a tender or project: supervisors and the procuring unit's officer."""
    unit_id = getattr(obj, "tenderer_id", None) or getattr(obj, "construction_unit_id", None)
    if user_scope(user).has_role(Role.PROCUREMENT_SUPERVISOR) or is_unit_officer(user, unit_id):
        return ALLOW
    return deny("只有采购监管人员或招标人（本单位采购经办人）可以重新运行风险预警规则。")


def can_record_sharing_failure(user: AnyUser, unit: Any = None) -> Decision:
    if user_scope(user).has_role(Role.CITY_AUTHORITY, Role.PROCUREMENT_SUPERVISOR):
        return ALLOW
    return deny("只有市数据管理机构或采购监管人员可以登记数据共享不达标记录。")


# --------------------------------------------------------------------------------------------- policies
class ProjectPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if _sees_all(user, Role.FINANCE_OFFICER):
            return qs
        scope = user_scope(user)
        return qs.filter(Q(construction_unit_id__in=scope.units_with(*UNIT_ROLES))
                         | scope.county_q("construction_unit__path"))

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.PROCUREMENT_OFFICER) else deny("只有采购经办人可以申报项目。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_manage_project(user, obj)


class ProjectChildPolicy(ProjectPolicy):
    """Rows that belong to a project (data resources, adjustments, reports, extensions)."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from procurement.models import ItProject

        if _sees_all(user, Role.FINANCE_OFFICER):
            return qs
        return qs.filter(project__in=ProjectPolicy().scope(user, ItProject.objects.all()).values("pk"))

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_manage_project(user, obj.project)


class AnnualPlanPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if user_scope(user).is_staff_member else qs.none()

    def can_add(self, user: AnyUser) -> Decision:
        return can_approve_project(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_approve_project(user)


class TenderPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return _scoped(qs, tender_q(user))

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.PROCUREMENT_OFFICER) else deny("只有采购经办人可以新建招标项目。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_manage_tender(user, obj)


class TenderChildPolicy(TenderPolicy):
    """Rows hanging off a tender through ``tender`` (lots, amendments, committee, draws, objections, contracts…)."""

    tender_path = "tender__"

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return _scoped(qs, tender_q(user, self.tender_path))

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_manage_tender(user, self._tender(obj))

    def _tender(self, obj: Any) -> Any:
        node = obj
        for part in self.tender_path.strip("_").split("__"):
            node = getattr(node, part)
        return node


class LotChildPolicy(TenderChildPolicy):
    tender_path = "lot__tender__"


class BidPolicy(LotChildPolicy):
    """Bids: the tender's scope, plus a bidder (applicant) sees its own bids."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        q = tender_q(user, self.tender_path)
        if q is None:
            return qs
        return qs.filter(q | Q(bidder_id__in=user_scope(user).enterprise_ids))


class BidChildPolicy(TenderChildPolicy):
    tender_path = "bid__lot__tender__"


class RedFlagPolicy(TenderChildPolicy):
    """Red flags: supervisors and the procuring unit; evaluators and bidders never."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if _sees_all(user):
            return qs
        scope = user_scope(user)
        return qs.filter(Q(tender__tenderer_id__in=scope.units_with(*UNIT_ROLES))
                         | scope.county_q("tender__tenderer__path"))

    def can_add(self, user: AnyUser) -> Decision:
        return deny("风险预警由系统规则生成，不能手工新增。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_supervise(user)


class SupervisionPolicy(Policy):
    """Complaints, penalties, bad-conduct records: staff read; supervisors write."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if _sees_all(user):
            return qs
        scope = user_scope(user)
        if not scope.is_staff_member:
            return qs.none()
        if "tender" in {f.name for f in qs.model._meta.get_fields()}:
            return qs.filter(tender_q(user, "tender__") or Q())
        return qs

    def can_add(self, user: AnyUser) -> Decision:
        return can_supervise(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_supervise(user)


class SharingFailurePolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if _sees_all(user, Role.FINANCE_OFFICER):
            return qs
        scope = user_scope(user)
        return qs.filter(Q(unit_id__in=scope.unit_ids) | scope.county_q("unit__path"))

    def can_add(self, user: AnyUser) -> Decision:
        return can_record_sharing_failure(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_record_sharing_failure(user)


def _perms(*models: str, actions: tuple[str, ...] = ("view",)) -> list[str]:
    return [f"procurement.{a}_{m}" for m in models for a in actions]


PROJECT_MODELS = ("itproject", "projectdataresource", "budgetadjustment", "performancereport",
                  "acceptanceextension", "annualplan", "sharingfailurefinding")
TENDER_MODELS = ("tender", "lot", "tenderamendment", "bid", "bidlineitem", "hardwarefingerprint", "bidbond",
                 "committeemember", "score", "randomdraw", "publicity", "contract", "objection")
SUPERVISION_MODELS = ("complaint", "penaltydecision", "badconductrecord", "redflag", "ruleparameter")
ALL_MODELS = PROJECT_MODELS + TENDER_MODELS + SUPERVISION_MODELS

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROCUREMENT_OFFICER: _perms(*PROJECT_MODELS, *TENDER_MODELS, actions=("view", "add", "change"))
    + _perms(*SUPERVISION_MODELS),
    Role.PROCUREMENT_SUPERVISOR: _perms(*ALL_MODELS) + _perms(*SUPERVISION_MODELS, "sharingfailurefinding",
                                                              actions=("add", "change")),
    Role.CITY_AUTHORITY: _perms(*ALL_MODELS) + _perms(*PROJECT_MODELS, "ruleparameter", actions=("add", "change")),
    Role.COUNTY_AUTHORITY: _perms(*ALL_MODELS),
    Role.AUDITOR: _perms(*ALL_MODELS),
    Role.FINANCE_OFFICER: _perms(*PROJECT_MODELS),
    Role.UNIT_LEADER: _perms(*PROJECT_MODELS, *TENDER_MODELS),
    Role.UNIT_DATA_ADMIN: _perms("itproject", "projectdataresource"),
}


class ScorePolicy(Policy):
    """评委打分: the procuring unit and supervisors see a tender's scores; an evaluator only their own (after
    opening, not recused) and may enter or change them while the tender is being evaluated."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from procurement.models import OPENED_STATUSES

        if _sees_all(user):
            return qs
        scope = user_scope(user)
        q = Q(bid__lot__tender__tenderer_id__in=scope.units_with(*UNIT_ROLES))
        q |= scope.county_q("bid__lot__tender__tenderer__path")
        if user.is_authenticated:
            q |= Q(member__user=user, member__is_recused=False, bid__lot__tender__status__in=OPENED_STATUSES)
        return qs.filter(q)

    def can_add(self, user: AnyUser) -> Decision:
        if evaluator_tender_ids(user).exists():
            return ALLOW
        return deny("您不是任何已开标项目的评标委员会成员，不能录入评分。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        if obj.member.user_id != getattr(user, "pk", None):
            return deny("只能修改本人的评分。")
        return can_score(user, obj.bid.lot.tender)


def can_set_rule_parameter(user: AnyUser, obj: Any = None) -> Decision:
    if user_scope(user).has_role(Role.CITY_AUTHORITY, Role.PROCUREMENT_SUPERVISOR):
        return ALLOW
    return deny("只有市数据管理机构或采购监管人员可以设置规则参数。")


class RuleParameterPolicy(Policy):
    """Rule parameters: every staff member reads them; the city authority and supervisors set them."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if user_scope(user).is_staff_member or _sees_all(user) else qs.none()

    def can_add(self, user: AnyUser) -> Decision:
        return can_set_rule_parameter(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_set_rule_parameter(user)
