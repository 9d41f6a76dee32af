"""The 工作台's figures: which ones this person's role may see, drawn with ``portal.charts``.

A figure is shown when the person may view the model behind it in the admin (the same test as the workbench links);
its numbers come from the owning app's ``figures`` module, scoped to the person by the app's policy. Each figure is a
fixed number of queries (aggregates), so the 工作台 costs the same whatever the size of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from portal import charts
from portal.charts import Chart, Series


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    html: SafeString
    link_url: str = ""
    link_label: str = ""


def _shown(total: int, shown: int, what: str) -> str:
    return f"共 {total} 个{what}，显示前 {shown} 个。" if total > shown else ""


def _use_labels(rows: list[Any]) -> list[str]:
    """After each budget bar: the budget and the share of it spoken for (已核定 + 已拨付)."""
    return [f"已用 {r.use_rate}%，预算 {charts.yuan(r.amount)}" for r in rows]


def budget_by_pool(user: Any) -> Chart:
    from subsidies.figures import budget_use_by_pool

    fig = budget_use_by_pool(user)
    rows = fig.rows
    return Chart(
        title=f"{fig.year or ''}年度资金池预算使用" if fig.year else "资金池预算使用",
        summary="按资金池：已拨付、已核定未拨付、可用余额",
        categories=[r.label for r in rows], category_header="资金池",
        series=[Series("已拨付", charts.BLUE, [r.committed for r in rows]),
                Series("已核定未拨付", charts.ORANGE, [r.reserved for r in rows]),
                Series("可用余额", charts.GREY, [r.available for r in rows])],
        stacked=True, short=charts.yuan, exact=charts.yuan_exact, tick=charts.yuan_axis, total_label="预算总额",
        bar_labels=_use_labels(rows), percent=True,
        note=_shown(fig.total, len(rows), "资金池") + "每条为该资金池预算总额（100%），按已用比例从高到低排列。",
        ident="figure-budget-pool")


def budget_by_county(user: Any) -> Chart:
    from subsidies.figures import CITY_LEVEL, budget_use_by_county

    fig = budget_use_by_county(user)
    rows = fig.rows
    return Chart(
        title=f"{fig.year}年度各县（市、区）预算使用" if fig.year else "各县（市、区）预算使用",
        summary="按县（市、区）汇总资金池：已拨付、已核定未拨付、可用余额",
        categories=[r.label for r in rows], category_header="县（市、区）",
        series=[Series("已拨付", charts.BLUE, [r.committed for r in rows]),
                Series("已核定未拨付", charts.ORANGE, [r.reserved for r in rows]),
                Series("可用余额", charts.GREY, [r.available for r in rows])],
        stacked=True, short=charts.yuan, exact=charts.yuan_exact, tick=charts.yuan_axis, total_label="预算总额",
        bar_labels=_use_labels(rows), percent=True, ident="figure-budget-county",
        note=("市级为市本级资金池；" if any(r.label == CITY_LEVEL for r in rows) else "")
        + "每条为该县（市、区）资金池预算总额（100%）。")


def overdue_tasks(user: Any) -> Chart:
    from catalogs.figures import overdue_tasks_by_unit

    rows, total = overdue_tasks_by_unit(user)
    return Chart(
        title="各单位采集任务逾期情况", summary="按报送单位：已逾期未报送、逾期报送的任务数",
        categories=[r.unit for r in rows], category_header="报送单位",
        series=[Series("已逾期未报送", charts.VERMILLION, [r.overdue for r in rows]),
                Series("逾期报送", charts.ORANGE, [r.late for r in rows])],
        stacked=True, short=charts.plain, exact=charts.pieces, total_label="合计",
        note=_shown(total, len(rows), "单位"), ident="figure-overdue-tasks")


def catalog_coverage(user: Any) -> tuple[Chart, Chart]:
    from catalogs.figures import coverage_by_unit

    rows, total = coverage_by_unit(user)
    note = _shown(total, len(rows), "数源单位")
    units = [r.unit for r in rows]
    coverage = Chart(
        title="各数源单位目录编制情况", summary="按数源单位：已发布、未发布的目录条数",
        categories=units, category_header="数源单位",
        series=[Series("已发布", charts.BLUE, [r.published for r in rows]),
                Series("未发布（草稿、审核中、退回、修订中）", charts.SKY, [r.other for r in rows])],
        stacked=True, short=charts.plain, exact=lambda v: f"{charts.plain(v)} 条", total_label="合计",
        note=note, ident="figure-catalog-coverage")
    quality = Chart(
        title="各数源单位目录平均质量评分", summary="按数源单位：目录质量评分平均值（满分 100）",
        categories=units, category_header="数源单位",
        series=[Series("平均质量评分", charts.GREEN, [r.quality for r in rows])],
        short=lambda v: f"{v}", exact=lambda v: f"{v} 分", scale_max=100,
        note=note or "质量评分为满足的质量指标占适用指标的百分比。", ident="figure-catalog-quality")
    return coverage, quality


def sharing_decisions(user: Any) -> Chart:
    from sharing.figures import decisions_by_month

    rows = decisions_by_month(user)
    return Chart(
        title="近 12 个月数据共享申请办结情况", summary="按办结月份：已授权、审核不通过、停止授权的申请数",
        categories=[f"{r.month}月" + (f"\n{r.year}年" if r.month == 1 or i == 0 else "") for i, r in enumerate(rows)],
        category_header="月份",
        series=[Series("已授权", charts.BLUE, [r.granted for r in rows]),
                Series("审核不通过", charts.VERMILLION, [r.rejected for r in rows]),
                Series("停止授权", charts.GREY, [r.stopped for r in rows])],
        horizontal=False, stacked=True, short=charts.plain, exact=charts.pieces, total_label="合计",
        ident="figure-sharing-decisions")


def sharing_overdue(user: Any) -> Chart:
    from sharing.figures import overdue_steps_by_unit

    rows, total = overdue_steps_by_unit(user)
    return Chart(
        title="各单位共享办理超期环节", summary="按责任单位：超过法定期限、超过服务目标期限的未办结环节数",
        categories=[r.unit for r in rows], category_header="责任单位",
        series=[Series("超过法定期限", charts.VERMILLION, [r.statutory for r in rows]),
                Series("超过服务目标期限", charts.ORANGE, [r.target for r in rows])],
        stacked=True, short=charts.plain, exact=charts.pieces, total_label="合计",
        note=_shown(total, len(rows), "单位"), ident="figure-sharing-overdue")


@dataclass(frozen=True)
class Spec:
    model: str  # "<app>.<model>" whose view permission shows the figure
    build: Callable[[Any], Chart | tuple[Chart, ...]]
    link: str = ""  # admin URL name of the board the figure summarises
    link_label: str = ""
    on_workbench: bool = True  # False: drawn on its board only (``figure_html``)


SPECS: tuple[Spec, ...] = (
    Spec("catalogs.collectiontask", overdue_tasks, "admin:catalogs_collectiontask_board", "采集报送看板"),
    Spec("catalogs.catalogentry", catalog_coverage, "admin:catalogs_catalogentry_changelist", "资源目录"),
    Spec("sharing.shareapplication", sharing_decisions, "admin:sharing_assessment", "共享工作考核"),
    Spec("subsidies.budgetpool", budget_by_pool, "admin:subsidies_budgetpool_changelist", "资金池"),
    Spec("subsidies.budgetpool", budget_by_county),
    Spec("sharing.shareapplication", sharing_overdue, "admin:sharing_overdue", "共享办理逾期看板", on_workbench=False),
)


KEYS = {"overdue-tasks": 0, "catalog-coverage": 1, "catalog-quality": 1, "sharing-decisions": 2, "budget-pool": 3,
        "budget-county": 4, "sharing-overdue": 5}


def _may_see(request: HttpRequest, site: AdminSite, spec: Spec) -> bool:
    from django.apps import apps

    model_admin = site._registry.get(apps.get_model(spec.model))  # noqa: SLF001 - the admin site's registry
    return model_admin is not None and model_admin.has_view_permission(request)


def figure_html(request: HttpRequest, site: AdminSite, key: str) -> SafeString:
    """One figure by its key (``KEYS``) for a board page: drawn when the person may see it, else empty."""
    if key not in KEYS:
        raise ValueError(f"unknown figure {key!r}; one of {sorted(KEYS)}")
    spec = SPECS[KEYS[key]]
    if not _may_see(request, site, spec):
        return SafeString("")
    built = spec.build(request.user)
    for chart in built if isinstance(built, tuple) else (built,):
        if chart.ident == f"figure-{key}":
            return charts.render(chart)
    return SafeString("")  # pragma: no cover - every key names one of its spec's charts


def figures_page(model_admin: Any, request: HttpRequest, *, title: str, keys: tuple[str, ...],
                 intro: str = "") -> Any:
    """A board page of figures (``keys``) for an admin of the model behind them: the admin's own view permission
    first (a role without it gets 403), each figure drawn for the person's scope."""
    from django.core.exceptions import PermissionDenied
    from django.template.response import TemplateResponse

    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    site = model_admin.admin_site
    drawn = [html for key in keys if (html := figure_html(request, site, key))]
    return TemplateResponse(request, "admin/figures_page.html", {
        **site.each_context(request), "opts": model_admin.model._meta, "title": title, "intro": intro,
        "figures": drawn})


def workbench_figures(request: HttpRequest, site: AdminSite) -> list[Figure]:
    """The figures ``request.user`` may see, drawn; a figure with nothing in the user's scope is left out."""
    out: list[Figure] = []
    for spec in SPECS:
        if not spec.on_workbench or not _may_see(request, site, spec):
            continue
        built = spec.build(request.user)
        try:
            url = reverse(spec.link) if spec.link else ""
        except NoReverseMatch:
            url = ""
        for chart in built if isinstance(built, tuple) else (built,):
            if not chart.categories or not any(v for s in chart.series for v in s.values):
                continue
            out.append(Figure(chart.ident.removeprefix("figure-"), chart.title, charts.render(chart), url,
                              spec.link_label if url else ""))
    return out
