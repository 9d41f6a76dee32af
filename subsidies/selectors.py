"""Read side of 惠企政策奖补: every list and get is scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from subsidies import filters as f
from subsidies.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetPool,
    Call,
    Evidence,
    ManualAward,
    ManualAwardStatus,
    PolicyDocument,
    Rule,
)
from subsidies.models.matching import MatchCandidate
from subsidies.permissions import (
    BudgetPoolPolicy,
    ManualAwardPolicy,
    MatchCandidatePolicy,
    own_rules_q,
    scope_applications,
)
from subsidies.rules import HistoryItem
from subsidies.rules.catalog import FAMILY_CHOICES
from subsidies.rules.facts import money
from subsidies.workflow import APPLICATION, CLOCK_RUNNING, TIMELINE

LIVE_AWARDS = (AwardStatus.RESERVED, AwardStatus.COMMITTED)

WAITING: dict[str, tuple[str, str]] = {  # status -> (label of the step being waited for, its action on the main path)
    ApplicationStatus.DRAFT: ("待提交", "submit"),
    ApplicationStatus.SUBMITTED: ("待受理", "accept"),
    ApplicationStatus.RETURNED: ("待申报主体补正", "resubmit"),
    ApplicationStatus.ACCEPTED: ("待审核", "review_start"),
    ApplicationStatus.UNDER_REVIEW: ("审核中（待核定）", "approve"),
    ApplicationStatus.APPROVED: ("待公示", "publicity_start"),
    ApplicationStatus.PUBLICITY: ("公示中", "publicity_close"),
    ApplicationStatus.PUBLICIZED: ("待拨付", "disburse"),
}


def _filtered(filterset: Any, qs: QuerySet[Any], filters: dict[str, Any] | None) -> QuerySet[Any]:
    """``qs`` through ``filterset`` with ``filters`` (query-string shaped); invalid values are refused in Chinese."""
    if not filters:
        return qs
    fs = filterset(filters, queryset=qs)
    if not fs.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in fs.errors.items()})
    return fs.qs


def policy_document_list(*, user: Any = None, filters: dict[str, Any] | None = None) -> QuerySet[PolicyDocument]:
    """Policy documents in force (public)."""
    return PolicyDocument.objects.active().prefetch_related("supersedes", "repeals").order_by("-issued_on", "pk")


def rule_list(*, user: Any = None, filters: dict[str, Any] | None = None,
              on: dt.date | None = None) -> QuerySet[Rule]:
    """The rules (public), with document, supersession, unit and parameters; ``on``: only those in force then."""
    base = Rule.objects.in_force(on) if on is not None else Rule.objects.active()
    qs = base.select_related("document", "superseded_by", "responsible_unit").prefetch_related("parameters")
    return _filtered(f.RuleFilter, qs, filters).order_by("sort_order", "code")


def rule_get(code: str) -> Rule | None:
    """One rule in use by its code (public), or None."""
    return Rule.objects.active().select_related("document", "responsible_unit").filter(code=str(code).upper()).first()


def rule_codes_by_family() -> dict[str, list[str]]:
    """Codes of the rules in use, by family (a family-wide call covers each of them)."""
    out: dict[str, list[str]] = {}
    for code, family in Rule.objects.active().values_list("code", "family"):
        out.setdefault(family, []).append(code)
    return out


def call_rules(call: Call) -> QuerySet[Rule]:
    """The rules a call accepts applications for (its own, or its family's)."""
    return Rule.objects.filter(code__in=call.rule_codes()).select_related("document").order_by("sort_order", "code")


def rules_by_family(on: dt.date | None = None) -> list[dict[str, Any]]:
    """Rules in force on ``on`` (default today) grouped by family, for policy lists and the 试算 form."""
    day = on or timezone.localdate()
    groups: dict[str, list[Rule]] = {code: [] for code, _ in FAMILY_CHOICES}
    for rule in Rule.objects.in_force(day).select_related("document", "responsible_unit").order_by("sort_order", "code"):
        groups[rule.family].append(rule)
    families = dict(FAMILY_CHOICES)
    return [{"family": fam, "family_label": families[fam], "rules": groups[fam]} for fam, _ in FAMILY_CHOICES]


def call_list(*, user: Any = None, filters: dict[str, Any] | None = None) -> QuerySet[Call]:
    """Calls (public) with their rules and the budget pools ``user`` may see."""
    pools = pool_list(user=user).select_related("county", "call")
    qs = Call.objects.active().prefetch_related("rules", Prefetch("pools", queryset=pools))
    return _filtered(f.CallFilter, qs, filters).order_by("-year", "code")


def call_list_open(on: dt.date | None = None) -> QuerySet[Call]:
    """Calls accepting applications on ``on`` (default today), with their rules."""
    day = on or timezone.localdate()
    return (Call.objects.active().filter(opens_on__lte=day, closes_on__gte=day)
            .prefetch_related("rules").order_by("closes_on", "pk"))


def application_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Application]:
    """Applications the user may see (applicants: their organisation's), ready for list pages (constant queries)."""
    qs = scope_applications(user, Application.objects.all()).select_related(
        "call", "rule", "rule__document", "enterprise", "enterprise__region").prefetch_related("evidence")
    return _filtered(f.ApplicationFilter, qs, filters).order_by("-created_at", "-pk")


def application_list_for_user(user: Any, *, filters: dict[str, Any] | None = None) -> QuerySet[Application]:
    """``application_list`` with the user positional (the crawl tests' spelling)."""
    return application_list(user=user, filters=filters)


def application_get_for_user(user: Any, pk: Any) -> Application:
    """One application the user may see; raises ``Application.DoesNotExist`` otherwise (also when it exists)."""
    return application_list(user=user).get(pk=pk)


def evidence_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Evidence]:
    """Evidence in use of the applications the user may see."""
    qs = scope_applications(user, Evidence.objects.filter(retired_at__isnull=True), prefix="application")
    return _filtered(f.EvidenceFilter, qs.select_related("application"), filters).order_by("application", "created_at",
                                                                                           "pk")


def award_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Award]:
    """Awards of the applications the user may see."""
    qs = scope_applications(user, Award.objects.all(), prefix="application").select_related(
        "rule", "enterprise", "county", "call", "application")
    return _filtered(f.AwardFilter, qs, filters).order_by("-approved_on", "-pk")


def pool_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[BudgetPool]:
    """Budget pools the user may see (``BudgetPoolPolicy``)."""
    qs = BudgetPoolPolicy().scope(user, BudgetPool.objects.select_related("call", "county"))
    return _filtered(f.PoolFilter, qs, filters).order_by("call__year", "call__code", "pk")


LIVE_MANUAL = (ManualAwardStatus.APPROVED, ManualAwardStatus.DISBURSED)


def manual_award_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[ManualAward]:
    """一事一议 awards the user may see (``ManualAwardPolicy``), newest decision first."""
    qs = ManualAwardPolicy().scope(user, ManualAward.objects.select_related(
        "enterprise", "pool__call", "pool__county", "approver", "entered_by"))
    return _filtered(f.ManualAwardFilter, qs, filters).order_by("-decided_on", "-pk")


def match_candidate_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[MatchCandidate]:
    """免申即享 candidates the user may see (``MatchCandidatePolicy``: applicants only what was pushed to them), ready
    for list pages (constant queries), best amount first within call and rule."""
    qs = MatchCandidatePolicy().scope(user, MatchCandidate.objects.select_related(
        "call", "rule", "enterprise", "enterprise__region", "pushed_by", "application"))
    return _filtered(f.MatchCandidateFilter, qs, filters).order_by("call_id", "rule__code", "-amount", "pk")


def manual_award_summary(manual: QuerySet[ManualAward], *, year: int) -> dict[str, Any]:
    """Approved (reserved + paid) 一事一议 awards of ``manual`` (the caller's scope) of a year: one subtotal row keyed
    一事一议, and the same split by county (city pools count as 市级全额承担)."""
    qs = manual.filter(year=year, status__in=LIVE_MANUAL)
    agg = {"n": Count("pk"), "total": Sum("amount"), "paid": Sum("amount", filter=Q(status=ManualAwardStatus.DISBURSED))}
    counties = []
    for r in qs.values("pool__level", "pool__county__name").annotate(**agg).order_by("pool__county__name"):
        is_county = r["pool__level"] == "county"
        counties.append({"key": r["pool__county__name"] or "（市级全额承担）", "n": r["n"], "total": r["total"],
                         "city": Decimal("0") if is_county else r["total"],
                         "county_total": r["total"] if is_county else Decimal("0"), "paid": r["paid"]})
    total = qs.aggregate(**agg)
    by_level = dict(qs.values_list("pool__level").annotate(s=Sum("amount")))
    row = {"key": "一事一议", "n": total["n"], "total": total["total"], "city": by_level.get("city"),
           "county_total": by_level.get("county"), "paid": total["paid"]}
    return {"total": _cents(row), "county": [_cents(c) for c in counties]}


def _history_rows(qs: QuerySet[Award]) -> Iterator[tuple[int, int, int, HistoryItem]]:
    """(award id, enterprise id, rule id, calculator history item) of live awards in ``qs`` (date = event date)."""
    for pk, enterprise_id, rule_id, code, amount, event_on, approved_on, key in qs.filter(
            status__in=LIVE_AWARDS).values_list("pk", "enterprise_id", "rule_id", "rule__code", "amount",
                                                "application__event_on", "approved_on", "key").order_by("pk"):
        yield pk, enterprise_id, rule_id, HistoryItem(rule=code, amount=amount, date=event_on or approved_on, key=key)


def award_history(*, enterprise_id: int, rule_id: int, exclude_application_id: int | None = None) -> list[HistoryItem]:
    """Approved and disbursed awards of the enterprise under the rule, as calculator history (date = event date)."""
    qs = Award.objects.filter(enterprise_id=enterprise_id, rule_id=rule_id)
    if exclude_application_id:
        qs = qs.exclude(application_id=exclude_application_id)
    return [item for *_, item in _history_rows(qs)]


def award_histories(*, rule_ids: Iterable[int]) -> dict[tuple[int, int], list[tuple[int, HistoryItem]]]:
    """``award_history`` for every enterprise under ``rule_ids`` in one query: (enterprise id, rule id) → [(award id,
    history item)] (the matching job's batch form of the same history the application review uses)."""
    out: dict[tuple[int, int], list[tuple[int, HistoryItem]]] = {}
    for pk, enterprise_id, rule_id, item in _history_rows(Award.objects.filter(rule_id__in=list(rule_ids))):
        out.setdefault((enterprise_id, rule_id), []).append((pk, item))
    return out


def enterprise_award_caps(*, user: Any, enterprise_id: int, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The awards of an enterprise that ``user`` sees, by rule and year (number, amount approved, amount paid) with the
    rule's per-enterprise limits (年度上限/累计上限): the cap in force, what the enterprise's live awards under the rule
    already use, as the calculator counts them (``subsidies.rules.enterprise_caps``), and what remains. The use counts
    every live award of the enterprise under a rule the user sees (the limit is the enterprise's, whoever approved).
    Five queries, whatever the number of awards and rules."""
    from subsidies.calculator import rule_states
    from subsidies.rules import CalculationError, enterprise_caps

    live = Q(status__in=LIVE_AWARDS)
    visible = scope_applications(user, Award.objects.filter(enterprise_id=enterprise_id), prefix="application")
    groups = list(visible.values("rule_id", "rule__code", "rule__title", "year").annotate(
        records=Count("pk"), n=Count("pk", filter=live), total=Sum("amount", filter=live),
        paid=Sum("amount", filter=Q(status=AwardStatus.COMMITTED))).order_by("rule__code", "-year"))
    if not groups:
        return []
    history: dict[str, list[HistoryItem]] = {}
    for *_, item in _history_rows(Award.objects.filter(enterprise_id=enterprise_id,
                                                       rule_id__in={g["rule_id"] for g in groups})):
        history.setdefault(item.rule, []).append(item)
    state_of = rule_states(g["rule__code"] for g in groups)
    day = today or timezone.localdate()
    out = []
    for g in groups:
        year = g["year"]
        on = min(dt.date(year, 12, 31), max(day, dt.date(year, 1, 1)))  # the year's end, or today in the current year
        try:
            caps = enterprise_caps(g["rule__code"], history.get(g["rule__code"], []), on, state_of=state_of)
        except CalculationError:  # a rule no longer in the catalog: no limit to compute
            caps = []
        out.append({"rule_id": g["rule_id"], "rule": f"{g['rule__code']} {g['rule__title']}", "year": year,
                    "records": g["records"], "n": g["n"], "total": money(g["total"] or 0),
                    "paid": money(g["paid"] or 0), "caps": caps})
    return out


def application_timeline(application: Application) -> list[dict[str, Any]]:
    """Steps with Chinese label, status (done/current/pending), done_at, due_on (working days) and is_overdue."""
    steps: list[dict[str, Any]] = []
    due_before = None
    done_actions: set[str] = set()
    for event in application.events.select_related("actor").order_by("at", "pk"):
        if event.action not in APPLICATION.transitions:
            continue
        done_on = timezone.localdate(event.at)
        if event.action == "return_for_correction":
            due_before = None  # 退回补正 pauses the review clock: the review's due date is not this step's deadline
        steps.append({"action": event.action, "label": APPLICATION.transitions[event.action].label, "status": "done",
                      "done_at": event.at, "due_on": due_before,
                      "is_overdue": bool(due_before and done_on > due_before), "note": event.note,
                      "actor": event.actor.get_username() if event.actor else ""})
        done_actions.add(event.action)
        due_before = event.due_on
    status = application.status
    if status in WAITING:
        label, action = WAITING[status]
        steps.append({"action": action, "label": label, "status": "current", "done_at": None,
                      "due_on": application.due_on if status in CLOCK_RUNNING else None,
                      "is_overdue": application.is_overdue, "note": "", "actor": ""})
        path = [a for a, _ in TIMELINE]
        if action in path:
            start = path.index(action) + 1
        else:  # 待补正: the main path continues after the furthest step already done (受理 is not listed twice)
            start = max((path.index(a) + 1 for a in done_actions if a in path), default=0)
        for act, lab in TIMELINE[start:]:
            steps.append({"action": act, "label": lab, "status": "pending", "done_at": None, "due_on": None,
                          "is_overdue": False, "note": "", "actor": ""})
    return steps


def pool_utilisation(pools: QuerySet[BudgetPool], *, year: int | None = None) -> list[dict[str, Any]]:
    """Budget per pool of ``pools`` (the caller's scope): amount, reserved, committed, available, utilisation %."""
    qs = pools.filter(retired_at__isnull=True).select_related("call", "county")
    if year:
        qs = qs.filter(call__year=year)
    return [{"pool": p, "call": p.call.name, "year": p.call.year, "level": p.get_level_display(),
             "county": p.county.name if p.county else "", "amount": p.amount, "reserved": p.reserved,
             "committed": p.committed, "available": p.available, "utilisation": p.utilisation}
            for p in qs.order_by("call__year", "call__code", "level", "county__code")]


def award_summary(awards: QuerySet[Award], *, year: int) -> dict[str, list[dict[str, Any]]]:
    """Approved (reserved + committed) awards of ``awards`` (the caller's scope) of a year, summed by family, rule and
    county."""
    qs = awards.filter(year=year, status__in=(AwardStatus.RESERVED, AwardStatus.COMMITTED))
    families = dict(FAMILY_CHOICES)
    agg = {"n": Count("pk"), "total": Sum("amount"), "city": Sum("city_amount"), "county_total": Sum("county_amount"),
           "paid": Sum("amount", filter=Q(status=AwardStatus.COMMITTED))}
    by_family = [{"key": families.get(r["rule__family"], r["rule__family"]), **_cents(r)}
                 for r in qs.values("rule__family").annotate(**agg).order_by("rule__family")]
    by_rule = [{"key": f"{r['rule__code']} {r['rule__title']}", **_cents(r)}
               for r in qs.values("rule__code", "rule__title").annotate(**agg).order_by("rule__code")]
    by_county: dict[str, dict[str, Any]] = defaultdict(lambda: {"n": 0, "total": Decimal("0"), "city": Decimal("0"),
                                                                "county_total": Decimal("0"), "paid": Decimal("0")})
    for r in qs.values("county__name").annotate(**agg).order_by("county__name"):
        row = by_county[r["county__name"] or "（市级全额承担）"]
        for k in ("n", "total", "city", "county_total", "paid"):
            row[k] += r[k] or 0
    return {"family": by_family, "rule": by_rule,
            "county": [{"key": k, **_cents(v)} for k, v in sorted(by_county.items())]}


def _cents(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (money(v) if isinstance(v, Decimal) else (money(0) if v is None and k != "n" else v))
            for k, v in row.items()}


def rule_filter_choices(user: Any, rows: QuerySet[Any]) -> list[tuple[str, str]]:
    """The rule filter of the application and award lists: a program officer's own bureau's rules; everybody else
    the rules found in the rows they see (``rows``: the list's scoped queryset, with a ``rule`` relation)."""
    q = own_rules_q(user)
    rules = (Rule.objects.filter(q) if q is not None
             else Rule.objects.filter(Exists(rows.order_by().filter(rule_id=OuterRef("pk")))))  # one index probe per rule
    return [(str(pk), f"{code} {title}") for pk, code, title in rules.order_by("code").values_list("pk", "code", "title")]


def rule_outside_note(user: Any, rule_id: str) -> str:
    """A note for a rule chosen in the filter that is not among the user's own rules: which bureau handles it
    (empty when the rule is the user's own or unknown)."""
    q = own_rules_q(user)
    if q is None or not str(rule_id).isdigit():
        return ""
    rule = Rule.objects.select_related("responsible_unit").filter(pk=int(rule_id)).first()
    if rule is None or Rule.objects.filter(q, pk=rule.pk).exists():
        return ""
    return (f"规则“{rule.code} {rule.title}”由{rule.handling_unit}受理、审核，不属于您所在单位经办的规则，"
            "因此列表中没有其申报。如需了解办理情况，请联系该单位。")


# --------------------------------------------------------------------------------------------- 免申即享 (site side)
def pushed_candidate_list(*, user: Any) -> QuerySet[Any]:
    """The 免申即享 candidates pushed to the user's own enterprise(s) and still awaiting its answer (the applicant
    site's 「政策精准推送」); staff see none here (they work in the admin)."""
    from portal.permissions import user_scope
    from subsidies.models import CandidateStatus, MatchCandidate

    scope = user_scope(user)
    return (MatchCandidate.objects.filter(status=CandidateStatus.PUSHED, enterprise_id__in=scope.enterprise_ids)
            .select_related("call", "rule", "rule__document", "enterprise").order_by("-pushed_at", "-pk"))


def pushed_candidate_get(user: Any, pk: Any) -> Any:
    """One pushed candidate of the user's enterprise; raises ``MatchCandidate.DoesNotExist`` otherwise."""
    return pushed_candidate_list(user=user).get(pk=pk)


# The keys of ``MatchCandidate.sources`` rows (written by the matching job) shown to people, in this order; a row
# may spell a key in any of the listed ways. Keys not listed (ids, internal names) are not shown.
SOURCE_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("事实", ("fact_label", "label")),
    ("取值", ("value",)),
    ("目录", ("entry", "catalog", "entry_name", "catalog_entry")),
    ("版本", ("version", "entry_version", "catalog_version")),
    ("报送单位", ("unit", "reporting_unit", "submitting_unit", "provider")),
    ("报送日期", ("submitted_on", "submission_date", "reported_on", "submitted_at")),
    ("负责核实单位", ("vouching_unit",)),
)


def candidate_source_rows(candidate: Any) -> list[dict[str, Any]]:
    """Each fact source of a candidate as (label, value) pairs: 目录、版本、报送单位、报送日期 (and the fact)."""
    rows = []
    for source in candidate.sources or []:
        if not isinstance(source, dict):
            continue
        items = []
        for label, keys in SOURCE_FIELDS:
            value = next((source[k] for k in keys if source.get(k) not in (None, "")), None)
            if value is not None:
                items.append((label, str(value)[:10] if label == "报送日期" else str(value)))
        if items:
            rows.append({"items": items})
    return rows
