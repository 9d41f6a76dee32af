"""Fact sources (which rule fact is read from which catalog data item, vouched for by which unit) and the harvest of
enterprise facts from the departments' accepted collection submissions.

``fact_source_save`` is the one door for the declaration (city authority, history and audit); ``facts_harvest`` reads
the stored submission files (append-only ``EnterpriseFact`` rows, idempotent) and is called after a submission is
accepted (``on_submission_accepted``, on commit) and by the matching job for anything not read yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.permissions import require
from portal.xlsx import XlsxImportError, upload_rows
from subsidies.models.matching import EnterpriseFact, FactSource
from subsidies.permissions import can_edit_fact_sources
from subsidies.rules import RULES

__all__ = ["HarvestSummary", "fact_names", "fact_source_save", "facts_harvest", "on_submission_accepted"]

MAX_FILE_BYTES = 20 * 1024 * 1024


def fact_names() -> dict[str, str]:
    """Every fact name some rule asks for, with its Chinese label (the first rule's wording)."""
    names: dict[str, str] = {}
    for rdef in RULES:
        for fact in rdef.facts:
            names.setdefault(fact.name, fact.label)
    return names


def _norm(name: Any) -> str:
    return "" if name is None else "".join(str(name).split())


def fact_source_errors(source: FactSource) -> dict[str, list[str]]:
    """Chinese errors of a declaration: the fact must be a rule fact (of ``rule`` when set), the value and key
    columns among the collection item's declared fields, the data item of the item's catalog entry."""
    errors: dict[str, list[str]] = {}
    names = fact_names()
    if source.fact not in names:
        errors["fact"] = [f"“{source.fact}”不是任何奖补规则的事实；可用的事实名见规则的事实清单。"]
    elif source.rule is not None:
        from subsidies.rules import get_rule_def

        code = source.rule.code
        own = [f.name for f in get_rule_def(code).facts]
        if source.fact not in own:
            errors["fact"] = [f"规则 {code} 不使用事实“{source.fact}”（该规则的事实：{'、'.join(own)}）。"]
    if source.collection_item_id is not None:
        declared = {_norm(f) for f in source.collection_item.fields}
        shown = "、".join(source.collection_item.fields) or "无"
        if _norm(source.value_column) not in declared:
            errors["value_column"] = [f"取值列“{source.value_column}”不在采集事项的字段中（{shown}）。"]
        if _norm(source.key_column) not in declared:
            errors["key_column"] = [f"主体标识列“{source.key_column}”不在采集事项的字段中（{shown}）。"]
        entry_id = source.collection_item.entry_id
        if source.data_item_id is not None and entry_id is not None and source.data_item.entry_id != entry_id:
            errors["data_item"] = ["目录信息项须属于该采集事项对应的目录。"]
    return errors


@transaction.atomic
def fact_source_save(*, source: FactSource, acting_user: Any) -> FactSource:
    """Add or change a fact source (city authority): validated, saved with history and one audit row."""
    require(can_edit_fact_sources(acting_user))
    errors = fact_source_errors(source)
    if errors:
        raise ValidationError(errors)
    creating = source.pk is None
    before = None if creating else snapshot(FactSource.objects.get(pk=source.pk))
    with acting_as(acting_user):
        source.full_clean()
        source.save()
        audit_record(actor=acting_user, action=f"subsidies.fact_source.{'create' if creating else 'change'}",
                     obj=source, before=before, after=snapshot(source))
    return source


@dataclass
class HarvestSummary:
    submissions: int = 0
    created: int = 0
    unknown_uscc: int = 0
    empty: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(submission: Any) -> Iterator[tuple[Any, ...]]:
    name = submission.file_name or submission.file.name
    with submission.file.open("rb") as fh, closing(upload_rows(fh, name, max_bytes=MAX_FILE_BYTES,
                                                               csv_allowed=True)) as rows:
        yield from rows


def _entry_versions(entry_ids: Iterable[int]) -> dict[int, list[tuple[dt.datetime, int]]]:
    from catalogs.models import CatalogVersion

    out: dict[int, list[tuple[dt.datetime, int]]] = {}
    for entry_id, published_at, pk in CatalogVersion.objects.filter(entry_id__in=set(entry_ids)).order_by(
            "entry_id", "number").values_list("entry_id", "published_at", "pk"):
        out.setdefault(entry_id, []).append((published_at, pk))
    return out


def _version_at(versions: list[tuple[dt.datetime, int]], at: dt.datetime) -> int | None:
    chosen = None
    for published_at, pk in versions:
        if published_at <= at:
            chosen = pk
    return chosen


def _harvest_one(submission: Any, sources: list[FactSource], enterprises: dict[str, int],
                 versions: dict[int, list[tuple[dt.datetime, int]]], summary: HarvestSummary) -> list[EnterpriseFact]:
    try:
        rows = _rows(submission)
        header = next((r for r in rows if any(v is not None and str(v).strip() for v in r)), None)
        if header is None:
            return []
        position = {_norm(h): i for i, h in enumerate(header)}
        data = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
    except (XlsxImportError, OSError) as exc:
        summary.errors.append(f"报送记录 {submission.pk} 无法读取：{exc}")
        return []
    period = submission.task.period_end_on.year
    now = timezone.now()
    out: list[EnterpriseFact] = []
    for source in sources:
        key_at, value_at = position.get(_norm(source.key_column)), position.get(_norm(source.value_column))
        if key_at is None or value_at is None:
            summary.errors.append(f"报送记录 {submission.pk} 缺少列“{source.key_column}”或“{source.value_column}”")
            continue
        version = _version_at(versions.get(source.data_item.entry_id, []), submission.submitted_at)
        for number, row in enumerate(data, start=2):
            uscc = str(row[key_at] or "").strip().upper() if key_at < len(row) else ""
            raw = row[value_at] if value_at < len(row) else None
            value = "" if raw is None else str(raw).strip()
            if not uscc:
                continue
            enterprise_id = enterprises.get(uscc)
            if enterprise_id is None:
                summary.unknown_uscc += 1
                continue
            if not value:
                summary.empty += 1
                continue
            out.append(EnterpriseFact(enterprise_id=enterprise_id, source=source, fact=source.fact, period=period,
                                      value=value[:200], submission=submission, entry_version_id=version,
                                      row_number=number, read_at=now))
    return out


def facts_harvest(*, submission: Any = None, source: FactSource | None = None) -> HarvestSummary:
    """Read the accepted submissions of every active fact source's collection item (or only ``submission`` / only
    ``source``) into ``EnterpriseFact`` rows: one per row whose key column holds the USCC of a known enterprise
    (unknown codes and empty values are counted, nothing is created for them). A (submission, source) pair already
    read is skipped, and the unique constraint ignores a concurrent duplicate, so running it again writes nothing."""
    from catalogs.models import CollectionSubmission
    from portal.models import Enterprise

    summary = HarvestSummary()
    sources_qs = FactSource.objects.active().select_related("data_item")
    if source is not None:
        sources_qs = sources_qs.filter(pk=source.pk)
    if submission is not None:
        sources_qs = sources_qs.filter(collection_item_id=submission.task.item_id)
    sources = list(sources_qs.order_by("pk"))
    if not sources:
        return summary
    subs = CollectionSubmission.objects.filter(is_accepted=True, task__item_id__in={s.collection_item_id
                                                                                   for s in sources})
    if submission is not None:
        subs = subs.filter(pk=submission.pk)
    done = set(EnterpriseFact.objects.filter(source__in=sources).values_list("submission_id", "source_id")
               .distinct()) if submission is None else set(
        EnterpriseFact.objects.filter(submission=submission).values_list("submission_id", "source_id").distinct())
    by_item: dict[int, list[FactSource]] = {}
    for s in sources:
        by_item.setdefault(s.collection_item_id, []).append(s)
    pending = [(sub, [s for s in by_item[sub.task.item_id] if (sub.pk, s.pk) not in done])
               for sub in subs.select_related("task").order_by("pk")]
    pending = [(sub, todo) for sub, todo in pending if todo]
    if not pending:
        return summary
    enterprises = dict(Enterprise.objects.filter(retired_at__isnull=True).values_list("uscc", "pk"))
    versions = _entry_versions(s.data_item.entry_id for s in sources)
    for sub, todo in pending:
        rows = _harvest_one(sub, todo, enterprises, versions, summary)
        summary.submissions += 1
        with transaction.atomic():
            created = EnterpriseFact.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        summary.created += len(created)
    return summary


def harvested_q() -> Q:
    """Facts of active sources only (a retired source's values no longer count)."""
    return Q(source__retired_at__isnull=True)


def on_submission_accepted(*, submission: Any, **_: Any) -> None:
    """Receiver of ``catalogs.submission.accepted``: harvest once the submission is committed (a queued task)."""
    from portal.tasks import enqueue

    if FactSource.objects.active().filter(collection_item_id=submission.task.item_id).exists():
        pk = submission.pk
        transaction.on_commit(lambda: enqueue("subsidies.tasks.harvest_submission", pk))
