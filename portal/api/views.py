from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from portal import policies
from portal.api.permissions import ScopedViewSetMixin
from portal.models import Enterprise, Organization


class OrganizationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "level", "level_display",
                  "region_code", "parent", "retired_at"]


class OrganizationFilter(django_filters.FilterSet):
    class Meta:
        model = Organization
        fields = {"kind": ["exact"], "level": ["exact"], "region_code": ["exact"], "parent": ["exact"]}


class OrganizationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Government units visible to the caller."""

    policy = policies.OrganizationPolicy()
    base_queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name", "short_name", "code"]
    ordering_fields = ["name", "code"]


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "kind", "is_domestic_controlled", "is_small_micro", "region",
                  "contact_name", "retired_at"]


class EnterpriseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Applicant organisations visible to the caller (an applicant sees only its own)."""

    policy = policies.EnterprisePolicy()
    base_queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_fields = ["kind", "is_domestic_controlled", "is_small_micro", "region", "uscc"]
    search_fields = ["name", "uscc"]
