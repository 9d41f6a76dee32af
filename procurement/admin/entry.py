"""Data entry in the admin through the services (one door for writes).

``ServiceEntryAdmin`` lays out a service's add and change forms (``add_fields``/``change_fields``, the rest read-only)
and calls ``perform_add``/``perform_change`` where the admin would save; the admin itself saves nothing. A refusal
is shown by the kernel's ``ServiceFormMixin``: the form comes back with what the user typed and the message at the
field it names; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.admin_base import GovernedAdmin


class ServiceEntryAdmin(GovernedAdmin):
    """Subclasses implement ``perform_add(request, data)`` and, if records may be edited, ``perform_change``.

    ``add_fields``/``change_fields`` are the form fields; every other field of the model is read-only.
    """

    add_fields: list[str] = []
    change_fields: list[str] = []

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        return obj

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(self.add_fields)
        model_fields = [f.name for f in self.model._meta.fields if f.editable and f.name != "id"]
        if not self.has_change_permission(request, obj):  # view only: the step form's own fields have no value
            return model_fields
        return list(self.change_fields) + [f for f in model_fields if f not in self.change_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [f.name for f in self.model._meta.fields if f.name not in self.change_fields]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """Inlines are read-only displays of rows the services write: shown on the change page, never posted."""
        if obj is None or request.method == "POST":
            return []
        return super().get_inline_instances(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change, **kwargs)
        admin_self = self

        class ServiceForm(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                shown = set(admin_self.get_fields(request, obj))  # a form's extra fields for the other page go
                for name in [n for n in self.fields if n not in shown]:
                    del self.fields[name]
                admin_self.limit_choices(request, self.fields)

            def _post_clean(self) -> None:
                """No model validation on the instance: the service validates what it is given."""

        return ServiceForm

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        """Narrow foreign-key choices to what the user may act on (override per admin)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        result = self.perform_change(request, obj, data) if change else self.perform_add(request, data)
        if result is not None and result is not obj:
            obj.__dict__.update({k: v for k, v in result.__dict__.items() if k != "_state"})
            obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Related rows were written by the service."""


def changed_values(obj: Any, data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The submitted values of ``fields`` that differ from ``obj`` (what the update service receives)."""
    return {f: data[f] for f in fields if f in data and data[f] != getattr(obj, f)}
