"""惠企政策奖补 models: policy documents and dated rules, calls with budget pools, applications, awards."""

from subsidies.models.applications import (
    Application,
    ApplicationEvent,
    ApplicationOrigin,
    ApplicationStatus,
    Evidence,
    ExpertScore,
    Objection,
    ObjectionStatus,
)
from subsidies.models.awards import Award, AwardStatus
from subsidies.models.calls import BudgetPool, Call, PoolLevel
from subsidies.models.manual import ManualAward, ManualAwardStatus
from subsidies.models.matching import CandidateStatus, EnterpriseFact, FactSource, MatchCandidate
from subsidies.models.policy import PolicyDocument, Rule, RuleParameter

__all__ = [
    "Application", "ApplicationEvent", "ApplicationOrigin", "ApplicationStatus", "Award", "AwardStatus", "BudgetPool", "Call",
    "CandidateStatus", "EnterpriseFact", "Evidence", "ExpertScore", "FactSource", "MatchCandidate", "ManualAward", "ManualAwardStatus", "Objection", "ObjectionStatus", "PolicyDocument", "PoolLevel", "Rule",
    "RuleParameter",
]
