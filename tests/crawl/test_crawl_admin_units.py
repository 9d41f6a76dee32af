"""Crawl of the staff UI (Django admin) for the unit roles (the others: test_crawl_admin.py): no 5xx, no reach
beyond the role's scope, no writes on GET, no English."""

import pytest

from tests.crawl.admin_walk import AdminWalk
from tests.crawl.crawler import UNIT_ROLES, crawl_role


@pytest.mark.django_db
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_admin_crawl(role, demo, record_property):
    crawl_role(role, demo, record_property, AdminWalk, "admin")
