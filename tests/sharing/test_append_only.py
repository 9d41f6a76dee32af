"""Workflow steps, producer opinions and authorization events are append-only like usage records: no update or delete
through the ORM (instance and queryset), the admin or the API; only the services close a step, once."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalogs.models import ShareType
from sharing.admin.applications import OpinionInline, StepInline
from sharing.admin.records import EventInline, GrantEventInline
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    MisuseKind,
    ProducerOpinion,
    ShareApplication,
    WorkflowStep,
)
from sharing.services import (
    authorization_suspend,
    producer_opinion_give,
    share_application_act,
    share_application_submit,
)
from tests.sharing.conftest import make_application


@pytest.fixture
def records(world, clock):
    """A conditional API application through joint review to a suspended authorization."""
    entry = world.entry("AO1", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    app = share_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    opinion = producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意",
                                    acting_user=world.user_b)
    for action, user in (("joint_approve", world.authority), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    auth = authorization_suspend(authorization=Authorization.objects.get(application=app),
                                 misuse_kind=MisuseKind.OVER_SCOPE, reason="超范围", acting_user=world.authority)
    step = WorkflowStep.objects.filter(share_application=app).order_by("pk").first()
    event = AuthorizationEvent.objects.get(authorization=auth)
    return app, auth, step, opinion, event


@pytest.mark.parametrize("name", ["step", "opinion", "event"])
def test_orm_refuses_update_and_delete(records, name):
    app, auth, step, opinion, event = records
    obj = {"step": step, "opinion": opinion, "event": event}[name]
    model = type(obj)
    field = {"step": "state_label", "opinion": "opinion", "event": "reason"}[name]
    before = getattr(obj, field)
    setattr(obj, field, "篡改")
    with pytest.raises(PermissionDenied):
        obj.save()
    with pytest.raises(PermissionDenied):
        obj.delete()
    with pytest.raises(PermissionDenied):
        model.objects.filter(pk=obj.pk).update(**{field: "篡改"})
    with pytest.raises(PermissionDenied):
        model.objects.bulk_update([obj], [field])
    with pytest.raises(PermissionDenied):
        model.objects.filter(pk=obj.pk).delete()
    with pytest.raises(PermissionDenied):  # the bookkeeping path is limited to the declared fields
        model.objects.filter(pk=obj.pk).service_update(**{field: "篡改"})
    assert getattr(model.objects.get(pk=obj.pk), field) == before


def test_steps_are_closed_once_by_the_services(records, world):
    app, *_ = records
    steps = list(WorkflowStep.objects.filter(share_application=app).order_by("pk"))
    assert all(s.finished_on for s in steps)
    assert [s.action for s in steps] == ["assess_reasonable", "joint_approve", "confirm", "grant"]
    assert steps[0].finished_by == world.tech and steps[0].opinion == "合理"
    # a closed step is not rewritten by the bookkeeping path either
    assert WorkflowStep.objects.filter(pk=steps[0].pk).service_update(opinion="x") == 0
    assert WorkflowStep.objects.get(pk=steps[0].pk).opinion == "合理"
    with pytest.raises(PermissionDenied):
        ShareApplication.objects.get(pk=app.pk).delete()  # no cascade path to the steps


def test_admin_offers_no_add_change_or_delete(records, world, rf):
    request = rf.get("/")
    request.user = world.authority
    for inline_cls, model, parent in ((StepInline, WorkflowStep, ShareApplication),
                                      (OpinionInline, ProducerOpinion, ShareApplication),
                                      (EventInline, AuthorizationEvent, Authorization),
                                      (GrantEventInline, AuthorizationEvent, Authorization)):
        inline = inline_cls(parent, admin.site)
        obj = model.objects.first()
        assert not inline.has_add_permission(request, obj)
        assert not inline.has_change_permission(request, obj)
        assert not inline.has_delete_permission(request, obj)
    for model in (WorkflowStep, ProducerOpinion, AuthorizationEvent):
        assert not admin.site.is_registered(model)  # only shown read-only inside their parent


def test_api_is_read_only_for_these_records(records, world, api_client, token_for, client):
    app, auth, step, opinion, event = records
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    detail = api_client.get(f"/api/v1/sharing/applications/{app.pk}/").json()
    assert [s["action"] for s in detail["steps"]] == ["assess_reasonable", "joint_approve", "confirm", "grant"]
    url = f"/api/v1/sharing/authorizations/{auth.pk}/"
    assert [e["event"] for e in api_client.get(url).json()["events"]] == ["suspend"]
    for method in ("put", "patch", "delete"):
        assert getattr(api_client, method)(url, {"events": []}, format="json").status_code == 405
    assert api_client.delete(f"/api/v1/sharing/applications/{app.pk}/").status_code == 405
    assert AuthorizationEvent.objects.filter(authorization=auth).count() == 1
    assert WorkflowStep.objects.get(pk=step.pk).opinion == step.opinion
    client.force_login(world.authority)  # the admin change page lists them without a delete box
    page = client.get(reverse("admin:sharing_authorization_change", args=[auth.pk])).content.decode()
    assert "超范围" in page and "events-0-DELETE" not in page
