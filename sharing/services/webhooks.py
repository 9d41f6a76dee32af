"""Webhook subscriptions and the delivery bookkeeping (attempts, bounded retries with back-off)."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.faults import checkpoint
from portal.history import acting_as
from portal.locks import lock_first, lock_rows, relock
from portal.permissions import require
from portal.tasks import enqueue
from sharing import permissions, webhooks
from sharing.models import (
    DEFAULT_EVENTS,
    Authorization,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

# seconds to wait after the n-th failed attempt
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600)
# how long a worker's claim on a delivery lasts: longer than one POST can take (connect + read timeouts)
CLAIM_SECONDS = 6 * webhooks.TIMEOUT_SECONDS


def max_attempts() -> int:
    return int(getattr(settings, "SHARING_WEBHOOK_MAX_ATTEMPTS", 5))


@transaction.atomic
def webhook_subscribe(*, authorization: Authorization, url: str, acting_user: Any,
                      events: list[str] | None = None) -> WebhookSubscription:
    """Subscribe an endpoint to an authorization's status events; the secret is returned on the object once."""
    require(permissions.can_subscribe_webhook(acting_user, authorization))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": ["回调地址须为有效的 http/https 地址。"]}) from None
    refusal = webhooks.target_refusal(url)
    if refusal:
        raise ValidationError({"url": [refusal]})
    events = list(events or DEFAULT_EVENTS)
    bad = [e for e in events if e not in WebhookEvent.values]
    if bad:
        raise ValidationError({"events": [f"未知事件：{'、'.join(bad)}（可选：{'、'.join(WebhookEvent.values)}）"]})
    with acting_as(acting_user):
        sub = WebhookSubscription.objects.create(authorization=authorization, owner=acting_user, url=url,
                                                 secret=secrets.token_urlsafe(32), events=events)
        audit_record(actor=acting_user, action="sharing.webhook.subscribe", obj=sub, after={"url": url, "events": events})
    return sub


@transaction.atomic
def webhook_disable(*, subscription: WebhookSubscription, acting_user: Any) -> WebhookSubscription:
    sub = relock(subscription)
    if sub.owner_id != acting_user.pk and not getattr(acting_user, "is_superuser", False):
        raise ValidationError("只能停用自己的订阅。")
    with acting_as(acting_user):
        sub.is_enabled = False
        sub.save()
        audit_record(actor=acting_user, action="sharing.webhook.disable", obj=sub)
    return sub


def event_payload(authorization: Authorization, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "authorization": {
            "number": authorization.number, "id": authorization.pk, "status": authorization.status,
            "status_display": authorization.get_status_display(), "reason": authorization.status_reason,
            "consumer_unit": authorization.consumer_unit.code, "valid_from_on": str(authorization.valid_from_on),
            "valid_until_on": str(authorization.valid_until_on), "service_mode": authorization.service_mode,
        },
        "occurred_at": timezone.now().isoformat(),
    }


def queue_webhooks(authorization: Authorization, event: str) -> list[WebhookDelivery]:
    """Create one delivery per enabled subscription to ``event``; each is sent by a task after commit."""
    deliveries = []
    payload = event_payload(authorization, str(event))
    for sub in authorization.webhook_subscriptions.filter(is_enabled=True, retired_at__isnull=True).order_by("pk"):
        if str(event) not in sub.events:
            continue
        delivery = WebhookDelivery.objects.create(subscription=sub, event=str(event), payload=payload)
        deliveries.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: enqueue("sharing.tasks.deliver_webhook", pk))  # type: ignore[misc]
    return deliveries


def queue_webhooks_bulk(authorizations: list[Authorization], event: str) -> list[WebhookDelivery]:
    """``queue_webhooks`` for many authorizations: their subscriptions read in one query, the deliveries written in
    one multi-row ``INSERT``; each is queued after commit (the authorizations come with ``consumer_unit``)."""
    by_auth: dict[int, list[WebhookSubscription]] = {}
    for sub in WebhookSubscription.objects.filter(authorization__in=authorizations, is_enabled=True,
                                                  retired_at__isnull=True).order_by("pk"):
        if str(event) in sub.events:
            by_auth.setdefault(sub.authorization_id, []).append(sub)
    rows = [WebhookDelivery(subscription=sub, event=str(event), payload=event_payload(auth, str(event)))
            for auth in authorizations for sub in by_auth.get(auth.pk, [])]
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    pks = [d.pk for d in deliveries]

    def queue() -> None:
        for pk in pks:
            enqueue("sharing.tasks.deliver_webhook", pk)

    transaction.on_commit(queue)
    return deliveries


def _is_in_flight(delivery: WebhookDelivery, now: Any) -> bool:
    """Another worker claimed this delivery and its lease has not run out (it is sending right now)."""
    return delivery.status == DeliveryStatus.PENDING and delivery.attempts > 0 and delivery.next_attempt_at > now


def webhook_deliver(delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery now, unless it is delivered, finally failed or being sent by another worker.

    Several task runs may carry the same delivery (the on-commit task and ``retry_webhooks`` both queue a new
    delivery; the Redis broker redelivers a task whose worker died). The row lock serialises them and the first one
    *claims* the attempt: status back to ``pending``, attempts + 1 and a lease of ``CLAIM_SECONDS`` in
    ``next_attempt_at``, committed before the POST. A second run then sees the claim (or the final status) and sends
    nothing, so each delivery is POSTed once; only a worker that dies between the POST and the recording of its
    answer makes a resend after the lease (receivers de-duplicate on ``X-Portal-Delivery``; ADR 0011)."""
    with transaction.atomic():
        delivery = lock_first(WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id))
        now = timezone.now()
        if delivery is None or delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            return delivery
        if _is_in_flight(delivery, now):
            return delivery
        attempt = delivery.attempts + 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=attempt, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    body = webhooks.encode_body(delivery.payload)
    timestamp = str(int(time.time()))
    outcome = webhooks.post(delivery.subscription.url, body=body, headers={
        webhooks.EVENT_HEADER: delivery.event, webhooks.DELIVERY_HEADER: str(delivery.pk),
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: webhooks.sign(delivery.subscription.secret, timestamp, body)})
    # Sent, not yet recorded: a worker dying here sends the delivery again on retry, with the same delivery id header
    # (at least once; receivers dedupe by X-Portal-Delivery, docs/adr/0012-fault-injection.md).
    checkpoint("sharing.webhook_deliver")
    now = timezone.now()
    if outcome.ok:
        fields: dict[str, Any] = {"status": DeliveryStatus.DELIVERED, "delivered_at": now,
                                  "last_status_code": outcome.status_code, "last_error": ""}
    elif attempt >= max_attempts():
        fields = {"status": DeliveryStatus.FAILED, "last_status_code": outcome.status_code,
                  "last_error": outcome.error}
    else:
        delay = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
        fields = {"status": DeliveryStatus.RETRYING, "last_status_code": outcome.status_code,
                  "last_error": outcome.error, "next_attempt_at": now + timedelta(seconds=delay)}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def webhook_retry_due(*, now: Any = None) -> list[int]:
    """Queue every delivery whose retry time has come (scheduled every minute). One transaction: each due delivery is
    claimed (its next attempt moved one back-off step on) and queued together, so a run killed half-way queues
    nothing (the ORM broker's queue is in the same database) and a second run does not queue one twice."""
    now = now or timezone.now()
    due = lock_rows(WebhookDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
                                                   next_attempt_at__lte=now))
    ids = [d.pk for d in due]
    WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS[0]))
    for pk in ids:
        enqueue("sharing.tasks.deliver_webhook", pk)
        checkpoint("sharing.webhook_retry_due")
    return ids
