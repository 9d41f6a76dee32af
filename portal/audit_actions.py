"""Chinese names of the audit actions the kernel writes (see ``portal.audit.action_label``).

Codes read ``<app>.<entity>.<verb>``; the older codes stay listed because rows already in the hash-chained audit log
keep the code they were written with.
"""

LABELS = {
    "portal.organization.create": "新增政务单位",
    "portal.organization.update": "修改政务单位",
    "portal.membership.grant": "授予单位角色",
    "portal.membership.update": "修改单位角色信息",
    "portal.membership.retire": "停用单位角色",
    "portal.enterprise.register": "申报主体注册",
    "portal.enterprise.create": "新增申报主体",
    "portal.enterprise.update": "修改申报主体",
    "portal.enterprise_member.add": "添加申报主体成员",
    "portal.holiday.save": "维护节假日调整",
    "portal.holiday_notice.create": "录入年度放假通知（重算期限）",
    "portal.holiday_notice.update": "修改年度放假通知（重算期限）",
    "portal.api_token.issue": "签发接口令牌",
    "portal.api_token.revoke": "吊销接口令牌",
    "portal.file.download": "下载文件",
    # codes written before the vocabulary was unified
    "membership_grant": "授予单位角色",
    "membership_retire": "停用单位角色",
    "enterprise_register": "申报主体注册",
    "enterprise_member_add": "添加申报主体成员",
    "api_token_issue": "签发接口令牌",
    "api_token_revoke": "吊销接口令牌",
    "file_download": "下载文件",
}

# before/after keys that are not fields of the recorded model
VALUE_LABELS = {"user": "用户", "name": "名称", "amount": "金额（元）", "status": "状态", "due_on": "期限",
                "is_overdue": "是否逾期", "workdays": "工作日数", "size": "大小（字节）", "kind": "类型", "field": "字段"}
