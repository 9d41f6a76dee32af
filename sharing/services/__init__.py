"""Write services of 数据共享与开放 (the one door for admin, API, site pages and tasks)."""

from sharing.services.applications import (
    producer_opinion_give,
    share_application_act,
    share_application_create,
    share_application_resubmit,
    share_application_submit,
    share_application_update,
    share_application_withdraw,
)
from sharing.services.authorizations import (
    authorization_renew,
    authorization_resume,
    authorization_revoke,
    authorization_suspend,
    authorizations_expire,
    authorizations_remind_expiring,
)
from sharing.services.open_data import (
    grant_restrictions,
    open_applicant_eligibility,
    open_application_act,
    open_application_create,
    open_application_resubmit,
    open_application_submit,
    open_application_withdraw,
    open_grant_eligibility,
)
from sharing.services.open_grants import (
    open_grant_resume,
    open_grant_revoke,
    open_grant_set_status,
    open_grant_suspend,
    open_grants_expire,
    open_grants_remind_expiring,
)
from sharing.services.overdue import steps_flag_overdue
from sharing.services.usage import usage_record_create, usage_records_push
from sharing.services.webhooks import webhook_deliver, webhook_disable, webhook_retry_due, webhook_subscribe

__all__ = [
    "authorization_renew", "authorization_resume", "authorization_revoke", "authorization_suspend",
    "authorizations_expire", "authorizations_remind_expiring", "grant_restrictions", "open_applicant_eligibility", "open_grant_eligibility",
    "open_application_act", "open_application_create", "open_application_resubmit", "open_application_submit",
    "open_application_withdraw", "open_grant_resume", "open_grant_revoke", "open_grant_set_status",
    "open_grant_suspend", "open_grants_expire", "open_grants_remind_expiring", "producer_opinion_give", "share_application_act",
    "share_application_create", "share_application_resubmit", "share_application_submit",
    "share_application_update", "share_application_withdraw", "steps_flag_overdue", "usage_record_create",
    "usage_records_push", "webhook_deliver", "webhook_disable", "webhook_retry_due", "webhook_subscribe",
]
