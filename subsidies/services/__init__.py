"""Write services of 惠企政策奖补 (the one door for admin actions, API views, site forms and commands)."""

from subsidies.services.applications import (
    application_accept,
    application_cancel,
    application_create,
    application_publicity_close,
    application_publicity_start,
    application_reject,
    application_resubmit,
    application_return_for_correction,
    application_review_start,
    application_score,
    application_submit,
    application_update,
    application_withdraw,
    applications_close_due_publicities,
    evidence_add,
    evidence_retire,
    objection_record,
    objection_resolve,
)
from subsidies.services.catalog import rules_sync
from subsidies.services.config import (
    budget_pool_save,
    call_save,
    policy_document_save,
    rule_parameter_save,
    rule_save,
)
from subsidies.services.manual import (
    manual_award_approve,
    manual_award_cancel,
    manual_award_create,
    manual_award_disburse,
    manual_award_reject,
)
from subsidies.services.money import application_approve, application_disburse

__all__ = [
    "application_accept", "application_approve", "application_cancel", "application_create",
    "application_disburse", "application_publicity_close", "application_publicity_start", "application_reject",
    "applications_close_due_publicities",
    "application_resubmit", "application_return_for_correction", "application_review_start", "application_score",
    "application_submit", "application_update", "application_withdraw", "budget_pool_save", "call_save",
    "evidence_add", "evidence_retire", "manual_award_approve", "manual_award_cancel", "manual_award_create",
    "manual_award_disburse", "manual_award_reject", "objection_record", "objection_resolve", "policy_document_save",
    "rule_parameter_save", "rule_save", "rules_sync",
]
