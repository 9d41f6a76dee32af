"""企业画像: everything the portal holds about one applicant organisation (统一社会信用代码), section by section, each
section scoped by the viewer's own permissions (docs/adr/0010-enterprise-profile.md).

The profile is a registry: each app contributes its sections in ``<app>/profile.py`` with
``register_section(key, title, func, order=...)``; ``func(viewer, enterprise)`` returns a ``SectionData`` or None
when the viewer may not see that kind of record at all (the section is then left out, not shown empty). Most sections
are lists of one model's records naming the enterprise; ``record_section`` builds those from the model, the foreign
key, the app's ``Policy`` and the columns, in two queries (count and one page of rows) whatever the number of records.

The admin page and the API call ``enterprise_profile`` and write one access-log row each (``profile_access``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse

from portal.display import plain
from portal.permissions import AnyUser, Policy, can_view_enterprise_profile, require
from portal.roles import DOMAIN_APPS

ROW_LIMIT = 20  # rows shown per section; the count and the changelist link give the rest


@dataclass
class SectionData:
    """What a section function returns: column keys with their Chinese labels, rows (text values keyed by column, and
    ``url`` to the record's admin page when there is one), the number of records, the admin list of them all."""

    columns: list[tuple[str, str]]
    rows: list[dict[str, str]]
    count: int
    link: str = ""
    note: str = ""
    unit_ids: set[int] = field(default_factory=set)  # producer units of the rows read (for the access log)


SectionFunc = Callable[[AnyUser, Any], SectionData | None]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    func: SectionFunc
    order: int


_SECTIONS: dict[str, Section] = {}


def register_section(key: str, title: str, func: SectionFunc, *, order: int = 100) -> None:
    """Add (or replace, by ``key``) a section of the profile; sections are shown by ``order``, then key."""
    _SECTIONS[key] = Section(key, title, func, order)


@cache
def _discover() -> None:
    """Import each domain app's ``profile`` module once (they register their sections)."""
    for app in DOMAIN_APPS:
        if not apps.is_installed(app):
            continue
        try:
            import_module(f"{app}.profile")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.profile":
                raise


def sections() -> list[Section]:
    """The registered sections, in display order."""
    _discover()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def enterprise_profile(*, viewer: AnyUser, enterprise: Any) -> dict[str, Any]:
    """The profile of ``enterprise`` as ``viewer`` may see it: identity and the sections the viewer's roles reach, each
    scoped to the viewer's records. Refused (``PermissionDenied``) for anyone without a need to know
    (``can_view_enterprise_profile``). Reads only; the caller writes the access-log row (``profile_access``)."""
    require(can_view_enterprise_profile(viewer, enterprise))
    shown: list[dict[str, Any]] = []
    unit_ids: set[int] = set()
    for section in sections():
        data = section.func(viewer, enterprise)
        if data is None:
            continue
        unit_ids |= data.unit_ids
        shown.append({"key": section.key, "title": section.title, "count": data.count, "link": data.link,
                      "note": data.note, "columns": [{"key": k, "label": label} for k, label in data.columns],
                      "rows": data.rows})
    return {"enterprise": {"id": enterprise.pk, "uscc": enterprise.uscc, "name": enterprise.name},
            "sections": shown, "unit_ids": unit_ids}


def profile_json(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile as the API returns it (the producer units are for the access log only)."""
    return {"enterprise": profile["enterprise"], "sections": profile["sections"]}


def profile_access(profile: dict[str, Any], enterprise: Any) -> dict[str, Any]:
    """Keyword arguments of ``access_record`` for one view of the profile: a 查询 naming the enterprise, the number
    of records listed in all sections, and the producer units of the data shown."""
    return {"action": "query", "obj": enterprise, "label": f"企业画像：{enterprise.name}（{enterprise.uscc}）",
            "count": sum(s["count"] for s in profile["sections"]), "unit_ids": sorted(profile["unit_ids"])}


SEARCH_LIMIT = 50


def enterprise_search(*, user: AnyUser, query: str) -> QuerySet[Any]:
    """Enterprises for the profile's search box, among those the user sees: by the exact 统一社会信用代码, else by a
    fragment of the name or of the code; at most ``SEARCH_LIMIT``, by name."""
    from django.db.models import Q

    from portal.models import Enterprise
    from portal.policies import EnterprisePolicy

    query = query.strip()
    qs = EnterprisePolicy().scope(user, Enterprise.objects.select_related("region"))
    if not query:
        return qs.none()
    exact = qs.filter(uscc=query.upper())
    if exact.exists():
        return exact
    return qs.filter(Q(name__icontains=query) | Q(uscc__icontains=query)).order_by("name", "pk")[:SEARCH_LIMIT]


# ------------------------------------------------------------------------------------------------ helpers
def admin_change_url(obj: Model) -> str:
    """The admin page of ``obj`` ('' when the model has none)."""
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def admin_list_url(model: type[Model], **filters: Any) -> str:
    """The admin list of ``model`` filtered by ``filters`` (query-string lookups; '' when the model has no list)."""
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(filters)}" if filters else url


def can_view_model(viewer: AnyUser, model: type[Model]) -> bool:
    """The viewer's role holds the model's view permission (the coarse check the admin makes first)."""
    opts = model._meta
    return bool(viewer.has_perm(f"{opts.app_label}.view_{opts.model_name}"))


Column = tuple[str, str, str | Callable[[Any], Any]]  # key, Chinese label, field path ("a__b") or function of the row


def cell(obj: Any, spec: str | Callable[[Any], Any]) -> str:
    """One cell as text: a function's result, or the field path's value (choice labels for coded fields)."""
    if callable(spec):
        return plain(spec(obj))
    *path, name = spec.split("__")
    for part in path:
        obj = getattr(obj, part, None)
        if obj is None:
            return plain(None)
    display = getattr(obj, f"get_{name}_display", None)
    return plain(display() if callable(display) else getattr(obj, name, None))


def record_section(viewer: AnyUser, enterprise: Any, *, model: type[Model], field: str, policy: Policy,
                   columns: Sequence[Column], order_by: Sequence[str], select_related: Sequence[str] = (),
                   base: QuerySet[Any] | None = None, note: str = "") -> SectionData | None:
    """The records of ``model`` whose ``field`` names the enterprise that ``policy`` lets the viewer see: None without
    the model's view permission; else the count, the first ``ROW_LIMIT`` rows and the admin list filtered to the
    enterprise. Two queries (three when producer units lie behind a many-to-many), whatever the number of records."""
    from portal.access_log import producer_unit_ids

    if not can_view_model(viewer, model):
        return None
    qs = policy.scope(viewer, (base if base is not None else model._default_manager.all()).filter(
        **{field: enterprise}))
    count = qs.count()
    objects = list(qs.select_related(*select_related).order_by(*order_by)[:ROW_LIMIT]) if count else []
    rows = [{**{key: cell(obj, spec) for key, _, spec in columns}, "url": admin_change_url(obj)} for obj in objects]
    return SectionData(columns=[(key, label) for key, label, _ in columns], rows=rows, count=count,
                       link=admin_list_url(model, **{f"{field}__id__exact": enterprise.pk}), note=note,
                       unit_ids=producer_unit_ids(model, objects))


# ------------------------------------------------------------------------------------------------ the kernel's section
IDENTITY_FIELDS = ("uscc", "name", "kind", "region", "legal_representative", "is_small_micro",
                   "is_domestic_controlled", "address", "contact_name")


def identity_section(viewer: AnyUser, enterprise: Any) -> SectionData:
    """基本信息: the registered identity (no query: the region is read with the enterprise)."""
    from portal.models import Enterprise

    rows = [{"label": str(getattr(Enterprise._meta.get_field(name), "verbose_name", name)),
             "value": cell(enterprise, name), "url": ""}
            for name in IDENTITY_FIELDS]
    rows.append({"label": "状态", "value": "已停用" if enterprise.retired_at else "在用", "url": ""})
    return SectionData(columns=[("label", "项目"), ("value", "内容")], rows=rows, count=1,
                       link=admin_change_url(enterprise))


register_section("identity", "基本信息", identity_section, order=0)
