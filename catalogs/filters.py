"""FilterSets of 政务数据资源目录 (run by the selectors; the API declares them for its query parameters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q

from catalogs.models import CatalogEntry, CollectionSubmission, CollectionTask, DataCorrection, InterfaceRequest


class EntryFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="source_unit__code", label="数源单位编码")
    text = django_filters.CharFilter(method="filter_text", label="全文")

    class Meta:
        model = CatalogEntry
        fields = ["share_type", "open_type", "status", "update_frequency", "level", "base_category"]

    def filter_text(self, qs: Any, name: str, value: str) -> Any:
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(code__icontains=value)
                         | Q(keywords__icontains=value))


class CorrectionFilter(django_filters.FilterSet):
    class Meta:
        model = DataCorrection
        fields = ["status", "source_unit", "reporter_unit"]


class InterfaceRequestFilter(django_filters.FilterSet):
    class Meta:
        model = InterfaceRequest
        fields = ["status", "is_late", "is_overdue", "producer_unit"]


class TaskFilter(django_filters.FilterSet):
    class Meta:
        model = CollectionTask
        fields = ["status", "period", "unit", "is_initial_load"]


class SubmissionFilter(django_filters.FilterSet):
    class Meta:
        model = CollectionSubmission
        fields: list[str] = []
