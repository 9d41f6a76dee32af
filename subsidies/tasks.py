"""Background jobs for 惠企政策奖补; SCHEDULES lists (name, function path, schedule type, minutes).

Jobs are idempotent and act as the system (no acting user): they only do what the workflow table allows.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.faults import checkpoint

SCHEDULES: list[tuple[str, str, str, int | None]] = [
    ("惠企奖补：公示期满自动结束公示", "subsidies.tasks.close_due_publicities", "D", None),
    ("惠企奖补：逾期环节提醒经办人", "subsidies.tasks.remind_overdue", "D", None),
    ("惠企奖补：免申即享匹配（读取报送事实并测算开放批次）", "subsidies.tasks.match_open_calls", "D", None),
]


def close_due_publicities() -> int:
    """End every publicity whose last working day has passed and that has no open objection (in batches)."""
    from subsidies.services import applications_close_due_publicities

    return len(applications_close_due_publicities(on=timezone.localdate()))


OVERDUE_URL = "/admin/subsidies/application/?status="
OVERDUE_TITLE_END = "件申报已超过办理期限"


@transaction.atomic
def remind_overdue() -> int:
    """Notify the reviewers of the responsible unit about each overdue application: one message per person and day
    (one transaction, and a person already told today is skipped, so a run again after a crash sends nothing twice)."""
    from collections import defaultdict
    from datetime import datetime, time

    from portal.models import Membership, Notification
    from portal.services import notify
    from subsidies.models import Application
    from subsidies.permissions import REVIEW_ROLES
    from subsidies.workflow import CLOCK_RUNNING

    today = timezone.localdate()
    start_of_day = timezone.make_aware(datetime.combine(today, time.min))
    overdue = (Application.objects.filter(status__in=CLOCK_RUNNING, due_on__lt=today)
               .exclude(status="returned").select_related("rule").order_by("pk"))
    by_unit: dict[int, list[Application]] = defaultdict(list)
    for app in overdue:
        if app.rule.responsible_unit_id:
            by_unit[app.rule.responsible_unit_id].append(app)
    sent = 0
    for unit_id, apps in sorted(by_unit.items()):
        users = {m.user for m in Membership.objects.filter(organization_id=unit_id, role__in=REVIEW_ROLES,
                                                             retired_at__isnull=True).select_related("user")}
        told = set(Notification.objects.filter(recipient__in=users, url=OVERDUE_URL, title__endswith=OVERDUE_TITLE_END,
                                               created_at__gte=start_of_day).values_list("recipient_id", flat=True))
        users = {u for u in users if u.pk not in told}
        if users:
            numbers = "、".join(a.number or str(a.pk) for a in apps[:20])
            notify(recipients=sorted(users, key=lambda u: u.pk), title=f"惠企奖补：{len(apps)} {OVERDUE_TITLE_END}",
                   body=f"逾期申报：{numbers}", url=OVERDUE_URL)
            sent += len(users)
        checkpoint("subsidies.remind_overdue")
    return sent


def harvest_submission(submission_id: int) -> int:
    """Read one accepted collection submission into enterprise facts (queued when the submission is accepted)."""
    from catalogs.models import CollectionSubmission
    from subsidies.services.facts import facts_harvest

    submission = CollectionSubmission.objects.filter(pk=submission_id, is_accepted=True).select_related("task").first()
    return facts_harvest(submission=submission).created if submission is not None else 0


def match_open_calls() -> dict[str, int]:
    """Daily: harvest what is not read yet and match every open call (idempotent: unchanged inputs write nothing)."""
    from subsidies.services.matching import matching_run

    summary = matching_run()
    return {"proposed": summary.proposed, "updated": summary.updated, "expired": summary.expired,
            "unchanged": summary.unchanged}
