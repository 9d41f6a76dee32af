"""Matching (政策精准推送 / 免申即享): for each open call and each of its rules, every enterprise whose required facts the
administration holds is evaluated by the real calculator with its award history; the eligible ones become (or stay)
match candidates with the amount, the trace and the source of every fact.

What is never proposed: an enterprise that already has a live application (or award) under the same call and rule,
one proposed under another open call for the same rule and year, one the calculator refuses (window, thresholds,
caps, 就高不重复/差额 against earlier awards — given the same history the application review uses), and candidates
the enterprise or the officer already decided (confirmed, declined, dismissed), which are never touched.

Idempotent: a candidate's ``fingerprint`` hashes its inputs (facts and their fact rows, the award history, the rule
state in force, the call); an unchanged fingerprint means no write at all. Batched for speed: one query per call for
the facts, one for the award history, one for the existing candidates, the state of every rule read once (one
``CalculationBatch`` per run), bulk writes with history — new candidates by COPY (PostgreSQL) and their history rows
by one INSERT … SELECT (docs/adr/0305-subsidies-fact-sources-and-matching.md, docs/subsidies.md "Speed").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from portal.faults import checkpoint
from portal.history import acting_as
from portal.permissions import require
from subsidies.calculator import CalculationBatch
from subsidies.models import Application, ApplicationStatus, Call
from subsidies.models.matching import CandidateStatus, EnterpriseFact, FactSource, MatchCandidate
from subsidies.permissions import can_run_matching
from subsidies.rules import CalculationError, HistoryItem, RuleDef, get_rule_def
from subsidies.rules.facts import MULTI
from subsidies.selectors import award_histories, call_list_open
from subsidies.services.facts import facts_harvest
from subsidies.workflow import ALIVE, MATCH_CANDIDATE

__all__ = ["CHANGED_AFTER_PUSH", "MatchSummary", "fact_years", "matching_run"]

CHANGED_AFTER_PUSH = "事实或规则已变化，请重新推送"
APPLIED = "企业已就该批次该规则申报，不再推送"
FACTS_GONE = "所需事实已不可得（来源停用或报送已更正）"
NOT_ELIGIBLE = "按最新事实测算不再符合条件"
# Applications that make a proposal pointless: everything alive, and a draft being prepared.
APPLYING = frozenset({*ALIVE, ApplicationStatus.DRAFT})
UPDATED_FIELDS = ("facts", "sources", "amount", "calculation", "fingerprint", "matched_at", "updated_at")
DECIDED = (CandidateStatus.CONFIRMED, CandidateStatus.DECLINED, CandidateStatus.DISMISSED)


def fact_years(call: Call) -> tuple[int, int]:
    """The fact periods a call reads: its own year and the year before (a call of year Y pays for results of Y−1 or
    Y, reported in yearly collections); the newest period wins."""
    return call.year - 1, call.year


@dataclass
class MatchSummary:
    calls: int = 0
    evaluated: int = 0
    proposed: int = 0
    updated: int = 0
    unchanged: int = 0
    expired: int = 0
    excluded: int = 0
    skipped_applied: int = 0
    skipped_other_call: int = 0
    missing_facts: int = 0
    invalid_facts: int = 0
    harvested: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def message(self) -> str:
        return (f"匹配完成：{self.calls} 个批次，测算 {self.evaluated} 次；新增候选 {self.proposed} 个，更新 "
                f"{self.updated} 个，未变化 {self.unchanged} 个，失效 {self.expired} 个；不符合条件 {self.excluded} 个，"
                f"已申报 {self.skipped_applied} 个，已在其他批次推荐 {self.skipped_other_call} 个，事实不全 "
                f"{self.missing_facts} 个，事实取值有误 {self.invalid_facts} 个；新读取事实 {self.harvested} 条。")


@dataclass(slots=True)
class _Fact:
    pk: int
    value: str
    period: int
    submission_id: int
    source_id: int
    version_id: int | None = None


class _Known(NamedTuple):
    """An existing (not stale) candidate as the run needs it: no model instance per row (a re-run reads them all)."""

    pk: int
    call_id: int
    rule_id: int
    enterprise_id: int
    period: int
    status: str
    fingerprint: str


def _multi(value: str) -> list[str]:
    """A multiple-choice fact as submitted: values separated by commas, 、, semicolons or blanks."""
    return [v for v in re.split(r"[,，、;；\s]+", value) if v]


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _fingerprint(head: str, facts: dict[str, _Fact], history: list[tuple[int, HistoryItem]]) -> str:
    """sha256 over the call, rule, period and rule state (``head``), each fact's value and row id, and the award
    history (ids and amounts): the same inputs give the same result."""
    parts = [head]
    parts.extend(f"{name}={fact.value}#{fact.pk}" for name, fact in sorted(facts.items()))
    parts.extend(f"award{pk}={h.amount}" for pk, h in history)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class _Run:
    """One matching run: the data loaded in batches, the decisions, then the writes."""

    def __init__(self, *, on: dt.date, acting_user: Any) -> None:
        self.on = on
        self.acting_user = acting_user
        self.now = timezone.now()
        self.summary = MatchSummary()
        self.batch = CalculationBatch()  # every rule's state, read once for the run (two queries)
        self.taken: set[tuple[int, int, int]] = set()  # (rule, enterprise, period) proposed/alive in some call
        self.meta: dict[int, dict[str, Any]] = {}
        self.submitted: dict[int, str | None] = {}  # submission id → date submitted (ISO)

    # ---------------------------------------------------------------- loading
    def load_sources(self) -> None:
        from catalogs.models import CatalogVersion

        for s in FactSource.objects.select_related("data_item__entry", "collection_item__unit", "vouching_unit"):
            entry = s.data_item.entry
            self.meta[s.pk] = {"rule_id": s.rule_id, "entry": f"{entry.code} {entry.title}",
                               "data_item": s.data_item.name, "unit": s.vouching_unit.name,
                               "active": s.retired_at is None}
        self.versions = dict(CatalogVersion.objects.values_list("pk", "number"))

    def load_facts(self, call: Call, names: set[str]) -> tuple[dict[int, dict[str, _Fact]],
                                                               dict[tuple[int, int], dict[str, _Fact]]]:
        """Newest fact per (enterprise, fact) in the call's years: sources for every rule, and sources of one rule.
        One query for the facts (plain columns only), one for the dates of submissions not seen yet."""
        from catalogs.models import CollectionSubmission

        general: dict[int, dict[str, _Fact]] = defaultdict(dict)
        specific: dict[tuple[int, int], dict[str, _Fact]] = defaultdict(dict)
        rows = (EnterpriseFact.objects.filter(fact__in=names, period__in=fact_years(call),
                                              source__retired_at__isnull=True)
                .values_list("pk", "enterprise_id", "fact", "period", "value", "submission_id", "source_id",
                             "source__rule_id", "entry_version_id")
                .order_by("period", "submission_id", "pk"))
        submissions: set[int] = set()
        for pk, ent, name, period, value, sub, src, rule_id, version in rows.iterator(chunk_size=20000):
            fact = _Fact(pk, value, period, sub, src, version)
            submissions.add(sub)
            if rule_id is None:
                general[ent][name] = fact
            else:
                specific[(ent, rule_id)][name] = fact
        new = submissions - set(self.submitted)
        if new:
            for sub, submitted_at in CollectionSubmission.objects.filter(pk__in=sorted(new)).values_list(
                    "pk", "submitted_at"):
                self.submitted[sub] = timezone.localdate(submitted_at).isoformat() if submitted_at else None
        return general, specific

    def load_existing(self, calls: list[Call], rule_ids: set[int]) -> dict[tuple[int, int, int, int], _Known]:
        existing: dict[tuple[int, int, int, int], _Known] = {}
        call_ids = {c.pk for c in calls}
        for row in MatchCandidate.objects.filter(rule_id__in=rule_ids).exclude(status=CandidateStatus.STALE) \
                .values_list("pk", "call_id", "rule_id", "enterprise_id", "period", "status", "fingerprint") \
                .iterator(chunk_size=20000):
            cand = _Known(*row)
            if cand.call_id in call_ids:
                existing[(cand.call_id, cand.rule_id, cand.enterprise_id, cand.period)] = cand
            self.taken.add((cand.rule_id, cand.enterprise_id, cand.period))
        return existing

    # ---------------------------------------------------------------- one (call, rule, enterprise)
    def sources_json(self, rdef: RuleDef, facts: dict[str, _Fact]) -> list[dict[str, Any]]:
        labels = {f.name: f.label for f in rdef.facts}
        out = []
        for name, fact in facts.items():
            meta = self.meta[fact.source_id]
            version = fact.version_id
            out.append({"fact": name, "label": labels.get(name, name), "value": fact.value, "period": fact.period,
                        "entry": meta["entry"], "data_item": meta["data_item"],
                        "version": self.versions.get(version) if version else None, "submission": fact.submission_id,
                        "submitted_on": self.submitted.get(fact.submission_id),
                        "unit": meta["unit"], "fact_id": fact.pk})
        return out


class _NewCandidates:
    """New candidates of one call, adapted for the database as they are decided (their JSON is text at once: a large
    run keeps no result objects alive), then written with their 创建 history rows by ``write``."""

    def __init__(self, *, call_id: int, now: dt.datetime, user: Any) -> None:
        ops = connection.ops
        self.call_id, self.now, self.user = call_id, now, user
        self.at = at = ops.adapt_datetimefield_value(now)
        self.copy = copy = connection.vendor == "postgresql"
        self.defaults: dict[str, Any] = {
            "call_id": call_id, "created_at": now, "updated_at": now, "retired_at": None, "status": "proposed",
            "pushed_at": None, "responded_at": None, "corrections": {}, "correction_evidence": "", "reason": "",
            "pushed_by_id": None, "responded_by_id": None, "application_id": None}

        def adapter(f: Any) -> Any:
            if isinstance(f, models.JSONField):
                if copy:  # COPY reads the JSON text itself
                    encode = (f.encoder or json.JSONEncoder)(ensure_ascii=False).encode
                    return lambda v: "{}" if v == {} else encode(v)
                return lambda v: ops.adapt_json_value(v, f.encoder)
            if isinstance(f, models.DecimalField):
                return lambda v: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
            if isinstance(f, models.DateTimeField):
                return lambda v: None if v is None else (at if v is now else ops.adapt_datetimefield_value(v))
            return lambda v: v

        self.fields = [f for f in MatchCandidate._meta.concrete_fields if not f.primary_key]
        self.adapters = [(f.attname, adapter(f)) for f in self.fields]
        self.rows: dict[tuple[int, int, int], list[Any]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: dict[str, Any]) -> None:
        full = self.defaults | row
        self.rows[(row["rule_id"], row["enterprise_id"], row["period"])] = [fn(full[n]) for n, fn in self.adapters]

    def write(self) -> None:
        """Insert the candidates, then their history rows with one ``INSERT … SELECT`` from the rows just written
        (the values simple-history records, the acting user, type ``+``; chosen by call and ``created_at = now``,
        which only this run's new rows have: updated candidates keep their creation time). The candidates go in with
        ``COPY`` on PostgreSQL, else with ``executemany``; values adapted once, by the database backend's own
        adapters (the ORM's per-value insert compilation, and sending every row twice, were most of the time)."""
        ops = connection.ops
        table = ops.quote_name(MatchCandidate._meta.db_table)
        cols = ", ".join(ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if self.copy:
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as stream:
                    for values in self.rows.values():
                        stream.write_row(values)
            else:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES "  # noqa: S608
                                   f"({', '.join(['%s'] * len(self.fields))})", list(self.rows.values()))
        history = MatchCandidate.history.model
        hist_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        own = {f.attname: f.column for f in MatchCandidate._meta.concrete_fields}
        extra = {"history_date": self.at, "history_change_reason": None, "history_type": "+",
                 "history_user_id": getattr(self.user, "pk", None)}
        select, params = [], []
        for f in hist_fields:
            if f.attname in own:
                select.append(ops.quote_name(own[f.attname]))
            else:
                select.append("%s")
                params.append(extra[f.attname])
        hist_table = ops.quote_name(history._meta.db_table)
        hist_cols = ", ".join(ops.quote_name(f.column) for f in hist_fields)
        call_col, created_col = ops.quote_name(own["call_id"]), ops.quote_name(own["created_at"])
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {hist_table} ({hist_cols}) SELECT {', '.join(select)} "  # noqa: S608
                           f"FROM {table} WHERE {call_col} = %s AND {created_col} = %s ORDER BY "
                           f"{ops.quote_name('id')}", [*params, self.call_id, self.at])


def _expire(cand: MatchCandidate, reason: str, summary: MatchSummary) -> None:
    MATCH_CANDIDATE.apply("expire", cand, user=None, reason=reason)
    summary.expired += 1


def _run_call(run: _Run, call: Call, existing: dict[tuple[int, int, int, int], _Known],
              histories: dict[tuple[int, int], list[tuple[int, HistoryItem]]],
              applying: set[tuple[int, int, int]]) -> None:
    s = run.summary
    period = call.year
    rules = sorted(call.rules.all(), key=lambda r: r.code)
    defs = {r.pk: get_rule_def(r.code) for r in rules}
    names = {f.name for d in defs.values() for f in d.facts}
    general, specific = run.load_facts(call, names)
    enterprises_with = set(general) | {ent for ent, _ in specific}
    by_rule: dict[int, dict[int, _Known]] = defaultdict(dict)
    for (call_id, rule_id, ent_id, year), known_cand in existing.items():
        if call_id == call.pk and year == period:
            by_rule[rule_id][ent_id] = known_cand
    to_create = _NewCandidates(call_id=call.pk, now=run.now, user=run.acting_user)
    to_update: dict[int, dict[str, Any]] = {}  # candidate id → new values
    to_expire: list[tuple[int, str]] = []  # candidate id, reason
    none: dict[str, _Fact] = {}
    for rule in rules:
        rdef, rpk, cpk = defs[rule.pk], rule.pk, call.pk
        required = [f.name for f in rdef.facts if f.required]
        wanted = required + [f.name for f in rdef.facts if not f.required]
        state = run.batch.state_of(rdef, run.on)
        head = f"{call.pk}|{rule.code}|{period}|{_digest(state)}"
        multi = {f.name for f in rdef.facts if f.type == MULTI}
        candidates_here = by_rule.get(rpk, {})
        for ent in sorted(enterprises_with | set(candidates_here)):
            cand = candidates_here.get(ent)
            if cand is not None and cand.status in DECIDED:
                continue  # the enterprise or the officer decided: never touched
            if (cpk, rpk, ent) in applying:
                s.skipped_applied += 1
                if cand is not None:
                    to_expire.append((cand.pk, APPLIED))
                continue
            if cand is None and (rpk, ent, period) in run.taken:
                s.skipped_other_call += 1
                continue
            own, common = specific.get((ent, rpk), none), general.get(ent, none)
            facts = {}
            for n in wanted:  # a source of this rule wins over a general one
                fact = own.get(n) or common.get(n)
                if fact is not None:
                    facts[n] = fact
            if any(n not in facts for n in required):
                if required and any(n in facts for n in required) or cand is not None:
                    s.missing_facts += 1
                if cand is not None:
                    to_expire.append((cand.pk, FACTS_GONE))
                continue
            history = histories.get((ent, rpk), [])
            fingerprint = _fingerprint(head, facts, history)
            if cand is not None and cand.fingerprint == fingerprint:
                s.unchanged += 1
                run.taken.add((rpk, ent, period))
                continue
            s.evaluated += 1
            raw = {n: (_multi(f.value) if n in multi else f.value) for n, f in facts.items()}
            try:
                result = run.batch.calculate(rdef.code, raw, history=[h for _, h in history], on=run.on)
            except CalculationError:
                s.invalid_facts += 1
                if cand is not None:
                    to_expire.append((cand.pk, NOT_ELIGIBLE + "（事实取值有误）"))
                continue
            amount = Decimal(result["amount"])
            if not result["eligible"] or amount <= 0:
                s.excluded += 1
                for reason in result["reasons"][:1]:
                    s.reasons[reason] = s.reasons.get(reason, 0) + 1
                if cand is not None:
                    why = "；".join(result["reasons"][:2])
                    to_expire.append((cand.pk, f"{NOT_ELIGIBLE}：{why}" if why else NOT_ELIGIBLE))
                continue
            run.taken.add((rpk, ent, period))
            values = {"facts": raw, "sources": run.sources_json(rdef, facts), "amount": amount,
                      "calculation": result, "fingerprint": fingerprint, "matched_at": run.now}
            if cand is not None and cand.status == CandidateStatus.PROPOSED:
                to_update[cand.pk] = {**values, "updated_at": run.now}
                continue
            if cand is not None:  # pushed, and what it was pushed on has changed: stale, and a fresh proposal
                to_expire.append((cand.pk, CHANGED_AFTER_PUSH))
            to_create.add({"rule_id": rpk, "enterprise_id": ent, "period": period, **values})
    with transaction.atomic(), acting_as(run.acting_user):
        if to_expire:
            stale = MatchCandidate.objects.in_bulk([pk for pk, _ in to_expire])
            for pk, reason in sorted(to_expire):
                _expire(stale[pk], reason, s)
        if to_update:
            changed = list(MatchCandidate.objects.filter(pk__in=to_update).order_by("pk"))
            for full in changed:
                for name, value in to_update[full.pk].items():
                    setattr(full, name, value)
            bulk_update_with_history(changed, MatchCandidate, list(UPDATED_FIELDS), batch_size=500,
                                     default_user=run.acting_user)
            s.updated += len(changed)
        if to_create:
            to_create.write()
            s.proposed += len(to_create)


def matching_run(*, call: Call | None = None, acting_user: Any = None, on: dt.date | None = None) -> MatchSummary:
    """Match every open call (or only ``call``): harvest facts not read yet, evaluate, write candidates (new ones,
    changed ones while still proposed; stale ones via the workflow's ``expire``). ``acting_user`` None is the job."""
    import time

    started = time.perf_counter()
    if acting_user is not None:
        require(can_run_matching(acting_user))
    day = on or timezone.localdate()
    run = _Run(on=day, acting_user=acting_user)
    run.summary.harvested = facts_harvest().created
    calls = [call] if call is not None else list(call_list_open(day))
    if call is not None:
        calls = list(Call.objects.filter(pk=call.pk).prefetch_related("rules"))
    run.load_sources()
    rule_ids = {r.pk for c in calls for r in c.rules.all()}
    existing = run.load_existing(calls, rule_ids)
    histories = award_histories(rule_ids=rule_ids)
    applying = set(Application.objects.filter(call__in=calls, status__in=APPLYING)
                   .values_list("call_id", "rule_id", "enterprise_id"))
    for c in calls:
        _run_call(run, c, existing, histories, applying)  # one transaction per call
        run.summary.calls += 1
        checkpoint("subsidies.matching")
    run.summary.seconds = round(time.perf_counter() - started, 2)
    return run.summary

