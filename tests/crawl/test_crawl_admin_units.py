"""Crawl of the staff UI (Django admin) for the unit roles (the others: test_crawl_admin.py): no 5xx, no reach
beyond the role's scope, no writes on GET, no English."""

import pytest
from django.contrib.auth import get_user_model

from tests.crawl.admin_walk import AdminWalk
from tests.crawl.crawler import UNIT_ROLES, Crawl, client_for, record, usernames


@pytest.mark.django_db
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_admin_crawl(role, demo, record_property):
    user = None if role == "anonymous" else get_user_model().objects.get(username=role)
    crawl = Crawl(role, client_for(role, demo), names=usernames())
    AdminWalk(crawl, user).run()
    record(crawl, record_property, "admin")
    if crawl.findings or crawl.english:
        pytest.fail(crawl.report(), pytrace=False)
