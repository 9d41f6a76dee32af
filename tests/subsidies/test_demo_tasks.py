"""Demo seed (idempotent, every state, nearly exhausted pool) and the scheduled jobs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from portal.history import acting_as
from subsidies.models import Application, BudgetPool, Objection
from subsidies.models import ApplicationStatus as S
from subsidies.services import application_approve, application_publicity_start, objection_record
from subsidies.tasks import close_due_publicities, remind_overdue

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_covers_every_state(tmp_path, settings):
    from portal.demo import seed_organizations, seed_users
    from subsidies import demo

    settings.MEDIA_ROOT = tmp_path
    orgs = seed_organizations()
    users = seed_users(orgs, "Demo-pass-2026", False)
    ctx = {"orgs": orgs, "users": users, "password": "x", "reset": False, "enterprises": {}}
    for _ in range(2):
        with acting_as(users["admin"]), transaction.atomic():
            demo.seed(ctx)
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(S.values)
    assert Application.objects.count() == 16
    pool = BudgetPool.objects.get(call__code="DEMO-DE09-POOL", level="city")
    assert pool.available == 5000 and pool.utilisation > 90


def test_scheduled_publicity_close_respects_dates_and_objections(submitted, reviewer):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="1000", note="经审核，按实际核定", acting_user=reviewer)
    application_publicity_start(application=app, acting_user=reviewer)
    assert close_due_publicities() == 0  # not yet over
    Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
    objection_record(application=app, objector="匿名", content="质疑", acting_user=reviewer)
    assert close_due_publicities() == 0  # open objection
    Objection.objects.filter(application=app).update(status="dismissed")
    assert close_due_publicities() == 1
    app.refresh_from_db()
    assert app.status == S.PUBLICIZED and app.events.last().actor is None


def test_overdue_reminder_reaches_the_responsible_unit(submitted, reviewer, reviewer_gxj):
    Application.objects.filter(pk=submitted.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    assert remind_overdue() == 1
    assert reviewer.notifications.filter(title__contains="超过办理期限").exists()
    assert not reviewer_gxj.notifications.exists()
