"""Figures (issue 12 §2): the inline-SVG renderer, the apps' figure queries over the seeded demo (numbers equal to
what the user's scope holds, counted row by row here; a fixed number of queries whatever the data), and the 工作台
showing the figures each role may see, in Chinese, with no external resource."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import charts
from portal.charts import Chart, Series
from portal.permissions import user_scope
from tests.crawl.crawler import english_words
from tests.portal.test_chinese_staff_pages import login, page


def _user(username: str):
    user = get_user_model().objects.get(username=username)
    user_scope(user)  # scope facts are cached per user (per request in the admin): warm them like a request does
    return user


# --------------------------------------------------------------------------------------------- the renderer
def _stacked() -> Chart:
    return Chart(title="各县预算使用", summary="已拨付与可用余额", categories=["晋江市", "<b>石狮市</b>"],
                 series=[Series("已拨付", charts.BLUE, [Decimal("1200000.50"), Decimal("0.00")]),
                         Series("可用余额", charts.GREY, [Decimal("800000.00"), Decimal("50000.25")])],
                 stacked=True, short=charts.yuan, exact=charts.yuan_exact, tick=charts.yuan_axis,
                 total_label="预算总额", category_header="县（市、区）", ident="t-budget")


def test_chart_is_an_accessible_svg_stating_every_number():
    html = str(charts.render(_stacked()))
    assert html.count("<svg") == 1 and 'role="img"' in html
    assert 'aria-label="各县预算使用（已拨付与可用余额）"' in html
    assert '<title id="t-budget-title">各县预算使用（已拨付与可用余额）</title>' in html
    assert 'aria-describedby="t-budget-desc"' in html
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", html).group(1)
    for number in ("1,200,000.50 元", "800,000.00 元", "2,000,000.50 元", "50,000.25 元"):
        assert number in desc  # every value and each bar's total, exact to the fen
    assert "<summary>数据表</summary>" in html and "<caption>各县预算使用</caption>" in html
    assert '<th scope="row">晋江市</th><td class="num">1,200,000.50 元</td>' in html
    assert "<b>" not in html and "&lt;b&gt;石狮市&lt;/b&gt;" in html  # labels are escaped
    assert "200.00 万元" in html  # bar labels in 万元
    assert 'viewBox="0 0 600 ' in html  # the 工作台's main column; scales down with max-width: 100%
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing loaded from outside
    assert not english_words([re.sub(r"<[^>]+>", " ", html)], set())


def test_bars_are_proportional_and_the_axis_covers_the_longest():
    chart = Chart(title="逾期", categories=["甲", "乙"], series=[Series("逾期", charts.VERMILLION, [9, 3])],
                  ident="t-axis")
    top, step = charts._axis(chart, Decimal(450))  # noqa: SLF001
    assert (top, step) == (Decimal(10), Decimal(2))  # 9 rounded up to the next tick, never cut
    html = str(charts.render(chart))
    widths = [Decimal(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*><title>', html)]
    assert len(widths) == 2 and abs(widths[0] / widths[1] - 3) < Decimal("0.01")
    assert not re.search(r"\d\.\d{3,}|e-\d", html)  # coordinates with one decimal, no float noise
    assert ">10<" in html and ">9<" in html  # the last tick and the bar's value


def test_percent_bars_show_each_total_as_its_whole():
    chart = Chart(title="资金池使用", categories=["大池", "小池"], stacked=True, percent=True,
                  series=[Series("已用", charts.ORANGE, [Decimal("10"), Decimal("1")]),
                          Series("余额", charts.GREY, [Decimal("990"), Decimal("3")])],
                  bar_labels=["已用 1.0%", "已用 25.0%"], exact=charts.yuan_exact, ident="t-percent")
    html = str(charts.render(chart))
    widths = [Decimal(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*><title>', html)]
    assert abs((widths[0] + widths[1]) - (widths[2] + widths[3])) <= Decimal("0.2")  # both bars full length
    assert abs(widths[3] / widths[2] - 3) < Decimal("0.05")  # 1 : 3 within the small pool
    assert ">100%<" in html and ">已用 25.0%<" in html and "小池：已用 1.00 元，余额 3.00 元，合计 4.00 元" in html


def test_vertical_months_and_empty_chart():
    months = Chart(title="近 12 个月办结", categories=["12月\n2025年", "1月\n2026年", "2月"], horizontal=False,
                   stacked=True, series=[Series("已授权", charts.BLUE, [3, 0, 5]),
                                         Series("审核不通过", charts.VERMILLION, [1, 0, 0])], ident="t-months")
    html = str(charts.render(months))
    assert ">2025年<" in html and ">12月<" in html and "12月 2025年：已授权 3，审核不通过 1，合计 4" in html
    assert html.count("<rect") == 2 * 3 + 2  # 6 segments and 2 legend swatches
    empty = str(charts.render(Chart(title="空", categories=[], series=[], ident="t-empty")))
    assert "暂无数据。" in empty and "<svg" not in empty


def test_money_formats():
    assert charts.yuan(Decimal("12345678.905")) == "1,234.57 万元"
    assert charts.yuan(Decimal("500")) == "500.00 元"
    assert charts.yuan_axis(Decimal("2000000")) == "200 万元" and charts.yuan_axis(0) == "0"
    assert charts.nice_step(Decimal("7")) == Decimal(2) and charts.nice_step(Decimal("2400000")) == Decimal(500000)


# --------------------------------------------------------------------------------------------- the numbers

@pytest.mark.django_db
@pytest.mark.parametrize("username", ["city_authority", "county_authority", "program_officer", "finance_officer"])
def test_budget_figures_add_up_the_pools_in_scope(demo, username):
    from subsidies.figures import budget_use_by_county, budget_use_by_pool, budget_year
    from subsidies.models import BudgetPool
    from subsidies.permissions import BudgetPoolPolicy

    user = _user(username)
    year = budget_year(user)
    pools = list(BudgetPoolPolicy().scope(user, BudgetPool.objects.filter(retired_at__isnull=True, call__year=year))
                 .select_related("county"))
    assert pools, username
    by_pool = budget_use_by_pool(user, limit=1000)
    assert by_pool.total == len(pools) == len(by_pool.rows)
    by_county = budget_use_by_county(user)
    for field in ("amount", "reserved", "committed"):
        expected = sum((getattr(p, field) for p in pools), Decimal("0"))
        assert sum((getattr(r, field) for r in by_pool.rows), Decimal("0")) == expected
        assert sum((getattr(r, field) for r in by_county.rows), Decimal("0")) == expected
    assert {r.label for r in by_county.rows} == {
        (p.county.short_name or p.county.name.removesuffix("人民政府")) if p.county_id else "市级" for p in pools}
    if username == "county_authority":
        assert len(by_county.rows) == 1 and by_county.rows[0].label.startswith("晋江")  # the other counties stay out
    for r in by_county.rows:
        assert r.use_rate == ((r.reserved + r.committed) * 100 / r.amount).quantize(Decimal("0.1"))
    rates = [r.use_rate for r in by_pool.rows]
    assert rates == sorted(rates, reverse=True)  # the pools nearest to running out first


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["city_authority", "county_authority", "unit_admin"])
def test_overdue_and_coverage_count_the_rows_in_scope(demo, username):
    from catalogs.figures import coverage_by_unit, overdue_tasks_by_unit
    from catalogs.models import CatalogEntry, CollectionTask, EntryStatus, TaskStatus
    from catalogs.permissions import CatalogEntryPolicy, CollectionTaskPolicy

    user = _user(username)
    today = timezone.localdate()
    tasks = list(CollectionTaskPolicy().scope(user, CollectionTask.objects.filter(retired_at__isnull=True)))
    overdue = [t for t in tasks if t.status == TaskStatus.OVERDUE or (t.status == TaskStatus.PENDING
                                                                     and t.due_on < today)]
    late = [t for t in tasks if t.status == TaskStatus.LATE_SUBMITTED]
    rows, units = overdue_tasks_by_unit(user, limit=1000)
    assert units == len(rows) == len({t.unit_id for t in overdue + late})
    assert sum(r.overdue for r in rows) == len(overdue) and sum(r.late for r in rows) == len(late)
    assert [r.overdue for r in rows] == sorted((r.overdue for r in rows), reverse=True)

    entries = list(CatalogEntryPolicy().scope(user, CatalogEntry.objects.filter(retired_at__isnull=True))
                   .exclude(status=EntryStatus.RETIRED))
    coverage, n_units = coverage_by_unit(user, limit=1000)
    assert n_units == len({e.source_unit_id for e in entries}) == len(coverage)
    assert sum(r.entries for r in coverage) == len(entries)
    assert sum(r.published for r in coverage) == sum(e.status == EntryStatus.PUBLISHED for e in entries)
    top = coverage[0]
    mine = [e for e in entries if (e.source_unit.short_name or e.source_unit.name) == top.unit]
    assert top.quality == (Decimal(sum(e.quality_score for e in mine)) / len(mine)).quantize(Decimal("0.1"))


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["city_authority", "unit_admin", "tech_operator"])
def test_sharing_decisions_per_month_count_the_applications_in_scope(demo, username):
    from sharing.figures import DECIDED, decisions_by_month
    from sharing.models import ShareApplication
    from sharing.permissions import ShareApplicationPolicy
    from sharing.workflow import Status

    user = _user(username)
    months = decisions_by_month(user)
    assert len(months) == 12
    today = timezone.localdate()
    assert (months[-1].year, months[-1].month) == (today.year, today.month)
    first = dt.date(months[0].year, months[0].month, 1)
    decided = [a for a in ShareApplicationPolicy().scope(user, ShareApplication.objects.filter(
        retired_at__isnull=True, status__in=DECIDED, decided_at__isnull=False))
        if timezone.localtime(a.decided_at).date() >= first]
    for m in months:
        inside = [a for a in decided if (timezone.localtime(a.decided_at).year,
                                         timezone.localtime(a.decided_at).month) == (m.year, m.month)]
        assert m.granted == sum(a.status == Status.GRANTED for a in inside)
        assert m.rejected == sum(a.status == Status.REJECTED for a in inside)
        assert m.stopped == sum(a.status == Status.STOPPED for a in inside)
    assert sum(m.total for m in months) == len(decided)
    if username == "city_authority":
        assert len(decided) > 0  # the demo has decisions this year


# --------------------------------------------------------------------------------------------- query counts
FIGURE_QUERIES = {"budget_use_by_pool": 2, "budget_use_by_county": 2, "overdue_tasks_by_unit": 1,
                  "coverage_by_unit": 2, "decisions_by_month": 1}


def _figure_functions():
    from catalogs.figures import coverage_by_unit, overdue_tasks_by_unit
    from sharing.figures import decisions_by_month
    from subsidies.figures import budget_use_by_county, budget_use_by_pool

    return [budget_use_by_pool, budget_use_by_county, overdue_tasks_by_unit, coverage_by_unit, decisions_by_month]


def _queries(func, user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func(user)
    return len(ctx)


@pytest.mark.django_db
def test_each_figure_is_a_fixed_number_of_queries_whatever_the_rows(demo):
    """One aggregate query per figure (two for the budget: the year, then the pools), for a user who sees every
    row and for one who sees a few; and still so after 60 more overdue tasks of 12 units."""
    from catalogs.figures import overdue_tasks_by_unit
    from catalogs.models import CollectionTask, TaskStatus
    from portal.permissions import user_scope

    for username in ("city_authority", "unit_admin", "county_authority", "finance_officer"):
        user = _user(username)
        user_scope(user).county_unit_ids  # noqa: B018 - read once per request with the scope (ADR 0015), not per figure
        for func in _figure_functions():
            # at most: a scope that holds nothing (a unit admin's pools) asks the database nothing
            assert _queries(func, user) <= FIGURE_QUERIES[func.__name__], (username, func.__name__)
    city = _user("city_authority")
    assert {f.__name__: _queries(f, city) for f in _figure_functions()} == FIGURE_QUERIES


    before = sum(r.overdue for r in overdue_tasks_by_unit(city, limit=1000)[0])
    samples = list(CollectionTask.objects.select_related("item").order_by("pk")[:12])
    today = timezone.localdate()
    CollectionTask.objects.bulk_create([
        CollectionTask(item=t.item, unit=t.unit, period=f"测试{n}-{t.pk}", period_start_on=today,
                       period_end_on=today, due_on=today - dt.timedelta(days=n + 1), status=TaskStatus.OVERDUE)
        for t in samples for n in range(5)])
    assert _queries(overdue_tasks_by_unit, city) == 1
    assert sum(r.overdue for r in overdue_tasks_by_unit(city, limit=1000)[0]) == before + 60


# --------------------------------------------------------------------------------------------- the 工作台
ALL = {"overdue-tasks", "catalog-coverage", "catalog-quality", "sharing-decisions", "budget-pool", "budget-county"}
SEEN = {
    "city_authority": ALL,
    "county_authority": ALL,
    "auditor": ALL,
    "unit_admin": {"catalog-coverage", "catalog-quality", "sharing-decisions"},  # its unit has no overdue task
    "finance_officer": {"catalog-coverage", "catalog-quality", "budget-pool", "budget-county"},
    "program_officer": {"catalog-coverage", "catalog-quality", "budget-pool", "budget-county"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(SEEN))
def test_workbench_shows_the_figures_of_the_role(client, demo, username):
    login(client, username)
    raw, text = page(client, "/admin/")
    shown = set(re.findall(r'<figure class="chart" id="figure-([a-z-]+)"', raw))
    assert shown == SEEN[username], shown
    assert "数据图表" in text and raw.count('role="img"') == len(shown)
    assert "待我办理" in text and "看板、考核与导出" in text  # the lead's 工作台 is still there
    section = raw[raw.index('<section class="module figures"'):]
    section = section[:section.index("</section>")]
    labels = re.findall(r'aria-label="([^"]*)"', section)
    assert len(labels) == len(shown) and all(re.search(r"[\u4e00-\u9fff]", label) for label in labels)
    visible = re.sub(r"<[^>]+>", " ", section)
    names = set(get_user_model().objects.values_list("username", flat=True))
    assert not english_words([visible, *labels], names), english_words([visible, *labels], names)
    assert "<script" not in section and "src=" not in section


@pytest.mark.django_db
def test_workbench_figures_cost_a_fixed_number_of_queries(client, demo):
    """The 工作台 with its figures: the same number of queries on every load, and the figures' own share small."""
    from django.contrib import admin
    from django.test import RequestFactory

    from portal.figures import workbench_figures

    request = RequestFactory().get("/admin/")
    request.user = _user("city_authority")
    with CaptureQueriesContext(connection) as ctx:
        figures = workbench_figures(request, admin.site)
    # 8 for the figures (sum of FIGURE_QUERIES) + the user's permissions, loaded once per request by the admin
    assert len(figures) == 6 and len(ctx) <= sum(FIGURE_QUERIES.values()) + 2, [q["sql"][:80] for q in ctx.captured_queries]
    login(client, "city_authority")
    client.get("/admin/")  # warm-up: per-process caches (content types, the years with a holiday notice) fill once
    with CaptureQueriesContext(connection) as first:
        client.get("/admin/")
    with CaptureQueriesContext(connection) as second:
        client.get("/admin/")
    assert len(second) == len(first) <= 70, len(first)  # as in test_workbench: two statements per kind awaiting


@pytest.mark.django_db
def test_applicant_sees_no_figures(client, demo):
    login(client, "applicant")
    assert client.get("/admin/").status_code in (302, 403)


@pytest.mark.django_db
def test_board_tag_draws_one_figure_for_who_may_see_it(demo):
    """``{% portal_figure key %}`` for board templates: the figure for the page's user, nothing for others."""
    from django.template import engines
    from django.test import RequestFactory

    tpl = engines["django"].from_string('{% load portal_figures %}{% portal_figure "overdue-tasks" %}')
    request = RequestFactory().get("/admin/catalogs/collectiontask/board/")
    request.user = _user("city_authority")
    html = tpl.render({}, request)
    assert html.startswith('<figure class="chart" id="figure-overdue-tasks">') and 'role="img"' in html
    request.user = _user("finance_officer")  # may not view collection tasks
    assert tpl.render({}, request) == ""
    with pytest.raises(ValueError, match="unknown figure"):
        engines["django"].from_string('{% load portal_figures %}{% portal_figure "nope" %}').render({}, request)
