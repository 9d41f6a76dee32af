"""Crawl of the applicant site (pages, links, downloads) for every demo role, with the role's session."""

import pytest
from django.contrib.auth import get_user_model

from tests.crawl.crawler import ROLES, Crawl, client_for, record, usernames
from tests.crawl.site_walk import SiteWalk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_site_crawl(role, demo, record_property):
    user = None if role == "anonymous" else get_user_model().objects.get(username=role)
    crawl = Crawl(role, client_for(role, demo), names=usernames())
    SiteWalk(crawl, user).run()
    record(crawl, record_property, "site")
    if crawl.findings or crawl.english:
        pytest.fail(crawl.report(), pytrace=False)
