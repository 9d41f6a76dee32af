"""Non-admin pages of 惠企政策奖补 that are not the applicant site: the permission-checked evidence download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from subsidies.models import Evidence
from subsidies.selectors import evidence_get_for_user


@login_required
def evidence_download(request: Any, pk: int) -> FileResponse:
    """Download one evidence file if the user may see its application (404 otherwise, existence not revealed)."""
    from subsidies.api.views import evidence_file_response

    try:
        evidence = evidence_get_for_user(request.user, pk)
    except Evidence.DoesNotExist:
        raise Http404("未找到该材料。") from None
    return evidence_file_response(evidence, request.user)
