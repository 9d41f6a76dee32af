"""Domain events one app announces and another app reacts to, without the announcing app importing the other.

``catalogs`` announces ``catalogs.entry.published`` and ``catalogs.entry.retired`` from its workflow effects; ``sharing``
connects its catalog-impact service in ``SharingConfig.ready`` (docs/adr/0205-catalog-changes-reach-grants.md).
Receivers are services: they run in the announcer's transaction, so a refusal there rolls the whole step back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Receiver = Callable[..., Any]

_RECEIVERS: dict[str, list[Receiver]] = {}


def connect(event: str, receiver: Receiver) -> None:
    """Call ``receiver(**kwargs)`` whenever ``event`` is announced (connecting the same receiver twice is a no-op)."""
    receivers = _RECEIVERS.setdefault(event, [])
    if receiver not in receivers:
        receivers.append(receiver)


def announce(event: str, **kwargs: Any) -> list[Any]:
    """Run every receiver of ``event`` in connection order, in the caller's transaction; returns their results."""
    return [receiver(**kwargs) for receiver in list(_RECEIVERS.get(event, ()))]
