"""Admin building blocks: every ModelAdmin of a governed model scopes rows and objects through its ``Policy``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from portal.files import download_link, download_name, download_url
from portal.history import ChineseHistoryHelper, history_delta
from portal.permissions import Policy


class FileLink(NamedTuple):
    url: str
    text: str

    def __str__(self) -> str:
        return self.text


class PrivateFileWidget(forms.ClearableFileInput):
    """Editable file field of a private file: the current file links to the kernel download (``portal.files``), never
    to the storage URL (which private storage does not have)."""

    def is_initial(self, value: Any) -> bool:
        return isinstance(value, FieldFile) and bool(value) and getattr(value.instance, "pk", None) is not None

    def format_value(self, value: Any) -> Any:
        if self.is_initial(value):
            return FileLink(download_url(value.instance, value.field.name),
                            download_name(value.instance, value.field.name))
        return None


def _swap(fields: Any, swap: dict[str, Any]) -> Any:
    """``fields`` of a fieldset (names, callables, tuples of them on one line) with ``swap``'s names replaced."""
    if isinstance(fields, list | tuple):
        return type(fields)(_swap(f, swap) for f in fields)
    return swap.get(fields, fields) if isinstance(fields, str) else fields


class ScopedAdminMixin:
    """Rows: ``policy.scope``; objects: ``policy.can_view/can_change``; deletion: never (retire instead).

    Model permissions from the user's role groups still apply first (coarse), the policy narrows per object.
    """

    policy: Policy = Policy()
    formfield_overrides = {models.FileField: {"widget": PrivateFileWidget}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return self.policy.scope(request.user, qs)

    # Private files shown read-only (view-only pages, declared read-only fields) are a link to the kernel download
    # (a read-only column, the field left out of the form), not Django's display of a file field, which asks the
    # storage for a URL.
    def file_display(self, name: str) -> Any:
        """The read-only column of file field ``name`` (one callable per field, so admin pages can compare them)."""
        displays = self.__dict__.setdefault("_file_displays", {})
        if name not in displays:
            def show(obj: Any) -> str:
                return download_link(obj, name)
            show.short_description = self.model._meta.get_field(name).verbose_name  # type: ignore[attr-defined]
            displays[name] = show
        return displays[name]

    def _read_only_files(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        names = {f.name for f in self.model._meta.fields if isinstance(f, models.FileField)}  # type: ignore[attr-defined]
        if obj is None or self.has_change_permission(request, obj):
            names &= set(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return {name: self.file_display(name) for name in sorted(names)}

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = super().get_exclude(request, obj)  # type: ignore[misc]
        files = list(self._read_only_files(request, obj))
        if not files:
            return exclude
        if exclude is None:  # Django then applies the form's own Meta.exclude, keep it
            exclude = getattr(getattr(self.form, "_meta", None), "exclude", None)  # type: ignore[attr-defined]
        return [*(exclude or ()), *files]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        swap = self._read_only_files(request, obj)
        return [(title, {**opts, "fields": _swap(opts["fields"], swap)}) for title, opts in fieldsets] if swap \
            else fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        swap = self._read_only_files(request, obj)
        fields = _swap(list(super().get_readonly_fields(request, obj)), swap)  # type: ignore[misc]
        return fields + [show for show in swap.values() if show not in fields]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_view_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or bool(self.policy.can_view(request.user, obj))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and bool(  # type: ignore[misc]
            self.policy.can_add(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or bool(self.policy.can_change(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


def labelled_filter(field: str, title: str, label_of: Callable[[str], str]) -> type[admin.SimpleListFilter]:
    """A list filter over the codes stored in ``field`` (those present in the user's rows), shown by their labels."""

    class LabelledFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            codes = model_admin.get_queryset(request).order_by().values_list(field, flat=True).distinct()
            return sorted(((code, label_of(code)) for code in codes if code), key=lambda pair: pair[1])

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    LabelledFilter.title = title
    return LabelledFilter


class GovernedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Base admin for governed models: scoped, no delete, history view (revert disabled in settings)."""

    list_per_page = 50

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return ChineseHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(self, request: HttpRequest, historical_records: Any,
                                  foreign_keys_are_objs: bool = True) -> None:
        """Like simple-history's, but the workflow state (non-editable fields) is part of every change summary."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = history_delta(previous, current)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def run_service(self, request: HttpRequest, func: Any, *args: Any, success: str = "", **kwargs: Any) -> Any:
        """Call a service and turn its refusals into admin messages (nothing changed on refusal)."""
        try:
            result = func(*args, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(getattr(exc, "messages", None) or [str(exc)])
            self.message_user(request, text, level=messages.ERROR)  # type: ignore[attr-defined]
            return None
        if success:
            self.message_user(request, success, level=messages.SUCCESS)  # type: ignore[attr-defined]
        return result


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """For append-only records (audit, usage records): list and view only."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
