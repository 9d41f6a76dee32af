"""Run the red-flag rules for one tender and store the results (idempotent; dispositions are kept)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from portal.history import acting_as
from procurement.models import Bid, Disposition, Lot, RedFlag, Tender
from procurement.redflags.rules import RULES


def _tender_for_checks(tender: Tender) -> Tender:
    bids = Bid.objects.select_related("bidder").prefetch_related("fingerprints")
    lots = Lot.objects.select_related("awarded_bid__bidder", "contract").prefetch_related(
        Prefetch("bids", queryset=bids))
    return Tender.objects.select_related("tenderer", "project").prefetch_related(
        Prefetch("lots", queryset=lots)).get(pk=tender.pk)


@transaction.atomic
def run_red_flags(tender: Tender, event: str, *, on: date | None = None, acting_user: Any = None) -> list[RedFlag]:
    """Evaluate every rule bound to ``event`` and effective ``on``; upsert one flag per finding."""
    on = on or timezone.localdate()
    now = timezone.now()
    tender = _tender_for_checks(tender)
    raised: list[RedFlag] = []
    with acting_as(acting_user):
        for rule in RULES:
            if event not in rule.events or not rule.is_effective(on):
                continue
            found_keys = []
            for finding in rule.check(tender):
                found_keys.append(finding.key)
                flag, created = RedFlag.objects.get_or_create(
                    rule_code=rule.code, tender=tender, subject_key=finding.key,
                    defaults={"lot": finding.lot, "bid": finding.bid, "bidder": finding.bidder,
                              "message": finding.message, "detail": finding.detail, "legal_basis": rule.legal_basis,
                              "event": event, "first_found_at": now, "last_found_at": now})
                if not created:
                    flag.message, flag.detail, flag.last_found_at, flag.is_current = (
                        finding.message, finding.detail, now, True)
                    flag.save()
                raised.append(flag)
            stale = RedFlag.objects.filter(rule_code=rule.code, tender=tender, is_current=True).exclude(
                subject_key__in=found_keys)
            for flag in stale:  # no longer found: keep the row (and any disposition), mark it not current
                flag.is_current = False
                flag.save()
    return raised


def open_flags_count(tender: Tender) -> int:
    return RedFlag.objects.filter(tender=tender, is_current=True, disposition=Disposition.OPEN).count()
