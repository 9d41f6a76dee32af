"""Load the rule catalog (documents, rules, default dated parameters) into the database without overwriting edits."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.history import acting_as
from subsidies.rules.catalog import DOCUMENTS, RULES


@transaction.atomic
def rules_sync(*, acting_user: Any = None) -> dict[str, int]:
    """Create missing policy documents, rules and parameters from subsidies.rules.catalog (idempotent).

    Existing rows are never changed: windows and parameter values edited by staff stay as they are.
    """
    from portal.models import Organization
    from subsidies.models import PolicyDocument, Rule, RuleParameter

    created = {"documents": 0, "rules": 0, "parameters": 0}
    with acting_as(acting_user):
        docs: dict[str, PolicyDocument] = {}
        for spec in DOCUMENTS:
            fields = {k: v for k, v in spec.items() if k not in ("doc_number", "supersedes", "repeals")}
            doc, new = PolicyDocument.objects.get_or_create(doc_number=spec["doc_number"], defaults=fields)
            docs[doc.doc_number] = doc
            created["documents"] += new
        for spec in DOCUMENTS:
            doc = docs[spec["doc_number"]]
            for other in spec.get("supersedes", []):
                doc.supersedes.add(docs[other])
            for other in spec.get("repeals", []):
                doc.repeals.add(docs[other])
        units = {o.code: o for o in Organization.objects.filter(code__in={r.department for r in RULES})}
        rows: dict[str, Rule] = {}
        for order, rdef in enumerate(RULES):
            rule, new = Rule.objects.get_or_create(code=rdef.code, defaults={
                "document": docs[rdef.document], "clause": rdef.clause, "title": rdef.title, "family": rdef.family,
                "responsible_department": rdef.department_text, "responsible_unit": units.get(rdef.department),
                "funding": rdef.funding, "recipient_type": rdef.recipient, "competitive_limit": rdef.competitive_limit,
                "valid_from": rdef.valid_from, "valid_to": rdef.valid_to, "note": rdef.note, "sort_order": order})
            created["rules"] += new
            if not new and rule.responsible_unit_id is None and rdef.department in units:
                rule.responsible_unit = units[rdef.department]
                rule.save(update_fields=["responsible_unit", "updated_at"])
            rows[rdef.code] = rule
            for name, value in rdef.params.items():
                if not RuleParameter.objects.filter(rule=rule, name=name).exists():
                    RuleParameter.objects.create(rule=rule, name=name, value=value, valid_from=rdef.valid_from,
                                                 note=f"{rdef.citation} 原文")
                    created["parameters"] += 1
        for rdef in RULES:
            if rdef.superseded_by and rows[rdef.code].superseded_by_id is None:
                rows[rdef.code].superseded_by = rows[rdef.superseded_by]
                rows[rdef.code].save(update_fields=["superseded_by", "updated_at"])
    return created


def sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate hook: the 38 rules exist right after ``migrate`` (and after test database flushes)."""
    from django.db import connection

    if "subsidies_rule" in connection.introspection.table_names():
        rules_sync()
