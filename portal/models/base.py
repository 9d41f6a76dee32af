"""Base class for governed records: change history on, retirement instead of deletion."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.history import get_history_user


class GovernedQuerySet(models.QuerySet):
    def active(self) -> GovernedQuerySet:
        return self.filter(retired_at__isnull=True)

    def delete(self) -> Any:
        raise PermissionDenied("受管记录不可删除，请改为停用（退役）。")


class GovernedModel(models.Model):
    """Every governed record keeps who changed what and when, and is retired rather than deleted."""

    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True, editable=False)

    history = HistoricalRecords(inherit=True, get_user=get_history_user)
    objects = GovernedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied("受管记录不可删除，请改为停用（退役）。")
