"""Every write that changes who sees a sharing record keeps its audience rows (docs/adr/0015-scopes-served-by-indexes.md)
in the same transaction: creating and editing a share application, submitting it (the scope's status test), a special
agency's request, issuing and renewing an authorization, creating and narrowing an open-data application. After each
step the rows are exactly what ``rebuild_visibility`` computes, and the people concerned see (or do not see) the record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from catalogs.models import OpenType, ShareType
from sharing.models import (
    Authorization,
    AuthorizationAudience,
    DataUseRecord,
    OpenDataApplication,
    OpenDataApplicationAudience,
    RequestKind,
    ShareApplication,
    ShareApplicationAudience,
)
from sharing.permissions import (
    AuthorizationPolicy,
    DataUseRecordPolicy,
    OpenDataApplicationPolicy,
    ShareApplicationPolicy,
)
from sharing.services import (
    authorization_renew,
    open_application_act,
    open_application_create,
    open_application_submit,
    share_application_act,
    share_application_submit,
    share_application_update,
)
from sharing.visibility import rebuild
from tests.sharing.conftest import REQUESTED_UNTIL, make_application, open_verify


def _rows() -> tuple[set[tuple[Any, ...]], ...]:
    return (set(ShareApplicationAudience.objects.values_list("application_id", "unit_id", "is_party", "unit_sees",
                                                          "county_sees")),
            set(AuthorizationAudience.objects.values_list("authorization_id", "unit_id", "is_party", "county_sees")),
            set(OpenDataApplicationAudience.objects.values_list("application_id", "unit_id")))


def assert_kept() -> None:
    """The rows the services kept equal the rows rebuilt from the records."""
    kept = _rows()
    rebuild()
    assert _rows() == kept


def sees(policy: Any, user: Any, obj: Any) -> bool:
    return type(obj).objects.filter(pk=obj.pk).filter(pk__in=policy().scope(user, type(obj).objects.all())).exists()


def test_share_application_create_update_submit(world, clock):
    e_b = world.entry("V1", world.unit_b)
    e_tax = world.entry("V2", world.jj_tax)
    app = make_application(world.jj_fin, world.jj_fin_admin, [e_b])
    def rows(app: Any) -> set[tuple[int, bool, bool, bool]]:
        return set(ShareApplicationAudience.objects.filter(application=app).values_list(
            "unit_id", "is_party", "unit_sees", "county_sees"))

    assert rows(app) == {(world.jj_fin.pk, True, True, False), (world.unit_b.pk, False, False, False)}  # a draft
    assert_kept()
    assert sees(ShareApplicationPolicy, world.jj_fin_admin, app)
    for outsider in (world.user_b, world.jj_auth, world.jj_tax_admin, world.ss_auth, world.user_a):
        assert not sees(ShareApplicationPolicy, outsider, app)  # a draft: the applicant unit only
    app = share_application_update(application=app, acting_user=world.jj_fin_admin, entries=[e_tax],
                                   data_items=[e_tax.items.first()])
    assert set(ShareApplicationAudience.objects.filter(application=app).values_list("unit_id", flat=True)) == {
        world.jj_fin.pk, world.jj_tax.pk}
    assert_kept()
    app = share_application_submit(application=app, acting_user=world.jj_fin_admin)
    assert rows(app) == {(world.jj_fin.pk, True, True, True), (world.jj_tax.pk, False, True, False)}
    assert_kept()
    for insider in (world.jj_fin_admin, world.jj_tax_admin, world.jj_auth, world.auditor, world.authority):
        assert sees(ShareApplicationPolicy, insider, app), insider.username
    for outsider in (world.user_b, world.ss_auth, world.user_a):  # unit_b is no longer a producer
        assert not sees(ShareApplicationPolicy, outsider, app), outsider.username


def test_special_agency_request_is_seen_by_the_agency_and_the_city_only(world, clock):
    entry = world.entry("V3", world.unit_b, ShareType.CONDITIONAL)
    app = make_application(world.gaj, world.gaj_admin, [entry], kind=RequestKind.SPECIAL_AGENCY,
                           scope_conditions="案件侦办所需")
    app = share_application_submit(application=app, acting_user=world.gaj_admin)
    assert list(ShareApplicationAudience.objects.filter(application=app).values_list("unit_id", "county_sees")) == [
        (world.gaj.pk, False)]
    assert_kept()
    assert sees(ShareApplicationPolicy, world.gaj_admin, app) and sees(ShareApplicationPolicy, world.authority, app)
    for outsider in (world.user_b, world.auditor, world.tech, world.user_a):
        assert not sees(ShareApplicationPolicy, outsider, app), outsider.username


def test_issued_and_renewed_authorizations_and_their_usage(world, clock):
    entry = world.entry("V4", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    for action, user in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    auth = Authorization.objects.get(application=app)
    assert set(AuthorizationAudience.objects.filter(authorization=auth).values_list("unit_id", "is_party")) == {
        (world.unit_a.pk, True), (world.unit_b.pk, False)}
    assert_kept()
    new = authorization_renew(authorization=auth, valid_until_on=dt.date(2028, 9, 30), reason="业务延续",
                              acting_user=world.authority)
    assert set(AuthorizationAudience.objects.filter(authorization=new).values_list("unit_id", "is_party")) == {
        (world.unit_a.pk, True), (world.unit_b.pk, False)}
    assert_kept()
    for who in (world.user_a, world.user_b, world.auditor, world.tech):
        assert sees(AuthorizationPolicy, who, new), who.username
    for who in (world.jj_auth, world.jj_fin_admin):
        assert not sees(AuthorizationPolicy, who, new), who.username
    visible = DataUseRecordPolicy().scope(world.user_b, DataUseRecord.objects.all())
    assert "authorization_id" in str(visible.query) and " OR " not in str(visible.query)  # one semi-join


def test_open_application_create_and_narrowing(world, clock, enterprises):
    e1 = world.entry("V5", world.unit_b, open_type=OpenType.AUTHORIZED)
    e2 = world.entry("V6", world.jj_tax, open_type=OpenType.AUTHORIZED)
    ent, user = enterprises.univ
    app = open_application_create(enterprise=ent, entries=[e1, e2], purpose="研究", scenario="论文数据分析",
                                  is_commercial=False, acting_user=user, requested_until_on=REQUESTED_UNTIL,
                                  declares_eligibility=True)
    assert set(OpenDataApplicationAudience.objects.filter(application=app).values_list("unit_id", flat=True)) == {
        world.unit_b.pk, world.jj_tax.pk}
    assert_kept()
    assert not sees(OpenDataApplicationPolicy, world.user_b, app)  # a draft
    app = open_verify(open_application_submit(application=app, acting_user=user), world.authority)
    assert sees(OpenDataApplicationPolicy, world.user_b, app) and sees(OpenDataApplicationPolicy, world.jj_tax_admin, app)
    app = open_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    app = open_application_act(application=app, action="adjust", acting_user=world.authority, opinion="仅第一类",
                               entries=[e1], valid_until_on=dt.date(2027, 6, 30))
    assert set(OpenDataApplication.objects.get(pk=app.pk).entries.values_list("pk", flat=True)) == {e1.pk}
    assert set(OpenDataApplicationAudience.objects.filter(application=app).values_list("unit_id", flat=True)) == {
        world.unit_b.pk}
    assert_kept()
    assert sees(OpenDataApplicationPolicy, world.user_b, app)
    assert not sees(OpenDataApplicationPolicy, world.jj_tax_admin, app)


def test_share_scope_is_one_semi_join_for_a_unit_user(world):
    sql = str(ShareApplicationPolicy().scope(world.user_b, ShareApplication.objects.all()).query)
    assert "EXISTS" not in sql and sql.count("sharing_shareapplicationaudience") == 1
