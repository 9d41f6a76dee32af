"""Explainable quality score per entry (udata-style yes/no criteria), cached on the entry after every write."""

from __future__ import annotations

from typing import Any

from catalogs.models import (
    AggregationMode,
    CatalogEntry,
    CollectionTask,
    DataItem,
    ServiceInterface,
    ShareType,
    TaskStatus,
)

MIN_DESCRIPTION = 30
RECENT_TASKS = 3


def compute_quality(entry: CatalogEntry) -> list[dict[str, Any]]:
    """Criteria as dicts {code, label, passed (True/False/None = not applicable), hint}."""
    items = list(DataItem.objects.filter(entry=entry, retired_at__isnull=True))
    interfaces = list(ServiceInterface.objects.filter(entry=entry, retired_at__isnull=True))
    criteria: list[dict[str, Any]] = []

    def add(code: str, label: str, passed: bool | None, hint: str) -> None:
        criteria.append({"code": code, "label": label, "passed": passed, "hint": hint})

    add("description", f"资源摘要不少于{MIN_DESCRIPTION}字", len(entry.description.strip()) >= MIN_DESCRIPTION,
        f"当前 {len(entry.description.strip())} 字")
    documented = bool(items) and all(i.description.strip() for i in items)
    add("items_documented", "已登记信息项且每项都有说明", documented,
        f"{len(items)} 个信息项，{sum(1 for i in items if not i.description.strip())} 个缺少说明")
    needs_basis = entry.share_type in (ShareType.CONDITIONAL, ShareType.NOT_SHARED)
    add("legal_basis", "有条件/暂不共享已填写依据", bool(entry.legal_basis.strip()) if needs_basis else None,
        "无条件共享无需依据" if not needs_basis else ("已填写" if entry.legal_basis.strip() else "缺少依据"))
    needs_interface = bool(interfaces) or entry.aggregation_mode == AggregationMode.INTERFACE_ONLY or \
        entry.share_type == ShareType.NOT_SHARED
    add("interface_spec", "服务接口附有接口规范和调用说明",
        (bool(interfaces) and all(i.has_spec for i in interfaces)) if needs_interface else None,
        f"{len(interfaces)} 个接口" if needs_interface else "不要求接口")
    add("classified", "已确定数据分类和分级", bool(entry.classification_id and entry.grade_id), "")
    add("keywords", "已填写关键词", bool(entry.keywords.strip()), "")
    personal_items = [i.name for i in items if i.is_personal_info]
    add("personal_flag", "含个人信息的信息项已在目录上标注",
        entry.has_personal_info if personal_items else None, "、".join(personal_items[:5]))
    tasks = list(CollectionTask.objects.filter(item__entry=entry).exclude(status=TaskStatus.PENDING)
                 .order_by("-due_on")[:RECENT_TASKS])
    if tasks:
        late = [t.period for t in tasks if t.status != TaskStatus.SUBMITTED]
        add("frequency_met", "最近的报送满足更新频率", not late,
            f"最近 {len(tasks)} 期" + (f"，未按时：{'、'.join(late)}" if late else "均按时报送"))
    else:
        add("frequency_met", "最近的报送满足更新频率", None, "尚无到期的采集任务")
    return criteria


def score_of(criteria: list[dict[str, Any]]) -> int:
    applicable = [c for c in criteria if c["passed"] is not None]
    if not applicable:
        return 0
    return round(100 * sum(1 for c in applicable if c["passed"]) / len(applicable))


def entry_quality_refresh(entry: CatalogEntry) -> int:
    """Recompute and cache the score (a derived value: stored with update(), no history row)."""
    criteria = compute_quality(entry)
    score = score_of(criteria)
    CatalogEntry.objects.filter(pk=entry.pk).update(quality=criteria, quality_score=score)
    entry.quality, entry.quality_score = criteria, score
    return score
