"""Crawl of the applicant site (pages, links, downloads) for every demo role, with the role's session."""

import pytest

from tests.crawl.crawler import ROLES, crawl_role
from tests.crawl.site_walk import SiteWalk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_site_crawl(role, demo, record_property):
    crawl_role(role, demo, record_property, SiteWalk, "site")
