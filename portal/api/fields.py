"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from portal.files import download_url


class DownloadLinkField(serializers.FileField):
    """A private file: the upload on input; on output the kernel download path (``portal.files``) or null, never the
    storage URL or the stored path."""

    def to_representation(self, value: Any) -> str | None:
        if not value or getattr(value.instance, "pk", None) is None:
            return None
        return download_url(value.instance, value.field.name)


class ProvisionalFlagField(serializers.BooleanField):
    """``true`` when the date beside it was computed from a year without an official holiday notice (暂定)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs.setdefault("help_text", "期限所在年份尚无国务院放假通知、按法定节假日推算时为 true（暂定）")
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        # wrapped, so that a missing date (None) still reaches to_representation and answers false, never null
        return (super().get_attribute(instance),)

    def to_representation(self, value: Any) -> bool:
        from datetime import date

        from portal.workdays import is_provisional

        day = value[0] if isinstance(value, tuple) else value
        return isinstance(day, date) and is_provisional(day)


class ProvisionalDatesMixin:
    """Adds ``<name>_provisional`` next to every due date (``due_on``, ``*_due_on``) of a serializer (docs/api.md)."""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        for name, field in list(fields.items()):
            if isinstance(field, serializers.DateField) and (name == "due_on" or name.endswith("_due_on")):
                fields[f"{name}_provisional"] = ProvisionalFlagField(source=field.source or name)
        return fields
