"""Admin forms that save through a service, on the seeded demo (issue 10): a refusal shows the form again with
everything typed (inline rows included) and the message next to the field it names; nothing is written.
One kernel mechanism (portal.admin_base.ServiceFormMixin / run_service(form=…)) across the apps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogs.models import CatalogEntry, EntryStatus
from procurement.models import PenaltyDecision, RedFlag
from sharing.models import ProducerOpinion, ShareApplication
from sharing.workflow import Status as ShareStatus
from subsidies.models import Application, Objection
from subsidies.models import ApplicationStatus as S
from tests.demo_db import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def entry_post(unit, **fields):
    data = {"code": "QZ-GXJ-I10-001", "title": "工业企业技改项目备案信息", "source_unit": str(unit.pk),
            "description": "本单位办理的工业企业技术改造项目备案数据，含项目名称、建设内容和总投资，按月更新。",
            "share_type": "conditional", "share_conditions": "仅用于企业扶持政策审核", "legal_basis": "",
            "open_type": "closed", "update_frequency": "monthly", "aggregation_mode": "realtime_full",
            "doc_kind": "", "base_category": "", "data_format": "xlsx", "keywords": "技改",
            **management("items", 2), "items-0-name": "项目编号", "items-0-data_type": "string",
            "items-0-description": "备案机关赋码", "items-1-name": "总投资（万元）", "items-1-data_type": "decimal",
            **management("interfaces", 1), "interfaces-0-name": "备案查询", "interfaces-0-kind": "data_query",
            "interfaces-0-origin": "producer", "interfaces-0-endpoint": "https://api.example.gov.cn/beian",
            "_save": "保存"}
    data.update(fields)
    return data


def field_errors(response):
    return {k: [str(m) for m in v] for k, v in response.context["adminform"].form.errors.items()}


def test_catalog_add_refusal_keeps_everything_and_marks_the_field(demo, client):
    unit = demo["orgs"]["QZ-GXJ"]
    before = CatalogEntry.objects.count()
    response = login(client, "unit_admin").post(reverse("admin:catalogs_catalogentry_add"), entry_post(unit))
    assert response.status_code == 200  # shown again, not a redirect to a blank form
    assert "法律、法规" in field_errors(response)["legal_basis"][0]
    page = response.content.decode()
    for typed in ("QZ-GXJ-I10-001", "工业企业技改项目备案信息", "含项目名称、建设内容和总投资", "仅用于企业扶持政策审核",
                  "项目编号", "备案机关赋码", "总投资（万元）", "备案查询", "https://api.example.gov.cn/beian"):
        assert typed in page, typed
    items = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "items").formset
    assert [f["name"].value() for f in items.forms] == ["项目编号", "总投资（万元）"]
    assert CatalogEntry.objects.count() == before  # nothing written
    fixed = client.post(reverse("admin:catalogs_catalogentry_add"),
                        entry_post(unit, legal_basis="《福建省政务数据管理办法》第十九条"))
    assert fixed.status_code == 302
    assert CatalogEntry.objects.get(code="QZ-GXJ-I10-001").items.count() == 2


def form_data(response):
    """What the change page would post unchanged: the main form and every inline row as rendered."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return {form.add_prefix(name): form[name].value() for form in forms for name in form.fields
            if form[name].value() is not None and form[name].value() is not False}


def test_catalog_change_refusal_keeps_the_input_and_the_stored_entry(demo, client):
    entry = CatalogEntry.objects.filter(source_unit__code="QZ-GXJ", status=EntryStatus.DRAFT).first()
    url = reverse("admin:catalogs_catalogentry_change", args=[entry.pk])
    data = form_data(login(client, "unit_admin").get(url))
    data.update(title="改过的资源名称", share_type="conditional", legal_basis="")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "legal_basis" in field_errors(response) and "改过的资源名称" in response.content.decode()
    entry.refresh_from_db()
    assert entry.title != "改过的资源名称"


def test_step_page_refusal_at_its_field(demo, client):
    entry = CatalogEntry.objects.filter(source_unit__code="QZ-GXJ", status=EntryStatus.PUBLISHED).first()
    url = reverse("admin:catalogs_catalogentry_step", args=[entry.pk, "request_retire"])
    response = login(client, "unit_admin").post(url, {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    entry.refresh_from_db()
    assert entry.retire_requested_at is None


def test_subsidy_objection_refusal_at_the_application_field(demo, client):
    app = Application.objects.filter(status=S.APPROVED, rule__responsible_unit__code="QZ-GXJ").first()
    before = Objection.objects.count()
    response = login(client, "program_officer").post(reverse("admin:subsidies_objection_add"), {
        "application": app.pk, "objector": "某同行企业", "content": "申报营收数据与统计年报不一致", "received_on": "2026-12-01"})
    assert response.status_code == 200
    assert "只有公示中的申报" in field_errors(response)["application"][0]
    assert "申报营收数据与统计年报不一致" in response.content.decode() and Objection.objects.count() == before


def test_red_flag_disposition_refusal_at_the_reason(demo, client):
    flag = RedFlag.objects.filter(disposition="open").first()
    response = login(client, "procurement_supervisor").post(
        reverse("admin:procurement_redflag_change", args=[flag.pk]),
        {"disposition": "confirmed", "disposition_reason": ""})
    assert response.status_code == 200 and "请填写复核理由" in field_errors(response)["disposition_reason"][0]
    flag.refresh_from_db()
    assert flag.disposition == "open"


def test_procurement_entry_refusal_keeps_the_input(demo, client):
    data = {"decision_no": "泉财采罚〔2026〕99号", "party_uscc": "91350500MA00000000", "tender": "",
            "issuing_authority": "泉州市财政局", "act_description": "提供虚假材料谋取中标",
            "legal_basis": "《中华人民共和国政府采购法》第七十七条", "fine_amount": "5000", "decided_on": "2026-11-30",
            "document_text": "经查……"}
    response = login(client, "procurement_supervisor").post(reverse("admin:procurement_penaltydecision_add"), data)
    assert response.status_code == 200
    assert "未找到该统一社会信用代码的企业" in str(response.context["adminform"].form.non_field_errors())
    assert "提供虚假材料谋取中标" in response.content.decode()
    assert not PenaltyDecision.objects.filter(decision_no="泉财采罚〔2026〕99号").exists()


def test_share_opinion_refusal_keeps_the_choice(demo, client):
    app = next(a for a in ShareApplication.objects.filter(status=ShareStatus.JOINT_REVIEW).order_by("pk")
               if not ProducerOpinion.objects.filter(application=a, producer_unit__code="QZ-SCJGJ").exists()
               and a.entries.filter(source_unit__code="QZ-SCJGJ").exists())
    url = reverse("admin:sharing_shareapplication_opinion", args=[app.pk])
    response = login(client, "unit_admin_b").post(url, {"agrees": "0", "opinion": " "})
    assert response.status_code == 200 and "请填写会商意见" in str(response.context["form"].errors["opinion"])
    assert response.context["form"]["agrees"].value() == "0"
    assert not ProducerOpinion.objects.filter(application=app, producer_unit__code="QZ-SCJGJ").exists()
