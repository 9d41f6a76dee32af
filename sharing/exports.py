"""Excel exports of 数据共享与开放: an authorization's usage records, the monthly assessment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from portal.xlsx import Sheet
from sharing.assessment import UnitMonthRow
from sharing.models import Authorization, DataUseRecord
from sharing.selectors import usage_record_list

USAGE_HEADERS = ["授权编号", "使用单位", "获取时间", "具体用途", "使用人员", "批准人员", "数据内容", "获取方式",
                 "介质类型", "单位侧记录编号", "批次号", "登记人", "登记时间", "至少保存至"]
ASSESSMENT_HEADERS = ["单位", "单位编码", "到期环节数", "按期办结环节数", "会商意见到期数", "会商意见按期数",
                      "按期办理率(%)", "已办结环节数", "平均办理工作日", "纠错到期数", "纠错按期数", "纠错按期率(%)",
                      "目录条目数", "已发布条目数", "目录完整度(%)", "目录平均质量分"]


def _labels(field: str) -> dict[Any, str]:
    return {value: str(label) for value, label in DataUseRecord._meta.get_field(field).flatchoices}  # type: ignore[union-attr]


def usage_sheet(authorization: Authorization, user: Any) -> Sheet:
    """Usage records of one authorization, restricted to what ``user`` may see, streamed as plain values (one
    ``values_list`` through a server-side cursor: no model instances for 100k rows; choices shown by their labels)."""
    def rows() -> Iterator[list[Any]]:
        qs = usage_record_list(user=user, authorization=authorization).order_by("acquired_at", "pk")
        methods, media = _labels("acquisition_method"), _labels("media_type")
        username = f"recorded_by__{get_user_model().USERNAME_FIELD}"
        for (unit, acquired_at, purpose, user_name, approver_name, data_content, method, media_type, external_id,
             batch_id, recorded_by, recorded_at, retain_until_on) in qs.values_list(
                "unit__name", "acquired_at", "purpose", "user_name", "approver_name", "data_content",
                "acquisition_method", "media_type", "external_id", "batch_id", username, "recorded_at",
                "retain_until_on").iterator(chunk_size=2000):
            yield [authorization.number, unit, acquired_at, purpose, user_name, approver_name, data_content,
                   methods.get(method, method), media.get(media_type, media_type), external_id, batch_id,
                   recorded_by, recorded_at, retain_until_on]
    return Sheet("数据使用记录", USAGE_HEADERS, rows(), widths=[20, 24, 18, 30, 12, 12, 30, 12, 14, 16, 20, 12, 18, 12])


def assessment_sheet(rows: list[UnitMonthRow], month: date) -> Sheet:
    return Sheet(f"{month:%Y-%m}考核", ASSESSMENT_HEADERS, (
        [r.unit.name, r.unit.code, r.steps_due, r.steps_on_time, r.opinions_due, r.opinions_on_time, r.on_time_rate,
         r.steps_finished, r.avg_workdays, r.corrections_due, r.corrections_on_time, r.correction_rate,
         r.entries_total, r.entries_published, r.completeness, r.quality_avg] for r in rows), widths=[30, 14])
