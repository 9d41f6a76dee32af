"""Read paths of 数据共享与开放: every list is scoped by the app's policies and uses a constant number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from sharing.models import (
    Authorization,
    DataUseRecord,
    OpenDataApplication,
    OpenDataGrant,
    ShareApplication,
    WorkflowStep,
)
from sharing.permissions import (
    AuthorizationPolicy,
    DataUseRecordPolicy,
    OpenDataApplicationPolicy,
    OpenDataGrantPolicy,
    ShareApplicationPolicy,
    WorkflowStepPolicy,
)
from sharing.workflow import today


def share_application_list(user: Any) -> QuerySet[ShareApplication]:
    """Applications visible to ``user``, with units and entries loaded for list pages."""
    qs = ShareApplication.objects.select_related("applicant_unit", "applicant_user", "applicant_county")
    return ShareApplicationPolicy().scope(user, qs).prefetch_related("entries")


def share_application_get(user: Any, pk: Any) -> ShareApplication | None:
    return share_application_list(user).filter(pk=pk).first()


def overdue_step_list(user: Any) -> QuerySet[WorkflowStep]:
    """Open steps past their due date, for the authority's overdue board (oldest due first)."""
    qs = (WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=today())
          .select_related("share_application__applicant_unit", "open_application__enterprise", "responsible_unit")
          .order_by("due_on", "pk"))
    return WorkflowStepPolicy().scope(user, qs)


def authorization_list(user: Any) -> QuerySet[Authorization]:
    qs = Authorization.objects.select_related("consumer_unit", "application", "renewed_from")
    return AuthorizationPolicy().scope(user, qs).prefetch_related("entries")


def authorization_get(user: Any, pk: Any) -> Authorization | None:
    return authorization_list(user).filter(pk=pk).first()


def usage_record_list(user: Any, *, authorization: Authorization | None = None) -> QuerySet[DataUseRecord]:
    qs = DataUseRecord.objects.select_related("authorization", "unit", "recorded_by")
    if authorization is not None:
        qs = qs.filter(authorization=authorization)
    return DataUseRecordPolicy().scope(user, qs)


# ------------------------------------------------------------------ open data (contract for the applicant site)
def open_application_list_for_user(user: Any) -> QuerySet[OpenDataApplication]:
    """The open-data applications ``user`` may see (an applicant: only its own organisation's), newest first."""
    qs = OpenDataApplication.objects.select_related("enterprise", "applicant_user").prefetch_related(
        "entries", Prefetch("grant", queryset=OpenDataGrant.objects.all()))
    return OpenDataApplicationPolicy().scope(user, qs)


def open_application_get_for_user(user: Any, pk: Any) -> OpenDataApplication | None:
    """One application, or ``None`` when it does not exist or belongs to someone else (show a 404)."""
    try:
        return open_application_list_for_user(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def open_grant_for_application(application: OpenDataApplication) -> OpenDataGrant | None:
    """The grant an application produced (with ``restrictions`` and ``attribution_text``), or ``None``."""
    return OpenDataGrant.objects.filter(application=application).prefetch_related("entries").first()


def open_grant_list_for_user(user: Any) -> QuerySet[OpenDataGrant]:
    qs = OpenDataGrant.objects.select_related("enterprise", "application").prefetch_related("entries")
    return OpenDataGrantPolicy().scope(user, qs)


def open_grant_get(user: Any, pk: Any) -> OpenDataGrant | None:
    try:
        return open_grant_list_for_user(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
