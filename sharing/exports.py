"""Excel exports of 数据共享与开放: an authorization's usage records, the monthly assessment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from portal.xlsx import Sheet
from sharing.assessment import UnitMonthRow
from sharing.models import Authorization
from sharing.selectors import usage_record_list

USAGE_HEADERS = ["授权编号", "使用单位", "获取时间", "具体用途", "使用人员", "批准人员", "数据内容", "获取方式",
                 "介质类型", "单位侧记录编号", "批次号", "登记人", "登记时间", "至少保存至"]
ASSESSMENT_HEADERS = ["单位", "单位编码", "到期环节数", "按期办结环节数", "会商意见到期数", "会商意见按期数",
                      "按期办理率(%)", "已办结环节数", "平均办理工作日", "纠错到期数", "纠错按期数", "纠错按期率(%)",
                      "目录条目数", "已发布条目数", "目录完整度(%)", "目录平均质量分"]


def usage_sheet(authorization: Authorization, user: Any) -> Sheet:
    """Usage records of one authorization, restricted to what ``user`` may see (streamed with ``iterator``)."""
    def rows() -> Iterator[list[Any]]:
        qs = usage_record_list(user=user, authorization=authorization).order_by("acquired_at", "pk")
        for r in qs.iterator(chunk_size=2000):
            yield [authorization.number, r.unit.name, r.acquired_at, r.purpose, r.user_name, r.approver_name,
                   r.data_content, r.get_acquisition_method_display(), r.get_media_type_display(), r.external_id,
                   r.batch_id, r.recorded_by.get_username(), r.recorded_at, r.retain_until_on]
    return Sheet("数据使用记录", USAGE_HEADERS, rows(), widths=[20, 24, 18, 30, 12, 12, 30, 12, 14, 16, 20, 12, 18, 12])


def assessment_sheet(rows: list[UnitMonthRow], month: date) -> Sheet:
    return Sheet(f"{month:%Y-%m}考核", ASSESSMENT_HEADERS, (
        [r.unit.name, r.unit.code, r.steps_due, r.steps_on_time, r.opinions_due, r.opinions_on_time, r.on_time_rate,
         r.steps_finished, r.avg_workdays, r.corrections_due, r.corrections_on_time, r.correction_rate,
         r.entries_total, r.entries_published, r.completeness, r.quality_avg] for r in rows), widths=[30, 14])
