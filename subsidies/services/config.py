"""Configuration edited by staff: policy documents, rules, dated rule parameters, calls and budget pools.

Each save checks the permission (``subsidies.permissions``), writes the history under the acting user and one audit
row ``subsidies.<entity>.create|change`` in the same transaction. The admin's forms and inlines call these, never
``save()``. A budget pool is saved under its row lock (``portal.locks``): the reserved and committed totals are the
ones in the database at that moment (approvals and payments book them), never the ones the edit form was built with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.locks import relock
from portal.permissions import Decision, require
from subsidies.models import BudgetPool, Call, PolicyDocument, Rule, RuleParameter
from subsidies.permissions import can_edit_rules, can_manage_call, can_save_pool

M = TypeVar("M", bound=models.Model)


def _snapshot(obj: models.Model) -> dict[str, Any]:
    """The audit snapshot: the record's own fields, and its many-to-many links as lists of ids."""
    data = snapshot(obj, fields=[f.name for f in obj._meta.concrete_fields])
    if obj.pk is not None:
        data |= {f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True)) for f in obj._meta.many_to_many}
    return data


def _save(obj: M, *, entity: str, decision: Decision, acting_user: Any, m2m: dict[str, Iterable[Any]] | None = None,
          locked: M | None = None) -> M:
    require(decision)
    creating = obj.pk is None
    before = None if creating else _snapshot(locked if locked is not None else type(obj)._default_manager.get(pk=obj.pk))
    with acting_as(acting_user):
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(list(values))
        audit_record(actor=acting_user, action=f"subsidies.{entity}.{'create' if creating else 'change'}", obj=obj,
                     before=before, after=_snapshot(obj))
    return obj


@transaction.atomic
def policy_document_save(*, document: PolicyDocument, acting_user: Any, supersedes: Iterable[Any] | None = None,
                         repeals: Iterable[Any] | None = None) -> PolicyDocument:
    """Add or change a policy document (and what it supersedes or repeals)."""
    m2m = {k: v for k, v in (("supersedes", supersedes), ("repeals", repeals)) if v is not None}
    return _save(document, entity="policy_document", decision=can_edit_rules(acting_user), acting_user=acting_user,
                 m2m=m2m)


@transaction.atomic
def rule_save(*, rule: Rule, acting_user: Any) -> Rule:
    """Change a rule's data (window, unit, funding, competitive limit…); the 38 rules themselves come from the
    catalog (``rules_sync``)."""
    if rule.pk is None:
        raise ValidationError("奖补规则来自政策条款目录，不能在此新增。")
    return _save(rule, entity="rule", decision=can_edit_rules(acting_user), acting_user=acting_user)


@transaction.atomic
def rule_parameter_save(*, parameter: RuleParameter, acting_user: Any) -> RuleParameter:
    """Add or change a dated parameter value (checked against the catalog's shape for the rule)."""
    require(can_edit_rules(acting_user))
    parameter.full_clean()  # shape of the value for this rule, dates, one start date per name
    return _save(parameter, entity="rule_parameter", decision=can_edit_rules(acting_user), acting_user=acting_user)


@transaction.atomic
def call_save(*, call: Call, acting_user: Any, rules: Iterable[Any] | None = None) -> Call:
    """Add or change a call (dates, rules, evidence list, publicity days)."""
    stored = Call.objects.get(pk=call.pk) if call.pk else None  # the organising unit as stored decides
    return _save(call, entity="call", decision=can_manage_call(acting_user, stored), acting_user=acting_user,
                 m2m={"rules": rules} if rules is not None else None)


def _check_pool(pool: BudgetPool) -> None:
    booked = pool.reserved + pool.committed
    if pool.amount is not None and pool.amount < booked:
        raise ValidationError({"amount": [f"预算总额不能低于已核定和已拨付金额之和（{booked} 元）。"]})


@transaction.atomic
def budget_pool_save(*, pool: BudgetPool, acting_user: Any) -> BudgetPool:
    """Add or change a budget pool (total, budget document…) on its own page or the call's inline. The row is locked
    first, so a concurrent approval or payment either booked before (its totals are kept) or waits."""
    require(can_save_pool(acting_user, pool))
    locked = None
    if pool.pk is not None:
        locked = relock(pool)
        pool.reserved, pool.committed = locked.reserved, locked.committed
    _check_pool(pool)
    return _save(pool, entity="budget_pool", decision=can_save_pool(acting_user, pool), acting_user=acting_user,
                 locked=locked)
