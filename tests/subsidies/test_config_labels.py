"""Subsidy configuration pages read in Chinese on the demo: parameter names and values, fact labels and the call's
evidence list show no stored code, and the line editors give back the stored JSON unchanged."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from subsidies.models import Call, Rule, RuleParameter
from subsidies.rules.labels import PARAM_LABELS, VALUE_KEY_LABELS

ADMIN = "/admin/subsidies"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:null|true|false|invoice|certificate|kind|label|required)\b")
CODES = {*PARAM_LABELS, *VALUE_KEY_LABELS, "top_ranked", "iit_paid", "reward_year"}


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"\s(?:name|id|for|value|class|href|action|data-[\w-]+|src|type|method|autocomplete)=\"[^\"]*\"",
                  "", html)
    return re.sub(r"<[^>]*>", " ", html)


def _codes_in(html: str) -> set[str]:
    text = _visible(html).replace("city_authority", "")  # the user's own name in the header
    return {w for w in SNAKE.findall(text)} | {c for c in CODES if re.search(rf"\b{c}\b", text)}


@pytest.mark.django_db
def test_config_pages_show_no_codes_and_editors_round_trip(client, demo):
    client.force_login(get_user_model().objects.get(username="city_authority"))
    rule = Rule.objects.get(code="DE-03")
    call = Call.objects.exclude(evidence_requirements=[]).first()
    urls = [f"{ADMIN}/ruleparameter/", f"{ADMIN}/ruleparameter/?q=cap", f"{ADMIN}/ruleparameter/?name=tiers",
            f"{ADMIN}/rule/{rule.pk}/change/", f"{ADMIN}/call/{call.pk}/change/", f"{ADMIN}/call/add/"]
    urls += [f"{ADMIN}/ruleparameter/{p.pk}/change/" for p in RuleParameter.objects.filter(rule__code__in=[
        "DE-03", "DE-05", "DE-06", "PE-07", "DE-09"])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _codes_in(response.content.decode()), (url, _codes_in(response.content.decode()))
    assert "国家级：500000" in client.get(
        f"{ADMIN}/ruleparameter/{RuleParameter.objects.get(rule__code='DE-05', name='tiers').pk}/change/"
    ).content.decode()

    # every parameter and the call's evidence list saved unchanged through the line editors
    for param in RuleParameter.objects.filter(retired_at__isnull=True).select_related("rule"):
        before = param.value
        page = client.get(f"{ADMIN}/ruleparameter/{param.pk}/change/").context["adminform"].form
        data = {"rule": param.rule_id, "name": param.name, "value": page["value"].value(),
                "valid_from": param.valid_from.isoformat(), "valid_to": param.valid_to or "", "note": param.note}
        response = client.post(f"{ADMIN}/ruleparameter/{param.pk}/change/", data)
        assert response.status_code == 302, (param.name, re.findall(r"errorlist.{0,300}", response.content.decode()))
        param.refresh_from_db()
        assert param.value == before
    before = call.evidence_requirements
    form = client.get(f"{ADMIN}/call/{call.pk}/change/").context["adminform"].form
    lines = form["evidence_requirements"].value()
    assert "发票或费用凭证｜发票或费用凭证｜必须" in form["evidence_requirements"].field.prepare_value(lines)
    assert form.fields["evidence_requirements"].clean(lines) == before

    # history pages (list and versions) of the edited records read the same way
    param = RuleParameter.objects.get(rule__code="DE-05", name="tiers")
    pages = [f"{ADMIN}/ruleparameter/{param.pk}/history/", f"{ADMIN}/call/{call.pk}/history/"]
    pages += [f"{ADMIN}/ruleparameter/{param.pk}/history/{h.pk}/" for h in param.history.all()]
    pages += [f"{ADMIN}/call/{call.pk}/history/{h.pk}/" for h in call.history.all()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _codes_in(response.content.decode()), (url, _codes_in(response.content.decode()))

    # unknown labels are refused in Chinese
    param = RuleParameter.objects.get(rule__code="DE-05", name="tiers")
    stored = param.value
    bad = client.post(f"{ADMIN}/ruleparameter/{param.pk}/change/", {
        "rule": param.rule_id, "name": "tiers", "value": "国际级：1", "valid_from": param.valid_from.isoformat()})
    assert bad.status_code == 200 and "未知的项目“国际级”" in bad.content.decode()
    param.refresh_from_db()
    assert param.value == stored


@pytest.mark.django_db
def test_view_only_call_page_lists_evidence_as_text(demo, client):
    """Staff who may only view a call saw its evidence list as raw JSON (kind/label/required/true)."""
    call = Call.objects.exclude(evidence_requirements=[]).order_by("pk").first()
    client.force_login(get_user_model().objects.get(username="unit_leader"))
    response = client.get(f"/admin/subsidies/call/{call.pk}/change/")
    assert response.status_code == 200
    text = _visible(response.content.decode()).replace("unit_leader", "")  # the user's own name in the header
    assert "申报材料清单" in text and "发票或费用凭证" in text
    assert not SNAKE.search(text)
