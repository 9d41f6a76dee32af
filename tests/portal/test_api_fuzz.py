"""Property-based fuzzing of the whole REST API (schemathesis) over the seeded demo, as three roles.

Every operation of ``/api/v1/schema/`` is called with generated requests, valid ones and deliberately invalid ones,
as a city authority, a unit data administrator and an applicant. Path ids are drawn from the rows the role (and the
authority) can list, so the fuzz reaches real records and not only 404s. No answer may be a 5xx and every documented
answer must match the schema (body and content type); refusals (4xx) speak Chinese. Each request runs in a
savepoint that is rolled back: every request sees the demo as seeded, and so do the module's other tests.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance
from werkzeug.test import Client

ROLES = ("city_authority", "unit_admin", "applicant")
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}  # per operation and role
MAX_IDS = 30  # real ids offered per path parameter
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    not_generated: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)  # refusals whose message is not Chinese

    @property
    def cases(self) -> int:
        return sum(self.statuses.values())


def _listed_ids(client: Client, path: str, headers: dict[str, str]) -> list[Any]:
    """Ids (or rule codes) of the first rows of a collection as the caller sees it."""
    response = client.get(path, query_string={"page_size": MAX_IDS}, headers=headers)
    if response.status_code != 200:
        return []
    data = response.get_json()
    rows = data.get("results", []) if isinstance(data, dict) else data
    return [row.get("id", row.get("code")) for row in rows if isinstance(row, dict)][:MAX_IDS]


def _strategy(op: Any, mode: GenerationMode, ids: list[Any]) -> Any:
    generated = op.as_strategy(generation_mode=mode)
    param = next((p.name for p in op.path_parameters), None)
    if not ids or param is None:
        return generated
    real = st.sampled_from(ids).flatmap(
        lambda pk: op.as_strategy(generation_mode=mode, path_parameters={param: pk}))
    return st.one_of(real, generated)


def _describe(failure: Failure) -> str:
    where = "/".join(map(str, getattr(failure, "instance_path", ())))
    text = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
    return f"{failure.title}: {text[:160]}" + (f" (at {where})" if where else "")


def _schema_conformance(ctx: Any, response: Any, case: Any) -> None:
    case.operation.validate_response(response, case=case)


def _check(case: Any, headers: dict[str, str], label: str, tally: Tally) -> None:
    savepoint = transaction.savepoint()
    try:
        response = case.call(headers=headers)
    finally:
        transaction.savepoint_rollback(savepoint)
    tally.statuses[f"{response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        tally.server_errors.append(f"{label} → {response.status_code}: {case.as_curl_command()}")
        return
    if response.status_code >= 400 and not CHINESE.search(response.text):
        tally.untranslated.append(f"{label} → {response.status_code}: {response.text[:160]}")
    for check in (_schema_conformance, content_type_conformance):
        try:
            check(None, response, case)
        except FailureGroup as group:
            tally.violations.extend(f"{label} → {response.status_code}: {_describe(f)}" for f in group.exceptions)
        except Failure as failure:
            tally.violations.append(f"{label} → {response.status_code}: {_describe(failure)}")


def _fuzz(strategy: Any, examples: int, headers: dict[str, str], label: str, tally: Tally) -> None:
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        _check(case, headers, label, tally)

    run()


@pytest.mark.django_db
def test_every_operation_as_three_roles_answers_without_5xx_and_as_documented(openapi, api_headers):
    schema, client = openapi
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    for role in ROLES:
        headers = api_headers(role)
        for op in operations:
            label = f"{role} {op.method.upper()} {op.path}"
            tally.operations.add(f"{op.method.upper()} {op.path}")
            ids: list[Any] = []
            if "{" in op.path:
                collection = op.full_path[: op.full_path.index("{")]
                ids = list(dict.fromkeys(_listed_ids(client, collection, headers)
                                         + _listed_ids(client, collection, api_headers("city_authority"))))
            for mode, examples in EXAMPLES.items():
                try:
                    _fuzz(_strategy(op, mode, ids), examples, headers, label, tally)
                except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                    tally.not_generated.append(f"{label} ({mode.value})")
    print(f"\nAPI fuzz: {len(tally.operations)} operations × {len(ROLES)} roles, {tally.cases} cases "
          f"(≤ {sum(EXAMPLES.values())} per operation and role); answers {dict(sorted(tally.statuses.items()))}; "
          f"no invalid variant for {len(tally.not_generated)}")
    print(f"server errors: {len(tally.server_errors)}; schema violations: {len(tally.violations)}; "
          f"refusals not in Chinese: {len(tally.untranslated)}")
    for line in tally.server_errors + sorted(set(tally.violations)) + sorted(set(tally.untranslated)):
        print("  ", line)
    assert len(tally.operations) == len(operations) and tally.cases >= len(operations) * len(ROLES)
    assert not tally.server_errors
    assert not tally.violations
    assert not tally.untranslated
