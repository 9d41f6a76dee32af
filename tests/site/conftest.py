"""Fixtures of the applicant-site tests: applicant organisations and their users."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.models import ApplicantKind, Enterprise, EnterpriseMember
from portal.uscc import make_uscc

PASSWORD = "Pw-for-tests-123"


@pytest.fixture
def make_applicant(db):
    """An applicant organisation with one manager user (made like the kernel's registration does)."""
    from django.contrib.auth.models import Group

    from portal.roles import Role

    counter = {"n": 0}

    def make(username: str, *, kind: str = ApplicantKind.ENTERPRISE, name: str | None = None,
             is_manager: bool = True, enterprise: Enterprise | None = None):
        counter["n"] += 1
        user = get_user_model().objects.create_user(username=username, password=PASSWORD,
                                                    email=f"{username}@example.cn")
        user.groups.add(Group.objects.get_or_create(name=Role.APPLICANT.label)[0])
        if enterprise is None:
            body = f"91350582MA2T{counter['n']:04d}" + "0"
            enterprise = Enterprise.objects.create(uscc=make_uscc(body[:17]), name=name or f"{username}有限公司",
                                                   kind=kind)
        EnterpriseMember.objects.create(user=user, enterprise=enterprise, is_manager=is_manager)
        return user
    return make


@pytest.fixture
def applicant(make_applicant):
    return make_applicant("acme")


@pytest.fixture
def other_applicant(make_applicant):
    return make_applicant("rival")


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client
