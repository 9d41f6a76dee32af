"""The API's ``?search=``: DRF's meaning (every term in one of the view's ``search_fields``), written so the trigram
indexes serve it (``portal.search``; ADR 0016)."""

from __future__ import annotations

from typing import Any

from rest_framework.filters import SearchFilter

from portal.search import search


class PortalSearchFilter(SearchFilter):
    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        fields = self.get_search_fields(view, request)
        term = request.query_params.get(self.search_param, "")
        if not fields or not term.strip():
            return queryset
        found = search(queryset, fields, " ".join(self.get_search_terms(request)))
        return super().filter_queryset(request, queryset, view) if found is None else found
