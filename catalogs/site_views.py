"""Public open-data catalog pages: search and filter the open part of the catalog, one entry's details."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from catalogs.models import Classification, OpenType, UpdateFrequency
from catalogs.selectors import entry_list_open, open_entry_get, open_entry_search
from portal.models import Organization

PAGE_SIZE = 20


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "资源名称、摘要、关键词或编码"}))
    open_type = forms.ChoiceField(label="开放类型", required=False,
                                  choices=[("", "全部")] + [c for c in OpenType.choices if c[0] != OpenType.CLOSED])
    unit = forms.ModelChoiceField(label="数源单位", required=False, empty_label="全部单位",
                                  queryset=Organization.objects.none())
    classification = forms.ModelChoiceField(label="数据分类", required=False, empty_label="全部分类",
                                            queryset=Classification.objects.none())
    frequency = forms.ChoiceField(label="更新频率", required=False, choices=[("", "全部")] + UpdateFrequency.choices)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        open_qs = entry_list_open()
        self.fields["unit"].queryset = Organization.objects.filter(
            pk__in=open_qs.values("source_unit_id")).order_by("path")
        self.fields["classification"].queryset = Classification.objects.filter(
            pk__in=open_qs.values("classification_id")).order_by("code")


def open_catalog(request: HttpRequest) -> HttpResponse:
    """The open catalog (普遍开放 + 授权开放 entries), searchable, filterable, paginated; anyone may read it."""
    form = CatalogFilterForm(request.GET or None)
    qs = open_entry_search(filters=form.cleaned_data if form.is_bound and form.is_valid() else None)
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
