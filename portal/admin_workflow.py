"""Admin pages derived from the workflow declarations: the step buttons of a record and one form per transition.

A ``ModelAdmin`` that sets ``workflow`` gets, for every transition the user may run on the record now, a button on
the change page and a step page ``<pk>/step/<name>/`` whose form has only that transition's inputs, a breadcrumb back
to the record, and runs ``Workflow.apply`` (a refusal keeps the input and shows the reason at its field).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from portal.params import validate_date_bounds
from portal.workflow import Input, Transition, Workflow

_FIELDS: dict[str, Any] = {
    "text": lambda i: forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=4000),
    "line": lambda i: forms.CharField(max_length=200),
    "decimal": lambda i: forms.DecimalField(max_digits=18, decimal_places=2, min_value=0),
    "date": lambda i: forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                                      validators=[validate_date_bounds]),
    "datetime": lambda i: forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"})),
    "bool": lambda i: forms.BooleanField(),
    "file": lambda i: forms.FileField(),
}


def _field(spec: Input, obj: Any) -> forms.Field:
    if spec.kind in ("choice", "multi"):
        options = list(spec.options(obj)) if spec.options else list(spec.choices)
        if spec.kind == "multi":
            field: forms.Field = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
        else:
            field = forms.ChoiceField(choices=[("", "——请选择——"), *options])
    else:
        field = _FIELDS[spec.kind](spec)
    field.label = spec.label
    field.required = spec.required and spec.kind != "bool"
    field.help_text = spec.help
    return field


def step_form_class(transition: Transition, obj: Any) -> type[forms.Form]:
    """A form with exactly the inputs of ``transition`` (choices read from ``obj`` where declared)."""
    fields = {spec.name: _field(spec, obj) for spec in transition.inputs}
    return type(f"{transition.name.title()}StepForm", (forms.Form,), fields)


class WorkflowAdminMixin:
    """Mix into a ``GovernedAdmin`` and set ``workflow``; templates include ``admin/workflow/buttons.html``."""

    workflow: Workflow

    def _info(self) -> tuple[str, str]:
        opts = self.model._meta  # type: ignore[attr-defined]
        return opts.app_label, opts.model_name

    def get_urls(self) -> list[Any]:
        app, model = self._info()
        return [path("<int:pk>/step/<str:name>/", self.custom_view(self.step_view),  # type: ignore[attr-defined]
                     name=f"{app}_{model}_step"),
                *super().get_urls()]  # type: ignore[misc]

    def step_url(self, obj: Any, transition: Transition) -> str:
        if transition.page:
            return reverse(f"admin:{transition.page}", args=[obj.pk])
        app, model = self._info()
        return reverse(f"admin:{app}_{model}_step", args=[obj.pk, transition.name])

    def workflow_buttons(self, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        """The steps ``request.user`` may take on ``obj`` now: label, URL and a hint (actor and limit)."""
        out = []
        for t in self.workflow.available(request.user, obj):
            limits = [lim for target in t.targets if (lim := self.workflow.limit_of(t, target))]
            hint = f"办理后进入下一环节，期限{limits[0].label}" if limits else ""
            out.append({"label": t.label, "url": self.step_url(obj, t), "hint": hint, "name": t.name,
                        "primary": not t.is_optional_for(obj)})
        return out

    @admin.display(description="状态")
    def workflow_state(self, obj: Any) -> str:
        """A coloured badge of the record's state for ``list_display`` (final states grey, waiting ones blue)."""
        wf = self.workflow
        state = getattr(obj, wf.state_field)
        final = not any(state in t.sources for t in wf.transitions.values() if not t.hidden)
        return format_html('<span class="badge badge-state{}">{}</span>', " badge-final" if final else "",
                           wf.state_label(state))

    def workflow_record(self, obj: Any) -> dict[str, Any]:
        """The header of a record page: its state, the due date with its badge, and the next steps (and who acts)."""
        from django.utils import timezone

        from portal.workbench import SOON_WORKDAYS
        from portal.workdays import add_workdays

        wf = self.workflow
        state = getattr(obj, wf.state_field)
        ahead = [t for t in wf.transitions.values() if state in t.sources and not t.hidden]
        duties = [t for t in ahead if not t.is_optional_for(obj)]
        actors = sorted({label for t in duties if (label := getattr(t.actor, "actor_label", ""))})
        due = wf.due_on(obj)
        today = timezone.localdate()
        badge = "" if due is None else ("overdue" if due < today else (
            "soon" if due <= add_workdays(today, SOON_WORKDAYS) else ""))
        handlers = "、".join(t.label for t in duties) + (f"（{'、'.join(actors)}）" if actors and duties else "")
        return {"state": wf.state_label(state), "due_on": due, "badge": badge,
                "badge_label": {"overdue": "已逾期", "soon": "即将到期"}.get(badge, ""), "handlers": handlers,
                "final": not ahead}

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None  # type: ignore[attr-defined]
        if obj is not None:
            extra["workflow_buttons"] = self.workflow_buttons(request, obj)
            extra["workflow_record"] = self.workflow_record(obj)
        return super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]

    def workflow_step_context(self, request: HttpRequest, obj: Any, transition: Transition) -> dict[str, Any]:
        """Extra context of a step page (e.g. ``step_info_template``, included above the form, and what it shows)."""
        return {}

    def workflow_initial(self, request: HttpRequest, obj: Any, transition: Transition) -> dict[str, Any]:
        """Initial values of a step form (e.g. the amount proposed)."""
        return {}

    def workflow_apply(self, request: HttpRequest, obj: Any, transition: Transition, data: dict[str, Any]) -> Any:
        """Run the step (an admin may override to pass what its service needs besides the declared inputs)."""
        return self.workflow.apply(transition.name, obj, user=request.user, **data)

    def step_view(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        obj = self.get_queryset(request).filter(pk=pk).first()  # type: ignore[attr-defined]
        transition = self.workflow.transitions.get(name)
        if obj is None or transition is None or transition.hidden:
            raise Http404("记录不存在、无权查看，或没有该办理环节。")
        back = reverse(f"admin:{'_'.join(self._info())}_change", args=[obj.pk])
        if transition.page:
            return redirect(self.step_url(obj, transition))
        decision = self.workflow.allows(name, request.user, obj)
        form_class = step_form_class(transition, obj)
        # bound even when empty: a step without inputs posts nothing
        form = (form_class(request.POST, request.FILES) if request.method == "POST"
                else form_class(initial=self.workflow_initial(request, obj, transition)))
        if request.method == "POST" and decision and form.is_valid():
            result = self.run_service(request, self.workflow_apply, request, obj, transition,  # type: ignore[attr-defined]
                                      form.cleaned_data, form=form, success=f"已{transition.label}。")
            if result is not None:
                return redirect(back)
        limits = [lim for target in transition.targets if (lim := self.workflow.limit_of(transition, target))]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": self.model._meta,  # type: ignore[attr-defined]
            "title": transition.label, "object": obj, "form": form, "transition": transition,
            "refusal": "" if decision else decision.reason, "back_url": back,
            "state_label": self.workflow.state_label(getattr(obj, self.workflow.state_field)),
            "limit": limits[0] if limits else None,
            **self.workflow_step_context(request, obj, transition),
            "actor_label": getattr(transition.actor, "actor_label", ""),  # who acts, when the predicate names it
        }
        return TemplateResponse(request, "admin/workflow/step_form.html", context)
