"""API endpoints derived from the workflow declarations.

``@workflow_endpoints`` on a viewset that sets ``workflow`` adds, for every transition that is not hidden,
``POST …/{id}/<transition>/`` (or the viewset's ``workflow_url_path``, e.g. ``"actions/{name}"``) whose body is exactly
that transition's inputs, and ``GET …/{id}/steps/`` listing what
the caller may do now. The object must be in the caller's scope (404); the actor is checked before the body is read
(403 with the reason); state and inputs are refused with 400; the kernel ``Workflow.apply`` does the rest.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.params import validate_date_bounds
from portal.workflow import Input, Transition, Workflow

V = TypeVar("V")

_FIELDS: dict[str, Any] = {
    "text": lambda **kw: serializers.CharField(max_length=4000, allow_blank=True, **kw),
    "line": lambda **kw: serializers.CharField(max_length=200, allow_blank=True, **kw),
    "decimal": lambda **kw: serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, **kw),
    "date": lambda **kw: serializers.DateField(validators=[validate_date_bounds], **kw),
    "datetime": serializers.DateTimeField,
    "bool": serializers.BooleanField,
    "file": serializers.FileField,
}


def _field(spec: Input) -> serializers.Field:
    # Every option is passed to the constructor: DRF copies declared fields by re-running the constructor with its
    # original arguments, so attributes set afterwards would be lost. The kernel refuses a missing required input in
    # Chinese at its field; the serializer only types the value (required=False).
    kwargs: dict[str, Any] = {"label": spec.label, "help_text": spec.help or spec.label, "required": False}
    if spec.kind not in ("multi", "bool", "file"):
        kwargs["allow_null"] = True
    if spec.kind == "choice":
        return serializers.CharField(max_length=200, **kwargs)
    if spec.kind == "multi":
        return serializers.ListField(child=serializers.CharField(max_length=200), max_length=1000, **kwargs)
    return _FIELDS[spec.kind](**kwargs)


def input_serializer(workflow: Workflow, transition: Transition) -> type[serializers.Serializer]:
    name = "".join(p.title() for p in f"{workflow.name}.{transition.name}".replace(".", "_").split("_"))
    return type(f"{name}StepSerializer", (serializers.Serializer,),
                {spec.name: _field(spec) for spec in transition.inputs})


StepsSerializer = inline_serializer("WorkflowSteps", fields={
    "state": serializers.CharField(), "state_label": serializers.CharField(),
    "steps": serializers.ListField(child=inline_serializer("WorkflowStep", fields={
        "name": serializers.CharField(), "label": serializers.CharField(), "inputs": serializers.ListField(
            child=serializers.CharField())}))})


class WorkflowViewMixin:
    """What the generated endpoints call; a viewset may override ``workflow_apply`` or ``workflow_response``."""

    workflow: Workflow

    def workflow_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    def workflow_apply(self, request: Request, obj: Any, transition: Transition, data: dict[str, Any]) -> Any:
        return self.workflow.apply(transition.name, obj, user=request.user, **data)

    def workflow_response(self, obj: Any) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        serializer_class = getattr(self, "read_serializer_class", None) or self.serializer_class  # type: ignore[attr-defined]
        return Response(serializer_class(fresh, context=self.get_serializer_context()).data)  # type: ignore[attr-defined]

    def workflow_actor_check(self, request: Request, obj: Any) -> None:
        """Called by ``ScopedViewSetMixin.initial`` before the body is read: the actor of a step endpoint."""
        name = getattr(self, "action", "") or ""
        transition = self.workflow.transitions.get(name.removeprefix("step_")) if name.startswith("step_") else None
        if transition is not None:
            decision = transition.actor(request.user, obj)
            if not decision:
                raise exceptions.PermissionDenied(decision.reason or f"您无权执行“{transition.label}”。")


def _endpoint(workflow: Workflow, transition: Transition, response: Any, url_path: str) -> Any:
    serializer = input_serializer(workflow, transition)

    def run(self: WorkflowViewMixin, request: Request, pk: Any = None) -> Response:
        obj = self.workflow_object()
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v is not None}
        return self.workflow_response(self.workflow_apply(request, obj, transition, values))

    run.__name__ = f"step_{transition.name}"
    run.__doc__ = f"{transition.label}（{workflow.label}）：请求体为该环节的输入项。"
    schema = extend_schema(request=serializer, responses=response, summary=transition.label)
    return schema(action(detail=True, methods=["post"], url_path=url_path,
                         url_name=transition.name.replace("_", "-"))(run))


def workflow_endpoints(viewset: type[V]) -> type[V]:
    """Class decorator: one POST endpoint per visible transition of ``viewset.workflow`` and ``GET …/steps/``.
    The path is ``viewset.workflow_url_path`` (default ``"{name}"``, e.g. ``"actions/{name}"``), or
    ``viewset.workflow_paths[transition]`` where an app keeps a published path that differs from the name."""
    workflow: Workflow = viewset.workflow  # type: ignore[attr-defined]
    paths: dict[str, str] = getattr(viewset, "workflow_paths", {})
    response = getattr(viewset, "read_serializer_class", None) or getattr(viewset, "serializer_class", None)
    url_path = getattr(viewset, "workflow_url_path", "{name}")  # e.g. "actions/{name}" to keep published paths
    for transition in workflow.transitions.values():
        if not transition.hidden:
            path = paths.get(transition.name) or url_path.format(name=transition.name)
            setattr(viewset, f"step_{transition.name}", _endpoint(workflow, transition, response, path))

    def steps(self: WorkflowViewMixin, request: Request, pk: Any = None) -> Response:
        obj = self.workflow_object()
        state = getattr(obj, workflow.state_field)
        return Response({"state": state, "state_label": workflow.state_label(state), "steps": [
            {"name": t.name, "label": t.label, "inputs": [i.name for i in t.inputs]}
            for t in workflow.available(request.user, obj)]})

    steps.__doc__ = f"当前可办理的环节（{workflow.label}）。"
    endpoint = extend_schema(responses=StepsSerializer, summary="当前可办理的环节")(
        action(detail=True, methods=["get"])(steps))
    viewset.steps = endpoint  # type: ignore[attr-defined]
    return viewset
