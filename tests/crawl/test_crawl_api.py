"""Crawl of the REST API (and the CKAN read actions) for every demo role, with the role's API token."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from portal.services import api_token_issue
from tests.crawl.api_walk import ApiWalk
from tests.crawl.crawler import ROLES, Crawl, record, usernames


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_crawl(role, demo, record_property):
    headers = {}
    if role != "anonymous":
        with transaction.atomic():
            key = api_token_issue(user=get_user_model().objects.get(username=role))
        headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    crawl = Crawl(role, Client(), names=usernames(), headers=headers)
    ApiWalk(crawl).run()
    record(crawl, record_property, "api")
    if crawl.findings or crawl.english:
        pytest.fail(crawl.report(), pytrace=False)
