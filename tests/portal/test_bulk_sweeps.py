"""The set-based scheduled sweeps (portal.bulk, docs/adr/0017) on the seeded demo: the same end state as the row-by-row
versions (tests/portal/sweeps_reference.py) — records, history rows, audit rows, events, notifications, webhooks —,
nothing more on a second run, an intact audit chain, and a query count that does not grow with the due rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogs.models import CatalogEntry, CollectionTask, InterfaceRequest
from portal.audit import audit_verify
from portal.models import AuditLog, Notification
from procurement.models import Objection as ProcurementObjection
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    OpenDataGrant,
    WebhookDelivery,
    WebhookSubscription,
    WorkflowStep,
)
from subsidies.models import Application, ApplicationEvent
from tests.portal import sweeps_reference as reference

pytestmark = pytest.mark.django_db

VOLATILE = {"updated_at", "status_changed_at", "overdue_flagged_at", "history_id", "history_date",
            "history_change_reason", "id", "at", "created_at", "occurred_at", "hash", "prev_hash", "next_attempt_at",
            "reminded_at"}


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _clean(v)) for k, v in value.items() if k not in VOLATILE))
    if isinstance(value, list):
        return tuple(_clean(v) for v in value)
    return value


def _rows(model: type[models.Model], since: int, key: str = "pk") -> Counter[Any]:
    return Counter(_clean(row) for row in model._base_manager.filter(**{f"{key}__gt": since}).values())


TRACKED: list[tuple[type[models.Model], str]] = [
    (AuditLog, "pk"), (Notification, "pk"), (AuthorizationEvent, "pk"), (ApplicationEvent, "pk"),
    (WebhookDelivery, "pk"), (Authorization.history.model, "history_id"), (OpenDataGrant.history.model, "history_id"),
    (Application.history.model, "history_id"), (ProcurementObjection.history.model, "history_id"),
    (CollectionTask.history.model, "history_id"), (InterfaceRequest.history.model, "history_id")]


def _marks() -> dict[type[models.Model], int]:
    return {m: m._base_manager.aggregate(n=models.Max(key))["n"] or 0 for m, key in TRACKED}


def _state() -> dict[str, Any]:
    """The records the sweeps change, without the times they were changed at."""
    return {
        "authorizations": _rows(Authorization, 0), "grants": _rows(OpenDataGrant, 0),
        "steps": Counter((s["id"], s["overdue_flagged_at"] is not None) for s in WorkflowStep.objects.values()),
        "applications": _rows(Application, 0), "objections": _rows(ProcurementObjection, 0),
        "tasks": _rows(CollectionTask, 0), "interface_requests": _rows(InterfaceRequest, 0),
        "reminded": Counter((t["id"], t["reminded_at"] is not None) for t in CollectionTask.objects.values()),
        "quality": Counter((e["id"], e["quality_score"], str(e["quality"]))
                           for e in CatalogEntry.objects.values("id", "quality_score", "quality"))}


def _effects(marks: dict[type[models.Model], int]) -> dict[str, Any]:
    found: dict[str, Any] = {m._meta.label: _rows(m, marks[m], key) for m, key in TRACKED}
    found["audit_actors"] = Counter(AuditLog.objects.filter(pk__gt=marks[AuditLog]).values_list("actor_name", "actor"))
    return {**found, **_state()}


def _run(job: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    marks = _marks()
    result = job()
    return result, _effects(marks)


def _compare(old: Callable[[], Any], new: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Run ``old`` and roll it back, then ``new``: both must leave the same rows; ``new`` again changes nothing."""
    with transaction.atomic():
        expected_result, expected = _run(old)
        transaction.set_rollback(True)
    result, effects = _run(new)
    assert effects == expected
    assert (len(result) if isinstance(result, list) else result) == (
        len(expected_result) if isinstance(expected_result, list) else expected_result) > 0
    again, after = _run(new)
    assert not again
    assert all(not after[m._meta.label] for m, _ in TRACKED)
    assert audit_verify() == []
    return result, effects


def _force(queryset: models.QuerySet[Any], **values: Any) -> None:
    """Make work due as the drills do with SQL (dates moved; the frozen-field and append-only guards bypassed)."""
    models.QuerySet.update(queryset, **values)


def _queries(job: Callable[[], Any]) -> int:
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        job()
        transaction.set_rollback(True)
    return len(ctx.captured_queries)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def _subscribe(auth: Authorization) -> None:
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.get(username="city_authority")
    WebhookSubscription.objects.create(authorization=auth, owner=owner, url="https://example.invalid/hook",
                                       secret="s" * 32, events=["authorization.expired"])


def test_expire_authorizations_as_row_by_row(demo, today):
    from sharing.tasks import expire_authorizations

    live = Authorization.objects.filter(status__in=["active", "suspended"]).order_by("pk")
    assert live.count() >= 2
    _subscribe(live[0])
    first = live[0].pk
    _force(live.filter(pk=first), valid_until_on=today - dt.timedelta(days=1))
    few = _queries(expire_authorizations)
    _force(live, valid_until_on=today - dt.timedelta(days=1))
    assert _queries(expire_authorizations) == few  # one batch, whatever its size
    _, effects = _compare(lambda: reference.authorizations_expire(today), expire_authorizations)
    assert effects["sharing.WebhookDelivery"]
    assert set(effects["audit_actors"]) == {("系统", None)}
    assert Authorization.history.filter(id=first).order_by("-history_id")[0].history_user_id is None


def test_expire_open_grants_as_row_by_row(demo, today):
    from sharing.tasks import expire_open_grants

    live = OpenDataGrant.objects.filter(status__in=["active", "suspended"]).order_by("pk")
    assert live.exists()
    _force(live, valid_until_on=today - dt.timedelta(days=1))
    _compare(lambda: reference.open_grants_expire(today), expire_open_grants)


def test_reminders_as_row_by_row(demo, today):
    from sharing.tasks import remind_expiring_authorizations, remind_expiring_open_grants

    _force(Authorization.objects.filter(status="active"), valid_until_on=today + dt.timedelta(days=3),
           expiry_reminded_on=None)
    _force(OpenDataGrant.objects.filter(status="active"), valid_until_on=today + dt.timedelta(days=3),
           expiry_reminded_on=None)
    _compare(lambda: reference.authorizations_remind_expiring(today), remind_expiring_authorizations)
    _compare(lambda: reference.open_grants_remind_expiring(today), remind_expiring_open_grants)


def test_flag_overdue_steps_as_row_by_row(demo, today, settings):
    from sharing.tasks import flag_overdue_steps

    open_steps = WorkflowStep.objects.filter(finished_on__isnull=True).order_by("pk")
    assert open_steps.count() >= 2
    _force(WorkflowStep.objects.filter(pk=open_steps[0].pk), due_on=today - dt.timedelta(days=1))
    few = _queries(flag_overdue_steps)
    _force(open_steps, due_on=today - dt.timedelta(days=1))
    assert _queries(flag_overdue_steps) == few
    settings.SWEEP_BATCH_SIZE = 1  # several batches in one transaction: the same single notice
    _compare(lambda: reference.steps_flag_overdue(today), flag_overdue_steps)


def test_close_due_publicities_as_row_by_row(demo, today):
    from subsidies.models import Objection
    from subsidies.tasks import close_due_publicities

    closing = Application.objects.filter(status__in=["publicity", "publicized"]).order_by("pk")
    assert closing.count() >= 2
    _force(closing, publicity_ends_on=today - dt.timedelta(days=1), status="publicity")
    kept = closing.first()
    Objection.objects.create(application=kept, received_on=today, objector="匿名", content="质疑")
    result, _ = _compare(reference.close_due_publicities, close_due_publicities)
    assert Application.objects.get(pk=kept.pk).status == "publicity"  # an open objection keeps it open
    assert result == Application.objects.filter(pk__in=closing, status="publicized").count()


def test_deem_objections_accepted_as_row_by_row(demo, today):
    from procurement.tasks import deem_objections_accepted

    assert ProcurementObjection.objects.exists()
    _force(ProcurementObjection.objects.all(), status="received", decision_due_on=today - dt.timedelta(days=1))
    _compare(lambda: reference.objections_deem_accepted(today), deem_objections_accepted)


def test_collection_tasks_mark_overdue_as_row_by_row(demo, today):
    from catalogs.services import collection_tasks_mark_overdue

    pending = CollectionTask.objects.filter(status="pending").order_by("pk")
    assert pending.count() >= 2
    first = pending[0]
    _force(pending.filter(pk=first.pk), due_on=today - dt.timedelta(days=1))
    few = _queries(lambda: collection_tasks_mark_overdue(on=today))
    # more due tasks of the same item (earlier periods): the quality refresh runs per catalog entry, not per task
    CollectionTask.objects.bulk_create([
        CollectionTask(item=first.item, unit=first.unit, period=f"2019-{m:02d}", period_start_on=first.period_start_on,
                       period_end_on=first.period_end_on, due_on=today - dt.timedelta(days=1)) for m in range(1, 6)])
    same_entry = pending.filter(item=first.item)
    assert same_entry.count() >= 6
    assert _queries(lambda: collection_tasks_mark_overdue(on=today)) == few  # one batch, whatever its size
    _force(pending, due_on=today - dt.timedelta(days=1))
    _, effects = _compare(lambda: reference.collection_tasks_mark_overdue(today),
                          lambda: collection_tasks_mark_overdue(on=today))
    assert effects["portal.Notification"]
    assert set(effects["audit_actors"]) == {("系统", None)}
    row = CollectionTask.history.filter(id=first.pk).order_by("-history_id")[0]
    assert (row.status, row.history_user_id, row.history_change_reason) == ("overdue", None, "截止日已过未报送，定时任务标记为逾期")


def test_collection_reminders_as_row_by_row(demo, today):
    from catalogs.services import collection_reminders_send

    pending = CollectionTask.objects.filter(status="pending").order_by("pk")
    _force(pending.filter(pk=pending[0].pk), due_on=today + dt.timedelta(days=2), reminded_at=None)
    few = _queries(lambda: collection_reminders_send(on=today))
    _force(pending, due_on=today + dt.timedelta(days=2), reminded_at=None)
    assert pending.count() >= 2
    assert _queries(lambda: collection_reminders_send(on=today)) == few
    _, effects = _compare(lambda: reference.collection_reminders_send(today),
                          lambda: collection_reminders_send(on=today))
    assert effects["portal.Notification"]
    assert not pending.filter(reminded_at__isnull=True).exists()


def test_interface_requests_mark_overdue_as_row_by_row(demo, today):
    from catalogs.services import interface_requests_mark_overdue

    outstanding = InterfaceRequest.objects.filter(status__in=["open", "extension_requested"]).order_by("pk")
    assert outstanding.exists()
    _force(outstanding.filter(pk=outstanding[0].pk), due_on=today - dt.timedelta(days=1), is_overdue=False)
    few = _queries(lambda: interface_requests_mark_overdue(on=today))
    copies = []
    for i in range(3):  # more outstanding requests than the demo has
        copy = InterfaceRequest._base_manager.get(pk=outstanding[0].pk)
        copy.pk, copy.description = None, f"{copy.description}（副本{i}）"
        copies.append(copy)
    InterfaceRequest.objects.bulk_create(copies)
    _force(outstanding, due_on=today - dt.timedelta(days=1), is_overdue=False, overdue_flagged_on=None)
    assert outstanding.count() >= 4
    assert _queries(lambda: interface_requests_mark_overdue(on=today)) == few
    states = dict(outstanding.values_list("pk", "status"))
    _, effects = _compare(lambda: reference.interface_requests_mark_overdue(today),
                          lambda: interface_requests_mark_overdue(on=today))
    assert dict(InterfaceRequest.objects.filter(pk__in=states).values_list("pk", "status")) == states  # state stays
    assert not InterfaceRequest.objects.filter(pk__in=states, is_overdue=False).exists()


def test_a_crash_between_batches_keeps_the_committed_ones(demo, today, settings):
    """Each batch commits on its own: what a killed run committed is not done again, the rest is done once."""
    from sharing.services.authorizations import authorizations_expire

    live = Authorization.objects.filter(status__in=["active", "suspended"]).order_by("pk")
    ids = list(live.values_list("pk", flat=True))
    _force(live, valid_until_on=today - dt.timedelta(days=1))
    settings.SWEEP_BATCH_SIZE = 1
    import portal.bulk

    class Killed(Exception):
        pass

    calls = {"n": 0}
    real = portal.bulk.checkpoint

    def die_at_second(point: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed

    portal.bulk.checkpoint = die_at_second  # type: ignore[assignment]
    try:
        with pytest.raises(Killed):
            authorizations_expire(on=today)
    finally:
        portal.bulk.checkpoint = real  # type: ignore[assignment]
    assert list(Authorization.objects.filter(pk__in=ids, status="expired").values_list("pk", flat=True)) == ids[:1]
    assert authorizations_expire(on=today) == ids[1:]
    assert AuditLog.objects.filter(action="sharing.authorization.expire").count() == len(ids)
    assert audit_verify() == []
