"""Chinese names of the audit actions the subsidies app writes (see ``portal.audit.action_label``).

The workflow steps (``subsidies.application.<transition>``) are named by ``portal.workflow.audit_labels()``; the codes
written before the common vocabulary (``subsidy_…``) stay here because the hash-chained audit log keeps them.
"""

from subsidies.workflow import APPLICATION

# Configuration edited in the admin (subsidies.services.config): entity → Chinese
CONFIG_ENTITIES = {"policy_document": "政策文件", "rule": "奖补规则", "rule_parameter": "规则参数", "call": "申报批次",
                   "budget_pool": "资金池", "fact_source": "事实来源（免申即享）"}

LABELS = {
    "subsidies.application.create": "新建奖补申报",
    "subsidies.application.update": "修改奖补申报",
    "subsidies.application.score": "专家评分",
    "subsidies.evidence.add": "上传申报材料",
    "subsidies.evidence.retire": "停用申报材料",
    "subsidies.objection.record": "登记公示异议",
    "subsidies.objection.resolve": "处理公示异议",
    "subsidies.award.release": "释放预留的奖补资金",
    "subsidies.manual_award.create": "登记一事一议奖补",
    **{f"subsidies.{entity}.create": f"新增{name}" for entity, name in CONFIG_ENTITIES.items()},
    **{f"subsidies.{entity}.change": f"修改{name}" for entity, name in CONFIG_ENTITIES.items()},
}

# The codes of existing audit rows (before issue 11), with the same Chinese names.
_OLD_MODELS = {"policydocument": "政策文件", "rule": "奖补规则", "ruleparameter": "规则参数", "call": "申报批次",
               "budgetpool": "资金池"}
LABELS |= {
    "subsidy_application_create": "新建奖补申报",
    "subsidy_application_update": "修改奖补申报",
    **{f"subsidy_{name}": f"奖补申报：{t.label}" for name, t in APPLICATION.transitions.items()},
    "subsidy_evidence_add": "上传申报材料",
    "subsidy_evidence_retire": "停用申报材料",
    "subsidy_evidence_download": "下载申报材料",
    "subsidy_score": "专家评分",
    "subsidy_objection_record": "登记公示异议",
    "subsidy_objection_resolve": "处理公示异议",
    "subsidy_award_release": "释放预留的奖补资金",
    "subsidy_ruleparameter_save": "保存规则参数",
    "subsidy_budgetpool_save": "保存资金池",
    **{f"subsidy_{model}_add": f"新增{name}" for model, name in _OLD_MODELS.items()},
    **{f"subsidy_{model}_change": f"修改{name}" for model, name in _OLD_MODELS.items()},
}

VALUE_LABELS = {"facts": "申报事实", "score": "评分", "objection": "异议", "upheld": "异议是否成立"}
