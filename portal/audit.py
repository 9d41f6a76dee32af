"""Write the domain audit log from services, inside the same transaction as the change; name its action codes.

Action codes stay as stored; staff read them through ``action_label``. Every app names the codes it writes in its
``audit_actions.LABELS`` (``{code: 中文}``), collected here once; ``audit_actions.VALUE_LABELS`` optionally names the
before/after keys that are not fields of the recorded model, and coded values.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils.module_loading import module_has_submodule

from portal.models import AuditLog


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """JSON-ready field values of ``obj`` (foreign keys as ids) for before/after records."""
    data = model_to_dict(obj, fields=fields)
    data = {k: ([getattr(x, "pk", x) for x in v] if isinstance(v, list) else v)  # many-to-many: the ids
            for k, v in data.items()}
    return {k: (str(v) if not isinstance(v, (int, float, bool, str, type(None), list, dict)) else v)
            for k, v in data.items()}


# Key of the PostgreSQL advisory lock that serialises writers of the audit hash chain (any constant unique to it).
AUDIT_CHAIN_LOCK = 0x515A_4155_4449_5431  # "QZAUDIT1"


def _serialise_chain(connection: Any) -> None:
    """Hold the chain until this transaction ends, so the next writer reads the hash this one appends.

    PostgreSQL: a transaction-scoped advisory lock (re-entrant, released at commit or rollback); take row locks before
    the first audit row of a transaction, as the services do, since this lock is held to the end. SQLite: nothing to
    do, its writers are already serialised by IMMEDIATE transactions (``portal/settings/env.py``).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def audit_record(*, actor: Any, action: str, obj: models.Model | None = None, reason: str = "",
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditLog:
    """Append one audit row; must run inside the caller's transaction so it commits or rolls back with the change."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside transaction.atomic()")
    _serialise_chain(connection)
    last = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditLog(
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else "系统"),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        reason=reason,
        before=before,
        after=after,
        prev_hash=last or "",
    )
    entry.save()
    return entry


def audit_verify() -> list[int]:
    """Ids of audit rows whose stored hash no longer matches their content (tampering at the database level), or
    whose ``prev_hash`` is not the hash of the row before (a forked or cut chain; the first row links to "")."""
    bad = []
    previous = ""
    for entry in AuditLog.objects.order_by("id").iterator():
        if entry.compute_hash() != entry.hash or entry.prev_hash != previous:
            bad.append(entry.pk)
        previous = entry.hash
    return bad


def _collect(name: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "audit_actions"):
            labels.update(getattr(import_module(f"{config.name}.audit_actions"), name, {}))
    return labels


@cache
def action_labels() -> dict[str, str]:
    """Every audit action code with its Chinese label: the workflow transitions (``portal.workflow``) and each
    installed app's ``audit_actions.LABELS`` for the other actions."""
    from portal.workflow import audit_labels

    return {**audit_labels(), **_collect("LABELS")}


@cache
def value_labels() -> dict[str, str]:
    """Names of before/after keys that are not model fields, and of coded values (``audit_actions.VALUE_LABELS``)."""
    return _collect("VALUE_LABELS")


def action_label(code: str) -> str:
    """The Chinese name of an audit action (an unknown code is shown as 其他操作 with the code)."""
    return action_labels().get(code) or f"其他操作（{code}）"
