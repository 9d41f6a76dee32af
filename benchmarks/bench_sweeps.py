"""Scheduled sweeps at a city's size, each against one set-based UPDATE doing the same change (issue 16, ADR 0017).

For every sweep the benchmark makes N records due itself — copies of a record already in the database (the demo is
seeded first when there is none to copy) — inside a transaction that is rolled back afterwards, so it runs on an empty
+ migrated (+ demo) database as well as on the bench helper's full-size one. It times the job (every batch: the
UPDATE, history, audit rows, events, notices, webhooks), rolls back to the due state, and times one plain UPDATE of the
same rows as the baseline. Sizes: ``BENCH_SWEEP_STEPS`` (open workflow steps for ``flag_overdue_steps``, default
200,000; target < 30 s) and ``BENCH_SWEEP_ROWS`` (authorizations, grants, applications, collection tasks, interface
requests for the others, default 20,000).
On PostgreSQL: ``PORTAL_BENCH_DATABASE_URL=postgres://… python -m benchmarks.run bench_sweeps``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any

TARGET_STEPS_SECONDS = 30.0  # issue 16: 200,000 open steps; the other sweeps at the same rate per row


def _target(done: int) -> float:
    return TARGET_STEPS_SECONDS * max(done, 1) / 200_000


BATCH = 5000


def _clone(model: Any, template: Any, n: int, prefix: str, **values: Any) -> list[int]:
    """``n`` copies of ``template`` (unique text fields numbered with ``prefix``), ``values`` set on each (a callable
    is called with the copy's index); bulk-inserted without history (the sweep writes its own). Returns their ids."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    base = {f.attname: getattr(template, f.attname) for f in fields}
    unique = [f for f in fields if f.unique and f.attname not in values]
    start = model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    for i in range(0, n, BATCH):
        rows = []
        for j in range(i, min(i + BATCH, n)):
            row = dict(base)
            for f in unique:
                row[f.attname] = f"{prefix}{j}"[-f.max_length:] if f.max_length else None
            row.update({k: (v(j) if callable(v) else v) for k, v in values.items()})
            rows.append(model(**row))
        model._base_manager.bulk_create(rows)
    return list(model._base_manager.filter(pk__gt=start).order_by("pk").values_list("pk", flat=True)[:n])


def _analyze(*models: Any) -> None:
    """Fresh planner statistics for the copied rows (PostgreSQL; ANALYZE sees this transaction's rows): a big table
    whose statistics still describe the demo's few rows gets sequential scans where production gets index lookups."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _template(model: Any, **filters: Any) -> Any:
    found = model._base_manager.filter(**filters).order_by("pk").first()
    if found is None:
        from portal.demo import seed_all

        seed_all(log=lambda _m: None)
        found = model._base_manager.filter(**filters).order_by("pk").first()
    return found


class _Rollback(Exception):
    pass


def _measure(setup: Callable[[], Any], job: Callable[[], Any], baseline: Callable[[], Any]) -> tuple[float, float, int]:
    """Seconds of ``job`` and of ``baseline`` on the same due rows (made by ``setup``); everything rolled back."""
    from django.db import transaction

    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            setup()
            with transaction.atomic():
                start = time.perf_counter()
                done = job()
                out["job"] = time.perf_counter() - start
                out["done"] = done if isinstance(done, int) else len(done)
                transaction.set_rollback(True)
            with transaction.atomic():
                start = time.perf_counter()
                baseline()
                out["baseline"] = time.perf_counter() - start
                transaction.set_rollback(True)
            raise _Rollback
    except _Rollback:
        pass
    return out["job"], out["baseline"], out["done"]


def _sql(statement: str, params: list[Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run(report: Any) -> None:
    from django.db import connection
    from django.utils import timezone

    from catalogs.models import CollectionTask, InterfaceRequest
    from catalogs.services import (
        collection_reminders_send,
        collection_tasks_mark_overdue,
        interface_requests_mark_overdue,
    )
    from sharing.models import Authorization, OpenDataApplication, OpenDataGrant, WorkflowStep
    from sharing.services.authorizations import authorizations_expire, authorizations_remind_expiring
    from sharing.services.open_grants import open_grants_expire, open_grants_remind_expiring
    from sharing.services.overdue import steps_flag_overdue
    from subsidies.models import Application
    from subsidies.tasks import close_due_publicities

    steps = int(os.environ.get("BENCH_SWEEP_STEPS", "200000"))
    rows = int(os.environ.get("BENCH_SWEEP_ROWS", "20000"))
    today = timezone.localdate()
    yesterday, soon, later = today - dt.timedelta(days=1), today + dt.timedelta(days=3), today + dt.timedelta(days=3650)
    now = timezone.now()
    tag = f"B{int(time.time()) % 100000}-"

    auth, grant, app = _template(Authorization), _template(OpenDataGrant), _template(Application)
    dummy_step, task, request = _template(WorkflowStep), _template(CollectionTask), _template(InterfaceRequest)
    open_app = OpenDataApplication._base_manager.get(pk=grant.application_id)

    def make_steps() -> None:
        _sql("UPDATE sharing_workflowstep SET overdue_flagged_at = %s WHERE overdue_flagged_at IS NULL", [now])
        _clone(WorkflowStep, dummy_step, steps, tag, finished_on=None, finished_at=None, finished_by_id=None,
               action="", action_label="", opinion="", due_on=yesterday, overdue_flagged_at=None)
        _analyze(WorkflowStep)

    def make_auths(until: dt.date) -> Callable[[], None]:
        def setup() -> None:
            _sql("UPDATE sharing_authorization SET valid_until_on = %s WHERE status IN ('active', 'suspended')",
                 [later])  # only the copies are due
            _clone(Authorization, auth, rows, f"SQ{tag}", status="active", valid_until_on=until, renewed_from_id=None,
                   expiry_reminded_on=None, status_reason="")
            _analyze(Authorization)
        return setup

    def make_grants(until: dt.date) -> Callable[[], None]:
        def setup() -> None:
            _sql("UPDATE sharing_opendatagrant SET valid_until_on = %s WHERE status IN ('active', 'suspended')",
                 [later])
            apps = _clone(OpenDataApplication, open_app, rows, f"KF{tag}")
            _clone(OpenDataGrant, grant, rows, f"XK{tag}", status="active", valid_until_on=until,
                   expiry_reminded_on=None, status_reason="", application_id=lambda i: apps[i])
            _analyze(OpenDataApplication, OpenDataGrant)
        return setup

    def make_publicities() -> None:
        _sql("UPDATE subsidies_application SET publicity_ends_on = %s WHERE status = 'publicity'", [later])
        _clone(Application, app, rows, f"BJ{tag}", status="publicity", publicity_ends_on=yesterday,
               duplicate_of_id=None, is_duplicate=False)
        _analyze(Application)

    def make_tasks(due: dt.date) -> Callable[[], None]:
        def setup() -> None:
            _sql("UPDATE catalogs_collectiontask SET due_on = %s WHERE status = 'pending'", [later])
            _clone(CollectionTask, task, rows, f"CT{tag}", status="pending", due_on=due, reminded_at=None,
                   submitted_at=None, period=lambda i: f"{tag}{i}"[-16:])
            _analyze(CollectionTask)
        return setup

    def make_requests() -> None:
        _sql("UPDATE catalogs_interfacerequest SET is_overdue = %s WHERE NOT is_overdue", [True])
        _clone(InterfaceRequest, request, rows, f"IR{tag}", status="open", due_on=yesterday, is_overdue=False,
               overdue_flagged_on=None, delivered_interface_id=None)
        _analyze(InterfaceRequest)

    month = today + dt.timedelta(days=30)
    # (job, what it sweeps, setup making the due rows, the job, one UPDATE doing the same change, its parameters)
    sweeps: list[tuple[str, str, Callable[[], None], Callable[[], Any], str, list[Any]]] = [
        ("flag_overdue_steps", "open steps", make_steps, lambda: steps_flag_overdue(on=today),
         "UPDATE sharing_workflowstep SET overdue_flagged_at = %s WHERE finished_on IS NULL AND due_on < %s "
         "AND overdue_flagged_at IS NULL", [now, today]),
        ("expire_authorizations", "authorizations", make_auths(yesterday), lambda: authorizations_expire(on=today),
         "UPDATE sharing_authorization SET status = 'expired', status_changed_at = %s "
         "WHERE status IN ('active', 'suspended') AND valid_until_on < %s", [now, today]),
        ("remind_expiring_authorizations", "authorizations", make_auths(soon),
         lambda: authorizations_remind_expiring(on=today),
         "UPDATE sharing_authorization SET expiry_reminded_on = %s WHERE status = 'active' "
         "AND valid_until_on >= %s AND valid_until_on <= %s AND expiry_reminded_on IS NULL",
         [today, today, month]),
        ("expire_open_grants", "grants", make_grants(yesterday), lambda: open_grants_expire(on=today),
         "UPDATE sharing_opendatagrant SET status = 'expired', status_changed_at = %s "
         "WHERE status IN ('active', 'suspended') AND valid_until_on < %s", [now, today]),
        ("remind_expiring_open_grants", "grants", make_grants(soon), lambda: open_grants_remind_expiring(on=today),
         "UPDATE sharing_opendatagrant SET expiry_reminded_on = %s WHERE status = 'active' "
         "AND valid_until_on >= %s AND valid_until_on <= %s AND expiry_reminded_on IS NULL",
         [today, today, month]),
        ("close_due_publicities", "applications", make_publicities, close_due_publicities,
         "UPDATE subsidies_application SET status = 'publicized', step_started_on = %s "
         "WHERE status = 'publicity' AND publicity_ends_on < %s AND NOT EXISTS (SELECT 1 FROM "
         "subsidies_objection o WHERE o.application_id = subsidies_application.id AND o.status = 'open')",
         [today, today]),
        ("collection_tasks_mark_overdue", "tasks", make_tasks(yesterday),
         lambda: collection_tasks_mark_overdue(on=today),
         "UPDATE catalogs_collectiontask SET status = 'overdue', updated_at = %s "
         "WHERE status = 'pending' AND due_on < %s", [now, today]),
        ("collection_reminders_send", "tasks", make_tasks(soon), lambda: collection_reminders_send(on=today),
         "UPDATE catalogs_collectiontask SET reminded_at = %s, updated_at = %s WHERE status = 'pending' "
         "AND reminded_at IS NULL AND due_on >= %s AND due_on <= %s", [now, now, today, soon]),
        ("interface_requests_mark_overdue", "requests", make_requests,
         lambda: interface_requests_mark_overdue(on=today),
         "UPDATE catalogs_interfacerequest SET is_overdue = %s, overdue_flagged_on = %s, updated_at = %s "
         "WHERE status IN ('open', 'extension_requested') AND NOT is_overdue AND due_on < %s",
         [True, today, now, today]),
    ]
    for name, noun, setup, job, baseline, params in sweeps:
        seconds, base, done = _measure(setup, job, lambda b=baseline, p=params: _sql(b, p))
        report(f"sweep {name}, {done:,} {noun} ({connection.vendor})", seconds, base, "s", target=_target(done))
