"""Rule-parameter services: set a value for a period and jurisdiction, or close/correct one (audited, history)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit import snapshot
from portal.locks import relock
from portal.permissions import require
from procurement.models import RuleParameter
from procurement.parameters import REGISTRY
from procurement.permissions import can_set_rule_parameter
from procurement.services.common import save_audited

EDITABLE = ("value", "valid_to", "source_clause", "needs_legal_confirmation", "note")


def _check(code: str, value: Decimal, valid_from: date, valid_to: date | None) -> None:
    if code not in REGISTRY:
        raise ValidationError(f"未登记的规则参数：{code}。")
    if value < 0:
        raise ValidationError("参数取值不能为负数。")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError("失效日期不能早于生效日期。")


@transaction.atomic
def rule_parameter_set(*, code: str, value: Decimal, valid_from: date, source_clause: str = "",
                       jurisdiction: Any = None, valid_to: date | None = None, needs_legal_confirmation: bool = False,
                       note: str = "", acting_user: Any) -> RuleParameter:
    """Record a value in force from ``valid_from`` (for ``jurisdiction`` and below; None = the whole city)."""
    require(can_set_rule_parameter(acting_user))
    _check(code, value, valid_from, valid_to)
    if RuleParameter.objects.filter(code=code, jurisdiction=jurisdiction, valid_from=valid_from).exists():
        raise ValidationError("该参数在同一适用范围、同一生效日期已有取值，请修改原记录。")
    row = RuleParameter(code=code, value=value, valid_from=valid_from, valid_to=valid_to, jurisdiction=jurisdiction,
                        source_clause=source_clause or REGISTRY[code].source,
                        needs_legal_confirmation=needs_legal_confirmation, note=note)
    save_audited(row, acting_user=acting_user, action="procurement.rule_parameter.set")
    return row


@transaction.atomic
def rule_parameter_update(*, parameter: RuleParameter, acting_user: Any, **changes: Any) -> RuleParameter:
    """Correct a value or end its period (history keeps the previous values)."""
    require(can_set_rule_parameter(acting_user))
    parameter = relock(parameter)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"以下字段不能修改：{'、'.join(sorted(unknown))}。")
    before = snapshot(parameter)
    for field, new in changes.items():
        setattr(parameter, field, new)
    _check(parameter.code, parameter.value, parameter.valid_from, parameter.valid_to)
    save_audited(parameter, acting_user=acting_user, action="procurement.rule_parameter.update", before=before)
    return parameter


def rule_parameters_seed_defaults(*, on: date = date(2021, 1, 1)) -> int:
    """Create the registered defaults as city-wide rows (idempotent; used by the migration and demo data)."""
    created = 0
    for p in REGISTRY.values():
        _, made = RuleParameter.objects.get_or_create(
            code=p.code, jurisdiction=None, valid_from=on,
            defaults={"value": p.default, "source_clause": p.source, "needs_legal_confirmation": p.needs_confirmation})
        created += made
    return created
