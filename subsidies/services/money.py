"""Money safety: approval reserves against the call's pools under row locks; disbursement commits; withdrawal or
cancellation releases. Caps and competitive limits are re-checked under the same locks, so concurrent approvals
cannot over-commit a pool, an enterprise's annual/cumulative cap or a rule's yearly award count.

The bookings run inside the effects of the workflow steps (``APPLICATION.apply`` holds the application's lock).
Lock order (always the same, so no deadlocks): application → rule (competitive rules) → enterprise → pools by pk.
Budget-pool edits by staff (``subsidies.services.config.budget_pool_save``) take the pool lock too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from portal.audit import audit_record
from portal.locks import lock, lock_all, lock_first, relock
from portal.models import Enterprise
from portal.workflow import Step
from subsidies.models import Application, Award, AwardStatus, BudgetPool, PoolLevel
from subsidies.review_checks import findings_refusal, review_findings
from subsidies.rules import funding_split, get_rule_def
from subsidies.rules.facts import money
from subsidies.selectors import LIVE_AWARDS
from subsidies.services.common import compute, notify_applicant, step_effect
from subsidies.workflow import APPLICATION


def _county_of(enterprise: Enterprise) -> Any:
    region = enterprise.region
    return region.county if region is not None else None


def _lock_pools(ids: list[int]) -> dict[int, BudgetPool]:
    return {p.pk: p for p in lock_all(BudgetPool, ids)}


def _book(pool: BudgetPool, *, reserved: Decimal = Decimal("0"), committed: Decimal = Decimal("0")) -> None:
    pool.reserved = money(pool.reserved + reserved)
    pool.committed = money(pool.committed + committed)
    pool.save(update_fields=["reserved", "committed", "updated_at"])


def application_approve(*, application: Application, amount: Any, acting_user: Any, note: str = "") -> Award:
    """核定: fix the amount (≤ the ceiling computed now from facts and award history) and reserve it in the pools.
    An amount below the ceiling needs its reason in ``note`` (it is the decision's 审核意见)."""
    app = APPLICATION.apply("approve", application, user=acting_user, amount=amount, note=note)
    return Award.objects.get(application=app)


@step_effect("approve")
def _approve(step: Step) -> str:
    """Refused when the amount exceeds the ceiling (which includes per-enterprise annual / cumulative caps), when a
    competitive rule already has its yearly number of awards, when a pool share does not fit, or when the 交叉核查
    (``subsidies.review_checks``) blocks it or flags it without the reviewer's note."""
    app = step.obj
    value: Decimal = step.inputs["amount"]
    note = str(step.inputs.get("note") or "").strip()
    if not 0 < value < Decimal("1e16") or value != value.quantize(Decimal("0.01")):
        raise ValidationError({"amount": ["核定金额应为大于0的金额，最多两位小数。"]})
    findings = review_findings(app, on=step.on)
    refusal = findings_refusal(findings, note=note)
    if refusal:
        raise ValidationError(refusal if any(f.blocking for f in findings) else {"note": [refusal]})
    rule = app.rule
    limit = rule.competitive_limit
    if limit:
        rule = relock(rule)  # serialises the yearly count
        if not app.scores.exists():
            raise ValidationError("竞争性评选规则须先完成专家评分，方可核定。")
        used = Award.objects.filter(rule=rule, year=app.period, status__in=LIVE_AWARDS).count()
        if used >= limit:
            raise ValidationError(f"{rule.code} 每年评选不超过 {limit} 个，{app.period} 年度已核定 {used} 个。")
    enterprise = lock(Enterprise, app.enterprise_id)  # serialises per-enterprise caps
    facts = dict(app.facts)
    if "selected" in {f.name for f in get_rule_def(rule.code).facts}:
        facts["selected"] = True  # the approval is the selection decision of the review
    result = compute(app, facts=facts)
    if not result["eligible"]:
        raise ValidationError("按申报事实和已获奖补记录测算不符合条件：" + "；".join(result["reasons"]))
    ceiling = Decimal(result["amount"])
    if value > ceiling:
        raise ValidationError({"amount": [f"核定金额 {value} 元超过测算上限 {ceiling} 元（已计入本主体已获奖补与年度/累计上限）。"]})
    if value < ceiling and not note:
        raise ValidationError({"note": [f"核定金额 {value} 元低于测算上限 {ceiling} 元，须在说明中写明核减理由（载入决定书）。"]})
    shares = funding_split(value, rule.funding)
    city_share, county_share = Decimal(shares["city"]), Decimal(shares["county"])
    city_pool = BudgetPool.objects.active().filter(call_id=app.call_id, level=PoolLevel.CITY).first()
    if city_pool is None:
        raise ValidationError("该申报批次未设置市级资金池，无法核定。")
    county = _county_of(enterprise)
    county_pool = None
    if county_share > 0:
        if county is None:
            raise ValidationError("申报主体未登记所在县（市、区），无法确定县级分担资金池。")
        county_pool = BudgetPool.objects.active().filter(call_id=app.call_id, level=PoolLevel.COUNTY,
                                                          county=county).first()
        if county_pool is None:
            raise ValidationError(f"该申报批次未设置{county.name}的县级资金池，无法核定。")
    pools = _lock_pools([p.pk for p in (city_pool, county_pool) if p is not None])
    for pool, share in ((city_pool, city_share), (county_pool, county_share)):
        if pool is None or share <= 0:
            continue
        locked = pools[pool.pk]
        if locked.available < share:
            raise ValidationError(f"资金池“{locked}”余额不足：可用 {money(locked.available)} 元，本次需 {share} 元。")
    _book(pools[city_pool.pk], reserved=city_share)
    if county_pool is not None and county_share > 0:
        _book(pools[county_pool.pk], reserved=county_share)
    Award.objects.create(
        application=app, enterprise=enterprise, rule=rule, call_id=app.call_id, key=app.key, year=app.period,
        amount=value, city_amount=city_share, county_amount=county_share, county=county,
        city_pool=city_pool, county_pool=county_pool if county_share > 0 else None, approved_on=step.on,
        payee_name=enterprise.name, payee_bank=enterprise.bank_name, payee_account=enterprise.bank_account)
    app.approved_amount, app.ceiling, app.calculation = value, ceiling, result
    app.facts = facts
    app.decision_reason = note
    notify_applicant(step, f"申报 {app.number} 已核定", lambda: f"核定奖补金额 {value} 元，将进入公示。")
    return note or f"核定 {value} 元（上限 {ceiling} 元）"


def release_award(app: Application, *, acting_user: Any, on: Any) -> Award | None:
    """Give the reserved money of an approved application back to its pools (caller holds the application lock:
    the effects of ``withdraw`` and ``cancel``)."""
    award = lock_first(Award.objects.filter(application=app))
    if award is None or award.status != AwardStatus.RESERVED:
        return award
    pools = _lock_pools([p for p in (award.city_pool_id, award.county_pool_id) if p])
    _book(pools[award.city_pool_id], reserved=-award.city_amount)
    if award.county_pool_id:
        _book(pools[award.county_pool_id], reserved=-award.county_amount)
    award.status, award.released_on = AwardStatus.RELEASED, on
    award.save()
    audit_record(actor=acting_user, action="subsidies.award.release", obj=award, after={"amount": str(award.amount)})
    return award


def application_disburse(*, application: Application, acting_user: Any, payment_reference: str = "",
                         paid_on: Any = None, note: str = "") -> Award:
    """财政拨付 after publicity, confirmed with the payment reference and date: the reserved shares become committed."""
    app = APPLICATION.apply("disburse", application, user=acting_user, payment_reference=payment_reference,
                            paid_on=paid_on, note=note)
    return Award.objects.get(application=app)


@step_effect("disburse")
def _disburse(step: Step) -> str:
    app = step.obj
    award = lock_first(Award.objects.filter(application=app))
    if award is None or award.status != AwardStatus.RESERVED:
        raise ValidationError("该奖补不处于待拨付状态。")
    pools = _lock_pools([p for p in (award.city_pool_id, award.county_pool_id) if p])
    _book(pools[award.city_pool_id], reserved=-award.city_amount, committed=award.city_amount)
    if award.county_pool_id:
        _book(pools[award.county_pool_id], reserved=-award.county_amount, committed=award.county_amount)
    paid_on = _paid_on(step.inputs.get("paid_on"), award=award, today=step.on)
    reference = str(step.inputs.get("payment_reference") or "").strip()
    award.status, award.disbursed_on, award.payment_reference = AwardStatus.COMMITTED, paid_on, reference
    award.save()
    step.audit_reason = f"支付凭证号 {reference}，支付日期 {paid_on.isoformat()}"
    note = str(step.inputs.get("note") or "")
    if note:
        step.audit_reason += f"；{note}"
    notify_applicant(step, f"申报 {app.number} 奖补资金已拨付", lambda: f"拨付金额 {award.amount} 元。")
    return step.audit_reason


def _paid_on(value: Any, *, award: Award, today: dt.date) -> dt.date:
    """The payment date of 财政拨付: a date, not in the future, not before the approval."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({"paid_on": ["“支付日期”须为有效日期（年-月-日）。"]}) from None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ValidationError({"paid_on": ["请填写“支付日期”。"]})
    if value > today:
        raise ValidationError({"paid_on": [f"支付日期不能晚于今天（{today.isoformat()}）。"]})
    if value < award.approved_on:
        raise ValidationError({"paid_on": [f"支付日期不能早于核定日期（{award.approved_on.isoformat()}）。"]})
    return value
