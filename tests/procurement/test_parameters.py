"""Rule parameters as data: defaults with their source, effective dates, jurisdiction, use by the services and the
red-flag rules, admin editing (through the services) and its denials."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement import parameters
from procurement.models import RedFlag, RuleParameter
from procurement.services import parameters as pm
from procurement.services import remedies as rm
from tests.procurement.conftest import at

pytestmark = pytest.mark.django_db


def test_defaults_are_registered_with_their_source():
    assert parameters.value("AWARD_DECISION_DAYS") == D("15")
    assert parameters.value("RF02_RATIO") == D("0.98")
    assert all(p.source for p in parameters.REGISTRY.values())
    assert pm.rule_parameters_seed_defaults() >= 0  # idempotent
    pm.rule_parameters_seed_defaults()
    assert RuleParameter.objects.filter(code="AWARD_DECISION_DAYS", jurisdiction=None).count() == 1
    with pytest.raises(KeyError):
        parameters.value("NO_SUCH")


def test_most_specific_jurisdiction_and_dates_win(people, units, make_unit):
    sup = people["supervisor"]
    pm.rule_parameter_set(code="OBJECTION_REPLY_DAYS", value=D("4"), valid_from=date(2026, 1, 1),
                          acting_user=sup)
    pm.rule_parameter_set(code="OBJECTION_REPLY_DAYS", value=D("5"), valid_from=date(2025, 1, 1),
                          valid_to=date(2025, 12, 31), jurisdiction=units["gxj"], acting_user=sup)
    child = make_unit("QZ-GXJ-1", "工信局下属中心", parent=units["gxj"])
    assert parameters.value("OBJECTION_REPLY_DAYS", on=date(2025, 6, 1), unit=units["gxj"]) == D("5")
    assert parameters.value("OBJECTION_REPLY_DAYS", on=date(2025, 6, 1), unit=child) == D("5")
    assert parameters.value("OBJECTION_REPLY_DAYS", on=date(2025, 6, 1), unit=units["scj"]) == D("3")  # default
    assert parameters.value("OBJECTION_REPLY_DAYS", on=date(2026, 6, 1), unit=units["gxj"]) == D("4")  # expired
    with pytest.raises(ValidationError, match="失效日期"):
        pm.rule_parameter_set(code="OBJECTION_REPLY_DAYS", value=D("5"), valid_from=date(2025, 1, 1),
                              valid_to=date(2024, 1, 1), acting_user=sup)
    with pytest.raises(PermissionDenied):
        pm.rule_parameter_set(code="OBJECTION_REPLY_DAYS", value=D("9"), valid_from=date(2025, 1, 1),
                              acting_user=people["officer"])


def test_services_use_the_parameter_in_force(make_tender, people, units):
    tender = make_tender()
    pm.rule_parameter_set(code="OBJECTION_REPLY_DAYS", value=D("5"), valid_from=date(2025, 1, 1),
                          jurisdiction=units["gxj"], acting_user=people["supervisor"])
    objection = rm.objection_receive(tender=tender, stage="tender_doc", objector_name="甲", facts="条款排斥",
                                     received_on=date(2025, 3, 17), acting_user=people["officer"])
    assert objection.reply_due_on == date(2025, 3, 24)  # Monday + 5 = Saturday 22 → Monday 24 (default would be 20)


def test_red_flag_threshold_from_parameters(make_tender, add_bid, people, units):
    tender = make_tender("ZB-RF10", issued=at(2025, 3, 25))  # 16 days to the deadline
    add_bid(tender, 1, "甲", "900000")
    assert RedFlag.objects.filter(tender=tender, rule_code="RF10", is_current=True).exists()
    pm.rule_parameter_set(code="RF10_MIN_DAYS", value=D("15"), valid_from=date(2020, 1, 1),
                          jurisdiction=units["gxj"], acting_user=people["supervisor"])
    add_bid(tender, 2, "乙", "910000")
    assert not RedFlag.objects.filter(tender=tender, rule_code="RF10", is_current=True).exists()


def test_admin_edits_parameters_through_services(client, people):
    client.force_login(people["supervisor"])
    data = {"code": "AWARD_DECISION_DAYS", "value": "20", "valid_from": "2027-01-01", "source_clause": "新规定第1条",
            "note": ""}
    response = client.post("/admin/procurement/ruleparameter/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = RuleParameter.objects.get(code="AWARD_DECISION_DAYS", valid_from=date(2027, 1, 1))
    assert parameters.value("AWARD_DECISION_DAYS", on=date(2027, 3, 1)) == D("20")
    response = client.post(f"/admin/procurement/ruleparameter/{row.pk}/change/", {
        "value": "20", "valid_to": "2026-01-01", "source_clause": "新规定第1条", "note": ""})
    assert response.status_code == 200 and "失效日期不能早于生效日期" in response.content.decode()
    row.refresh_from_db()
    assert row.valid_to is None and row.history.count() == 1
    client.force_login(people["officer"])
    assert client.get("/admin/procurement/ruleparameter/add/").status_code == 403
    assert client.get("/admin/procurement/ruleparameter/").status_code == 200  # officers read them


def test_red_flag_messages_quote_the_threshold_in_force(make_tender, add_bid, people, units):
    """A jurisdiction override changes both the decision and the figure quoted in the message (not the default)."""
    for code, value in (("RF10_MIN_DAYS", "25"), ("RF11_RATIO", "0.8")):
        pm.rule_parameter_set(code=code, value=D(value), valid_from=date(2020, 1, 1), jurisdiction=units["gxj"],
                              acting_user=people["supervisor"])
    tender = make_tender("ZB-RFMSG", issued=at(2025, 3, 20))  # 21 days: not short by default, short under 25
    for n, price in enumerate(["900000", "950000", "880000", "600000"], start=1):
        add_bid(tender, n, f"公司{n}", price)
    from procurement.services import tenders as ts

    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    rf10 = RedFlag.objects.get(tender=tender, rule_code="RF10", is_current=True)
    assert "少于25日" in rf10.message and "20日" not in rf10.message
    rf11 = RedFlag.objects.get(tender=tender, rule_code="RF11", is_current=True)  # 600,000 < 80 % of 832,500
    assert rf11.bid.price_figures == D("600000")
    assert "的80%" in rf11.message and "50%" not in rf11.message


def test_red_flag_messages_quote_the_default_without_override(make_tender, add_bid, people):
    tender = make_tender("ZB-RFDEF", issued=at(2025, 3, 25))  # 16 days
    add_bid(tender, 1, "甲", "900000")
    assert "少于20日" in RedFlag.objects.get(tender=tender, rule_code="RF10", is_current=True).message
