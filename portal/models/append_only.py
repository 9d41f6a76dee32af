"""Append-only records (usage records, workflow steps, producer opinions, authorization events, collection submissions).

Rows are inserted by the services and never changed or deleted afterwards: ``save()`` of an existing row, ``delete()``,
``QuerySet.update()``/``bulk_update()`` and ``QuerySet.delete()`` all raise ``PermissionDenied``. The only write after
insert is ``QuerySet.service_update(**fields)``, restricted to the bookkeeping fields a model lists in
``SERVICE_UPDATABLE_FIELDS`` (e.g. closing a workflow step once); it is called from the owning app's services only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionDenied(self.model.UPDATE_REFUSED)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise PermissionDenied(self.model.UPDATE_REFUSED)

    def delete(self) -> Any:
        raise PermissionDenied(self.model.DELETE_REFUSED)

    def service_update(self, **fields: Any) -> int:
        """Bookkeeping write used by the services: only the model's ``SERVICE_UPDATABLE_FIELDS``."""
        extra = set(fields) - set(self.model.SERVICE_UPDATABLE_FIELDS)
        if extra:
            raise PermissionDenied(f"{self.model.UPDATE_REFUSED}（不可修改：{'、'.join(sorted(extra))}）")
        return super(AppendOnlyQuerySet, self.filter(**self.model.SERVICE_UPDATE_ONLY_WHERE)).update(**fields)


class AppendOnlyModel(models.Model):
    SERVICE_UPDATABLE_FIELDS: ClassVar[frozenset[str]] = frozenset()
    SERVICE_UPDATE_ONLY_WHERE: ClassVar[dict[str, Any]] = {}  # rows the bookkeeping write may still touch
    UPDATE_REFUSED: ClassVar[str] = "该记录只可追加，不可修改。"
    DELETE_REFUSED: ClassVar[str] = "该记录只可追加，不可删除。"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionDenied(self.UPDATE_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(self.DELETE_REFUSED)
