"""Chinese names of the audit actions the subsidies app writes (see ``portal.audit.action_label``)."""

from subsidies.workflow import TRANSITIONS

# Configuration edited in the admin (subsidies.admin.config.AuditedSaveMixin): model name → Chinese
CONFIG_MODELS = {"policydocument": "政策文件", "rule": "奖补规则", "ruleparameter": "规则参数", "call": "申报批次",
                 "budgetpool": "资金池"}

LABELS = {
    "subsidy_application_create": "新建奖补申报",
    "subsidy_application_update": "修改奖补申报",
    **{f"subsidy_{action}": f"奖补申报：{t.label}" for action, t in TRANSITIONS.items()},
    "subsidy_evidence_add": "上传申报材料",
    "subsidy_evidence_retire": "停用申报材料",
    "subsidy_evidence_download": "下载申报材料",
    "subsidy_score": "专家评分",
    "subsidy_objection_record": "登记公示异议",
    "subsidy_objection_resolve": "处理公示异议",
    "subsidy_award_release": "释放预留的奖补资金",
    "subsidy_ruleparameter_save": "保存规则参数",
    "subsidy_budgetpool_save": "保存资金池",
    **{f"subsidy_{model}_add": f"新增{name}" for model, name in CONFIG_MODELS.items()},
    **{f"subsidy_{model}_change": f"修改{name}" for model, name in CONFIG_MODELS.items()},
}

VALUE_LABELS = {"facts": "申报事实", "score": "评分", "objection": "异议", "upheld": "异议是否成立"}
