"""Crawl of the staff UI (Django admin) for the city-wide, applicant and anonymous roles (the unit roles: in
test_crawl_admin_units.py): no 5xx, no reach beyond the role's scope, no writes on GET, no English."""

import pytest

from tests.crawl.admin_walk import AdminWalk
from tests.crawl.crawler import CITY_WIDE_ROLES, crawl_role


@pytest.mark.django_db
@pytest.mark.parametrize("role", CITY_WIDE_ROLES)
def test_admin_crawl(role, demo, record_property):
    crawl_role(role, demo, record_property, AdminWalk, "admin")
