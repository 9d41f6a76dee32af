"""Related records linked both ways on the record pages (project ↔ tenders ↔ lots ↔ bids ↔ scores ↔ red flags ↔
contract): a line of links under the record header (``templates/admin/procurement/change_form.html``), each to the
related record's admin page or to a changelist filtered to this record, shown only to people who may open it."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from procurement import models as m
from procurement import permissions as perms

OCDS_PATH = "/api/v1/procurement/ocds/release-package/"

# Changelist filters the links use (``?<lookup>=<pk>``); Django refuses lookups it does not know of.
RELATED_LOOKUPS = frozenset({
    "project__id__exact", "tender__id__exact", "lot__id__exact", "lot__tender__id__exact", "bid__id__exact",
    "bid__lot__id__exact", "bid__lot__tender__id__exact",
})


def ocds_url(tender: m.Tender) -> str:
    """The tender's OCDS release (the public package filtered by ``tender_no``; 204 until it is published)."""
    from urllib.parse import urlencode

    return f"{OCDS_PATH}?{urlencode({'tender_no': tender.tender_no})}"


class RelatedLinks:
    """Builds the links of one page; a link appears only when the user may view the target model's admin."""

    def __init__(self, admin_site: Any, request: HttpRequest) -> None:
        self.site, self.request = admin_site, request
        self.links: list[dict[str, str]] = []

    def _viewable(self, model: type[Model]) -> bool:
        model_admin = self.site._registry.get(model)
        return model_admin is not None and model_admin.has_view_permission(self.request)

    def record(self, label: str, obj: Model | None) -> None:
        if obj is not None and self._viewable(type(obj)):
            meta = obj._meta
            self.links.append({"label": label, "text": str(obj),
                               "url": reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])})

    def listing(self, label: str, model: type[Model], lookup: str, pk: int, count: int | None = None) -> None:
        if self._viewable(model):
            meta = model._meta
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist") + f"?{lookup}={pk}"
            self.links.append({"label": label, "text": "查看" if count is None else f"{count} 条", "url": url})

    def url(self, label: str, text: str, url: str) -> None:
        self.links.append({"label": label, "text": text, "url": url})


def _count(policy: Any, user: Any, qs: Any) -> int:
    return int(policy.scope(user, qs).count())


def links_for(admin_site: Any, request: HttpRequest, obj: Any) -> list[dict[str, str]]:
    """The related records of ``obj`` (a project, tender, lot, bid, score, red flag or contract)."""
    user, out = request.user, RelatedLinks(admin_site, request)
    if isinstance(obj, m.ItProject):
        out.listing("招标项目", m.Tender, "project__id__exact", obj.pk,
                    _count(perms.TenderPolicy(), user, m.Tender.objects.filter(project=obj)))
    elif isinstance(obj, m.Tender):
        out.record("政务信息化项目", obj.project)
        out.listing("合同包", m.Lot, "tender__id__exact", obj.pk, obj.lots.count())
        out.listing("投标", m.Bid, "lot__tender__id__exact", obj.pk,
                    m.Bid.objects.filter(lot__tender=obj).count())
        out.listing("评标委员会", m.CommitteeMember, "tender__id__exact", obj.pk, obj.committee.count())
        out.listing("评委打分", m.Score, "bid__lot__tender__id__exact", obj.pk,
                    _count(perms.ScorePolicy(), user, m.Score.objects.filter(bid__lot__tender=obj)))
        if perms.can_view_score_grid(user, obj):
            out.url("评分汇总表", "评委 × 投标", reverse("admin:procurement_tender_score_grid", args=[obj.pk]))
        out.listing("风险预警", m.RedFlag, "tender__id__exact", obj.pk,
                    _count(perms.RedFlagPolicy(), user, m.RedFlag.objects.filter(tender=obj, is_current=True)))
        out.listing("合同", m.Contract, "lot__tender__id__exact", obj.pk,
                    m.Contract.objects.filter(lot__tender=obj).count())
        out.url("OCDS 发布", "OCDS 1.1 数据包", ocds_url(obj))
    elif isinstance(obj, m.Lot):
        out.record("招标项目", obj.tender)
        out.listing("投标", m.Bid, "lot__id__exact", obj.pk, obj.bids.count())
        out.record("中标投标", obj.awarded_bid)
        out.record("合同", m.Contract.objects.filter(lot=obj).first())
        out.listing("风险预警", m.RedFlag, "lot__id__exact", obj.pk,
                    _count(perms.RedFlagPolicy(), user, m.RedFlag.objects.filter(lot=obj, is_current=True)))
    elif isinstance(obj, m.Bid):
        out.record("招标项目", obj.lot.tender)
        out.record("合同包", obj.lot)
        out.listing("评委打分", m.Score, "bid__id__exact", obj.pk,
                    _count(perms.ScorePolicy(), user, m.Score.objects.filter(bid=obj)))
        if perms.can_view_score_grid(user, obj.lot.tender):
            out.url("评分汇总表", "评委 × 投标", reverse("admin:procurement_tender_score_grid", args=[obj.lot.tender_id]))
        out.listing("风险预警", m.RedFlag, "bid__id__exact", obj.pk,
                    _count(perms.RedFlagPolicy(), user, m.RedFlag.objects.filter(bid=obj, is_current=True)))
        out.record("投标保证金", m.BidBond.objects.filter(bid=obj).first())
    elif isinstance(obj, m.Score):
        out.record("投标", obj.bid)
        out.record("招标项目", obj.bid.lot.tender)
        if perms.can_view_score_grid(user, obj.bid.lot.tender):
            out.url("评分汇总表", "评委 × 投标",
                    reverse("admin:procurement_tender_score_grid", args=[obj.bid.lot.tender_id]))
    elif isinstance(obj, m.RedFlag):
        out.record("招标项目", obj.tender)
        out.record("合同包", obj.lot)
        out.record("投标", obj.bid)
        out.listing("同一招标项目的风险预警", m.RedFlag, "tender__id__exact", obj.tender_id)
    elif isinstance(obj, m.Contract):
        out.record("招标项目", obj.lot.tender)
        out.record("合同包", obj.lot)
        out.record("中标投标", obj.bid)
        out.listing("风险预警", m.RedFlag, "tender__id__exact", obj.lot.tender_id)
    return out.links


class RelatedLinksMixin:
    """Adds the related-records line to the change page and lets the changelist take the links' filters."""

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup in RELATED_LOOKUPS:
            return True
        return bool(super().lookup_allowed(lookup, value, request))  # type: ignore[misc]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id)) if str(object_id).isdigit() else None  # type: ignore[attr-defined]
        if obj is not None:
            links = links_for(self.admin_site, request, obj)  # type: ignore[attr-defined]
            extra["related_links"] = links
            if isinstance(obj, m.Tender):  # the grid also as a button beside the steps
                extra["score_grid_url"] = next((x["url"] for x in links if x["label"] == "评分汇总表"), None)
        return super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]
