"""The row-by-row sweeps as they were before they became set-based (docs/adr/0017): the reference whose end state
the set-based jobs must reproduce (tests/portal/test_bulk_sweeps.py). Each record goes through ``Workflow.apply``
or ``save()`` on its own, with the services' own notices."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.history import acting_as
from portal.locks import lock_rows
from portal.roles import Role
from portal.services import notify, notify_enterprise
from portal.workdays import add_workdays


def authorizations_expire(on: date) -> list[int]:
    from sharing.models import Authorization
    from sharing.workflow import AUTHORIZATION

    ids = list(Authorization.objects.filter(status__in=["active", "suspended"], valid_until_on__lt=on)
               .order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for auth in Authorization.objects.filter(pk__in=ids).order_by("pk"):
            AUTHORIZATION.apply("expire", auth, user=None, on=on)
    return ids


def open_grants_expire(on: date) -> list[int]:
    from sharing.models import OpenDataGrant
    from sharing.workflow import OPEN_GRANT

    ids = list(OpenDataGrant.objects.filter(status__in=["active", "suspended"], valid_until_on__lt=on)
               .order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for grant in OpenDataGrant.objects.filter(pk__in=ids).order_by("pk"):
            OPEN_GRANT.apply("expire", grant, user=None, on=on)
    return ids


@transaction.atomic
def authorizations_remind_expiring(on: date) -> list[int]:
    from sharing.models import Authorization
    from sharing.services.applications import _unit_admins

    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    reminded = []
    for auth in lock_rows(Authorization.objects.filter(
            status="active", valid_until_on__gte=on, valid_until_on__lte=horizon, expiry_reminded_on__isnull=True)):
        notify(recipients=_unit_admins(auth.consumer_unit_id), title="数据共享授权即将到期",
               body=f"授权 {auth.number} 将于 {auth.valid_until_on} 到期；如需继续使用，请及时申请续期。",
               url=f"/admin/sharing/authorization/{auth.pk}/change/")
        with acting_as(None):
            auth.expiry_reminded_on = on
            auth.save(update_fields=["expiry_reminded_on", "updated_at"])
        reminded.append(auth.pk)
    return reminded


@transaction.atomic
def open_grants_remind_expiring(on: date) -> list[int]:
    from sharing.models import OpenDataGrant

    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    reminded = []
    for g in lock_rows(OpenDataGrant.objects.select_related("enterprise")
                       .filter(status="active", valid_until_on__gte=on, valid_until_on__lte=horizon,
                               expiry_reminded_on__isnull=True)):
        notify_enterprise(enterprise=g.enterprise, title="授权开放许可即将到期",
                          body=f"许可 {g.number} 将于 {g.valid_until_on} 到期；如需继续使用，请在到期前重新申请。",
                          url=f"/open-applications/{g.application_id}/")
        with acting_as(None):
            g.expiry_reminded_on = on
            g.save(update_fields=["expiry_reminded_on", "updated_at"])
        reminded.append(g.pk)
    return reminded


@transaction.atomic
def steps_flag_overdue(on: date) -> list[int]:
    from sharing.models import WorkflowStep

    steps = lock_rows(WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=on,
                                                 overdue_flagged_at__isnull=True))
    if not steps:
        return []
    WorkflowStep.objects.filter(pk__in=[s.pk for s in steps]).service_update(overdue_flagged_at=timezone.now())
    authority = list(get_user_model().objects.filter(memberships__role=Role.CITY_AUTHORITY,
                                                     memberships__retired_at__isnull=True).distinct())
    notify(recipients=authority, title=f"共享办理超期：{len(steps)} 个环节",
           body="以下环节已超过办理期限：" + "；".join(f"{s.state_label}（期限 {s.due_on}）" for s in steps[:20]),
           url="/admin/sharing/shareapplication/overdue/")
    return [s.pk for s in steps]


def close_due_publicities() -> int:
    from subsidies.models import Application, ApplicationStatus
    from subsidies.services import application_publicity_close

    closed = 0
    for app in Application.objects.filter(status=ApplicationStatus.PUBLICITY,
                                          publicity_ends_on__lt=timezone.localdate()).order_by("pk"):
        try:
            application_publicity_close(application=app, acting_user=None)
        except ValidationError:
            continue
        closed += 1
    return closed


def objections_deem_accepted(on: date) -> int:
    from procurement.models import Objection, ObjectionStatus
    from procurement.workflow import OBJECTION

    count = 0
    for objection in Objection.objects.filter(status=ObjectionStatus.RECEIVED, decision_due_on__lt=on):
        try:
            OBJECTION.apply("deem_accepted", objection, user=None, on=on)
        except ValidationError:
            continue
        count += 1
    return count


@transaction.atomic
def collection_tasks_mark_overdue(on: date) -> int:
    from catalogs.models import CollectionTask, TaskStatus
    from catalogs.workflow import COLLECTION_TASK

    count = 0
    for task in lock_rows(CollectionTask.objects.filter(
            status=TaskStatus.PENDING, due_on__lt=on).select_related("item", "unit")):
        COLLECTION_TASK.apply("overdue", task, user=None, on=on)
        count += 1
    return count


@transaction.atomic
def collection_reminders_send(on: date, days_before: int = 3) -> int:
    from datetime import timedelta

    from catalogs.models import CollectionTask, TaskStatus
    from catalogs.selectors import unit_members

    count = 0
    for task in lock_rows(CollectionTask.objects.filter(
            status=TaskStatus.PENDING, reminded_at__isnull=True, due_on__gte=on,
            due_on__lte=on + timedelta(days=days_before)).select_related("item")):
        recipients = unit_members(task.unit_id)
        if recipients:
            notify(recipients=recipients, title=f"采集任务即将到期：{task.item.name}（{task.period}）",
                   body=f"请于 {task.due_on:%Y年%m月%d日} 前报送 {task.period} 的“{task.item.name}”数据。",
                   url=f"/admin/catalogs/collectiontask/{task.pk}/change/")
        task.reminded_at = timezone.now()
        task.save(update_fields=["reminded_at", "updated_at"])
        count += 1
    return count


@transaction.atomic
def interface_requests_mark_overdue(on: date) -> int:
    from catalogs.models import InterfaceRequest
    from catalogs.workflow import INTERFACE_REQUEST, OUTSTANDING_STATES

    count = 0
    for req in lock_rows(InterfaceRequest.objects.filter(
            status__in=OUTSTANDING_STATES, is_overdue=False, due_on__lt=on).select_related("producer_unit",
                                                                                           "entry")):
        INTERFACE_REQUEST.apply("overdue", req, user=None, on=on)
        count += 1
    return count
