"""FilterSets of the procurement lists: the API's filter backend and the selectors run the same ones."""

from __future__ import annotations

import django_filters

from procurement.models import Bid, Contract, ItProject, Lot, RedFlag, Tender


class ProjectFilter(django_filters.FilterSet):
    class Meta:
        model = ItProject
        fields = ["status", "construction_unit", "annual_plan"]


class TenderFilter(django_filters.FilterSet):
    class Meta:
        model = Tender
        fields = ["status", "evaluation_method", "tenderer", "project"]


class BidFilter(django_filters.FilterSet):
    class Meta:
        model = Bid
        fields = ["lot", "lot__tender", "status", "bidder"]


class AwardFilter(django_filters.FilterSet):
    class Meta:
        model = Lot
        fields = ["tender"]


class ContractFilter(django_filters.FilterSet):
    class Meta:
        model = Contract
        fields = ["supplier"]


class RedFlagFilter(django_filters.FilterSet):
    class Meta:
        model = RedFlag
        fields = ["rule_code", "tender", "disposition", "is_current", "bidder"]
