"""Public open-data catalog pages: search and filter the open part of the catalog (with facet counts), one entry's
details and its public change log, the organisation (数源单位) pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from catalogs.models import Classification, OpenType, ShareType, UpdateFrequency
from catalogs.open_catalog import (
    open_entry_changelog,
    open_entry_facets,
    open_organization_frequencies,
    open_organization_get,
    open_organization_list,
)
from catalogs.selectors import entry_list_open, open_entry_get, open_entry_search
from portal.models import Organization

PAGE_SIZE = 20


class CountedModelChoiceField(forms.ModelChoiceField):
    """A select whose options read “name（n）”: n open entries would be listed by choosing it."""

    counts: dict[Any, int] | None = None

    def label_from_instance(self, obj: Any) -> str:
        name = getattr(obj, "name", str(obj))
        return name if self.counts is None else f"{name}（{self.counts.get(obj.pk, 0)}）"


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "资源名称、摘要、关键词或编码"}))
    open_type = forms.ChoiceField(label="开放类型", required=False,
                                  choices=[("", "全部")] + [c for c in OpenType.choices if c[0] != OpenType.CLOSED])
    share_type = forms.ChoiceField(label="共享类型", required=False, choices=[("", "全部")] + ShareType.choices)
    unit = CountedModelChoiceField(label="数源单位", required=False, empty_label="全部单位",
                                   queryset=Organization.objects.none())
    classification = CountedModelChoiceField(label="数据分类", required=False, empty_label="全部分类",
                                             queryset=Classification.objects.none())
    frequency = forms.ChoiceField(label="更新频率", required=False, choices=[("", "全部")] + UpdateFrequency.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        open_qs = entry_list_open()
        self.fields["unit"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=open_qs.values("source_unit_id")).order_by("path")
        self.fields["classification"].queryset = Classification.objects.filter(  # type: ignore[attr-defined]
            pk__in=open_qs.values("classification_id")).order_by("code")

    def show_counts(self, facets: dict[str, dict[Any, int]]) -> None:
        """Write the facet counts next to every option (the empty “全部” option keeps its label)."""
        for name in ("open_type", "share_type", "frequency"):
            field = self.fields[name]
            counts = facets.get(name, {})
            field.choices = [(value, label if value == "" else f"{label}（{counts.get(value, 0)}）")  # type: ignore[attr-defined]
                             for value, label in field.choices]  # type: ignore[attr-defined]
        for name in ("unit", "classification"):
            self.fields[name].counts = facets.get(name, {})  # type: ignore[attr-defined]


def open_catalog(request: HttpRequest) -> HttpResponse:
    """The open catalog (普遍开放 + 授权开放 entries), searchable, filterable with counts, paginated; anyone may read
    it."""
    form = CatalogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else None
    qs = open_entry_search(filters=filters)
    form.show_counts(open_entry_facets(filters=filters))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "site/catalog_list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                      "OpenType": OpenType})


def open_entry(request: HttpRequest, code: str) -> HttpResponse:
    """One open entry: its data items, interfaces, conditions and the machine-readable views of it."""
    entry = open_entry_get(code)
    if entry is None:
        raise Http404("该数据资源不存在或未开放。")
    return render(request, "site/catalog_entry.html", {"entry": entry, "OpenType": OpenType})


def open_entry_changes(request: HttpRequest, code: str) -> HttpResponse:
    """The public change log of one open entry: what changed in each version published as open data."""
    entry = open_entry_get(code)
    if entry is None:
        raise Http404("该数据资源不存在或未开放。")
    return render(request, "site/catalog_changes.html", {"entry": entry, "versions": open_entry_changelog(entry)})


def open_organizations(request: HttpRequest) -> HttpResponse:
    """The 数源单位 that publish open data, with their numbers of open entries."""
    return render(request, "site/catalog_organizations.html", {"organizations": open_organization_list()})


def open_organization(request: HttpRequest, code: str) -> HttpResponse:
    """One 数源单位: its open entries (paginated) and counts by open type and update frequency."""
    found = open_organization_get(code)
    if found is None:
        raise Http404("该单位不存在或暂无开放数据。")
    unit, counts = found
    page = Paginator(open_entry_search(filters={"unit": unit}), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/catalog_organization.html", {
        "unit": unit, "counts": counts, "frequencies": open_organization_frequencies(unit), "page": page,
        "query": "", "OpenType": OpenType})
