"""一事一议 awards (泉政办〔2021〕21号《泉州市平台经济“五十百千”行动实施方案》三(四)1): entry with the decision
document and a named approver, then the steps of ``MANUAL_AWARD`` (approve books the amount in the pool, disburse
commits it, cancel releases it).

The pool bookings use the same helpers and lock order as rule awards (``money.py``): the award row (held by
``MANUAL_AWARD.apply``) → the enterprise → the pool. The pool's database constraint (reserved + committed ≤ amount)
is the last guard; the Chinese refusal comes first, under the lock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from portal import files
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import lock
from portal.models import Enterprise
from portal.permissions import require
from portal.services import notify
from portal.workflow import Step
from subsidies.models import BudgetPool, ManualAward, ManualAwardStatus, PoolLevel
from subsidies.permissions import can_approve_manual_awards, can_enter_manual_award
from subsidies.rules.facts import money
from subsidies.services.common import today
from subsidies.services.money import _book, _lock_pools
from subsidies.workflow import MANUAL_AWARD

M = ManualAwardStatus


def _amount(value: Any) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": ["奖补金额须为数字。"]}) from None
    if not amount.is_finite() or not 0 < amount < Decimal("1e16") or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": ["奖补金额应为大于0的金额，最多两位小数。"]})
    return amount


def _document(upload: Any) -> tuple[str, str]:
    """The checked decision document: (original name, sha256). PDF/JPG/PNG/DOCX/XLSX, ≤ 10 MB, content matches."""
    if not upload:
        raise ValidationError({"decision_document": ["请上传“决定文件”（会议纪要、批复等一事一议决定）。"]})
    document = files.check_document(upload, field="decision_document", label="决定文件")
    return document.name, document.sha256


def _check_fits(pool: BudgetPool, amount: Decimal) -> None:
    if pool.available < amount:
        raise ValidationError({"amount": [f"资金池“{pool}”余额不足：可用 {money(pool.available)} 元，"
                                          f"本次一事一议需 {amount} 元。"]})


def manual_award_create(*, enterprise: Enterprise, pool: BudgetPool, amount: Any, subject: str,
                        decision_number: str, decided_on: Any, decision_document: Any, approver: Any,
                        acting_user: Any) -> ManualAward:
    """登记一事一议奖补 (待审批): the decision document and an approver with authority over the pool (not the person
    entering) are mandatory; refused when the pool cannot hold the amount now. Notifies the approver."""
    require(can_enter_manual_award(acting_user, pool))
    errors: dict[str, list[str]] = {}

    def check(field: str, fn: Any) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            for key, texts in exc.message_dict.items():
                errors.setdefault(key, []).extend(texts)
            return None

    value = check("amount", lambda: _amount(amount))
    document = check("decision_document", lambda: _document(decision_document))
    subject, decision_number = str(subject or "").strip(), str(decision_number or "").strip()
    if not subject:
        errors.setdefault("subject", []).append("请填写“事项”。")
    if not decision_number:
        errors.setdefault("decision_number", []).append("请填写“决定文号”。")
    if isinstance(decided_on, str):
        try:
            decided_on = dt.date.fromisoformat(decided_on.strip())
        except ValueError:
            decided_on = None
    if not isinstance(decided_on, dt.date):
        errors.setdefault("decided_on", []).append("请填写有效的“决定日期”（年-月-日）。")
    elif decided_on > today():
        errors.setdefault("decided_on", []).append("决定日期不能晚于今天。")
    if approver is None:
        errors.setdefault("approver", []).append("请选择“审批人”（有审批权限的负责人）。")
    elif approver.pk == acting_user.pk:
        errors.setdefault("approver", []).append("审批人不能是登记人本人（一事一议须由另一名有权限的负责人审批）。")
    elif not (decision := can_approve_manual_awards(approver, pool)):
        errors.setdefault("approver", []).append(f"{approver} 无权审批：{decision.reason}")
    if pool.retired_at is not None:
        errors.setdefault("pool", []).append("该资金池已停用。")
    if pool.level == PoolLevel.COUNTY:
        region = enterprise.region
        county = region.county if region is not None else None
        if county is None or county.pk != pool.county_id:
            where = pool.county.name if pool.county is not None else "该县（市、区）"
            errors.setdefault("pool", []).append(f"奖补对象不在{where}，不能使用该县级资金池。")
    if errors:
        raise ValidationError(errors)
    with files.atomic(), acting_as(acting_user):
        locked = _lock_pools([pool.pk])[pool.pk]
        _check_fits(locked, value)
        award = ManualAward(enterprise=enterprise, pool=locked, amount=value, year=locked.call.year, subject=subject,
                            decision_number=decision_number, decided_on=decided_on, approver=approver,
                            entered_by=acting_user, document_name=document[0], document_sha256=document[1])
        files.store(award.decision_document, decision_document, name=document[0])
        award.save()
        audit_record(actor=acting_user, action="subsidies.manual_award.create", obj=award,
                     after={"enterprise": enterprise.pk, "pool": pool.pk, "amount": str(value),
                            "decision_number": decision_number, "approver": approver.pk,
                            "sha256": document[1]})
        notify(recipients=[approver], title=f"一事一议奖补待您审批：{decision_number}",
               body=f"{enterprise.name}，{subject}，{value} 元。")
    return award


def manual_award_approve(*, award: ManualAward, acting_user: Any, note: str = "", on: Any = None) -> ManualAward:
    """批准: reserve the amount in the pool (refused when it no longer fits)."""
    return MANUAL_AWARD.apply("approve", award, user=acting_user, on=on, note=note)


def manual_award_reject(*, award: ManualAward, acting_user: Any, reason: str) -> ManualAward:
    return MANUAL_AWARD.apply("reject", award, user=acting_user, reason=reason)


def manual_award_disburse(*, award: ManualAward, acting_user: Any, payment_reference: str, paid_on: Any,
                          note: str = "") -> ManualAward:
    return MANUAL_AWARD.apply("disburse", award, user=acting_user, payment_reference=payment_reference,
                              paid_on=paid_on, note=note)


def manual_award_cancel(*, award: ManualAward, acting_user: Any, reason: str) -> ManualAward:
    return MANUAL_AWARD.apply("cancel", award, user=acting_user, reason=reason)


@MANUAL_AWARD.effect("approve")
def _approve(step: Step) -> None:
    award: ManualAward = step.obj
    lock(Enterprise, award.enterprise_id)  # the same order as rule approvals: enterprise, then pools
    pool = _lock_pools([award.pool_id])[award.pool_id]
    if pool.retired_at is not None:
        raise ValidationError("该资金池已停用，不能批准。")
    _check_fits(pool, award.amount)
    _book(pool, reserved=award.amount)
    award.approved_on = step.on
    award.decision_note = str(step.inputs.get("note") or "").strip()
    step.audit_reason = f"{award.decision_number}：预留 {award.amount} 元" + (
        f"；{award.decision_note}" if award.decision_note else "")


@MANUAL_AWARD.effect("reject")
def _reject(step: Step) -> None:
    step.obj.decision_note = step.inputs["reason"]


@MANUAL_AWARD.effect("disburse")
def _disburse(step: Step) -> None:
    award: ManualAward = step.obj
    pool = _lock_pools([award.pool_id])[award.pool_id]
    _book(pool, reserved=-award.amount, committed=award.amount)
    paid_on = _paid_on(step.inputs.get("paid_on"), approved_on=award.approved_on, today=step.on)
    award.disbursed_on = paid_on
    award.payment_reference = str(step.inputs.get("payment_reference") or "").strip()
    step.audit_reason = f"支付凭证号 {award.payment_reference}，支付日期 {paid_on.isoformat()}"


def _paid_on(value: Any, *, approved_on: dt.date | None, today: dt.date) -> dt.date:
    """The payment date: a date, not in the future, not before the approval."""
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
    if approved_on is not None and value < approved_on:
        raise ValidationError({"paid_on": [f"支付日期不能早于批准日期（{approved_on.isoformat()}）。"]})
    return value


@MANUAL_AWARD.effect("cancel")
def _cancel(step: Step) -> None:
    award: ManualAward = step.obj
    pool = _lock_pools([award.pool_id])[award.pool_id]
    _book(pool, reserved=-award.amount)
    award.released_on = step.on
