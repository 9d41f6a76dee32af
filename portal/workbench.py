"""工作台: what awaits a staff member now across the four apps, and the pages their role may use.

"Awaits" is read from the workflow declarations: a record is on a person's list when it is in their admin scope (the
same ``get_queryset`` as the model's list page), in a source state of a visible transition, and the transition's actor
allows them. Each kind costs two queries for its records (the keys in due order, then those rows with their related
rows) plus one for the calendar corrections; the actor predicates read the cached user scope. Badges: 已逾期 (due
before today) and 即将到期 (due within ``SOON_WORKDAYS`` working days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.workdays import add_workdays
from portal.workflow import Workflow, all_workflows

SOON_WORKDAYS = 3
SCAN_LIMIT = 100  # records read per kind; the count shows "100+" beyond (docs/adr/0008)


@dataclass(frozen=True)
class Task:
    title: str
    url: str
    state: str
    due_on: date | None
    badge: str  # "overdue" | "soon" | ""
    steps: tuple[str, ...]

    @property
    def badge_label(self) -> str:
        return {"overdue": "已逾期", "soon": "即将到期"}.get(self.badge, "")


@dataclass
class Kind:
    label: str
    list_url: str
    tasks: list[Task] = field(default_factory=list)
    truncated: bool = False

    @property
    def count(self) -> str:
        return f"{len(self.tasks)}+" if self.truncated else str(len(self.tasks))

    @property
    def overdue(self) -> int:
        return sum(t.badge == "overdue" for t in self.tasks)

    @property
    def soon(self) -> int:
        return sum(t.badge == "soon" for t in self.tasks)


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str  # admin URL name ("admin:…") or a site path ("/…")
    model: str  # "<app>.<model>" whose view permission opens it
    hint: str = ""
    check: str = ""  # "<module>.<can_*>" the page itself asks besides the view permission (user → Decision)


# Boards, assessments, exports and open-data views, shown to whoever may view the model behind them.
LINKS = (
    Link("采集报送看板", "admin:catalogs_collectiontask_board", "catalogs.collectiontask", "各单位采集任务报送与逾期情况"),
    Link("目录质量评估", "admin:catalogs_catalogentry_quality", "catalogs.catalogentry", "各数源单位目录编制与质量评分"),
    Link("目录导出（Excel）", "admin:catalogs_catalogentry_export", "catalogs.catalogentry", "按当前筛选导出目录"),
    Link("共享办理逾期看板", "admin:sharing_overdue", "sharing.shareapplication", "逾期与即将到期的共享申请环节"),
    Link("共享工作考核", "admin:sharing_assessment", "sharing.shareapplication", "按月、按单位统计办理时效",
         check="sharing.permissions.can_view_assessment"),
    Link("资金使用情况", "admin:subsidies_budgetpool_utilisation", "subsidies.budgetpool",
         "按资金池、按县（市、区）的预算使用"),
    Link("开放目录（DCAT JSON-LD）", "/catalog.jsonld", "catalogs.catalogentry", "开放目录的机器可读版本"),
    Link("开放目录（CKAN 接口）", "/api/3/action/package_list", "catalogs.catalogentry"),
    Link("招投标数据（OCDS）", "/api/v1/procurement/ocds/release-package/", "procurement.tender",
         "已公开招标与中标信息的 OCDS 1.1 数据包"),
)


def _tasks(request: HttpRequest, site: AdminSite, wf: Workflow, today: date, soon: date) -> Kind | None:
    model = wf.model
    model_admin = site._registry.get(model)  # noqa: SLF001 - the admin site's own registry
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    info = model._meta.app_label, model._meta.model_name
    kind = Kind(label=str(model._meta.verbose_name_plural), list_url=reverse("admin:{}_{}_changelist".format(*info)))
    sources = {s for t in wf.transitions.values() if not t.hidden for s in t.sources}
    scoped = model_admin.get_queryset(request)
    due_expr = wf.due_expression()
    order = [due_expr.asc(nulls_last=True), "pk"] if due_expr is not None else ["pk"]
    # the first SCAN_LIMIT + 1 keys in due order are chosen over the bare table (no joins: a walk of the due index),
    # then only those rows are read with their related rows. Two statements, not one with the keys as a subquery:
    # there the planner joins the whole scope (a county's 61,526 subsidy applications, 212 ms) before it meets the
    # keys; given the keys it reads them by primary key.
    first = list(scoped.filter(**{f"{wf.state_field}__in": sources}).order_by(*order)
                 .values_list("pk", flat=True)[:SCAN_LIMIT + 1])
    if not first:
        return None
    qs = scoped.filter(pk__in=first)
    if wf.lock_related:
        qs = qs.select_related(*wf.lock_related)
    rows = list(qs.order_by(*order))
    kind.truncated = len(rows) > SCAN_LIMIT
    for obj in rows[:SCAN_LIMIT]:
        steps = wf.awaiting(request.user, obj)
        if not steps:
            continue
        due = wf.due_on(obj)
        badge = "" if due is None else ("overdue" if due < today else ("soon" if due <= soon else ""))
        kind.tasks.append(Task(
            title=str(obj), url=reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
            state=wf.state_label(getattr(obj, wf.state_field)), due_on=due, badge=badge,
            steps=tuple(t.label for t in steps)))
    return kind if kind.tasks else None


def awaiting(request: HttpRequest, site: AdminSite) -> list[Kind]:
    """The kinds of records awaiting ``request.user``, each with its tasks (earliest due first)."""
    today = timezone.localdate()
    soon = add_workdays(today, SOON_WORKDAYS)
    kinds = [_tasks(request, site, wf, today, soon) for wf in all_workflows().values()]
    return [k for k in kinds if k is not None]


def links(request: HttpRequest, site: AdminSite) -> list[dict[str, str]]:
    """The boards, exports and open-data views this person's role may open."""
    from django.apps import apps

    out = []
    for link in LINKS:
        model = apps.get_model(link.model)
        model_admin = site._registry.get(model)  # noqa: SLF001
        if model_admin is None or not model_admin.has_view_permission(request):
            continue
        if link.check and not import_string(link.check)(request.user):
            continue
        try:
            url = link.url_name if link.url_name.startswith("/") else reverse(link.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": link.label, "url": url, "hint": link.hint})
    return out


def person(user: Any) -> dict[str, str]:
    """Name and unit(s) for the header: the person's full name (else the username) and their units' short names."""
    from portal.models import Membership

    name = (user.get_full_name() or "").strip() or user.get_username()
    units = list(Membership.objects.filter(user=user, retired_at__isnull=True, organization__retired_at__isnull=True)
                 .values_list("organization__short_name", "organization__name").distinct()[:3])
    return {"name": name, "units": "、".join(short or full for short, full in units)}
