# ruff: noqa: S608  (the rebuild builds SQL from the models' table and column names only; values are parameters)
"""Keeping the audience rows of sharing records (docs/adr/0015-scopes-served-by-indexes.md).

The services call ``sync_*`` in the same transaction as every write that changes who sees a record (creating it,
setting its entries, changing its kind, submitting a share application); ``rebuild()`` recomputes every row set-based (``manage.py
rebuild_visibility``, the data migration, bulk loaders). Both compute the same rows:

* share application: (applicant unit, party, unit_sees, county_sees = submitted and not special) + (each source unit,
  producer, unit_sees = submitted) unless special;
* authorization: (consumer unit, party, county_sees = not special) + (each source unit, producer) unless special;
* open-data application: (each source unit of its entries).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps as django_apps
from django.db import connection, transaction

from sharing.models import (
    Authorization,
    AuthorizationAudience,
    OpenDataApplication,
    OpenDataApplicationAudience,
    RequestKind,
    ShareApplication,
    ShareApplicationAudience,
)
from sharing.states import Status


def _source_units(obj: Any) -> set[int]:
    return set(obj.entries.values_list("source_unit_id", flat=True))


def sync_share_application(app: ShareApplication) -> None:
    special = app.kind == RequestKind.SPECIAL_AGENCY
    submitted = app.status != Status.DRAFT
    rows = [ShareApplicationAudience(application_id=app.pk, unit_id=app.applicant_unit_id, is_party=True,
                                     unit_sees=True, county_sees=submitted and not special)]
    if not special:
        rows += [ShareApplicationAudience(application_id=app.pk, unit_id=u, is_party=False, unit_sees=submitted)
                 for u in sorted(_source_units(app))]
    ShareApplicationAudience.objects.filter(application_id=app.pk).delete()
    ShareApplicationAudience.objects.bulk_create(rows)


def sync_authorization(auth: Authorization) -> None:
    rows = [AuthorizationAudience(authorization_id=auth.pk, unit_id=auth.consumer_unit_id, is_party=True,
                                  county_sees=not auth.is_special)]
    if not auth.is_special:
        rows += [AuthorizationAudience(authorization_id=auth.pk, unit_id=u, is_party=False)
                 for u in sorted(_source_units(auth))]
    AuthorizationAudience.objects.filter(authorization_id=auth.pk).delete()
    AuthorizationAudience.objects.bulk_create(rows)


def sync_open_application(app: OpenDataApplication) -> None:
    OpenDataApplicationAudience.objects.filter(application_id=app.pk).delete()
    OpenDataApplicationAudience.objects.bulk_create(
        [OpenDataApplicationAudience(application_id=app.pk, unit_id=u) for u in sorted(_source_units(app))])


def _t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _through(model: Any) -> tuple[str, str, str]:
    """The entries through table of ``model``, its column for ``model`` and its column for the entry."""
    through = model._meta.get_field("entries").remote_field.through
    own = next(f.column for f in through._meta.fields if f.related_model is model)
    other = next(f.column for f in through._meta.fields if f.is_relation and f.related_model is not model)
    return _t(through), own, other


def _statements(get_model: Callable[[str, str], Any]) -> list[tuple[str, str, list[Any]]]:
    """(audience table, SQL, parameters) of the rebuild: names from the models' ``_meta``, values as parameters."""
    entry = _t(get_model("catalogs", "CatalogEntry"))
    special, draft = RequestKind.SPECIAL_AGENCY.value, Status.DRAFT.value
    out: list[tuple[str, str, list[Any]]] = []
    model = get_model("sharing", "ShareApplication")
    table, aud = _t(model), _t(get_model("sharing", "ShareApplicationAudience"))
    through, own, other = _through(model)
    out += [
        (aud, f"DELETE FROM {aud}", []),
        (aud, f"INSERT INTO {aud} (application_id, unit_id, is_party, unit_sees, county_sees) "
              f"SELECT a.id, a.applicant_unit_id, %s, %s, a.kind <> %s AND a.status <> %s FROM {table} a",
         [True, True, special, draft]),
        (aud, f"INSERT INTO {aud} (application_id, unit_id, is_party, unit_sees, county_sees) "
              f"SELECT DISTINCT t.{own}, e.source_unit_id, %s, a.status <> %s, %s FROM {through} t "
              f"JOIN {table} a ON a.id = t.{own} JOIN {entry} e ON e.id = t.{other} WHERE a.kind <> %s",
         [False, draft, False, special]),
    ]
    model = get_model("sharing", "Authorization")
    table, aud = _t(model), _t(get_model("sharing", "AuthorizationAudience"))
    through, own, other = _through(model)
    out += [
        (aud, f"DELETE FROM {aud}", []),
        (aud, f"INSERT INTO {aud} (authorization_id, unit_id, is_party, county_sees) "
              f"SELECT a.id, a.consumer_unit_id, %s, NOT a.is_special FROM {table} a", [True]),
        (aud, f"INSERT INTO {aud} (authorization_id, unit_id, is_party, county_sees) "
              f"SELECT DISTINCT t.{own}, e.source_unit_id, %s, %s FROM {through} t "
              f"JOIN {table} a ON a.id = t.{own} JOIN {entry} e ON e.id = t.{other} WHERE NOT a.is_special",
         [False, False]),
    ]
    model = get_model("sharing", "OpenDataApplication")
    aud = _t(get_model("sharing", "OpenDataApplicationAudience"))
    through, own, other = _through(model)
    out += [(aud, f"DELETE FROM {aud}", []),
            (aud, f"INSERT INTO {aud} (application_id, unit_id) SELECT DISTINCT t.{own}, e.source_unit_id "
                  f"FROM {through} t JOIN {entry} e ON e.id = t.{other}", [])]
    return out


def rebuild(get_model: Callable[[str, str], Any] = django_apps.get_model) -> dict[str, int]:
    """Recompute every audience row from the records, set-based (one DELETE and one or two INSERT … SELECT per
    table), in one transaction; returns the rows per audience table. ``get_model``: the data migration passes its
    historical models."""
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cur:
        for _table, sql, params in _statements(get_model):
            cur.execute(sql, params)
        for table in dict.fromkeys(t for t, _, _ in _statements(get_model)):
            if connection.vendor == "postgresql":
                cur.execute(f"ANALYZE {table}")
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table.strip('"')] = int(cur.fetchone()[0])
    return counts
