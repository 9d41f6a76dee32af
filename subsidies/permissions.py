"""Who may do what in 惠企政策奖补: can_<action>(user, obj) -> Decision, policies per model, role permissions.

* Applicants (enterprise members) see and act on their own organisation's applications only.
* Reviewers: program officers, unit leaders and the city authority *of the rule's responsible unit*.
* Finance officers see approved-and-later applications (to pay them) and disburse.
* County authorities see applications of enterprises in their county; city-wide roles (city authority, auditor) see all.
* Staff never see an applicant's drafts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from portal.files import PrivateFile
from portal.permissions import ALLOW, NOT_LOGGED_IN, AnyUser, Decision, Policy, deny, units_for, user_scope
from portal.roles import Role
from subsidies.models.applications import FINANCE_VISIBLE
from subsidies.models.applications import ApplicationStatus as S

REVIEW_ROLES = (Role.PROGRAM_OFFICER, Role.UNIT_LEADER, Role.CITY_AUTHORITY)
CONFIG_ROLES = (Role.CITY_AUTHORITY,)
CALL_ROLES = (Role.CITY_AUTHORITY, Role.PROGRAM_OFFICER)
STAFF_READ_ROLES = (Role.CITY_AUTHORITY, Role.COUNTY_AUTHORITY, Role.PROGRAM_OFFICER, Role.UNIT_LEADER,
                    Role.FINANCE_OFFICER, Role.AUDITOR)

_ALL = ["policydocument", "rule", "ruleparameter", "call", "budgetpool", "application", "applicationevent",
        "evidence", "expertscore", "objection", "award", "manualaward", "factsource", "enterprisefact",
        "matchcandidate"]


def _perms(*items: str) -> list[str]:
    return [f"subsidies.{p}" for p in items]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_AUTHORITY: _perms(*[f"view_{m}" for m in _ALL], "add_policydocument", "change_policydocument",
                                "change_rule", "add_ruleparameter", "change_ruleparameter", "add_call", "change_call",
                                "add_budgetpool", "change_budgetpool", "change_application", "add_objection",
                                "change_objection", "add_expertscore", "add_manualaward", "change_manualaward",
                                "add_factsource", "change_factsource", "change_matchcandidate"),
    Role.PROGRAM_OFFICER: _perms(*[f"view_{m}" for m in _ALL], "add_call", "change_call", "add_budgetpool",
                                 "change_budgetpool", "change_application", "add_objection", "change_objection",
                                 "add_expertscore", "add_manualaward", "change_matchcandidate"),
    Role.UNIT_LEADER: _perms(*[f"view_{m}" for m in _ALL], "change_application", "change_manualaward"),
    Role.FINANCE_OFFICER: _perms(*[f"view_{m}" for m in _ALL], "change_budgetpool", "change_application",
                                 "change_manualaward"),
    Role.COUNTY_AUTHORITY: _perms(*[f"view_{m}" for m in _ALL], "change_manualaward"),
    Role.AUDITOR: _perms(*[f"view_{m}" for m in _ALL]),
}


# --------------------------------------------------------------------------------------------- applications
def _reviewed_or_county_q(user: AnyUser) -> Q:
    """Rows (applications, candidates) of the rules the user reviews (``rule``'s responsible unit) or of enterprises
    in the user's counties, as ``rule_id IN (…) OR enterprise_id IN (…)``: semi-joins over small tables instead of
    joins inside an OR (docs/adr/0015-scopes-served-by-indexes.md)."""
    from portal.models import Enterprise
    from subsidies.models import Rule

    scope = user_scope(user)
    q = Q(pk__in=[])
    units = units_for(user, *REVIEW_ROLES)
    if units:
        q |= Q(rule_id__in=Rule.objects.filter(responsible_unit_id__in=units).values("pk"))
    if scope.county_paths:
        q |= Q(enterprise_id__in=Enterprise.objects.filter(scope.county_units_q("region_id")).values("pk"))
    return q


def application_q(user: AnyUser) -> Q | None:
    """``Q`` over Application rows the user may see; None means everything."""
    scope = user_scope(user)
    if scope.is_superuser:
        return None
    own = Q(enterprise_id__in=scope.enterprise_ids)
    if scope.is_city_wide:
        return own | ~Q(status=S.DRAFT)
    staff = _reviewed_or_county_q(user)
    if units_for(user, Role.FINANCE_OFFICER):
        staff |= Q(status__in=FINANCE_VISIBLE)
    return own | (staff & ~Q(status=S.DRAFT))


def own_rules_q(user: AnyUser) -> Q | None:
    """``Q`` over the rules a reviewer works on (those of the bureaus the user reviews for); None for people who are
    no reviewer of a bureau (superusers, city-wide roles, finance, counties): they choose among the rules in their rows."""
    scope = user_scope(user)
    if scope.is_superuser or scope.is_city_wide:
        return None
    units = units_for(user, *REVIEW_ROLES)
    return Q(responsible_unit_id__in=units) if units else None


def scope_applications(user: AnyUser, qs: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
    if not user.is_authenticated:
        return qs.none()
    q = application_q(user)
    if q is None:
        return qs
    if prefix:
        from subsidies.models import Application

        return qs.filter(**{f"{prefix}__in": Application.objects.filter(q).values("pk")})
    return qs.filter(q)


def is_member(user: AnyUser, enterprise_id: int) -> bool:
    return enterprise_id in user_scope(user).enterprise_ids


def is_reviewer(user: AnyUser, rule: Any) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or (rule.responsible_unit_id is not None
                                  and rule.responsible_unit_id in units_for(user, *REVIEW_ROLES))


def can_view_application(user: AnyUser, app: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or is_member(user, app.enterprise_id):
        return ALLOW
    if app.status == S.DRAFT:
        return deny("草稿尚未提交，仅申报主体可见。")
    if scope.is_city_wide or is_reviewer(user, app.rule):
        return ALLOW
    if units_for(user, Role.FINANCE_OFFICER) and app.status in FINANCE_VISIBLE:
        return ALLOW
    region = app.enterprise.region
    if region is not None and any(region.path.startswith(p) for p in scope.county_paths):
        return ALLOW
    return deny("您无权查看该申报。")


def can_create_application(user: AnyUser, enterprise: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or is_member(user, enterprise.pk):
        return ALLOW
    return deny("只能以本主体（本单位统一社会信用代码）的名义申报。")


def can_edit_application(user: AnyUser, app: Any) -> Decision:
    """Facts and evidence: the applicant, while the application is a draft or returned for correction."""
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if not (user_scope(user).is_superuser or is_member(user, app.enterprise_id)):
        return deny("只能修改本主体的申报。")
    if app.status not in (S.DRAFT, S.RETURNED):
        return deny(f"申报当前状态为“{app.get_status_display()}”，只有草稿或退回补正的申报可以修改。")
    return ALLOW


def can_act_for_applicant(user: AnyUser, app: Any) -> Decision:
    """Applicant steps (submit, 补正后重新提交, withdraw): only the applicant organisation itself."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or is_member(user, app.enterprise_id):
        return ALLOW
    return deny("只有申报主体本身可以执行此操作。")


def can_review_application(user: AnyUser, app: Any) -> Decision:
    """Reviewer steps (受理, 补正, 审核, 核定, 公示, 不予支持, 撤销): the responsible unit of the application's rule."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_reviewer(user, app.rule):
        return ALLOW
    return deny(f"只有责任单位（{app.rule.responsible_department}）的经办人、分管领导可以办理该规则的申报。")


def can_review_applications(user: AnyUser) -> Decision:
    """Bulk reviewer actions of the admin list (受理, 开始审核, 公示…): offered only to a reviewing role; each
    application is still checked with ``can_review_application``."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or units_for(user, *REVIEW_ROLES):
        return ALLOW
    return deny("只有责任单位的经办人、分管领导可以批量办理申报。")


def can_close_publicity(user: AnyUser, app: Any) -> Decision:
    """公示期满: the reviewers, or the daily schedule acting as the system (no user)."""
    if user is None:
        return ALLOW  # subsidies.tasks.close_due_publicities
    return can_review_application(user, app)


def can_disburse_award(user: AnyUser, app: Any) -> Decision:
    """财政拨付: finance officers."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or units_for(user, Role.FINANCE_OFFICER):
        return ALLOW
    return deny("只有财政人员可以办理拨付。")


def can_record_objection(user: AnyUser, app: Any) -> Decision:
    if not is_reviewer(user, app.rule):
        return deny("只有责任单位经办人可以登记公示异议。")
    return ALLOW  # the state (公示中) is checked by the service, at the application field


def can_resolve_objection(user: AnyUser, objection: Any) -> Decision:
    if not is_reviewer(user, objection.application.rule):
        return deny("只有责任单位经办人可以处理公示异议。")
    return ALLOW


# --------------------------------------------------------------------------------------------- 免申即享 candidates
def candidate_q(user: AnyUser) -> Q | None:
    """``Q`` over match candidates: staff as for applications (the rule's reviewers, city-wide roles, the enterprise's
    county); the enterprise itself only once a candidate was pushed to it. None means everything."""
    from subsidies.models.matching import CandidateStatus as C

    scope = user_scope(user)
    if scope.is_superuser or scope.is_city_wide:
        return None
    own = Q(enterprise_id__in=scope.enterprise_ids) & ~Q(status__in=(C.PROPOSED, C.DISMISSED))
    return own | _reviewed_or_county_q(user)


def can_view_candidate(user: AnyUser, candidate: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    q = candidate_q(user)
    if q is None or type(candidate).objects.filter(q, pk=candidate.pk).exists():
        return ALLOW
    return deny("您无权查看该免申即享候选。")


def can_push_candidate(user: AnyUser, candidate: Any) -> Decision:
    """推送 / 不予推送: the reviewers of the rule's responsible unit (as for applications)."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_reviewer(user, candidate.rule):
        return ALLOW
    return deny(f"只有责任单位（{candidate.rule.responsible_department}）的经办人、分管领导可以推送该规则的候选。")


def can_respond_candidate(user: AnyUser, candidate: Any) -> Decision:
    """确认 / 放弃: only the enterprise the candidate was pushed to."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_member(user, candidate.enterprise_id):
        return ALLOW
    return deny("只有被推送的企业本身可以确认或放弃。")


def can_expire_candidate(user: AnyUser, candidate: Any) -> Decision:
    """失效: the matching job (no person) when the facts, the history or the rule no longer support the candidate."""
    if user is None:
        return ALLOW
    return deny("候选失效由匹配任务自动判定，不能手工执行。")


def can_run_matching(user: AnyUser) -> Decision:
    """Running the match for a call by hand (admin action): reviewers and the city authority."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or units_for(user, *REVIEW_ROLES):
        return ALLOW
    return deny("只有责任单位的经办人、分管领导或市数据管理机构可以运行匹配。")


def can_edit_fact_sources(user: AnyUser) -> Decision:
    """Fact sources are declared by the data authority (市数据管理机构)."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user_scope(user).is_superuser or units_for(user, Role.CITY_AUTHORITY):
        return ALLOW
    return deny("事实来源由市数据管理机构维护。")


def can_view_summaries(user: AnyUser) -> Decision:
    """Award summaries and pool utilisation: staff only."""
    scope = user_scope(user)
    return ALLOW if scope.has_role(*STAFF_READ_ROLES) else deny("只有工作人员可以查看汇总。")


def can_view_pools(user: AnyUser) -> Decision:
    return ALLOW if user_scope(user).is_staff_member else deny("只有工作人员可以查看资金池。")


def is_staff_member(user: AnyUser) -> bool:
    """Budgets are shown to staff only (the calls API)."""
    return bool(user is not None and user.is_authenticated and user_scope(user).is_staff_member)


def enterprises_of(user: AnyUser) -> frozenset[int]:
    """Ids of the enterprises ``user`` may apply for (its memberships)."""
    return frozenset(user_scope(user).enterprise_ids)


def can_score(user: AnyUser, app: Any) -> Decision:
    if not is_reviewer(user, app.rule):
        return deny("只有责任单位组织的评审人员可以评分。")
    if app.status != S.UNDER_REVIEW:
        return deny("只有审核中的申报可以评分。")
    return ALLOW


def can_download_evidence(user: AnyUser, evidence: Any) -> Decision:
    if evidence.retired_at is not None:
        return deny("该材料已停用。")
    return can_view_application(user, evidence.application)


DOWNLOADS = [PrivateFile("subsidies.Evidence", "file", can_download_evidence,
                         download_name=lambda evidence: evidence.original_name,
                         content_type=lambda evidence: evidence.content_type)]


def can_manage_call(user: AnyUser, call: Any = None) -> Decision:
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    if units_for(user, Role.PROGRAM_OFFICER) and (
            call is None or call.responsible_unit_id is None
            or call.responsible_unit_id in units_for(user, Role.PROGRAM_OFFICER)):
        return ALLOW
    return deny("只有市数据管理机构或本批次组织单位的经办人可以维护申报批次。")


def can_save_pool(user: AnyUser, pool: Any) -> Decision:
    """A new pool: whoever manages its call; a change: finance officers too (budget documents)."""
    if pool.pk is not None and units_for(user, Role.FINANCE_OFFICER):
        return ALLOW
    return can_manage_call(user, pool.call if pool.call_id else None)


def can_edit_rules(user: AnyUser) -> Decision:
    scope = user_scope(user)
    return ALLOW if scope.is_superuser or scope.has_role(*CONFIG_ROLES) else deny(
        "只有市数据管理机构可以维护政策文件、规则和参数。")


# --------------------------------------------------------------------------------------------- policies
class PublicReadPolicy(Policy):
    """Policy texts, rules and calls are public (此件主动公开); only the city authority edits them."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        return ALLOW

    def can_add(self, user: AnyUser) -> Decision:
        return can_edit_rules(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_edit_rules(user)


class CallPolicy(PublicReadPolicy):
    def can_add(self, user: AnyUser) -> Decision:
        return can_manage_call(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_manage_call(user, obj)


def pool_q(user: AnyUser) -> Q | None:
    """``Q`` over BudgetPool rows the user may see; None means every pool.

    City-wide roles and finance officers (they pay every award): all pools. Program officers and unit leaders: the
    pools of calls their unit organises or that carry their unit's rules (and calls without an organising unit, which
    they may manage). County authorities: their county's pools. Anyone else: none.
    """
    from subsidies.models import Call

    scope = user_scope(user)
    if scope.is_city_wide or units_for(user, Role.FINANCE_OFFICER):
        return None
    q = scope.county_units_q("county_id")
    units = units_for(user, Role.PROGRAM_OFFICER, Role.UNIT_LEADER)
    if units:
        calls = Call.objects.filter(Q(responsible_unit_id__in=units) | Q(responsible_unit__isnull=True)
                                    | Q(rules__responsible_unit_id__in=units))
        q |= Q(call__in=calls.values("pk"))
    return q


class BudgetPoolPolicy(Policy):
    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not user.is_authenticated:
            return qs.none()
        q = pool_q(user)
        return qs if q is None else qs.filter(q)

    def can_add(self, user: AnyUser) -> Decision:
        return can_manage_call(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        if units_for(user, Role.FINANCE_OFFICER):
            return ALLOW
        return can_manage_call(user, obj.call)


class ApplicationPolicy(Policy):
    """Rows via ``application_q``; changes only through workflow services (admin actions), never the form."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return scope_applications(user, qs)

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        return can_view_application(user, obj)

    def can_add(self, user: AnyUser) -> Decision:
        scope = user_scope(user)
        return ALLOW if scope.enterprise_ids or scope.is_superuser else deny("只有申报主体用户可以发起申报。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_edit_application(user, obj)

    def can_perform(self, user: AnyUser, obj: Any, action: str) -> Decision | None:
        if action == "score":
            return can_score(user, obj)
        if action in ("update", "partial_update", "evidence_upload"):
            return can_edit_application(user, obj)
        return None


class ApplicationChildPolicy(Policy):
    """Evidence, events, scores, objections, awards: visible exactly when their application is."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return scope_applications(user, qs, prefix="application")

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        return can_view_application(user, obj.application)


class ObjectionPolicy(ApplicationChildPolicy):
    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(*REVIEW_ROLES) else deny("只有经办人可以登记公示异议。")


class AwardPolicy(ApplicationChildPolicy):
    pass


# --------------------------------------------------------------------------------------------- 一事一议
def can_enter_manual_award(user: AnyUser, pool: Any = None) -> Decision:
    """登记一事一议奖补: the city authority, or a program officer of the unit organising the pool's call."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    units = units_for(user, Role.PROGRAM_OFFICER)
    if units and (pool is None or pool.call.responsible_unit_id is None or pool.call.responsible_unit_id in units):
        return ALLOW
    return deny("只有市数据管理机构或该资金池所属批次组织单位的经办人可以登记一事一议奖补。")


def can_approve_manual_awards(user: AnyUser, pool: Any) -> Decision:
    """Who has the authority to approve a 一事一议 award booked in ``pool``: the city authority, the 分管领导 of the
    unit organising the pool's call, or the county authority of a county pool's county."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    unit = pool.call.responsible_unit_id
    if unit is not None and unit in units_for(user, Role.UNIT_LEADER):
        return ALLOW
    county = pool.county
    if county is not None and any(county.path.startswith(p) for p in scope.county_paths):
        return ALLOW
    return deny("审批人须为市数据管理机构负责人、批次组织单位分管领导或资金池所属县（市、区）数据管理机构。")


def can_approve_manual_award(user: AnyUser, award: Any) -> Decision:
    """批准/不予批准: only the approver named at entry, who is not the person who entered it, and still has the
    authority over the pool."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user.pk == award.entered_by_id:
        return deny("登记人不能审批本人登记的一事一议奖补。")
    if user.pk != award.approver_id:
        return deny("只有登记时指定的审批人可以审批该一事一议奖补。")
    return can_approve_manual_awards(user, award.pool)


def can_cancel_manual_award(user: AnyUser, award: Any) -> Decision:
    """撤销 an approved, unpaid 一事一议 award (its money goes back to the pool): its approver or the city authority."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    if user.pk == award.approver_id or user_scope(user).has_role(Role.CITY_AUTHORITY):
        return ALLOW
    return deny("只有审批人或市数据管理机构可以撤销一事一议奖补。")


def can_disburse_manual_award(user: AnyUser, award: Any) -> Decision:
    """财政拨付 of a 一事一议 award: finance officers, as for rule awards."""
    return can_disburse_award(user, award)


def manual_award_q(user: AnyUser) -> Q | None:
    """``Q`` over 一事一议 awards the user may see; None means all: the pools the user sees (``pool_q``), plus what
    the user entered or must approve. Applicants see none in the admin."""
    scope = user_scope(user)
    if scope.is_superuser:
        return None
    if not scope.is_staff_member:
        return Q(pk__in=[])
    q = pool_q(user)
    if q is None:
        return None
    from subsidies.models import BudgetPool

    return (Q(pool__in=BudgetPool.objects.filter(q).values("pk")) | Q(entered_by_id=user.pk)
            | Q(approver_id=user.pk))


def can_view_manual_award(user: AnyUser, award: Any) -> Decision:
    from subsidies.models import ManualAward

    if not user.is_authenticated:
        return NOT_LOGGED_IN
    q = manual_award_q(user)
    if q is None or ManualAward.objects.filter(q, pk=award.pk).exists():
        return ALLOW
    return deny("您无权查看该一事一议奖补。")


class ManualAwardPolicy(Policy):
    """Rows via ``manual_award_q``; entered through ``manual_award_create``, changed only by workflow steps."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not user.is_authenticated:
            return qs.none()
        q = manual_award_q(user)
        return qs if q is None else qs.filter(q)

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        return can_view_manual_award(user, obj)

    def can_add(self, user: AnyUser) -> Decision:
        return can_enter_manual_award(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("一事一议奖补登记后不可修改，请通过审批、撤销等办理环节处理。")


class FactSourcePolicy(Policy):
    """Fact sources: every staff reader sees them; the city authority declares and changes them."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if user_scope(user).is_superuser or units_for(user, *STAFF_READ_ROLES) else qs.none()

    def can_add(self, user: AnyUser) -> Decision:
        return can_edit_fact_sources(user)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_edit_fact_sources(user)


class EnterpriseFactPolicy(Policy):
    """Facts read from submissions: staff as for candidates (city-wide, the enterprise's county, the reviewers of
    the rules that use them); read only (append-only)."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if not user.is_authenticated:
            return qs.none()
        if scope.is_superuser or scope.is_city_wide:
            return qs
        if units_for(user, *REVIEW_ROLES):
            return qs
        return qs.filter(scope.county_units_q("enterprise__region_id"))


class MatchCandidatePolicy(Policy):
    """Rows via ``candidate_q``; changed only by the workflow (push, dismiss …) and the matching job."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not user.is_authenticated:
            return qs.none()
        q = candidate_q(user)
        return qs if q is None else qs.filter(q)

    def can_view(self, user: AnyUser, obj: Any) -> Decision:
        return can_view_candidate(user, obj)

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("免申即享候选由匹配任务生成，请通过推送、不予推送等办理环节处理。")


DOWNLOADS.append(PrivateFile("subsidies.ManualAward", "decision_document", can_view_manual_award,
                             download_name=lambda award: award.document_name))
DOWNLOADS.append(PrivateFile("subsidies.MatchCandidate", "correction_evidence", can_view_candidate))
