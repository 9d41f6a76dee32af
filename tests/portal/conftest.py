"""API tests over the seeded demo: the OpenAPI schema loaded from the app, a WSGI client and token headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from werkzeug.test import Client


@pytest.fixture(scope="module")
def direct_wsgi():
    """Requests go to the WSGI handler directly: keep Django from closing the test's connection after each one, as
    Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def openapi(demo, direct_wsgi) -> tuple[Any, Client]:
    """The schema as ``/api/v1/schema/`` serves it (schemathesis, bound to the app) and a client of the same app."""
    import schemathesis

    from portal.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application), Client(application)


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
