"""API tests over the seeded demo: the OpenAPI schema loaded from the app, a WSGI client and token headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from werkzeug.test import Client


def portal_wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The portal's WSGI application as Django's test client runs it: the test's database connection is not closed
    at the end of a request (the body is read within the call, so ``request_finished`` fires here too)."""
    from portal.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def openapi(demo) -> tuple[Any, Client]:
    """The schema as ``/api/v1/schema/`` serves it (schemathesis, bound to the app) and a client of the same app."""
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", portal_wsgi_app), Client(portal_wsgi_app)


@pytest.fixture(scope="module")
def api_headers(demo, django_db_blocker):
    """``api_headers("unit_admin")`` → the Authorization header of an API token of that demo user (issued for every
    demo user when the module starts, so each test's rollback keeps them)."""
    from portal.demo import DEMO_APPLICANTS, DEMO_USERS
    from portal.services import api_token_issue

    names = [*DEMO_USERS, *(row[0] for row in DEMO_APPLICANTS)]
    with django_db_blocker.unblock(), transaction.atomic():
        issued = {user.username: {"Authorization": f"Token {api_token_issue(user=user)}"}
                  for user in get_user_model().objects.filter(username__in=names)}
    return issued.__getitem__
