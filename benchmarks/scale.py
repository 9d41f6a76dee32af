"""The city-scale benchmark database: migrate, seed the demo, add units up to 50, then bulk-fill set-based.

On PostgreSQL every bulk table is filled by one ``INSERT … SELECT … FROM generate_series`` that copies a demo
template row column by column (the model's ``_meta.concrete_fields``, so columns other changes add are copied too)
with overrides for codes, numbers, units, dates and states; many-to-many through rows the same way. Sizes (issue 16):
100k catalog entries, 200k share applications (each with one entry and one open workflow step), 100k authorizations
(each with one entry), 1M usage records, 200k subsidy applications (statuses over the workflow, some publicity due,
some overdue), 5,000 enterprises, 50 units, 100k access-log rows; one unit holds ≈2% of the rows. ``BENCH_SCALE``
multiplies every size; ``BENCH_ENTRIES``, ``BENCH_SHARE_APPLICATIONS``, ``BENCH_AUTHORIZATIONS``, ``BENCH_USAGE``,
``BENCH_SUBSIDY_APPLICATIONS``, ``BENCH_ENTERPRISES``, ``BENCH_ACCESS_LOG``, ``BENCH_UNITS`` set one. The access log
gets 100,000 rows over the last ten weeks (a city's log holds millions; beyond the 10,000 rows the lists count exactly,
so its count is estimated from the first request on, as in production). History tables are not filled for the
bulk rows (they are not read by the pages measured).

Consistency kept where scopes read it: a share application's unit is ``units[g % U]`` and the authorization made from
it (the first ``BENCH_AUTHORIZATIONS`` applications) has the same consumer unit; a usage record takes its unit from its
authorization; the entry of an application or authorization is ``entries[(g * 7) % E]`` (another unit's, mostly).
Simplification: the applications that have an authorization keep an open state and an open step (so that the step
sweep sees 200k open steps), instead of ``granted`` with a closed one.
"""

from __future__ import annotations

import os
import time
from typing import Any

# The default sizes of issue 16.
SIZES = {"entries": 100_000, "share_applications": 200_000, "authorizations": 100_000, "usage": 1_000_000,
         "subsidy_applications": 200_000, "enterprises": 5_000, "access_log": 100_000}
UNITS = 50
# Chinese words the bulk titles and texts are made of (searches look for one of them).
WORDS = ["企业", "人口", "法人", "社保", "医保", "交通", "教育", "税务", "不动产", "市场主体", "公积金", "环境"]
SEARCH_WORD = "社保"


def sizes() -> dict[str, int]:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    out = {}
    for key, default in SIZES.items():
        env = os.environ.get(f"BENCH_{key.upper()}")
        out[key] = int(env) if env else max(1, int(default * scale))
    out["units"] = int(os.environ.get("BENCH_UNITS", str(UNITS)))
    return out


def _q(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


def fill(model: Any, template_pk: int, n: int, overrides: dict[str, str], *, joins: str = "",
         params: dict[str, Any] | None = None) -> int:
    """Insert ``n`` copies of row ``template_pk`` of ``model`` in one statement; returns the first new id.

    ``overrides`` maps a field's attname (or column) to an SQL expression over ``g`` (0 … n-1), the template ``t``
    and the aliases of ``joins``; every other concrete column is copied from the template. The ids of one statement
    are consecutive (one identity, one session), so row ``g`` has id ``first + g`` (checked).
    """
    from django.db import connection

    meta = model._meta
    table = _q(meta.db_table)
    pk = meta.pk.column
    cols, exprs = [], []
    used = set()
    for f in meta.concrete_fields:
        if f.column == pk:
            continue
        key = f.attname if f.attname in overrides else f.column if f.column in overrides else None
        cols.append(_q(f.column))
        exprs.append(f"({overrides[key]})" if key else f"t.{_q(f.column)}")
        if key:
            used.add(key)
    unknown = set(overrides) - used
    assert not unknown, f"{meta.label}: no such columns {unknown}"
    for f in meta.concrete_fields:  # a unique column copied from the template would collide
        assert not f.unique or f.column == pk or f.attname in overrides or f.null, f"{meta.label}.{f.name} unique"
    with connection.cursor() as cursor:
        # identifiers from the model's _meta (quoted), SQL expressions of this module; values are parameters
        cursor.execute(f"SELECT COALESCE(MAX({_q(pk)}), 0) FROM {table}")  # noqa: S608
        before = cursor.fetchone()[0]
        sql = (f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "  # noqa: S608
               f"FROM generate_series(0, %(n)s - 1) AS g "
               f"CROSS JOIN (SELECT * FROM {table} WHERE {_q(pk)} = %(tpl)s) AS t {joins} ORDER BY g")
        cursor.execute(sql, {"n": n, "tpl": template_pk, **(params or {})})
        cursor.execute(f"SELECT MIN({_q(pk)}), MAX({_q(pk)}), COUNT(*) FROM {table} WHERE {_q(pk)} > %s",  # noqa: S608
                       [before])
        lo, hi, count = cursor.fetchone()
    assert count == n and hi - lo + 1 == n, f"{meta.label}: ids not consecutive ({lo}…{hi}, {count} rows)"
    return int(lo)


def fill_through(field: Any, owner_first: int, n: int, target_expr: str, params: dict[str, Any]) -> None:
    """One through row per new owner row ``owner_first + g``: target ``target_expr`` (SQL over ``g``)."""
    from django.db import connection

    through = field.remote_field.through._meta
    src = field.m2m_column_name()
    dst = field.m2m_reverse_name()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_q(through.db_table)} ({_q(src)}, {_q(dst)}) "  # noqa: S608
                       f"SELECT %(first)s + g, {target_expr} FROM generate_series(0, %(n)s - 1) AS g",
                       {"first": owner_first, "n": n, **params})


def _units(count: int) -> tuple[list[int], list[int | None], dict[str, Any]]:
    """The units the rows are spread over: the demo's city departments and Jinjiang's bureaus, plus new departments
    under the city (and a few under Jinjiang) up to ``count``. Returns their ids, each one's county (or None) and
    the named units (the unit user's unit is among them)."""
    from portal.models import Organization, OrgKind, OrgLevel

    city = Organization.objects.get(code="QZ")
    jinjiang = Organization.objects.get(code="C-350582")
    chosen = list(Organization.objects.filter(parent=city, kind=OrgKind.DEPARTMENT).order_by("code"))
    chosen += list(Organization.objects.filter(parent=jinjiang, kind=OrgKind.DEPARTMENT).order_by("code")[:5])
    i = 0
    while len(chosen) < count:
        i += 1
        under_county = i % 8 == 0
        parent = jinjiang if under_county else city
        org = Organization.objects.filter(code=f"BENCH-U{i:02d}").first() or Organization(
            code=f"BENCH-U{i:02d}", name=f"{'晋江市' if under_county else '泉州市'}压测委办局{i:02d}",
            kind=OrgKind.DEPARTMENT, level=OrgLevel.COUNTY if under_county else OrgLevel.CITY,
            region_code=parent.region_code, parent=parent)
        if org.pk is None:
            org.save()  # the model's save keeps the path
        chosen.append(org)
    chosen = chosen[:count]
    county = [jinjiang.pk if o.path.startswith(jinjiang.path) and o.pk != jinjiang.pk else None for o in chosen]
    return [o.pk for o in chosen], county, {"city": city, "jinjiang": jinjiang}


def _workbench_queries() -> dict[str, int]:
    """SQL queries of the 工作台 per role on the demo (before the bulk fill): the query count must not grow."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    client = Client()
    for username in ("city_authority", "county_authority", "unit_admin", "program_officer", "finance_officer"):
        client.force_login(get_user_model().objects.get(username=username))
        client.get("/admin/")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/admin/")
        out[username] = len(ctx.captured_queries)
    return out


def load(log: Any = print) -> dict[str, Any]:
    """Migrate, seed, fill; returns sizes, counts and timings (seconds) per phase."""
    from django.core.management import call_command, get_commands
    from django.db import connection, transaction

    assert connection.vendor == "postgresql", "the city-scale load is set-based SQL for PostgreSQL"
    want = sizes()
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def phase(name: str, t0: float) -> float:
        timings[name] = round(time.perf_counter() - t0, 1)
        log(f"  · {name}: {timings[name]} s")
        return time.perf_counter()

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    t = phase("migrate", t)
    os.environ.setdefault("PORTAL_DEMO_PASSWORD", "Bench-only-2026!")
    from portal.demo import seed_all

    seed_all(log=lambda _m: None)
    t = phase("seed_demo", t)
    demo_workbench = _workbench_queries()
    with transaction.atomic():
        unit_ids, unit_county, named = _units(want["units"])
        _fill_all(want, unit_ids, unit_county, named, phase)
    t = time.perf_counter()
    if "rebuild_visibility" in get_commands():
        call_command("rebuild_visibility")
        t = phase("rebuild_visibility", t)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map, as autovacuum would leave them
    phase("vacuum_analyze", t)
    total = round(time.perf_counter() - started, 1)
    log(f"  loaded in {total} s")
    return {"sizes": want, "counts": counts(), "timings_s": timings, "load_s": total,
            "demo_workbench_queries": demo_workbench, "units": unit_ids}


def counts() -> dict[str, int]:
    from catalogs.models import CatalogEntry
    from portal.models import AccessLog, Enterprise, Organization
    from sharing.models import Authorization, DataUseRecord, ShareApplication, WorkflowStep
    from subsidies.models import Application

    return {"organizations": Organization.objects.count(), "catalog_entries": CatalogEntry.objects.count(),
            "share_applications": ShareApplication.objects.count(),
            "open_steps": WorkflowStep.objects.filter(finished_on=None).count(),
            "authorizations": Authorization.objects.count(), "usage_records": DataUseRecord.objects.count(),
            "subsidy_applications": Application.objects.count(), "enterprises": Enterprise.objects.count(),
            "access_log": AccessLog.objects.count()}


def _fill_all(want: dict[str, int], unit_ids: list[int], unit_county: list[int | None], named: dict[str, Any],
              phase: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalogs.models import CatalogEntry, EntryStatus
    from portal.models import AccessAction, AccessChannel, AccessLog, Enterprise, Organization
    from portal.uscc import make_uscc
    from sharing.models import Authorization, DataUseRecord, ShareApplication, WorkflowStep
    from sharing.states import OPEN_STATES, AuthorizationStatus, Status
    from subsidies.models import Application, ApplicationStatus

    now = timezone.now()
    today = timezone.localdate()
    u = len(unit_ids)
    base = {"units": unit_ids, "county": unit_county, "u": u, "words": WORDS, "w": len(WORDS), "now": now,
            "today": today}
    unit = "(%(units)s::bigint[])[1 + mod(g, %(u)s)]"
    word = "(%(words)s::text[])[1 + mod(g, %(w)s)]"
    t = time.perf_counter()

    # catalog entries: published mostly; one in five awaiting review (due from 20 days ago to 20 ahead)
    tpl = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED).order_by("pk").first()
    assert tpl is not None
    n_entries = want["entries"]
    entries = fill(CatalogEntry, tpl.pk, n_entries, {
        "code": "'BENCH-E' || lpad(g::text, 7, '0')",
        "title": f"{word} || '数据资源目录 ' || g",
        "source_unit_id": unit,
        "status": f"CASE WHEN mod(g, 5) = 0 THEN '{EntryStatus.SUBMITTED}' ELSE '{EntryStatus.PUBLISHED}' END",
        "review_due_on": "CASE WHEN mod(g, 5) = 0 THEN %(today)s::date + (mod(g / 5, 40) - 20) END",
        "created_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "updated_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
    }, params=base)
    t = phase("catalog_entries", t)

    # enterprises: spread over the counties (Jinjiang holds one in four)
    regions = list(Organization.objects.filter(code__startswith="C-").exclude(code__endswith="-DATA")
                   .values_list("pk", flat=True).order_by("code"))
    jj = named["jinjiang"].pk
    first_ent = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Enterprise.objects.bulk_create([
        Enterprise(uscc=make_uscc(f"91350500BJ{i:07d}"), name=f"泉州压测{WORDS[i % len(WORDS)]}企业{i}有限公司",
                   region_id=jj if i % 4 == 0 else regions[i % len(regions)], is_small_micro=i % 3 != 0)
        for i in range(want["enterprises"])], batch_size=2000)
    ent_ids = list(Enterprise.objects.filter(pk__gt=first_ent, uscc__startswith="91350500BJ")
                   .values_list("pk", flat=True).order_by("pk"))
    t = phase("enterprises", t)

    # share applications: open states, one entry (another unit's), one open step each
    open_states = sorted(s.value for s in OPEN_STATES if s not in (Status.COUNTY_REVIEW, Status.COUNTY_FORWARDING))
    tpl_app = (ShareApplication.objects.filter(kind="ordinary").exclude(status=Status.DRAFT).order_by("pk").first()
               or ShareApplication.objects.order_by("pk").first())
    assert tpl_app is not None
    n_apps = want["share_applications"]
    p = {**base, "states": open_states, "s": len(open_states), "entries": entries, "e": n_entries}
    state = "(%(states)s::text[])[1 + mod(g, %(s)s)]"
    apps = fill(ShareApplication, tpl_app.pk, n_apps, {
        "number": "'BENCH-S' || lpad(g::text, 8, '0')",
        "kind": "'ordinary'",
        "applicant_unit_id": unit,
        "applicant_county_id": "(%(county)s::bigint[])[1 + mod(g, %(u)s)]",
        "business_matter": f"{word} || '业务办理 ' || g",
        "status": state,
        "submitted_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "current_step_started_on": "%(today)s::date - mod(g, 30)",
        "current_due_on": "%(today)s::date + (mod(g, 40) - 20)",
        "decided_at": "NULL", "previous_application_id": "NULL",
        "created_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "updated_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
    }, params=p)
    entry_of = "%(entries)s + mod(g * 7, %(e)s)"
    fill_through(ShareApplication._meta.get_field("entries"), apps, n_apps, entry_of, p)
    t = phase("share_applications", t)
    tpl_step = WorkflowStep.objects.filter(share_application__isnull=False).order_by("pk").first()
    assert tpl_step is not None
    fill(WorkflowStep, tpl_step.pk, n_apps, {
        "share_application_id": "%(apps)s + g", "open_application_id": "NULL",
        "state": state, "state_label": state, "actor": "'city_authority'",
        "responsible_unit_id": unit,
        "started_on": "%(today)s::date - mod(g, 30)", "due_on": "%(today)s::date + (mod(g, 40) - 20)",
        "finished_on": "NULL", "finished_at": "NULL", "finished_by_id": "NULL", "action": "''",
        "action_label": "''", "opinion": "''", "overdue_flagged_at": "NULL",
    }, params={**p, "apps": apps})
    t = phase("workflow_steps", t)

    # authorizations of the first applications (same unit); about one in a hundred expires within the week
    tpl_auth = Authorization.objects.order_by("pk").first()
    assert tpl_auth is not None
    n_auth = min(want["authorizations"], n_apps)
    auths = fill(Authorization, tpl_auth.pk, n_auth, {
        "number": "'BENCH-A' || lpad(g::text, 8, '0')",
        "application_id": "%(apps)s + g", "consumer_unit_id": unit,
        "valid_from_on": "%(today)s::date - 365 + mod(g, 300)",
        "valid_until_on": "CASE WHEN mod(g, 100) = 0 THEN %(today)s::date - 1 + mod(g / 100, 7) "
                          "ELSE %(today)s::date + 30 + mod(g, 700) END",
        "status": f"CASE WHEN mod(g, 50) = 7 THEN '{AuthorizationStatus.SUSPENDED}' "
                  f"ELSE '{AuthorizationStatus.ACTIVE}' END",
        "status_changed_at": "NULL", "renewed_from_id": "NULL", "is_special": "false",
        "expiry_reminded_on": "NULL",
        "created_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "updated_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
    }, params={**p, "apps": apps})
    fill_through(Authorization._meta.get_field("entries"), auths, n_auth, entry_of, p)
    t = phase("authorizations", t)

    # usage records: the unit of their authorization, over the last two years
    tpl_use = DataUseRecord.objects.order_by("pk").first()
    assert tpl_use is not None
    fill(DataUseRecord, tpl_use.pk, want["usage"], {
        "authorization_id": "a.id", "unit_id": "a.consumer_unit_id",
        "purpose": f"{word} || '业务核验 ' || g",
        "acquired_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "recorded_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "external_id": "''", "batch_id": "''", "is_violation": "mod(g, 97) = 0",
        "retain_until_on": "%(today)s::date + 1000",
    }, joins=f"JOIN {_q(Authorization._meta.db_table)} a ON a.id = %(auths)s + mod(g, %(na)s)",
        params={**base, "auths": auths, "na": n_auth})
    t = phase("usage_records", t)

    # subsidy applications: the demo's (call, rule) pairs, statuses over the workflow, some overdue, some with the
    # publicity period over (due for closing)
    pairs = list(Application.objects.exclude(status=ApplicationStatus.DRAFT).values_list("call_id", "rule_id")
                 .distinct().order_by("call_id", "rule_id"))
    tpl_sub = Application.objects.exclude(status=ApplicationStatus.DRAFT).exclude(number=None).order_by("pk").first()
    assert tpl_sub is not None and pairs
    statuses = ["submitted", "accepted", "under_review", "under_review", "approved", "publicity", "publicized",
                "disbursed", "rejected", "returned"]
    assert set(statuses) <= set(ApplicationStatus.values)
    sp = {**base, "calls": [c for c, _ in pairs], "rules": [r for _, r in pairs], "k": len(pairs),
          "st": statuses, "ns": len(statuses), "ents": ent_ids, "ne": len(ent_ids)}
    fill(Application, tpl_sub.pk, want["subsidy_applications"], {
        "number": "'BENCH-B' || lpad(g::text, 8, '0')",
        "call_id": "(%(calls)s::bigint[])[1 + mod(g, %(k)s)]",
        "rule_id": "(%(rules)s::bigint[])[1 + mod(g, %(k)s)]",
        "enterprise_id": "(%(ents)s::bigint[])[1 + mod(g, %(ne)s)]",
        "status": "(%(st)s::text[])[1 + mod(g, %(ns)s)]",
        "origin": "'applicant'", "is_duplicate": "false", "duplicate_of_id": "NULL",
        "submitted_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "event_on": "%(today)s::date - mod(g, 200)",
        "step_started_on": "%(today)s::date - mod(g, 30)",
        "due_on": "%(today)s::date + (mod(g, 40) - 20)",
        "publicity_ends_on": "CASE WHEN mod(g, %(ns)s) = 5 THEN %(today)s::date + (mod(g, 14) - 7) END",
        "created_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
        "updated_at": "%(now)s::timestamptz - (g || ' minutes')::interval",
    }, params=sp)
    t = phase("subsidy_applications", t)

    # the access log: the city authority's list reads, one a minute back from now
    authority = get_user_model().objects.get(username="city_authority")
    tpl_log = AccessLog.objects.create(user=authority, user_name=authority.username, channel=AccessChannel.ADMIN,
                                       action=AccessAction.QUERY, query="/admin/sharing/datauserecord/",
                                       result_count=20)
    fill(AccessLog, tpl_log.pk, want["access_log"], {"at": "%(now)s::timestamptz - (g || ' minutes')::interval"},
         params=base)
    phase("access_log", t)

