"""Cases for the tests generated from the workflow declarations (``tests/portal/test_workflows.py``).

Each app's ``tests/<app>/workflow_cases.py`` registers, per workflow, a provider that builds, over the seeded demo,
a record in a source state of a transition, a user the declaration allows, one it refuses, and complete inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class Case:
    obj: Any  # a record in one of the transition's source states
    allowed: Any  # a user the actor predicate allows
    denied: Any  # a user it refuses (with a reason)
    inputs: dict[str, Any] = field(default_factory=dict)  # every declared input, valid
    on: date | None = None  # the day the step is taken (default: today)


Provider = Callable[[str, Any], Case]  # (transition name, demo context) -> Case
PROVIDERS: dict[str, Provider] = {}


def provides(workflow_name: str) -> Callable[[Provider], Provider]:
    def register(fn: Provider) -> Provider:
        PROVIDERS[workflow_name] = fn
        return fn
    return register
