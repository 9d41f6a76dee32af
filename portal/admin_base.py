"""Admin building blocks: every ModelAdmin of a governed model scopes rows and objects through its ``Policy``, logs
its reads in the access log (``AccessLoggedAdminMixin``), and every admin form that saves through a service keeps what
was typed when the service refuses (``ServiceFormMixin``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import update_wrapper
from typing import Any, NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from portal.access_log import access_record
from portal.files import download_link, download_name, download_url
from portal.history import ChineseHistoryHelper, history_delta
from portal.pagination import CheapCountPaginator
from portal.permissions import Policy
from portal.search import search

REFUSAL_ATTR = "_portal_service_refusal"  # set on the request between the refused save and the re-rendered form


def is_refusal(exc: Exception) -> bool:
    """A service's refusal (Chinese message) rather than a bare permission failure of the admin itself."""
    return isinstance(exc, ValidationError) or (isinstance(exc, PermissionDenied) and bool(str(exc)))


def refusal_messages(exc: Exception) -> dict[str | None, list[str]]:
    """A refusal as ``{key: messages}`` (``None``: not tied to a field); keys are the service's field names."""
    if isinstance(exc, PermissionDenied):
        return {None: [str(exc) or "无权执行此操作。"]}
    assert isinstance(exc, ValidationError)
    if not hasattr(exc, "error_dict"):
        return {None: list(exc.messages)}
    out: dict[str | None, list[str]] = {}
    for key, errors in exc.error_dict.items():
        texts = [m for e in errors for m in e.messages]
        out.setdefault(None if key == NON_FIELD_ERRORS else key, []).extend(texts)
    return out


def _labelled(key: str | None, texts: list[str], model: type[Model] | None) -> list[str]:
    """Messages of a key that is no field of the form, prefixed with the model field's Chinese name if it is one."""
    if key is None or model is None:
        return texts
    try:
        label = str(model._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return texts
    return [f"{label}：{t}" for t in texts]


def attach_refusal(form: forms.BaseForm, exc: Exception, model: type[Model] | None = None,
                   skip: frozenset[str] = frozenset(), aliases: dict[str, str] | None = None) -> None:
    """Put a refusal on a bound, cleaned form: at the field it names (``aliases``: service name → form field where
    they differ), else above the form (keys in ``skip`` are shown elsewhere, e.g. by the inline of that prefix)."""
    for name, texts in refusal_messages(exc).items():
        key = (aliases or {}).get(name, name) if name is not None else None
        if key in skip:
            continue
        if key is not None and key in form.fields:
            form.add_error(key, texts)
        else:
            form.add_error(None, _labelled(key, texts, model or getattr(getattr(form, "_meta", None), "model", None)))


class ServiceFormMixin:
    """One way for every admin form that saves through a service (``save_model``/``save_related``/``save_formset``
    call the service and let its refusal propagate).

    The refused save is rolled back (the admin view's transaction), then the same POST is validated once more with
    the refusal attached: field keys at their fields, keys naming an inline (its formset prefix, e.g. ``items``)
    above that inline's rows, the rest above the form. The page is shown again with everything typed, inline rows
    included; nothing was written. Bare ``PermissionDenied`` (no message) stays a 403.
    """

    refusal_fields: dict[str, str] = {}  # a service's argument name → the form field it belongs to, where they differ

    def changeform_view(self, request: HttpRequest, object_id: Any = None, form_url: str = "",
                        extra_context: Any = None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except (ValidationError, PermissionDenied) as exc:
            if request.method != "POST" or not is_refusal(exc) or hasattr(request, REFUSAL_ATTR):
                raise
            setattr(request, REFUSAL_ATTR, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def _inline_prefixes(self, request: HttpRequest, obj: Any) -> frozenset[str]:
        return frozenset(formset.get_default_prefix()
                         for formset, _ in super().get_formsets_with_inlines(request, obj))  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        refusal = getattr(request, REFUSAL_ATTR, None)
        if refusal is None:
            return form
        skip = self._inline_prefixes(request, obj)
        model, aliases = self.model, self.refusal_fields  # type: ignore[attr-defined]

        def full_clean(self: forms.BaseForm) -> None:
            form.full_clean(self)
            if self.is_bound:
                attach_refusal(self, refusal, model, skip, aliases)
        return type(form.__name__, (form,), {"full_clean": full_clean})

    def get_formsets_with_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        refusal = getattr(request, REFUSAL_ATTR, None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):  # type: ignore[misc]
            texts = refusal_messages(refusal).get(formset.get_default_prefix()) if refusal is not None else None
            if texts:
                def clean(self: Any, _base: Any = formset, _texts: list[str] = texts) -> None:
                    _base.clean(self)
                    raise ValidationError(_texts)
                formset = type(formset.__name__, (formset,), {"clean": clean})
            yield formset, inline

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """As Django's, with a refusal while saving an inline's rows reported at that inline."""
        form.save_m2m()
        for formset in formsets:
            try:
                self.save_formset(request, form, formset, change=change)  # type: ignore[attr-defined]
            except ValidationError as exc:
                texts = [t for key, msgs in refusal_messages(exc).items()
                         for t in _labelled(key, msgs, formset.model)]
                raise ValidationError({formset.prefix: texts}) from exc


def _is_relation(model: type[Model], path: str) -> bool:
    return bool(get_fields_from_path(model, path)[-1].is_relation)


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


class AccessLoggedAdminMixin:
    """Every read shown by the admin is one access-log row (QZ §八(四)): a changelist page is 查询 (its query string,
    the number of matching rows, the ids on the page), a change or history page 访问 (the record). The rows come from
    the page's own context, so logging costs the INSERT (and, for producer units behind a many-to-many, one SELECT)."""

    access_logged = True

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if self.access_logged and request.method == "GET" and response.status_code == 200 and cl is not None:
            access_record(request=request, channel="admin", action="query", model=self.model,  # type: ignore[attr-defined]
                          objects=list(cl.result_list), count=cl.result_count)
        return response

    def changeform_view(self, request: HttpRequest, object_id: Any = None, form_url: str = "",
                        extra_context: Any = None) -> Any:
        response = super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if object_id is not None:
            self._log_object(request, response, "original")
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._log_object(request, response, "object")
        return response

    def render_history_view(self, request: HttpRequest, template: Any, context: dict[str, Any], **kwargs: Any) -> Any:
        """simple-history's history list and past-version pages (rendered here, not as a TemplateResponse)."""
        response = super().render_history_view(request, template, context, **kwargs)  # type: ignore[misc]
        obj = context.get("object", context.get("original"))
        self._log_object(request, response, "", obj)
        return response

    def _log_object(self, request: HttpRequest, response: Any, key: str, obj: Any = None) -> None:
        obj = obj if obj is not None else (getattr(response, "context_data", None) or {}).get(key)
        if self.access_logged and request.method == "GET" and response.status_code == 200 and obj is not None:
            access_record(request=request, channel="admin", action="access", obj=obj)


class ScopedAdminMixin(AccessLoggedAdminMixin):
    """Rows: ``policy.scope``; objects: ``policy.can_view/can_change``; deletion: never (retire instead); reads
    logged (``AccessLoggedAdminMixin``).

    Model permissions from the user's role groups still apply first (coarse), the policy narrows per object.
    """

    policy: Policy = Policy()
    formfield_overrides = {models.FileField: {"widget": PrivateFileWidget}}
    # One capped count per page, no second COUNT of the unfiltered set (ADR 0016; ``PortalAdminConfig`` sets the
    # same on every other registered admin).
    paginator = CheapCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return self.policy.scope(request.user, qs)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        """Django's search (every word in one of ``search_fields``), written so the trigram indexes serve it
        (``portal.search``; ADR 0016); never duplicates rows."""
        found = search(queryset, self.get_search_fields(request), search_term) if search_term else None  # type: ignore[attr-defined]
        if found is None:
            return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        return found, False

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

    def get_list_filter(self, request: HttpRequest) -> Any:
        """A filter on a relation offers only the values found in the rows the user sees (the counties awards are
        charged to, not every organisation; nothing outside the user's scope)."""
        return [(item, RelatedInScopeFilter) if isinstance(item, str) and _is_relation(
            self.model, item) else item for item in super().get_list_filter(request)]  # type: ignore[attr-defined,misc]


class RelatedInScopeFilter(admin.RelatedOnlyFieldListFilter):
    """Django's ``RelatedOnlyFieldListFilter`` without its ``SELECT DISTINCT`` over every row of the list: the
    related rows (a few dozen units, rules, content types) are kept when one of the user's rows points to them
    (``EXISTS``, one index probe each; ADR 0016)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        scoped = model_admin.get_queryset(request).order_by()
        if "__" in self.field_path:
            return super().field_choices(field, request, model_admin)
        related = field.remote_field.model
        present = related._default_manager.filter(
            models.Exists(scoped.filter(**{self.field_path: models.OuterRef("pk")})))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in present.order_by(*(ordering or related._meta.ordering or ["pk"]))]


def year_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter over the years in integer column ``field``: every year from the user's first to last instead of
    Django's ``SELECT DISTINCT`` over the whole list. The first and the last are two ``ORDER BY … LIMIT 1`` queries,
    each a walk of the column's index that stops at the first row in the user's scope; ``MIN``/``MAX`` over a scope
    with a semi-join (a county's enterprises) read every scoped row instead (69 ms against 0.1 ms, ADR 0016)."""

    class YearFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            years = (model_admin.get_queryset(request).values_list(field, flat=True)
                     .exclude(**{f"{field}__isnull": True}))
            first, last = years.order_by(field).first(), years.order_by(f"-{field}").first()
            if first is None or last is None:
                return []
            return [(str(y), f"{y}年") for y in range(last, first - 1, -1)]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(**{field: int(value)}) if value and value.isdigit() else queryset

    YearFilter.title = title
    YearFilter.__name__ = "YearFilter"
    return YearFilter


def date_range_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter over fixed periods of ``field`` (today, the last 7 and 30 days, this and last year): no
    query to build it, one indexed range to apply it — unlike ``date_hierarchy``, which scans the whole list for
    MIN/MAX and the distinct dates on every page (ADR 0016)."""
    periods = {"today": "今天", "7d": "最近 7 天", "30d": "最近 30 天", "year": "今年", "last_year": "去年"}

    class DateRangeFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_range"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return list(periods.items())

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            if value not in periods:
                return queryset
            today = timezone.localdate()
            start, end = {
                "today": (today, None), "7d": (today - timedelta(days=6), None),
                "30d": (today - timedelta(days=29), None), "year": (today.replace(month=1, day=1), None),
                "last_year": (today.replace(year=today.year - 1, month=1, day=1), today.replace(month=1, day=1)),
            }[value]
            is_datetime = isinstance(queryset.model._meta.get_field(field), models.DateTimeField)
            def bound(day: date) -> Any:
                return timezone.make_aware(datetime.combine(day, time.min)) if is_datetime else day
            queryset = queryset.filter(**{f"{field}__gte": bound(start)})
            return queryset.filter(**{f"{field}__lt": bound(end)}) if end is not None else queryset

    DateRangeFilter.title = title
    DateRangeFilter.__name__ = "DateRangeFilter"
    return DateRangeFilter

def labelled_filter(field: str, title: str, label_of: Callable[[str], str],
                    codes: Callable[[], Any] | None = None) -> type[admin.SimpleListFilter]:
    """A list filter over the codes stored in ``field``, shown by their labels: every code ``codes()`` declares (no
    query; for big lists, ADR 0016), else those present in the user's rows (a ``DISTINCT`` over the list)."""

    class LabelledFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            found = codes() if codes is not None else \
                model_admin.get_queryset(request).order_by().values_list(field, flat=True).distinct()
            return sorted(((code, label_of(code)) for code in found if code), key=lambda pair: pair[1])

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    LabelledFilter.title = title
    return LabelledFilter


class ViewOnlyDisplayMixin:
    """For users who may only view a record (change page, history version, inline rows): each field named in
    ``view_only_display`` is replaced by its read-only display method (stored codes and JSON shown as Chinese text)."""

    view_only_display: dict[str, str] = {}

    def _view_only(self, request: HttpRequest, obj: Any) -> bool:
        return (bool(self.view_only_display) and obj is not None
                and not self.has_change_permission(request, obj))  # type: ignore[attr-defined]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        if not self._view_only(request, obj):
            return fields
        return list(dict.fromkeys(self.view_only_display.get(f, f) for f in fields))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        if not self._view_only(request, obj):
            return readonly
        return [*readonly, *(name for name in self.view_only_display.values() if name not in readonly)]


def due_date_column(model: type[Model], name: str) -> Callable[[Any], Any]:
    """A changelist column showing the due date ``name`` as Django would, plus the 暂定 mark when it lies in a year
    without an official holiday notice (ADR 0003)."""
    from django.contrib.admin.utils import display_for_field
    from django.utils.html import format_html

    from portal.templatetags.portal_calendar import provisional

    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj: Any) -> Any:
        value = getattr(obj, name)
        return format_html("{}{}", display_for_field(value, field, "-"), provisional(value))

    column.__name__ = name
    return column


def _is_due_date(model: type[Model], name: Any) -> bool:
    if not isinstance(name, str) or not (name == "due_on" or name.endswith("_due_on")):
        return False
    try:
        return isinstance(model._meta.get_field(name), models.DateField)
    except FieldDoesNotExist:
        return False


def _flat(fields: Any) -> list[Any]:
    """The names (or callables) of a fieldset's ``fields``, lines of several fields flattened."""
    if isinstance(fields, list | tuple):
        return [name for f in fields for name in _flat(f)]
    return [fields]


def _is_empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | dict | tuple | FieldFile) and not value)


class CollapseEmptyGroupsMixin:
    """Record pages: a titled fieldset (not the first) whose fields are all empty on this record and none required
    on its form is rendered collapsed (Django's ``collapse`` class, a closed ``<details>``). On the add page, on a
    posted form (errors, refusals) and for groups with something in them, every group stays open.

    "Empty": ``None``, ``""``, ``False``, an empty file or JSON, a many-to-many without rows. A computed column
    (display method) counts as content, so a group showing one is never hidden."""

    # record pages: (title, fields) groups of the change page, in order, e.g. one per workflow step; fields not
    # named stay in the first, untitled group and names the page does not show are ignored. Groups of steps not
    # reached yet are empty and collapsed.
    field_groups: list[tuple[str, list[str]]] = []

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if obj is not None and self.field_groups and len(fieldsets) == 1:
            fields = list(fieldsets[0][1]["fields"])
            grouped = {name for _, names in self.field_groups for name in names}
            sets = [(None, {"fields": [f for f in fields if f not in grouped]})]
            sets += [(title, {"fields": [f for f in names if f in fields]}) for title, names in self.field_groups]
            fieldsets = [(title, opts) for title, opts in sets if opts["fields"]]
        return self._collapse_empty(request, obj, fieldsets)

    def _collapse_empty(self, request: HttpRequest, obj: Any, fieldsets: Any) -> Any:
        """``fieldsets`` with the ``collapse`` class added to the empty optional groups of ``obj``."""
        if obj is None or getattr(obj, "pk", None) is None or request.method == "POST" or len(fieldsets) < 2:
            return fieldsets
        readonly = set(self.get_readonly_fields(request, obj))  # type: ignore[attr-defined]
        out = []
        for i, (title, opts) in enumerate(fieldsets):
            classes = tuple(opts.get("classes", ()))
            if i and title and "collapse" not in classes and self._group_is_empty(obj, opts["fields"], readonly):
                opts = {**opts, "classes": (*classes, "collapse")}
            out.append((title, opts))
        return out

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """Inlines of a record: one without rows that this person cannot add to is collapsed too (a closed
        ``<details>`` with its title, instead of an empty table)."""
        inlines = super().get_inline_instances(request, obj)  # type: ignore[misc]
        if obj is None or getattr(obj, "pk", None) is None or request.method == "POST":
            return inlines
        from django.forms.models import _get_foreign_key

        for inline in inlines:
            if inline.has_add_permission(request, obj):
                continue
            try:
                fk = _get_foreign_key(type(obj), inline.model, fk_name=inline.fk_name)
            except ValueError:
                continue
            if not inline.get_queryset(request).filter(**{fk.name: obj}).exists():
                inline.classes = [*(inline.classes or ()), "collapse"]
                inline.verbose_name_plural = f"{inline.verbose_name_plural or inline.model._meta.verbose_name_plural}（无）"
        return inlines

    def _group_is_empty(self, obj: Any, fields: Any, readonly: set[Any]) -> bool:
        for name in _flat(fields):
            if not isinstance(name, str):
                return False
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:
                return False  # a display method of the admin or the model: shown content
            if field.many_to_many:
                if getattr(obj, name).exists():
                    return False
                continue
            required = (field.editable and not field.blank and name not in readonly
                        and not isinstance(field, models.BooleanField))
            if required or not _is_empty(getattr(obj, field.attname, None)):
                return False
        return True


def _beside(fields: Any, links: dict[str, Any]) -> Any:
    """A fieldset's ``fields`` with ``links[name]`` on the line of field ``name`` (right after it); callables of
    ``links`` found elsewhere (Django lists read-only fields last when there are no fieldsets) are moved there."""
    shown = set(links.values())
    out: list[Any] = []
    for line in fields:
        items = list(line) if isinstance(line, list | tuple) else [line]
        items = [item for item in items if item not in shown]
        if not items:
            continue
        expanded = [x for item in items for x in ((item, links[item]) if isinstance(item, str) and item in links
                                                   else (item,))]
        out.append(expanded[0] if len(expanded) == 1 else tuple(expanded))
    return type(fields)(out) if isinstance(fields, tuple) else out


class EnterpriseProfileLinkMixin:
    """Record pages naming an enterprise (a foreign key to ``portal.Enterprise``: applicant, bidder, supplier, party…)
    show the link 「企业画像」 on that field's line, for viewers who may open profiles
    (``portal.display.enterprise_profile_link``, the one implementation for every admin).

    Only the change page (not the history or add pages) gets the link: a read-only column placed by ``get_fieldsets``
    (``with_profile_links`` for admins whose ``get_fieldsets`` does not call ``super``), kept out of the form
    (``get_form``) and shown read-only (``render_change_form``), whatever ``get_readonly_fields`` a subclass has."""

    def _enterprise_fields(self) -> list[str]:
        return [f.name for f in self.model._meta.fields  # type: ignore[attr-defined]
                if f.many_to_one and f.related_model is not None
                and f.related_model._meta.label == "portal.Enterprise"]  # type: ignore[union-attr]

    def enterprise_link_display(self, name: str) -> Any:
        """The read-only column with the profile link of foreign key ``name`` (one callable per field)."""
        displays = self.__dict__.setdefault("_enterprise_links", {})
        if name not in displays:
            from portal.display import enterprise_profile_link

            def show(obj: Any) -> Any:
                return enterprise_profile_link(getattr(obj, name, None)) or "—"
            show.short_description = "企业画像"  # type: ignore[attr-defined]
            show.__name__ = f"{name}_profile_link"
            displays[name] = show
        return displays[name]

    def _profile_links(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        from portal.permissions import can_view_enterprise_profile

        if (not getattr(request, PROFILE_LINKS_ATTR, False) or obj is None or getattr(obj, "pk", None) is None
                or not can_view_enterprise_profile(request.user)):
            return {}
        return {name: self.enterprise_link_display(name) for name in self._enterprise_fields()
                if getattr(obj, f"{name}_id", None) is not None}

    def with_profile_links(self, request: HttpRequest, obj: Any, fieldsets: Any) -> Any:
        """``fieldsets`` with the profile links beside the enterprise fields (change pages of viewers who may)."""
        links = self._profile_links(request, obj)
        if not links:
            return fieldsets
        return [(title, {**opts, "fields": _beside(opts["fields"], links)}) for title, opts in fieldsets]

    def changeform_view(self, request: HttpRequest, object_id: Any = None, form_url: str = "",
                        extra_context: Any = None) -> Any:
        setattr(request, PROFILE_LINKS_ATTR, object_id is not None)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        finally:
            setattr(request, PROFILE_LINKS_ATTR, False)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.with_profile_links(request, obj, super().get_fieldsets(request, obj))  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        shown = {show for show in self.__dict__.get("_enterprise_links", {}).values()}
        if kwargs.get("fields") is not None and shown:
            kwargs["fields"] = [f for f in kwargs["fields"] if f not in shown]
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> Any:
        adminform = context.get("adminform")
        links = list(self._profile_links(request, obj).values())
        if adminform is not None and links:
            adminform.readonly_fields = [*adminform.readonly_fields,
                                         *(show for show in links if show not in adminform.readonly_fields)]
        return super().render_change_form(request, context, add, change, form_url, obj)  # type: ignore[misc]


PROFILE_LINKS_ATTR = "_portal_profile_links"  # set on the request while a change page is being built


class GovernedAdmin(EnterpriseProfileLinkMixin, CollapseEmptyGroupsMixin, ViewOnlyDisplayMixin, ServiceFormMixin,
                    ScopedAdminMixin, SimpleHistoryAdmin):
    """Base admin for governed models: scoped, no delete, history view (revert disabled in settings); add/change
    forms keep their input on a service's refusal (``ServiceFormMixin``). Due-date columns carry the 暂定 mark; a
    record naming an enterprise links to its 企业画像 (``EnterpriseProfileLinkMixin``)."""

    list_per_page = 50

    def get_list_display(self, request: HttpRequest) -> Any:
        names = super().get_list_display(request)  # type: ignore[misc]
        return [due_date_column(self.model, n) if _is_due_date(self.model, n) else n  # type: ignore[attr-defined]
                for n in names]

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


    def run_service(self, request: HttpRequest, func: Any, *args: Any, success: str = "",
                    form: forms.BaseForm | None = None, **kwargs: Any) -> Any:
        """Call a service for a step page or an action; nothing changed on refusal. With ``form`` (a step page's
        bound, valid form) the refusal goes next to the field it names, the page is shown again with the input;
        without (bulk actions) it becomes an error message."""
        try:
            result = func(*args, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            if form is not None:
                attach_refusal(form, exc, self.model, aliases=self.refusal_fields)  # type: ignore[attr-defined]
            else:
                text = "；".join(t for texts in refusal_messages(exc).values() for t in texts)
                self.message_user(request, text, level=messages.ERROR)  # type: ignore[attr-defined]
            return None
        if success:
            self.message_user(request, success, level=messages.SUCCESS)  # type: ignore[attr-defined]
        return result

    def custom_view(self, view: Any) -> Any:
        """A page of this admin beyond Django's own (steps, boards, exports): the admin's login check, then the
        model's view permission as for its changelist — a role without access to the model cannot open it by URL."""
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return self.admin_site.admin_view(update_wrapper(guarded, view))  # type: ignore[attr-defined]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        _require_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: Any = None) -> Any:
        _require_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_form_view_title(self, request: HttpRequest, obj: Any) -> str:
        return f"查看历史版本：{obj}"  # reverting is disabled (SIMPLE_HISTORY_REVERT_DISABLED): a version is only viewed


def _require_ids(*values: str) -> None:
    """History URLs take numeric ids; anything else is a page that does not exist (simple-history would fail)."""
    if not all(str(v).isdigit() for v in values):
        raise Http404("历史记录不存在。")


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """For append-only records (audit, usage records): list and view only."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
