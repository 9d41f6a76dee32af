"""Background jobs for 数据共享与开放; SCHEDULES lists (name, function path, schedule type, minutes)."""

from __future__ import annotations

SCHEDULES: list[tuple[str, str, str, int | None]] = [
    ("共享授权到期处理", "sharing.tasks.expire_authorizations", "D", None),
    ("共享授权到期提醒", "sharing.tasks.remind_expiring_authorizations", "D", None),
    ("授权开放许可到期处理", "sharing.tasks.expire_open_grants", "D", None),
    ("授权开放许可到期提醒", "sharing.tasks.remind_expiring_open_grants", "D", None),
    ("共享办理超期标记", "sharing.tasks.flag_overdue_steps", "D", None),
    ("Webhook 重试", "sharing.tasks.retry_webhooks", "I", 1),
]


def deliver_webhook(delivery_id: int) -> str:
    """Send one signed webhook (idempotent; failures are retried by ``retry_webhooks`` with back-off)."""
    from sharing.services.webhooks import webhook_deliver

    delivery = webhook_deliver(delivery_id)
    return delivery.status if delivery else "missing"


def retry_webhooks() -> int:
    from sharing.services.webhooks import webhook_retry_due

    return len(webhook_retry_due())


def expire_authorizations() -> int:
    from sharing.services.authorizations import authorizations_expire

    return len(authorizations_expire())


def remind_expiring_authorizations() -> int:
    from sharing.services.authorizations import authorizations_remind_expiring

    return len(authorizations_remind_expiring())


def expire_open_grants() -> int:
    from sharing.services.open_grants import open_grants_expire

    return len(open_grants_expire())


def remind_expiring_open_grants() -> int:
    from sharing.services.open_grants import open_grants_remind_expiring

    return len(open_grants_remind_expiring())


def flag_overdue_steps() -> int:
    from sharing.services.overdue import steps_flag_overdue

    return len(steps_flag_overdue())
