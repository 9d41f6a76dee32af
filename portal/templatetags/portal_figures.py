"""``{% load portal_figures %}{% portal_figure "overdue-tasks" %}``: one of the 工作台's figures on a board page.

Keys: ``portal.figures.KEYS`` (overdue-tasks, catalog-coverage, catalog-quality, sharing-decisions, sharing-overdue, budget-pool,
budget-county). The figure is drawn for the page's user (scoped by the app's policy) when they may view the model
behind it, else nothing; needs ``request`` in the context (the admin's pages have it).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib import admin
from django.utils.safestring import SafeString

from portal.figures import figure_html

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_figure(context: Any, key: str) -> SafeString:
    request = context.get("request")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return SafeString("")
    return figure_html(request, admin.site, key)
