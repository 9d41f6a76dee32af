"""公共数据共享开放 sections of the 企业画像 (``portal.profile``): the enterprise's 授权开放 applications and grants,
scoped by the sharing policies (the city authority, the technical unit and the auditor see all; a provider unit the
applications for its data)."""

from __future__ import annotations

from typing import Any

from portal.permissions import AnyUser
from portal.profile import SectionData, record_section, register_section
from sharing.models import OpenDataApplication, OpenDataGrant
from sharing.permissions import OpenDataApplicationPolicy, OpenDataGrantPolicy


def open_applications_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=OpenDataApplication, field="enterprise", policy=OpenDataApplicationPolicy(),
        order_by=("-created_at", "-pk"),
        columns=[("number", "申请编号", "number"), ("purpose", "使用目的", "purpose"),
                 ("is_commercial", "用于商业用途", "is_commercial"), ("status", "状态", "status"),
                 ("submitted_at", "提交时间", "submitted_at")])


def open_grants_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=OpenDataGrant, field="enterprise", policy=OpenDataGrantPolicy(),
        order_by=("-valid_from_on", "-pk"),
        columns=[("number", "授权编号", "number"), ("status", "状态", "status"),
                 ("valid_from_on", "有效期起", "valid_from_on"), ("valid_until_on", "有效期止", "valid_until_on"),
                 ("is_commercial_use_allowed", "允许商业用途", "is_commercial_use_allowed")])


register_section("open_data_applications", "授权开放申请", open_applications_section, order=30)
register_section("open_data_grants", "授权开放许可", open_grants_section, order=31)
