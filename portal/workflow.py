"""One declarative form for every state machine of the portal, and the one function that applies a transition.

An app's ``workflow.py`` declares its machines with ``Workflow``; each ``Transition`` names its source states, its
target (or the targets among which its effect chooses), its actor (a ``can_*`` predicate from the app's
``permissions.py`` returning a ``Decision`` with a reason), the working-day limit of the step it opens, the inputs it
requires (reason, policy basis, documents, amount, …) and, through ``Workflow.effect``, what else it does.

``Workflow.apply`` is the only way a state changes: it locks the row, checks the actor, the state and the inputs,
runs the effect, sets the state and the due date, saves with history under the acting user, writes the audit row
``<app>.<entity>.<transition>`` in the same transaction and runs side effects after commit. The admin
(``portal.admin_workflow``) and the API (``portal.api.workflow``) derive their step buttons, forms and endpoints from
the same declarations. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.locks import relock
from portal.permissions import Decision
from portal.workdays import add_workdays

Actor = Callable[[Any, Any], Decision]

# Sources of locally set limits ("where the text allows local values"): prefix -> f(name, on) -> days or None.
_PARAMETER_SOURCES: dict[str, Callable[[str, date], int | None]] = {}


def register_parameter_source(prefix: str, source: Callable[[str, date], int | None]) -> None:
    """Let limits named ``<prefix>.<name>`` read their value from a dated parameter table (e.g. rule parameters)."""
    _PARAMETER_SOURCES[prefix] = source


@dataclass(frozen=True)
class Limit:
    """The time limit of a step: ``days`` working days (natural days when ``calendar``), the start day not counted."""

    days: int
    basis: str = ""  # the clause that sets it, as people cite it
    statutory: bool = False  # set by the text (False: a service target where the text says "及时")
    calendar: bool = False  # natural days (日) instead of working days (工作日)
    parameter: str = ""  # ``<prefix>.<name>`` of a dated local parameter that may replace ``days``

    def days_on(self, on: date) -> int:
        if self.parameter:
            prefix = self.parameter.split(".", 1)[0]
            source = _PARAMETER_SOURCES.get(prefix)
            value = source(self.parameter, on) if source else None
            if value is not None:
                return int(value)
        return self.days

    def due(self, start: date) -> date:
        n = self.days_on(start)
        return start + timedelta(days=n) if self.calendar else add_workdays(start, n)

    @property
    def label(self) -> str:
        unit = "日" if self.calendar else "个工作日"
        return f"{self.days}{unit}" + (f"（{self.basis}）" if self.basis else "")


@dataclass(frozen=True)
class Input:
    """Something the actor must (or may) supply with a transition; forms and API serializers are built from it."""

    name: str
    label: str
    kind: str = "text"  # text | line | decimal | date | datetime | bool | choice | multi | file
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    options: Callable[[Any], Iterable[tuple[Any, str]]] | None = None  # choices read from the record (choice, multi)

    def optional(self) -> Input:
        return replace(self, required=False)

    def clean(self, value: Any) -> Any:
        """The value, normalised; ``None``/blank when absent. Raises ``ValidationError`` keyed at the input."""
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", [], ()):
            if self.required:
                verb = "上传" if self.kind == "file" else ("选择" if self.kind == "choice" else "填写")
                raise ValidationError({self.name: [f"请{verb}“{self.label}”。"]})
            return None if self.kind not in ("text", "line") else ""
        if self.kind == "decimal" and not isinstance(value, Decimal):
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise ValidationError({self.name: [f"“{self.label}”须为数字。"]}) from None
            if not value.is_finite():
                raise ValidationError({self.name: [f"“{self.label}”须为数字。"]})
        if self.kind == "choice" and self.choices and value not in dict(self.choices):
            raise ValidationError({self.name: [f"“{self.label}”的取值无效。"]})
        return value


REASON = Input("reason", "意见或理由")
POLICY_BASIS = Input("policy_basis", "政策依据", help="不予共享、停止授权等须写明所依据的法律法规或政策条款。")
DOCUMENTS = Input("documents", "证明材料", kind="file")
AMOUNT = Input("amount", "金额（元）", kind="decimal")


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | tuple[str, ...]  # one target, or the targets among which the effect chooses (routing)
    actor: Actor
    limit: Limit | None = None  # limit of the step the target opens (else the workflow's limit for that state)
    inputs: tuple[Input, ...] = ()
    page: str = ""  # admin URL name of a dedicated page for this step (the generic form is not used)
    hidden: bool = False  # no button or endpoint (run by the system, a schedule or another service)
    # A step the actor may take but is not waited for (withdraw, suspend, terminate…): it does not put the record on
    # the actor's 工作台. A predicate makes it optional for some records only (e.g. retire: unless retirement was asked).
    optional: bool | Callable[[Any], bool] = False

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,) if isinstance(self.target, str) else tuple(self.target)

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)

    def is_optional_for(self, obj: Any) -> bool:
        return self.optional(obj) if callable(self.optional) else self.optional


@dataclass
class Step:
    """What an effect sees and may change while a transition is applied."""

    workflow: Workflow
    transition: Transition
    obj: Any
    user: Any
    inputs: dict[str, Any]
    on: date
    now: datetime
    target: str
    due_on: date | None
    before: dict[str, Any]
    audit_reason: str = ""
    after_save: list[Callable[[], Any]] = field(default_factory=list)
    after_commit: list[Callable[[], Any]] = field(default_factory=list)

    def then(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` after the record is saved, in the same transaction (child rows, versions, events)."""
        self.after_save.append(fn)

    def on_commit(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once the transaction has committed (notifications, webhooks, quality refresh)."""
        self.after_commit.append(fn)

    def go(self, target: str) -> None:
        """Choose the concrete target among the transition's targets; the due date follows the new target."""
        if target not in self.transition.targets:
            raise RuntimeError(f"{self.workflow.name}.{self.transition.name}: target {target!r} is not declared")
        self.target = target
        self.due_on = self.workflow.due(self.transition, target, self.on)


Effect = Callable[[Step], Any]

REGISTRY: dict[str, Workflow] = {}


class Workflow:
    """A state machine over one model: ``name`` is ``<app>.<entity>`` and prefixes its audit actions."""

    def __init__(self, name: str, *, label: str, model: str, states: type[models.TextChoices],
                 transitions: Iterable[Transition], state_field: str = "status", due_field: str = "",
                 limits: dict[str, Limit] | None = None, lock_related: tuple[str, ...] = (),
                 effects_module: str = "", due_fields: dict[str, str] | None = None) -> None:
        self.name = name
        self.label = label
        self.model_label = model
        self.states = states
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.name in self.transitions:
                raise ValueError(f"{name}: duplicate transition {t.name}")
            self.transitions[t.name] = t
        self.state_field = state_field
        self.due_field = due_field
        # where the due date of a state is kept when it is not ``due_field`` (records with one due field per step,
        # set by the effects): read by the 工作台 and the record header, never written by ``apply``
        self.due_fields = {str(k): v for k, v in (due_fields or {}).items()}
        self.limits = dict(limits or {})
        self.lock_related = lock_related
        self.effects_module = effects_module or f"{name.split('.', 1)[0]}.services"
        self._effects: dict[str, Effect] = {}
        REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"Workflow({self.name})"

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    # ---------------------------------------------------------------------------------------- declaration helpers
    def effect(self, name: str) -> Callable[[Effect], Effect]:
        """Decorator registering what ``name`` does besides changing the state (in the app's services)."""
        if name not in self.transitions:
            raise ValueError(f"{self.name}: no transition {name}")

        def register(fn: Effect) -> Effect:
            self._effects[name] = fn
            return fn

        return register

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ValidationError(f"未知操作：{name}") from None

    def state_label(self, state: str) -> str:
        return str(dict(self.states.choices).get(state, state))

    def due(self, transition: Transition, target: str, on: date) -> date | None:
        """Due date of the step ``target`` opens when entered on ``on`` (``None``: no limit runs)."""
        limit = transition.limit or self.limits.get(target)
        return limit.due(on) if limit else None

    def limit_of(self, transition: Transition, target: str) -> Limit | None:
        return transition.limit or self.limits.get(target)

    def due_field_of(self, state: str) -> str:
        """The field holding the due date of a record in ``state`` (``due_fields``, else ``due_field``; "": none)."""
        return self.due_fields.get(str(state), self.due_field)

    def due_on(self, obj: Any) -> date | None:
        """The due date of ``obj``'s current step, read from the field its state declares."""
        name = self.due_field_of(getattr(obj, self.state_field))
        return getattr(obj, name, None) if name else None

    def due_expression(self) -> Any:
        """The current due date as one SQL expression (per-state fields as a ``CASE``), for ordering in one query;
        ``None`` when the workflow keeps no due date."""
        from django.db.models import Case, F, When

        if not self.due_fields:
            return F(self.due_field) if self.due_field else None
        whens = [When(**{self.state_field: state, "then": F(name)}) for state, name in self.due_fields.items()]
        return Case(*whens, default=F(self.due_field) if self.due_field else None,
                    output_field=models.DateField())

    # ---------------------------------------------------------------------------------------- reading
    def allows(self, name: str, user: Any, obj: Any) -> Decision:
        """May ``user`` run ``name`` on ``obj`` now (state and actor; inputs are checked when applied)?"""
        t = self.transition(name)
        state = getattr(obj, self.state_field)
        if state not in t.sources:
            return Decision(False, self._state_refusal(t, state))
        decision = t.actor(user, obj)
        if not decision:
            return Decision(False, decision.reason or f"您无权执行“{t.label}”。")
        return decision

    def available(self, user: Any, obj: Any) -> list[Transition]:
        """The transitions ``user`` may run on ``obj`` now, in declaration order (hidden ones left out)."""
        state = getattr(obj, self.state_field)
        return [t for t in self.transitions.values()
                if not t.hidden and state in t.sources and t.actor(user, obj)]

    def awaiting(self, user: Any, obj: Any) -> list[Transition]:
        """The steps on ``obj`` that wait for ``user`` (available and not optional): what puts it on the 工作台."""
        return [t for t in self.available(user, obj) if not t.is_optional_for(obj)]

    def _state_refusal(self, t: Transition, state: str) -> str:
        allowed = "、".join(self.state_label(s) for s in t.sources)
        return f"当前状态为“{self.state_label(state)}”，不能执行“{t.label}”（仅在以下状态可以：{allowed}）。"

    # ---------------------------------------------------------------------------------------- writing
    def clean_inputs(self, t: Transition, given: dict[str, Any]) -> dict[str, Any]:
        """Every declared input normalised; missing required ones refused together, each at its field."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for spec in t.inputs:
            try:
                values[spec.name] = spec.clean(given.get(spec.name))
            except ValidationError as exc:
                for key, texts in exc.message_dict.items():
                    errors.setdefault(key, []).extend(texts)
        if errors:
            raise ValidationError(errors)
        return values

    def _load_effects(self) -> None:
        if not self._effects and self.effects_module:
            import_module(self.effects_module)

    def apply(self, name: str, obj: Any, /, *, user: Any, on: date | None = None, **given: Any) -> Any:
        """Run transition ``name`` on ``obj`` for ``user``; returns the saved, locked copy. Refusals:
        ``PermissionDenied`` (actor) or ``ValidationError`` (state, inputs, the effect's own rules), nothing written."""
        t = self.transition(name)
        self._load_effects()
        with transaction.atomic():
            obj = relock(obj, related=self.lock_related)
            state = getattr(obj, self.state_field)
            decision = t.actor(user, obj)
            if not decision:
                raise PermissionDenied(decision.reason or f"您无权执行“{t.label}”。")
            if state not in t.sources:
                raise ValidationError(self._state_refusal(t, state))
            values = self.clean_inputs(t, given)
            extra = {k: v for k, v in given.items() if t.input(k) is None}
            today = on or timezone.localdate()
            first = t.targets[0]
            step = Step(workflow=self, transition=t, obj=obj, user=user, inputs={**extra, **values}, on=today,
                        now=timezone.now(), target=first, due_on=self.due(t, first, today),
                        before=snapshot(obj), audit_reason=str(values.get("reason") or ""))
            with acting_as(user):
                effect = self._effects.get(name)
                if effect is not None:
                    effect(step)
                setattr(obj, self.state_field, step.target)
                if self.due_field:
                    setattr(obj, self.due_field, step.due_on)
                obj.__dict__[_APPLYING] = True
                try:
                    obj.save()
                finally:
                    obj.__dict__.pop(_APPLYING, None)
                for fn in step.after_save:
                    fn()
                audit_record(actor=user, action=f"{self.name}.{t.name}", obj=obj, reason=step.audit_reason,
                             before=step.before, after=snapshot(obj))
            for fn in step.after_commit:
                transaction.on_commit(fn)
        return obj


# ---------------------------------------------------------------------------------------------------- the guard
_LOADED, _APPLYING = "_workflow_loaded_state", "_workflow_applying"


def _remember_state(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    field = _GUARDED[sender].state_field
    if field in instance.__dict__:
        instance.__dict__[_LOADED] = instance.__dict__[field]


def _refuse_hand_made_state(sender: type[models.Model], instance: models.Model, raw: bool = False,
                            **kwargs: Any) -> None:
    """A declared record's state changes only inside ``Workflow.apply``: a ``save()`` that changes it elsewhere
    (a service, the admin, a script) is refused. New records start in whatever state their service creates."""
    if raw or instance._state.adding or instance.__dict__.get(_APPLYING):
        return
    workflow = _GUARDED[sender]
    field = workflow.state_field
    if field not in instance.__dict__ or instance.__dict__.get(_LOADED, instance.__dict__[field]) == \
            instance.__dict__[field]:
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    if stored is not None and stored != instance.__dict__[field]:
        raise PermissionDenied(f"“{workflow.label}”的状态只能通过办理环节改变"
                               f"（{workflow.state_label(stored)} → {workflow.state_label(instance.__dict__[field])}）。")


def _saved(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    _remember_state(sender, instance)


_GUARDED: dict[type[models.Model], Workflow] = {}


def install_guards() -> None:
    """Connect the state guard to every declared model (``PortalConfig.ready``)."""
    from django.db.models.signals import post_init, post_save, pre_save

    for workflow in all_workflows().values():
        model = workflow.model
        _GUARDED[model] = workflow
        uid = f"workflow-guard-{workflow.name}"
        post_init.connect(_remember_state, sender=model, dispatch_uid=uid)
        pre_save.connect(_refuse_hand_made_state, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)


def all_workflows() -> dict[str, Workflow]:
    """Every declared workflow (imports each installed app's ``workflow`` module once)."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "workflow"):
            import_module(f"{config.name}.workflow")
    return dict(REGISTRY)


def audit_labels() -> dict[str, str]:
    """Chinese names of the audit actions the workflows write (``<app>.<entity>.<transition>``)."""
    return {f"{wf.name}.{t.name}": f"{wf.label}：{t.label}" for wf in all_workflows().values()
            for t in wf.transitions.values()}
