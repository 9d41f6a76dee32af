"""The filters of the sharing lists (query parameters of the API lists), run by ``sharing.selectors``."""

from __future__ import annotations

from typing import Any

import django_filters

from sharing.models import Authorization, DataUseRecord, OpenDataApplication, OpenDataGrant, ShareApplication
from sharing.states import today


class ShareApplicationFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = ShareApplication
        fields = {"status": ["exact", "in"], "service_mode": ["exact"], "share_type": ["exact"], "route": ["exact"],
                  "kind": ["exact"], "applicant_unit": ["exact"]}

    def filter_overdue(self, qs: Any, name: str, value: bool) -> Any:
        return qs.filter(current_due_on__lt=today()) if value else qs.exclude(current_due_on__lt=today())


class AuthorizationFilter(django_filters.FilterSet):
    class Meta:
        model = Authorization
        fields = ["status", "service_mode", "share_type", "consumer_unit"]


class UsageRecordFilter(django_filters.FilterSet):
    class Meta:
        model = DataUseRecord
        fields = ["authorization", "unit", "acquisition_method", "media_type", "batch_id"]


class OpenDataApplicationFilter(django_filters.FilterSet):
    class Meta:
        model = OpenDataApplication
        fields = ["status", "is_commercial", "enterprise"]


class OpenDataGrantFilter(django_filters.FilterSet):
    class Meta:
        model = OpenDataGrant
        fields = ["status", "enterprise"]
