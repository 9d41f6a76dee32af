"""Stored values as a staff member reads them: Chinese labels instead of codes, 无 for empty, times in Asia/Shanghai.

One place for the admin's history pages, audit details and JSON fields (red-flag details, collection field lists),
so every page words the same value the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

EMPTY = "无"


def local_datetime(value: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as read in Quanzhou (``TIME_ZONE``, Asia/Shanghai), whatever zone it was stored in."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(fmt)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict, set)) and not value)


def plain(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """Any stored value as Chinese text; ``labels`` names dict keys and coded list items (JSON fields)."""
    labels = labels or {}
    if is_empty(value):
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return local_datetime(value, "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return "；".join(f"{labels.get(str(k), k)}：{plain(v, labels)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return "、".join(f"（{plain(v, labels)}）" if isinstance(v, Mapping) else plain(v, labels) for v in value)
    if isinstance(value, str):
        return labels.get(value, value)
    return str(value)


def field_text(field: models.Field[Any, Any], value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A model field's value as text: the choice label rather than the code, the related object's name, 无 for empty."""
    if is_empty(value):
        return EMPTY
    if getattr(field, "choices", None) and not isinstance(value, (list, dict)):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey) and str(value).isdigit():
        related = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related is not None else f"#{value}（已不存在）"
    return plain(value, labels)


def model_values(model: type[models.Model], data: Mapping[str, Any],
                 extra_labels: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """``{field name: stored value}`` (a snapshot) as ``[(中文字段名, 中文取值)]`` using the model's own field names."""
    extra_labels = extra_labels or {}
    pairs = []
    for key, value in data.items():
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:  # keys that are not fields (numbers, related records) use the caller's labels
            pairs.append((extra_labels.get(key, key), plain(value, extra_labels)))
            continue
        pairs.append((str(getattr(field, "verbose_name", key)), field_text(field, value)))  # type: ignore[arg-type]
    return pairs


def pairs_html(pairs: Iterable[tuple[str, str]]) -> SafeString:
    """Key/value pairs as a small two-column table (escaped); 无 when there is nothing."""
    rows = list(pairs)
    if not rows:
        return format_html("{}", EMPTY)
    return format_html('<table class="kv">{}</table>',
                       format_html_join("", "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", rows))


def enterprise_profile_link(enterprise: Any, user: Any = None) -> SafeString | str:
    """The link 「企业画像」 to ``enterprise``'s profile, for every page naming an enterprise; '' when there is no
    enterprise or the viewer (``user``, default: the current request's) may not open profiles."""
    from django.urls import reverse

    from portal.access_log import current_request
    from portal.permissions import can_view_enterprise_profile

    if enterprise is None or getattr(enterprise, "pk", None) is None:
        return ""
    if user is None:
        user = getattr(current_request(), "user", None)
    if user is None or not can_view_enterprise_profile(user, enterprise):
        return ""
    return format_html('<a class="enterprise-profile-link" href="{}">企业画像</a>',
                       reverse("admin:portal_enterprise_profile", args=[enterprise.pk]))
