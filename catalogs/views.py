"""Public (non-admin) endpoints of 政务数据资源目录: DCAT-AP catalog and the read-only CKAN action API."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from catalogs.interop.dcat import build_graph
from catalogs.models import ServiceInterface
from catalogs.selectors import entry_list_open


def _graph(request: HttpRequest):  # type: ignore[no-untyped-def]
    interfaces = Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True))
    return build_graph(entry_list_open().prefetch_related(interfaces).order_by("code"),
                       request.build_absolute_uri("/"))


@require_GET
def catalog_ttl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_graph(request).serialize(format="turtle"), content_type="text/turtle; charset=utf-8")


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_graph(request).serialize(format="json-ld", indent=2, ensure_ascii=False),
                        content_type="application/ld+json; charset=utf-8")

