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


class FrozenFieldsModel(models.Model):
    """A record whose ``FROZEN_FIELDS`` never change once written (what was granted, to whom, on which basis), while
    its other fields (status, suspension, bookkeeping) change through the services. ``save()`` refuses a changed
    frozen field; ``QuerySet.update()`` of a frozen field is refused by ``FrozenFieldsQuerySet``."""

    FROZEN_FIELDS: ClassVar[frozenset[str]] = frozenset()
    FROZEN_REFUSED: ClassVar[str] = "该记录的以下内容一经生成不可修改："

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None and self.FROZEN_FIELDS:
            fields = [self._meta.get_field(n) for n in sorted(self.FROZEN_FIELDS)]
            stored = type(self)._base_manager.filter(pk=self.pk).values(*[f.attname for f in fields]).first()  # type: ignore[union-attr]
            if stored is not None:
                changed = [f for f in fields if stored[f.attname] != getattr(self, f.attname)]  # type: ignore[union-attr]
                if changed:
                    labels = "、".join(str(f.verbose_name) for f in changed)  # type: ignore[union-attr]
                    raise PermissionDenied(f"{self.FROZEN_REFUSED}{labels}。")
        super().save(*args, **kwargs)


class FrozenFieldsQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        frozen = set(kwargs) & set(getattr(self.model, "FROZEN_FIELDS", ()))
        if frozen:
            labels = "、".join(str(self.model._meta.get_field(n).verbose_name) for n in sorted(frozen))
            raise PermissionDenied(f"{self.model.FROZEN_REFUSED}{labels}。")
        return super().update(**kwargs)
