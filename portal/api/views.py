from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import policies
from portal.api.permissions import ScopedViewSetMixin
from portal.models import Enterprise, Organization
from portal.permissions import can_view_enterprise_profile
from portal.profile import enterprise_profile, profile_access, profile_json


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

    @extend_schema(summary="企业画像", responses={200: inline_serializer("EnterpriseProfile", {
        "enterprise": serializers.DictField(help_text="主体标识：id、统一社会信用代码、名称"),
        "sections": serializers.ListField(child=serializers.DictField(), help_text=(
            "按调用者权限可见的各部分：key、title（中文标题）、count（记录数）、link（管理后台列表）、note、"
            "columns（key、label）、rows（各列文本，url 为记录页面）")),
    })})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def profile(self, request: Any, pk: Any = None) -> Response:
        """企业画像: the sections the caller may see (403 without a need to know, 404 for an unknown id); one
        access-log row (查询) naming the enterprise."""
        decision = can_view_enterprise_profile(request.user)
        if not decision:
            raise exceptions.PermissionDenied(decision.reason)
        enterprise = self.get_object()
        profile = enterprise_profile(viewer=request.user, enterprise=enterprise)
        self.access_log_entry = profile_access(profile, enterprise)
        return Response(profile_json(profile))
