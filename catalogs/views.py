"""Public (non-admin) endpoints of 政务数据资源目录: DCAT-AP catalog and the read-only CKAN action API."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from catalogs.interop.dcat import build_graph
from catalogs.models import CollectionSubmission, ServiceInterface
from catalogs.selectors import entry_list_open
from catalogs.services.collection import submission_file_response


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


@require_GET
def submission_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """采集报送文件下载: the submitting unit, the data authority over it and the tech unit (403 for anyone else)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    submission = get_object_or_404(CollectionSubmission.objects.select_related("task__unit"), pk=pk)
    return submission_file_response(submission=submission, acting_user=request.user)
