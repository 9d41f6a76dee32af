"""The audience-row scopes (docs/adr/0015-scopes-served-by-indexes.md) against the scopes they replaced, on the seeded
demo for every demo account: the same rows for every role and every sharing model; and the rows the services kept
while seeding are exactly what ``rebuild_visibility`` computes from the records."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.permissions import user_scope
from portal.roles import Role
from sharing.models import (
    Authorization,
    AuthorizationAudience,
    CatalogImpact,
    DataUseRecord,
    OpenDataApplication,
    OpenDataApplicationAudience,
    OpenDataGrant,
    RequestKind,
    ShareApplication,
    ShareApplicationAudience,
    WorkflowStep,
)
from sharing.permissions import (
    AuthorizationPolicy,
    CatalogImpactPolicy,
    DataUseRecordPolicy,
    OpenDataApplicationPolicy,
    OpenDataGrantPolicy,
    ShareApplicationPolicy,
    WorkflowStepPolicy,
)
from sharing.states import Actor, Status


# ------------------------------------------------------------------ the scopes as they were before ADR 0015 (OR EXISTS)
def old_share(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    s = user_scope(user)
    if not user.is_authenticated or not s.is_staff_member:
        return qs.none()
    if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
        return qs
    not_special = ~Q(kind=RequestKind.SPECIAL_AGENCY)
    submitted = ~Q(status=Status.DRAFT)
    q = Q(applicant_unit_id__in=s.unit_ids)
    if s.has_role(Role.AUDITOR):
        q |= not_special & submitted
    if s.county_paths:
        q |= s.county_q("applicant_unit__path") & not_special & submitted
    if s.unit_ids:
        producer = Exists(ShareApplication.entries.through.objects.filter(
            shareapplication_id=OuterRef("pk"), catalogentry__source_unit_id__in=s.unit_ids))
        q |= producer & not_special & submitted
    if s.has_role(Role.TECH_OPERATOR):
        q |= Exists(WorkflowStep.objects.filter(share_application_id=OuterRef("pk"), actor=Actor.TECH)) & not_special
    return qs.filter(q)


def old_authorization(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    s = user_scope(user)
    if not user.is_authenticated or not s.is_staff_member:
        return qs.none()
    if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
        return qs
    not_special = Q(is_special=False)
    q = Q(consumer_unit_id__in=s.unit_ids)
    if s.has_role(Role.AUDITOR, Role.TECH_OPERATOR):
        q |= not_special
    if s.county_paths:
        q |= s.county_q("consumer_unit__path") & not_special
    if s.unit_ids:
        q |= Exists(Authorization.entries.through.objects.filter(
            authorization_id=OuterRef("pk"), catalogentry__source_unit_id__in=s.unit_ids)) & not_special
    return qs.filter(q)


def old_usage(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    s = user_scope(user)
    if not user.is_authenticated or not s.is_staff_member:
        return qs.none()
    if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
        return qs
    return qs.filter(authorization_id__in=old_authorization(user, Authorization.objects.all()).values("pk"))


def old_open(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    s = user_scope(user)
    if not user.is_authenticated:
        return qs.none()
    if s.is_superuser or s.has_role(*OpenDataApplicationPolicy.STAFF):
        return qs if s.is_superuser else qs.filter(Q(enterprise_id__in=s.enterprise_ids) | ~Q(status="draft"))
    q = Q(enterprise_id__in=s.enterprise_ids)
    if s.unit_ids and s.is_staff_member:
        q |= Exists(OpenDataApplication.entries.through.objects.filter(
            opendataapplication_id=OuterRef("pk"), catalogentry__source_unit_id__in=s.unit_ids)) & ~Q(status="draft")
    return qs.filter(q)


def old_step(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    share = old_share(user, ShareApplication.objects.all()).values("pk")
    open_ = old_open(user, OpenDataApplication.objects.all()).values("pk")
    return qs.filter(Q(share_application_id__in=share) | Q(open_application_id__in=open_))


def old_impact(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    s = user_scope(user)
    if not user.is_authenticated or not s.is_staff_member:
        return qs.none()
    if s.is_superuser or s.has_role(Role.CITY_AUTHORITY):
        return qs
    auths = old_authorization(user, Authorization.objects.all()).values("pk")
    grants = OpenDataGrantPolicy().scope(user, OpenDataGrant.objects.all()).values("pk")
    own_entry = Q(entry__source_unit_id__in=s.unit_ids) & ~Q(authorization__is_special=True)
    return qs.filter(Q(authorization_id__in=auths) | Q(open_grant_id__in=grants) | own_entry)


CASES = [
    (ShareApplication, old_share, ShareApplicationPolicy),
    (Authorization, old_authorization, AuthorizationPolicy),
    (DataUseRecord, old_usage, DataUseRecordPolicy),
    (OpenDataApplication, old_open, OpenDataApplicationPolicy),
    (WorkflowStep, old_step, WorkflowStepPolicy),
    (CatalogImpact, old_impact, CatalogImpactPolicy),
]


def _ids(qs: QuerySet[Any]) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.django_db
def test_new_scopes_return_exactly_the_old_rows_for_every_demo_account(demo):
    users = list(get_user_model().objects.order_by("username"))
    assert len(users) > 30
    seen_some = {model.__name__: 0 for model, _old, _policy in CASES}
    differences = []
    for user in users:
        for model, old, policy in CASES:
            want = _ids(old(user, model.objects.all()))
            got = _ids(policy().scope(user, model.objects.all()))
            if want != got:
                differences.append(f"{user.username} · {model.__name__}: 少 {sorted(want - got)[:10]}，多 "
                                   f"{sorted(got - want)[:10]}")
            if want and len(want) < model.objects.count():
                seen_some[model.__name__] += 1
    assert not differences, "\n".join(differences)
    # not vacuous: accounts that see some but not all of the rows (the demo's few usage records and catalog impacts
    # are seen by everyone who sees any)
    assert all(seen_some[name] > 0 for name in ("ShareApplication", "Authorization", "OpenDataApplication",
                                                "WorkflowStep")), seen_some


def _rows() -> tuple[set[tuple[Any, ...]], ...]:
    return (set(ShareApplicationAudience.objects.values_list("application_id", "unit_id", "is_party", "unit_sees",
                                                          "county_sees")),
            set(AuthorizationAudience.objects.values_list("authorization_id", "unit_id", "is_party", "county_sees")),
            set(OpenDataApplicationAudience.objects.values_list("application_id", "unit_id")))


@pytest.mark.django_db
def test_the_services_kept_the_rows_rebuild_visibility_computes(demo, capsys):
    kept = _rows()
    assert all(kept), "演示数据应有可见单位行"
    call_command("rebuild_visibility")
    assert "已重建可见单位表" in capsys.readouterr().out
    assert _rows() == kept


# ------------------------------------------------------------------ catalogs and subsidies: semi-joins instead of joins
def _old_reviewed_or_county_q(user: Any) -> Q:
    from portal.permissions import units_for
    from subsidies.permissions import REVIEW_ROLES

    return Q(rule__responsible_unit_id__in=units_for(user, *REVIEW_ROLES)) | user_scope(user).county_q(
        "enterprise__region__path")


def _old_county_units_q(self: Any, unit_field: str) -> Q:
    return self.county_q(unit_field.removesuffix("_id") + "__path")


@pytest.mark.django_db
def test_catalog_and_subsidy_scopes_return_exactly_the_old_rows_for_every_demo_account(demo, monkeypatch):
    """``county_units_q`` (``unit IN (units of the county)``) and the subsidies' ``rule_id IN … OR enterprise_id IN …``
    against the joins they replaced (``unit__path LIKE …``, ``rule__responsible_unit_id``, ``enterprise__region__path``),
    for every policy that uses them."""
    import catalogs.permissions as cp
    import subsidies.permissions as sp
    from catalogs.models import (
        CatalogEntry,
        CollectionItem,
        CollectionSubmission,
        CollectionTask,
        DataCorrection,
        InterfaceRequest,
    )
    from portal.permissions import UserScope
    from subsidies.models import Application, Award, BudgetPool, EnterpriseFact, ManualAward, MatchCandidate

    cases = [(CatalogEntry, cp.CatalogEntryPolicy), (CollectionItem, cp.CollectionItemPolicy),
             (CollectionTask, cp.CollectionTaskPolicy), (CollectionSubmission, cp.CollectionSubmissionPolicy),
             (DataCorrection, cp.DataCorrectionPolicy), (InterfaceRequest, cp.InterfaceRequestPolicy),
             (Application, sp.ApplicationPolicy), (Award, sp.AwardPolicy), (BudgetPool, sp.BudgetPoolPolicy),
             (ManualAward, sp.ManualAwardPolicy), (EnterpriseFact, sp.EnterpriseFactPolicy),
             (MatchCandidate, sp.MatchCandidatePolicy)]
    users = list(get_user_model().objects.order_by("username"))

    def measure() -> dict[tuple[str, str], set[int]]:
        out = {}
        for user in users:
            for model, policy in cases:
                out[(user.username, model.__name__)] = _ids(policy().scope(user, model.objects.all()))
        return out

    new = measure()
    monkeypatch.setattr(UserScope, "county_units_q", _old_county_units_q)
    monkeypatch.setattr(sp, "_reviewed_or_county_q", _old_reviewed_or_county_q)
    old = measure()
    wrong = [f"{user} · {label}: 少 {sorted(old[user, label] - got)[:10]}，多 {sorted(got - old[user, label])[:10]}"
             for (user, label), got in new.items() if got != old[user, label]]
    assert not wrong, "\n".join(wrong)
    assert any(0 < len(rows) for rows in new.values())


def test_own_unit_usage_records_are_the_scoped_rows_of_the_unit_for_every_demo_account(demo):
    """本单位 reads usage records by unit alone (``DataUseRecordPolicy.own_units``): for every demo account with a
    unit, exactly the rows the scope shows of that unit — and the admin's default list is that list."""
    from django.test import Client

    from catalogs.permissions import defaults_to_own_unit, own_unit_ids

    policy = DataUseRecordPolicy()
    checked = 0
    for user in get_user_model().objects.filter(is_active=True).order_by("username"):
        units = own_unit_ids(user)
        if not units:
            continue
        scoped = set(policy.scope(user, DataUseRecord.objects.all()).filter(unit_id__in=units)
                     .values_list("pk", flat=True))
        own = set(policy.own_units(user, DataUseRecord.objects.all(), units).values_list("pk", flat=True))
        assert own == scoped, user.username
        checked += bool(own)
        if user.is_staff and defaults_to_own_unit(user):
            client = Client()
            client.force_login(user)
            response = client.get("/admin/sharing/datauserecord/")
            if response.status_code == 200:
                assert set(response.context["cl"].queryset.values_list("pk", flat=True)) == scoped, user.username
    assert checked  # some unit has usage records of its own in the demo
