"""Figures on the boards, not only on the 工作台 (issue 12 §2): overdue collection tasks per unit on the 采集报送看板
(JJ 附件1 报送期限), overdue sharing steps per responsible unit on the 超期办理看板 (QZ §三 办理时限), decisions per
month on the 共享考核评估, catalog coverage and quality per unit on 目录质量评估 (QZ 附件1/2), budget use per pool and
county on 资金使用情况. Each is inline SVG drawn on the server with a Chinese title and a text alternative; the
pages keep their permissions.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from portal.models import Organization
from sharing.models import ShareApplication, WorkflowStep
from tests.portal.test_chinese_staff_pages import login, page

pytestmark = pytest.mark.django_db

BOARDS = [
    ("/admin/catalogs/collectiontask/board/", ("overdue-tasks",)),
    ("/admin/sharing/shareapplication/overdue/", ("sharing-overdue",)),
    ("/admin/sharing/shareapplication/assessment/", ("sharing-decisions",)),
    ("/admin/catalogs/catalogentry/quality/", ("catalog-coverage", "catalog-quality")),
    ("/admin/subsidies/budgetpool/utilisation/", ("budget-pool", "budget-county")),
]


def _figure(raw: str, key: str) -> str:
    start = raw.index(f'id="figure-{key}"')
    return raw[start:raw.index("</figure>", start)]


@pytest.mark.parametrize(("url", "keys"), BOARDS)
def test_board_shows_its_figures_as_inline_svg(client, demo, url, keys):
    login(client, "city_authority")
    raw, text = page(client, url)
    for key in keys:
        figure = _figure(raw, key)
        title = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S).group(1)
        assert re.search(r"[\u4e00-\u9fff]", title), title
        if "暂无数据" not in figure:
            label = re.search(r'<svg[^>]*role="img"[^>]*aria-label="([^"]+)"', figure).group(1)
            assert re.search(r"[\u4e00-\u9fff]", label)
            assert "<desc id=" in figure and "数据表" in figure  # the numbers as text and as a table
    # no script in the content and nothing loaded from another host (a bare "cdn" also matched a random CSRF token)
    assert "<script" not in raw.split('id="content"', 1)[1]
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", raw, re.I)


def test_sharing_overdue_figure_counts_open_steps_per_unit(client, demo):
    """QZ §三: steps past their limit, per responsible unit, statutory and service-target limits apart."""
    application = ShareApplication.objects.filter(retired_at__isnull=True).first()
    unit = Organization.objects.get(code="QZ-SCJGJ")
    past = timezone.localdate() - timezone.timedelta(days=10)
    for statutory in (True, True, False):
        WorkflowStep.objects.create(share_application=application, state="source_review", state_label="数源单位审核",
                                    actor="source_unit", responsible_unit=unit, started_on=past, due_on=past,
                                    is_statutory=statutory)
    login(client, "city_authority")
    raw, _ = page(client, "/admin/sharing/shareapplication/overdue/")
    figure = _figure(raw, "sharing-overdue")
    name = unit.short_name or unit.name
    assert name in figure
    # its row of the 数据表: 2 past a statutory limit, 1 past a service target, 3 in all
    assert re.search(rf"<th[^>]*>{re.escape(name)}</th><td class=\"num\">2 件</td><td class=\"num\">1 件</td>"
                     r"<td class=\"num\">3 件</td>", figure), figure[-800:]


@pytest.mark.parametrize(("username", "url"), [
    ("unit_admin", "/admin/subsidies/budgetpool/utilisation/"),
    ("unit_admin", "/admin/sharing/shareapplication/assessment/"),
    ("finance_officer", "/admin/catalogs/collectiontask/board/"),
    ("program_officer", "/admin/sharing/shareapplication/overdue/"),
])
def test_boards_refuse_roles_without_access(client, demo, username, url):
    login(client, username)
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, demo):
    for url, _ in BOARDS:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
