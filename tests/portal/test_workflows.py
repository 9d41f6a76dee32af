"""Tests generated from the workflow declarations: every transition of every app, over the seeded demo.

For each transition: an allowed actor succeeds (state among the declared targets, due date from the declared limit,
one audit row ``<workflow>.<transition>``); a refused actor gets ``PermissionDenied`` with a reason and nothing
changes; each required input, when missing, is refused at its field and nothing changes. The declarations themselves
are checked too: states exist, actors are ``can_*`` predicates of the app's ``permissions.py``, labels are Chinese.
"""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.models import AuditLog
from portal.workdays import add_workdays
from portal.workflow import all_workflows
from tests.workflow_cases import PROVIDERS

WORKFLOWS = all_workflows()
for _app in sorted({name.split(".", 1)[0] for name in WORKFLOWS}):
    importlib.import_module(f"tests.{_app}.workflow_cases")

TRANSITIONS = [(wf, t) for wf in WORKFLOWS.values() for t in wf.transitions.values()]
REQUIRED = [(wf, t, i) for wf, t in TRANSITIONS for i in t.inputs if i.required]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _id(value: object) -> str:
    return getattr(value, "name", str(value))


def test_every_workflow_has_cases() -> None:
    assert set(WORKFLOWS) <= set(PROVIDERS), sorted(set(WORKFLOWS) - set(PROVIDERS))


@pytest.mark.django_db  # working-day limits read the holiday overrides
@pytest.mark.parametrize("wf", WORKFLOWS.values(), ids=_id)
def test_declaration_is_sound(wf) -> None:
    states = set(wf.states.values)
    assert CJK.search(wf.label)
    assert all(CJK.search(str(label)) for label in wf.states.labels)
    app = wf.name.split(".", 1)[0]
    permissions = importlib.import_module(f"{app}.permissions")
    for t in wf.transitions.values():
        assert set(t.sources) <= states, (t.name, set(t.sources) - states)
        assert set(t.targets) <= states, (t.name, set(t.targets) - states)
        assert CJK.search(t.label), t.name
        assert t.actor.__name__.startswith("can_") and getattr(permissions, t.actor.__name__) is t.actor, t.name
        for spec in t.inputs:
            assert CJK.search(spec.label), (t.name, spec.name)
    for state, limit in wf.limits.items():
        assert state in states
        start = date(2026, 9, 30)  # the National Day holiday follows: working days and natural days differ
        expected = add_workdays(start, limit.days_on(start)) if not limit.calendar else None
        assert limit.due(start) == (expected or limit.due(start)) and limit.due(start) > start


@pytest.mark.django_db
@pytest.mark.parametrize(("wf", "t"), TRANSITIONS, ids=lambda v: _id(v))
def test_allowed_actor_succeeds(demo, wf, t) -> None:
    case = PROVIDERS[wf.name](t.name, demo)
    assert case.obj.status in t.sources if wf.state_field == "status" else True
    on = case.on or date.today()
    obj = wf.apply(t.name, case.obj, user=case.allowed, on=case.on, **case.inputs)
    obj.refresh_from_db()
    state = getattr(obj, wf.state_field)
    assert state in t.targets
    limit = wf.limit_of(t, state)
    if wf.due_field and limit is not None:
        assert getattr(obj, wf.due_field) == limit.due(case.on or on)
    assert AuditLog.objects.filter(action=f"{wf.name}.{t.name}", object_id=str(obj.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("wf", "t"), TRANSITIONS, ids=lambda v: _id(v))
def test_refused_actor_gets_a_reason(demo, wf, t) -> None:
    case = PROVIDERS[wf.name](t.name, demo)
    before = getattr(case.obj, wf.state_field)
    with pytest.raises(PermissionDenied) as refused:
        wf.apply(t.name, case.obj, user=case.denied, on=case.on, **case.inputs)
    assert CJK.search(str(refused.value)), refused.value
    case.obj.refresh_from_db()
    assert getattr(case.obj, wf.state_field) == before
    assert not wf.allows(t.name, case.denied, case.obj)


@pytest.mark.django_db
@pytest.mark.parametrize(("wf", "t", "spec"), REQUIRED, ids=lambda v: _id(v))
def test_missing_input_is_refused(demo, wf, t, spec) -> None:
    case = PROVIDERS[wf.name](t.name, demo)
    before = getattr(case.obj, wf.state_field)
    inputs = {k: v for k, v in case.inputs.items() if k != spec.name}
    with pytest.raises(ValidationError) as refused:
        wf.apply(t.name, case.obj, user=case.allowed, on=case.on, **inputs)
    assert spec.name in refused.value.message_dict
    case.obj.refresh_from_db()
    assert getattr(case.obj, wf.state_field) == before
