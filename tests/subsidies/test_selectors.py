"""Selectors and permission functions: applicants see only their own organisation's records."""

from __future__ import annotations

import pytest

from subsidies.models import Application
from subsidies.permissions import can_download_evidence, can_edit_application, can_view_application
from subsidies.selectors import (
    application_get_for_user,
    application_list,
    award_list,
    call_list_open,
)
from subsidies.services import application_approve

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db


def test_applicant_selectors_deny_other_applicants(submitted, other_applicant, applicant, reviewer):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="1000", note="经审核，按实际核定", acting_user=reviewer)
    owner, _ = applicant
    stranger, _ = other_applicant
    evidence = app.evidence.first()
    assert application_get_for_user(owner, app.pk) == app
    assert can_download_evidence(owner, evidence)
    assert award_list(user=owner).count() == 1
    with pytest.raises(Application.DoesNotExist):
        application_get_for_user(stranger, app.pk)
    assert application_list(user=stranger).count() == 0
    assert award_list(user=stranger).count() == 0
    assert not can_view_application(stranger, app) and can_view_application(stranger, app).reason
    assert not can_download_evidence(stranger, evidence)
    assert not can_edit_application(stranger, app)
    assert not can_edit_application(owner, app)  # approved: no more edits
    assert "只有草稿" in can_edit_application(owner, app).reason


def test_call_list_open(make_call):
    import datetime as dt

    from django.utils import timezone

    open_call = make_call(["DE-09"])
    closed = make_call(["DE-09"])
    closed.closes_on = timezone.localdate() - dt.timedelta(days=1)
    closed.save()
    assert list(call_list_open()) == [open_call]
    assert closed in call_list_open(on=timezone.localdate() - dt.timedelta(days=2))
