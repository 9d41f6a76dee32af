"""``{{ due|provisional }}``: the 暂定 mark after a date computed from a year without an official holiday notice
(a builtin of the template engine: no ``{% load %}``; docs/adr/0003)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from portal.workdays import PROVISIONAL_HELP, PROVISIONAL_LABEL, is_provisional

register = template.Library()


@register.filter
def provisional(day: date | None) -> SafeString | str:
    if not isinstance(day, date) or not is_provisional(day):
        return ""
    return format_html(' <span class="badge badge-provisional" title="{}">{}</span>', PROVISIONAL_HELP,
                       PROVISIONAL_LABEL)
