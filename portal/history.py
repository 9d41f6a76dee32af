"""Who is acting: the history user for django-simple-history, also outside requests (tasks, commands)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_acting_user: ContextVar[Any] = ContextVar("portal_acting_user", default=None)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute every history row written inside the block to ``user`` (tasks, commands, services)."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def get_history_user(instance: Any, request: Any = None, **kwargs: Any) -> Any:
    """simple-history hook: explicit acting user first, then ``_history_user``, then the request's user."""
    explicit = _acting_user.get()
    if explicit is not None:
        return explicit
    user = getattr(instance, "_history_user", None)
    if user is not None:
        return user
    if request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return None
