"""Read paths of 数据共享与开放: every list is scoped by the app's policies, runs its FilterSet (``sharing.filters``)
when given query parameters, and uses a constant number of queries. The admin, the API and the site read here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from sharing.filters import (
    AuthorizationFilter,
    OpenDataApplicationFilter,
    OpenDataGrantFilter,
    ShareApplicationFilter,
    UsageRecordFilter,
)
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    CatalogImpact,
    DataUseRecord,
    OpenDataAgreement,
    OpenDataApplication,
    OpenDataGrant,
    ShareApplication,
    WebhookSubscription,
    WorkflowStep,
)
from sharing.permissions import (
    AuthorizationPolicy,
    CatalogImpactPolicy,
    DataUseRecordPolicy,
    OpenDataApplicationPolicy,
    OpenDataGrantPolicy,
    ShareApplicationPolicy,
    WebhookSubscriptionPolicy,
    WorkflowStepPolicy,
)
from sharing.states import today


def _filtered(filterset: Any, filters: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if filters is None:
        return qs
    fs = filterset(filters, queryset=qs)
    if not fs.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in fs.errors.items()})
    return fs.qs


def share_application_list(*, user: Any, filters: Any = None) -> QuerySet[ShareApplication]:
    """Applications visible to ``user``, with units, entries and items loaded for list pages."""
    qs: QuerySet[Any] = ShareApplication.objects.select_related("applicant_unit", "applicant_user", "applicant_county")
    qs = ShareApplicationPolicy().scope(user, qs).prefetch_related("entries", "data_items")
    return _filtered(ShareApplicationFilter, filters, qs)


def share_application_get(user: Any, pk: Any) -> ShareApplication | None:
    return share_application_list(user=user).filter(pk=pk).first()


def overdue_step_list(user: Any) -> QuerySet[WorkflowStep]:
    """Open steps past their due date, for the authority's overdue board (oldest due first)."""
    qs = (WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=today())
          .select_related("share_application__applicant_unit", "open_application__enterprise", "responsible_unit")
          .order_by("due_on", "pk"))
    return WorkflowStepPolicy().scope(user, qs)


def authorization_list(*, user: Any, filters: Any = None) -> QuerySet[Authorization]:
    qs: QuerySet[Any] = Authorization.objects.select_related("consumer_unit", "application", "renewed_from")
    qs = AuthorizationPolicy().scope(user, qs).prefetch_related("entries", "data_items", "events")
    return _filtered(AuthorizationFilter, filters, qs)


def authorization_get(user: Any, pk: Any) -> Authorization | None:
    return authorization_list(user=user).filter(pk=pk).first()


def usage_record_list(*, user: Any, filters: Any = None, authorization: Authorization | None = None,
                      own_unit_ids: Iterable[int] | None = None) -> QuerySet[DataUseRecord]:
    """The usage records ``user`` may see; with ``own_unit_ids``, only those of the user's own units among them."""
    qs = DataUseRecord.objects.select_related("authorization", "unit", "recorded_by")
    if authorization is not None:
        qs = qs.filter(authorization=authorization)
    policy = DataUseRecordPolicy()
    scoped = policy.scope(user, qs) if own_unit_ids is None else policy.own_units(user, qs, own_unit_ids)
    return _filtered(UsageRecordFilter, filters, scoped)


def catalog_impact_list(*, user: Any) -> QuerySet[CatalogImpact]:
    """What catalog changes did to the grants ``user`` may see (and to the grants on the user's own entries)."""
    qs = CatalogImpact.objects.select_related("entry", "authorization", "open_grant", "changed_by")
    return CatalogImpactPolicy().scope(user, qs)


Gap = tuple[datetime, datetime | None, str]


def authorization_service_gaps(authorization_ids: Iterable[int]) -> dict[int, list[Gap]]:
    """Per authorization, the periods in which it did not serve: (start, end or ``None`` = still, the status that
    opened or last held it: suspended / revoked), read from its append-only status events (one query)."""
    gaps: dict[int, list[Gap]] = {}
    open_: dict[int, list[Any]] = {}
    stopped = {AuthorizationStatus.SUSPENDED, AuthorizationStatus.REVOKED}
    events = (AuthorizationEvent.objects.filter(authorization_id__in=set(authorization_ids))
              .order_by("at", "id").values_list("authorization_id", "to_status", "at"))
    for auth_id, to_status, at in events:
        current = open_.get(auth_id)
        if to_status in stopped:
            if current is None:
                open_[auth_id] = [at, None, to_status]
            else:
                current[2] = to_status  # suspended, then revoked: the gap goes on
        elif current is not None:
            current[1] = at
            gaps.setdefault(auth_id, []).append((current[0], at, current[2]))
            del open_[auth_id]
    for auth_id, (start, _end, status) in open_.items():
        gaps.setdefault(auth_id, []).append((start, None, status))
    return gaps


def usage_violation_list(user: Any) -> QuerySet[DataUseRecord]:
    """Uses recorded while the authorization was suspended or terminated, newest first (the authority's board)."""
    return usage_record_list(user=user).filter(is_violation=True).order_by("-acquired_at", "-pk")


def webhook_subscription_list(*, user: Any, filters: Any = None) -> QuerySet[WebhookSubscription]:
    return WebhookSubscriptionPolicy().scope(user, WebhookSubscription.objects.all())


# ------------------------------------------------------------------ open data (contract for the applicant site)
def open_application_list(*, user: Any, filters: Any = None) -> QuerySet[OpenDataApplication]:
    """The open-data applications ``user`` may see (an applicant: only its own organisation's), newest first."""
    qs = OpenDataApplication.objects.select_related("enterprise", "applicant_user").prefetch_related(
        "entries", Prefetch("grant", queryset=OpenDataGrant.objects.all()))
    return _filtered(OpenDataApplicationFilter, filters, OpenDataApplicationPolicy().scope(user, qs))


def open_application_list_for_user(user: Any) -> QuerySet[OpenDataApplication]:
    """The applicant site's name for ``open_application_list``."""
    return open_application_list(user=user)


def open_application_get_for_user(user: Any, pk: Any) -> OpenDataApplication | None:
    """One application, or ``None`` when it does not exist or belongs to someone else (show a 404)."""
    try:
        return open_application_list(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def open_grant_for_application(application: OpenDataApplication) -> OpenDataGrant | None:
    """The grant an application produced (with ``restrictions`` and ``attribution_text``), or ``None``."""
    return OpenDataGrant.objects.filter(application=application).prefetch_related("entries").first()


def open_agreement_for_application(application: OpenDataApplication) -> OpenDataAgreement | None:
    """The signed 数据使用和安全保障协议 of ``application``, if recorded."""
    return OpenDataAgreement.objects.filter(application=application).first()


def open_grant_list(*, user: Any, filters: Any = None) -> QuerySet[OpenDataGrant]:
    qs = OpenDataGrant.objects.select_related("enterprise", "application").prefetch_related(
        "entries", Prefetch("events", queryset=AuthorizationEvent.objects.order_by("at", "id")))
    return _filtered(OpenDataGrantFilter, filters, OpenDataGrantPolicy().scope(user, qs))


def open_grant_get(user: Any, pk: Any) -> OpenDataGrant | None:
    try:
        return open_grant_list(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
