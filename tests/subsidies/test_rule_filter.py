"""Issue 12 §4 over the seeded demo: a program officer's rule filter lists only the own bureau's rules (not all 38);
a rule of another bureau is not silently empty: the officer reads which bureau handles it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.permissions import units_for
from portal.roles import Role
from subsidies.models import Rule
from tests.portal.test_chinese_staff_pages import login

pytestmark = pytest.mark.django_db


def _rule_choices(response) -> list[str]:
    spec = next(f for f in response.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "rule__id__exact")
    return [value for value, _ in spec.lookup_choices]


@pytest.mark.parametrize("changelist", ["application", "award"])
def test_program_officer_filters_only_the_own_bureaus_rules(client, demo, changelist):
    officer = get_user_model().objects.get(username="program_officer")
    own = set(Rule.objects.filter(responsible_unit_id__in=units_for(officer, Role.PROGRAM_OFFICER))
              .values_list("pk", flat=True))
    assert own and len(own) < Rule.objects.count()
    login(client, "program_officer")
    response = client.get(f"/admin/subsidies/{changelist}/")
    assert response.status_code == 200
    assert {int(v) for v in _rule_choices(response)} == own


def test_other_bureaus_rule_names_the_bureau(client, demo):
    officer = get_user_model().objects.get(username="program_officer")
    other = (Rule.objects.exclude(responsible_unit_id__in=units_for(officer, Role.PROGRAM_OFFICER))
             .exclude(responsible_unit=None).select_related("responsible_unit").first())
    login(client, "program_officer")
    response = client.get(f"/admin/subsidies/application/?rule__id__exact={other.pk}", follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert f"由{other.responsible_unit.name}受理" in text and other.code in text
    own = Rule.objects.filter(responsible_unit_id__in=units_for(officer, Role.PROGRAM_OFFICER)).first()
    response = client.get(f"/admin/subsidies/application/?rule__id__exact={own.pk}")
    assert "不属于您所在单位经办的规则" not in response.content.decode()


def test_city_authority_chooses_among_the_rules_in_its_rows(client, demo):
    login(client, "city_authority")
    response = client.get("/admin/subsidies/application/")
    choices = {int(v) for v in _rule_choices(response)}
    assert choices and choices == set(response.context["cl"].root_queryset.values_list("rule_id", flat=True))
