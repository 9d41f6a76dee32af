"""Chinese names of the audit actions the catalogs app writes (see ``portal.audit.action_label``).

Codes are ``catalogs.<entity>.<verb>``; the workflow transitions (``catalogs.entry.publish`` …) are named by
``portal.workflow.audit_labels()`` from the declarations in ``catalogs.workflow``. The old codes stay here with the
same Chinese text because rows already in the hash-chained audit log keep them.
"""

LABELS = {
    "catalogs.entry.create": "新建目录",
    "catalogs.entry.update": "修改目录",
    "catalogs.collection_task.overdue": "采集任务逾期未报送",
    "catalogs.collection_task.submit": "报送采集数据",
    "catalogs.correction.report": "报告问题数据",
    "catalogs.interface_request.create": "提出接口需求",
    "catalogs.entry.publish_interface": "目录发布新版本（接口再封装发布）",
    "catalogs.desensitisation.record": "登记脱敏处理记录",
    "catalogs.desensitisation.retire": "撤销脱敏处理记录",
    # old codes (rows written before the audit vocabulary was unified)
    "catalog_entry_create": "新建目录",
    "catalog_entry_update": "修改目录",
    "catalog_entry_submit": "目录提交审核",
    "catalog_entry_publish": "目录审核发布",
    "catalog_entry_return": "目录退回修改",
    "catalog_entry_revise": "目录发起修订",
    "catalog_entry_request_retire": "目录申请停用",
    "catalog_entry_retire": "目录批准停用",
    "collection_task_overdue": "采集任务逾期未报送",
    "collection_submit": "报送采集数据",
    "collection_submission_download": "下载采集报送文件",
    "correction_report": "报告问题数据",
    "correction_dispatch": "转交数源单位核实",
    "correction_decide": "决定是否更正",
    "correction_complete": "完成数据更正",
    "interface_request_create": "提出接口需求",
    "interface_request_extension_request": "申请延期提供接口",
    "interface_request_extension_decide": "审批接口延期申请",
    "interface_request_deliver": "提供接口",
    "interface_request_overdue": "接口需求逾期未提供",
}

VALUE_LABELS = {"fields": "字段", "rows": "数据行数", "accepted": "校验通过", "submission": "报送记录",
                "interface": "接口", "approved": "是否批准", "will_correct": "是否更正", "version": "版本号",
                "endpoint": "接口地址"}
