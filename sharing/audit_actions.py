"""Chinese names of the audit actions the sharing app writes (see ``portal.audit.action_label``).

The workflow steps (``sharing.application.<step>``, ``sharing.open_application.<step>``,
``sharing.authorization.<step>``, ``sharing.open_grant.<step>``) are named by ``portal.workflow.audit_labels()``; the
codes of the first versions (``share_application.create``, ``authorization.suspend``, …) stay here because the rows of
the hash-chained audit log keep them."""

from sharing.models.authorizations import EVENT_LABELS, MisuseKind
from sharing.models.webhooks import WebhookEvent
from sharing.workflow import OPEN_APPLICATION, SHARE_APPLICATION

LABELS = {
    "sharing.application.create": "新建共享申请",
    "sharing.application.update": "修改共享申请",
    "sharing.application.producer_opinion": "生产单位提出会商意见",
    "sharing.authorization.issue": "签发共享授权",
    "sharing.open_application.create": "新建授权开放申请",
    "sharing.open_grant.issue": "签发授权开放许可",
    "sharing.usage_record.push": "推送数据使用记录",
    "sharing.catalog_impact.record": "记录目录变更对授权的影响",
    "sharing.usage_record.violation": "登记暂停或终止期间的数据使用（违规）",
    "sharing.webhook.subscribe": "订阅授权状态通知（Webhook）",
    "sharing.webhook.disable": "停用授权状态通知（Webhook）",
    # the codes of the first versions, kept for the rows already in the audit log
    "share_application.create": "新建共享申请",
    "share_application.update": "修改共享申请",
    "share_application.producer_opinion": "生产单位提出会商意见",
    **{f"share_application.{name}": f"共享申请：{t.label}" for name, t in SHARE_APPLICATION.transitions.items()},
    "authorization.issue": "签发共享授权",
    "authorization.renew": "续期共享授权",
    **{f"authorization.{event}": f"共享授权{label}" for event, label in EVENT_LABELS.items()},
    "open_application.create": "新建授权开放申请",
    **{f"open_application.{name}": f"开放申请：{t.label}" for name, t in OPEN_APPLICATION.transitions.items()},
    "open_grant.issue": "签发授权开放许可",
    **{f"open_grant.{event}": f"开放许可{label}" for event, label in EVENT_LABELS.items()},
    "usage_records.push": "推送数据使用记录",
    "webhook.subscribe": "订阅授权状态通知（Webhook）",
    "webhook.disable": "停用授权状态通知（Webhook）",
}

VALUE_LABELS = {"authorization": "授权编号", "grant": "许可编号", "misuse_kind": "原因类别", "renewed_from": "续期自",
                "entries": "目录", "events": "订阅事件", "url": "回调地址", "agrees": "是否同意", "producer_unit": "数据生产单位",
                "is_commercial": "用于商业用途", "application": "申请", "valid_until_on": "有效期止",
                "entry": "目录", "entry_version": "目录版本号", "count": "条数", "batch_id": "批次号", "changes": "目录变更", "decisions": "处理结果",
                **dict(MisuseKind.choices), **dict(WebhookEvent.choices)}
