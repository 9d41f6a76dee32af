"""FilterSets of 惠企政策奖补 lists: the API's ``?field=`` filters and the selectors' ``filters`` run the same ones."""

from __future__ import annotations

import django_filters

from subsidies.models import Application, Award, BudgetPool, Call, Evidence, ManualAward, Rule
from subsidies.models.matching import MatchCandidate


class RuleFilter(django_filters.FilterSet):
    class Meta:
        model = Rule
        fields = ["family", "funding", "recipient_type"]


class CallFilter(django_filters.FilterSet):
    class Meta:
        model = Call
        fields = ["year", "family"]


class ApplicationFilter(django_filters.FilterSet):
    class Meta:
        model = Application
        fields = ["status", "period", "call", "rule__code", "enterprise__uscc", "is_duplicate"]


class EvidenceFilter(django_filters.FilterSet):
    class Meta:
        model = Evidence
        fields = ["application", "kind"]


class AwardFilter(django_filters.FilterSet):
    class Meta:
        model = Award
        fields = ["year", "status", "rule__code", "county", "enterprise__uscc"]


class PoolFilter(django_filters.FilterSet):
    class Meta:
        model = BudgetPool
        fields = ["call", "level", "county", "call__year"]


class ManualAwardFilter(django_filters.FilterSet):
    class Meta:
        model = ManualAward
        fields = ["year", "status", "pool", "enterprise__uscc"]


class MatchCandidateFilter(django_filters.FilterSet):
    uscc = django_filters.CharFilter(field_name="enterprise__uscc", label="统一社会信用代码")
    rule = django_filters.CharFilter(field_name="rule__code", label="规则编号")

    class Meta:
        model = MatchCandidate
        fields = ["call", "rule", "status", "period", "uscc"]
