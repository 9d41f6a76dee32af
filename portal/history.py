"""History in the kernel: who is acting (the history user for django-simple-history, also outside requests), and how
the admin's history pages word a change (Chinese field names and labels, 无 for empty, local times)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import JSONField
from simple_history.models import DeletedObject, ModelChange, ModelChangeValue, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

_acting_user: ContextVar[Any] = ContextVar("portal_acting_user", default=None)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute every history row written inside the block to ``user`` (tasks, commands, services)."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def get_history_user(instance: Any, request: Any = None, **kwargs: Any) -> Any:
    """simple-history hook: explicit acting user first, then ``_history_user``, then the request's user."""
    explicit = _acting_user.get()
    if explicit is not None:
        return explicit
    user = getattr(instance, "_history_user", None)
    if user is not None:
        return user
    if request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return None


# ------------------------------------------------------------------------------------------- history pages
# Fields left out of the change summaries: the automatic timestamp of every save.
HISTORY_SKIPPED_FIELDS = frozenset({"updated_at"})


class ChineseObjDiffDisplay(ObjDiffDisplay):
    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        return f"{prefix}〔省略{num_skipped_chars}字〕{suffix}"


class ChineseHistoryHelper(HistoricalRecordContextHelper):
    """Change summaries as staff read them: field names and choice labels, not codes; 无 for empty; local times.

    JSON fields name their keys with the model's ``history_json_labels(field_name)`` when it has one.
    """

    def prepare_delta_change_value(self, change: ModelChange, value: ModelChangeValue) -> Any:
        from portal.display import field_text

        field = self.model._meta.get_field(change.field)
        prepared = super().prepare_delta_change_value(change, value)
        if isinstance(prepared, DeletedObject):  # simple-history's stand-in for an empty or deleted relation
            prepared = None if prepared.pk is None else f"#{prepared.pk}（已删除）"
        labels_of = getattr(self.record.instance, "history_json_labels", None)
        labels = labels_of(change.field) if callable(labels_of) else None
        return field_text(field, prepared, labels)  # type: ignore[arg-type]

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return ChineseObjDiffDisplay(max_length=self.max_displayed_delta_change_chars)


def history_delta(newer: Any, older: Any) -> ModelDelta:
    """The change from ``older`` to ``newer`` (historical records): simple-history's diff of the editable fields plus
    the workflow's own non-editable fields (state, dates, who decided), without the automatic timestamp and derived
    non-editable JSON (calculations, quality scores, snapshots)."""
    delta = newer.diff_against(older, excluded_fields=HISTORY_SKIPPED_FIELDS, foreign_keys_are_objs=True)
    changes = list(delta.changes)
    for field in newer.tracked_fields:
        if field.editable or field.name in HISTORY_SKIPPED_FIELDS or isinstance(field, JSONField):
            continue
        if getattr(older, field.attname) != getattr(newer, field.attname):
            changes.append(ModelChange(field.name, _value(older, field), _value(newer, field)))
    changes.sort(key=lambda change: change.field)
    return ModelDelta(changes, [c.field for c in changes], older, newer)


def _value(record: Any, field: Any) -> Any:
    if not field.is_relation:
        return getattr(record, field.attname)
    try:
        return getattr(record, field.name)
    except ObjectDoesNotExist:
        return None
