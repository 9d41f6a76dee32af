"""Write the access log of reads (QZ §八(四)): one row per request that reads governed data, from one place per
channel (docs/adr/0009-access-log.md).

* admin: ``portal.admin_base.ScopedAdminMixin`` (changelists 查询, change/history pages 访问);
* API: ``portal.api.permissions.ScopedViewSetMixin`` (lists 查询, details 访问);
* export: ``portal.xlsx.xlsx_response`` (导出, the rows written counted);
* download: ``portal.files.file_response`` (下载).

Each app names, per model, the lookup path from a record to the producer unit its data belongs to in
``<app>.permissions.ACCESS_UNITS`` (``{"app_label.Model": "source_unit"}``); a row stores those units so producers
see reads of their own data. A plain foreign key is read from the objects already loaded (no query); a longer path
costs one SELECT per request, whatever the page size.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache
from importlib import import_module
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from simple_history.models import HistoricalRecords

from portal.models import AccessAction, AccessChannel, AccessLog, ApiToken
from portal.models.access import unit_keys
from portal.roles import DOMAIN_APPS

MAX_QUERY = 2000
MAX_IDS = 200  # ids kept per list row: one page (the API's largest page is 200)


@cache
def access_units() -> dict[str, str]:
    """Every app's ``permissions.ACCESS_UNITS``: model label → lookup path to the producer unit."""
    found: dict[str, str] = {}
    for app in DOMAIN_APPS:
        try:
            module = import_module(f"{app}.permissions")
        except ModuleNotFoundError:
            continue
        found.update(getattr(module, "ACCESS_UNITS", {}))
    return found


def producer_unit_ids(model: type[models.Model], objects: Iterable[models.Model]) -> set[int]:
    """Ids of the producer units of ``objects`` (instances of ``model``): no query for a plain foreign key, else one."""
    path = access_units().get(model._meta.label)
    objects = [o for o in objects if o is not None and o.pk is not None]
    if not path or not objects:
        return set()
    if "__" not in path:
        field = model._meta.get_field(path)
        if field.many_to_one:
            return {i for o in objects if (i := getattr(o, field.attname)) is not None}  # type: ignore[union-attr]
    ids = model._base_manager.filter(pk__in=[o.pk for o in objects]).values_list(path, flat=True).distinct()
    return {i for i in ids if i is not None}


def queryset_unit_ids(qs: QuerySet[Any]) -> set[int]:
    """Ids of the producer units of every row of ``qs`` (one SELECT DISTINCT)."""
    path = access_units().get(qs.model._meta.label)
    if not path:
        return set()
    return {i for i in qs.order_by().values_list(path, flat=True).distinct() if i is not None}


def current_request() -> Any:
    """The request being served (simple-history's middleware keeps it), or None outside a request."""
    return getattr(HistoricalRecords.context, "request", None)


def client_ip(request: Any) -> str | None:
    """The client address the server saw (``REMOTE_ADDR``; forwarded headers are not trusted)."""
    raw = (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def access_record(*, channel: str, action: str, request: Any = None, user: Any = None,
                  model: type[models.Model] | None = None, obj: models.Model | None = None,
                  objects: Iterable[models.Model] | None = None, count: int | None = None, label: str = "",
                  unit_ids: Iterable[int] | None = None) -> AccessLog:
    """Append one access row (one INSERT): a read of ``obj``, or of the list ``objects`` (``count`` rows matched)
    of ``model``; user, API token and IP from ``request`` (default: the current one). Producer units from
    ``unit_ids`` or else from the records (``ACCESS_UNITS``)."""
    request = request if request is not None else current_request()
    user = user if user is not None else getattr(request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    token = getattr(request, "auth", None)
    if obj is not None:
        model = type(obj)
    listed = list(objects) if objects is not None else None
    if unit_ids is None and model is not None:
        unit_ids = producer_unit_ids(model, [obj] if obj is not None else listed or [])
    query = request.get_full_path() if hasattr(request, "get_full_path") else ""
    entry = AccessLog(
        user=actor,
        user_name=(actor.get_username() if actor is not None
                   else AccessLog.ANONYMOUS if request is not None else AccessLog.SYSTEM),
        api_token=token.prefix if isinstance(token, ApiToken) else "",
        client_ip=client_ip(request),
        channel=AccessChannel(channel),
        action=AccessAction(action),
        content_type=ContentType.objects.get_for_model(model) if model is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(label or (str(obj) if obj is not None else ""))[:255],
        object_ids=[o.pk for o in listed[:MAX_IDS]] if listed is not None else [],
        query=query[:MAX_QUERY],
        result_count=count if count is not None else (len(listed) if listed is not None else None),
        producer_unit_keys=unit_keys(unit_ids or ()),
    )
    entry.save()
    return entry


def access_log_purge() -> int:
    """Delete access rows older than three years (QZ §八(四): kept not less than 3 years); how many were deleted."""
    return AccessLog.objects.purge_expired()
