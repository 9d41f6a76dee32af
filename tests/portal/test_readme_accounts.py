"""Every demo account the README lists logs in with the demo password where the README says: staff into the admin
(with something to work on), applicants into the applicant site (and not into the admin). Read from README.md itself,
so the table and the seeded accounts cannot drift apart (issue 10: evaluator1 … evaluator5 could not log in)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.demo_db import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def readme_accounts() -> list[tuple[str, bool]]:
    """(username, is_applicant) for every row of the README's demo-account table; `a1` … `a5` is expanded."""
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    table = text.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    accounts = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([a-z0-9_]+)`", cells[0])
        if "…" in cells[0]:
            (stem, first), (_, last) = (re.fullmatch(r"([a-z_]+)(\d+)", n).groups() for n in names)
            names = [f"{stem}{i}" for i in range(int(first), int(last) + 1)]
        accounts += [(name, cells[1].startswith("applicant")) for name in names]
    return accounts


def test_readme_lists_every_kind_of_account():
    names = dict(readme_accounts())
    assert {"admin", "county_authority", "gaj_admin", "evaluator1", "evaluator5", "applicant"} <= set(names)
    assert names["applicant_foreign"] and not names["evaluator3"]


def test_every_readme_account_logs_in_where_the_readme_says(demo, client):
    refused = []
    for username, is_applicant in readme_accounts():
        client.logout()
        if is_applicant:
            response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
            site = client.get(reverse("subsidies_site:my_applications"))
            admin = client.get(reverse("admin:index"))
            if response.status_code != 302 or site.status_code != 200 or admin.status_code != 302:
                refused.append((username, response.status_code, site.status_code, admin.status_code))
            continue
        response = client.post(reverse("admin:login"), {"username": username, "password": DEMO_PASSWORD,
                                                          "next": reverse("admin:index")})
        index = client.get(reverse("admin:index"))
        if response.status_code != 302 or index.status_code != 200 or not index.context["app_list"]:
            refused.append((username, response.status_code, index.status_code))
    assert refused == []


def test_evaluators_reach_their_scores(demo, client):
    assert client.login(username="evaluator1", password=DEMO_PASSWORD)
    assert client.get(reverse("admin:procurement_score_changelist")).status_code == 200
