"""Issue 11 for subsidies: configuration saved through services (budget pools under their row lock), the pure
calculator package, no import cycles, one workflow declaration, constant queries on the API lists."""

from __future__ import annotations

import ast
import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from portal.models import AuditLog
from subsidies.models import BudgetPool, Call, PolicyDocument
from subsidies.services import application_approve, budget_pool_save, policy_document_save

from .conftest import advance_to_review

ADMIN = "/admin/subsidies"
APP = Path(settings.BASE_DIR) / "subsidies"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_rules_package_is_pure_so_models_and_rules_do_not_import_each_other():
    for path in sorted((APP / "rules").rglob("*.py")):
        bad = {m for m in _imports(path) if m.startswith(("django.db", "subsidies.models", "subsidies.services",
                                                           "subsidies.selectors", "subsidies.calculator"))}
        assert not bad, (path.name, bad)
        assert ".objects" not in path.read_text(encoding="utf-8"), path.name


def test_services_common_imports_no_other_service_module():
    assert not {m for m in _imports(APP / "services" / "common.py") if m.startswith("subsidies.services")}
    assert "subsidies.services.common" in _imports(APP / "services" / "money.py")
    for name in ("subsidies.rules", "subsidies.models", "subsidies.services.common", "subsidies.services.money"):
        importlib.import_module(name)


def test_one_state_table_the_declaration():
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts or path.name == "workflow.py":
            continue
        text = path.read_text(encoding="utf-8")
        for old in ("TRANSITIONS", "STAFF_ACTIONS", "API_TRANSITIONS", "def move(", "can_act("):
            assert old not in text, (path.relative_to(APP), old)


@pytest.mark.django_db
def test_budget_pool_save_keeps_the_totals_booked_meanwhile(submitted, reviewer, city_admin):
    pool = BudgetPool.objects.get(call=submitted.call, level="city")
    stale = BudgetPool.objects.get(pk=pool.pk)  # an edit form built before the approval
    application_approve(application=advance_to_review(submitted, reviewer), amount="200000", note="按实际核定",
                        acting_user=reviewer)
    stale.amount = Decimal("900000")
    saved = budget_pool_save(pool=stale, acting_user=city_admin)
    pool.refresh_from_db()
    assert (pool.amount, pool.reserved, pool.committed) == (Decimal("900000.00"), Decimal("100000.00"), 0)
    assert saved.reserved == Decimal("100000.00")
    row = AuditLog.objects.get(action="subsidies.budget_pool.change", object_id=str(pool.pk))
    assert row.actor == city_admin
    assert pool.history.first().history_user == city_admin
    stale.amount = Decimal("50000")  # below what is booked now
    with pytest.raises(ValidationError, match="不能低于"):
        budget_pool_save(pool=stale, acting_user=city_admin)
    with pytest.raises(PermissionDenied):
        budget_pool_save(pool=stale, acting_user=submitted.created_by)


def _post_data(response):
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].field.prepare_value(form[name].value())
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value
    return data


@pytest.mark.django_db
def test_call_page_pool_inline_goes_through_the_locking_service(client, submitted, reviewer, city_admin):
    call = submitted.call
    pool = BudgetPool.objects.get(call=call, level="city")
    client.force_login(city_admin)
    url = f"{ADMIN}/call/{call.pk}/change/"
    data = _post_data(client.get(url))  # the page as it was before the approval
    application_approve(application=advance_to_review(submitted, reviewer), amount="200000", note="按实际核定",
                        acting_user=reviewer)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and str(v) == str(pool.pk))
    data[f"pools-{index}-amount"] = "950000"
    data[f"pools-{index}-reserved"] = "0"  # read-only on the page: ignored
    data[f"pools-{index}-committed"] = "0"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    pool.refresh_from_db()
    assert (pool.amount, pool.reserved, pool.committed) == (Decimal("950000.00"), Decimal("100000.00"), 0)
    assert AuditLog.objects.filter(action="subsidies.budget_pool.change", object_id=str(pool.pk)).exists()
    assert AuditLog.objects.filter(action="subsidies.call.change", object_id=str(call.pk)).exists()
    data[f"pools-{index}-amount"] = "10"
    refused = client.post(url, data)
    assert refused.status_code == 200 and "不能低于" in refused.content.decode()
    pool.refresh_from_db()
    assert pool.amount == Decimal("950000.00")


@pytest.mark.django_db
def test_policy_document_saved_through_its_service(city_admin, reviewer):
    doc = PolicyDocument.objects.first()
    other = PolicyDocument.objects.exclude(pk=doc.pk).first()
    doc.note = "经核对原文"
    policy_document_save(document=doc, acting_user=city_admin, supersedes=[other])
    assert AuditLog.objects.filter(action="subsidies.policy_document.change", object_id=str(doc.pk)).exists()
    assert list(doc.supersedes.all()) == [other]
    with pytest.raises(PermissionDenied):
        policy_document_save(document=doc, acting_user=reviewer)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["pools", "calls", "evidence"])
def test_api_lists_query_count_is_constant(api_client, token_for, city_admin, make_call, applicant, pdf, path,
                                           django_assert_max_num_queries):
    from subsidies.services import application_create, evidence_add

    user, enterprise = applicant
    reader = user if path == "evidence" else city_admin
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reader)}")
    app = None

    def count_for(n, limit=None):
        nonlocal app
        while Call.objects.count() < n:
            make_call(["DE-09"], counties={})
        if path == "evidence":
            app = app or application_create(call=Call.objects.first(), enterprise=enterprise, rule_code="DE-09",
                                            facts={}, acting_user=user)
            while app.evidence.count() < n:
                evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        api_client.get(f"/api/v1/subsidies/{path}/?page_size=200")  # warm-up
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if limit is not None:
            with django_assert_max_num_queries(limit):
                response = api_client.get(f"/api/v1/subsidies/{path}/?page_size=200")
            assert response.status_code == 200 and len(response.json()["results"]) >= n
        with CaptureQueriesContext(connection) as ctx:
            response = api_client.get(f"/api/v1/subsidies/{path}/?page_size=200")
        assert response.status_code == 200 and len(response.json()["results"]) >= n
        return len(ctx.captured_queries)

    few = count_for(5)
    assert count_for(50, limit=few) == few


@pytest.mark.django_db
def test_award_and_objection_keep_what_was_decided(submitted, reviewer):
    from subsidies.models import Award, Objection
    from subsidies.services import application_publicity_start, objection_record

    app = advance_to_review(submitted, reviewer)
    award = application_approve(application=app, amount="100000", note="按实际核定", acting_user=reviewer)
    award.amount = Decimal("1")
    with pytest.raises(PermissionDenied, match="核定金额"):
        award.save()
    with pytest.raises(PermissionDenied):
        Award.objects.filter(pk=award.pk).update(county_amount=0)
    application_publicity_start(application=app, acting_user=reviewer)
    objection = objection_record(application=app, objector="某企业", content="数据不实", acting_user=reviewer)
    objection.content = "改过的内容"
    with pytest.raises(PermissionDenied, match="异议内容"):
        objection.save()
    assert Objection.objects.get(pk=objection.pk).content == "数据不实"
