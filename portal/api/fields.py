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
